/**
 * Reading /proc: process trees, their CPU times and memory, and the machine's CPU counters.
 * Everything here is synchronous and cheap enough to run every 100 ms on a tree of a few
 * hundred processes (one small read per process).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux in practice). */
export const CLK_TCK = 100;
const PAGE = 4096;

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** CPU seconds of the process itself. */
  utime: number;
  stime: number;
  /** CPU seconds of its children that it waited for (and theirs, recursively). */
  cutime: number;
  cstime: number;
  /** Start time in clock ticks since boot: with the PID, identifies the process for good. */
  start: number;
  rssBytes: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function procStat(pid: number): ProcStat | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return undefined;
  // comm may hold spaces and parentheses: the fields start after the last ')'.
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, close),
    state: f[0]!,
    ppid: Number(f[1]),
    utime: Number(f[11]) / CLK_TCK,
    stime: Number(f[12]) / CLK_TCK,
    cutime: Number(f[13]) / CLK_TCK,
    cstime: Number(f[14]) / CLK_TCK,
    start: Number(f[19]),
    rssBytes: Number(f[21]) * PAGE,
  };
}

/** Direct children of a process (every thread's children file: a fork may come from any thread). */
export function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const t of tasks) {
    const text = read(`/proc/${pid}/task/${t}/children`);
    if (text) for (const c of text.trim().split(/\s+/)) if (c) out.push(Number(c));
  }
  return out;
}

/** The process and all its descendants still attached to it. */
export function tree(root: number): number[] {
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...children(pid));
  }
  return out;
}

/** Proportional set size of a process (its share of shared pages), or its RSS if smaps is unreadable. */
export function pssBytes(pid: number): number | undefined {
  const text = read(`/proc/${pid}/smaps_rollup`);
  if (!text) return undefined;
  const m = /^Pss:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

export function cmdline(pid: number): string {
  return (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim();
}

/** Every PID on the machine. */
export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Busy and total CPU seconds of the whole machine since boot, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = (read('/proc/stat') ?? '').split('\n').find((l) => l.startsWith('cpu '))!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest times are already inside user/nice).
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  return { busy: busy / CLK_TCK, total: (busy + idle + iowait) / CLK_TCK };
}

/**
 * CPU seconds used so far by a whole process tree: each live process's own time plus what it
 * collected from children it waited for. Children that exited without being waited for are
 * lost, which does not happen in the trees measured here (sshd and sh wait for theirs).
 */
export function treeCpu(root: number): { cpu: number; processes: number } {
  let cpu = 0;
  let processes = 0;
  for (const pid of tree(root)) {
    const s = procStat(pid);
    if (!s) continue;
    processes++;
    cpu += s.utime + s.stime + s.cutime + s.cstime;
  }
  return { cpu, processes };
}
