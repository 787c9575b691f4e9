/**
 * Runs one command and measures it: wall time, controller CPU (user + sys of the whole
 * process tree, from /usr/bin/time's getrusage of the children it waited for, plus any
 * process that left the tree, such as OpenSSH ControlPersist masters), peak memory of the
 * tree (sampled from /proc), CPU of the whole machine (/proc/stat: the lab hosts share this
 * machine) and CPU of the lab hosts themselves (sshd and everything it ran).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allPids, cmdline, machineCpu, procStat, pssBytes, tree, treeCpu } from './proc.js';

export interface Measurement {
  wallS: number;
  /** user + sys CPU seconds of the controller process tree. */
  cpuS: number;
  userS: number;
  sysS: number;
  /** Peak of the summed memory of the controller tree (PSS where readable, else RSS), MiB. */
  peakMemMiB: number;
  /** Peak RSS of the single largest process of the tree (getrusage ru_maxrss), MiB. */
  maxRssMiB: number;
  /** Largest number of processes seen in the controller tree at once. */
  peakProcesses: number;
  /** Busy CPU seconds of the whole machine during the run. */
  machineCpuS: number;
  /** CPU seconds used by the lab hosts (sshd, shells, modules) during the run. */
  hostsCpuS: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /**
   * Processes whose command line holds this text are the run's own even after they leave the
   * tree (ControlPersist masters): their CPU is added, then they are ended by PID.
   */
  orphanMarker?: string;
  /** PID 1 of every lab host: their trees' CPU is the hosts' share. */
  hostPids?: number[];
  sampleMs?: number;
  timeoutMs?: number;
}

/** Sum of CPU of the hosts' trees; also how many processes they hold. */
function hostsCpu(pids: number[]): { cpu: number; processes: number } {
  let cpu = 0;
  let processes = 0;
  for (const p of pids) {
    const t = treeCpu(p);
    cpu += t.cpu;
    processes += t.processes;
  }
  return { cpu, processes };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the hosts hold no more processes than they did at rest (sessions closed). */
async function settleHosts(pids: number[], atRest: number, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline && hostsCpu(pids).processes > atRest) await sleep(50);
}

export async function measure(argv: string[], opts: MeasureOptions = {}): Promise<Measurement> {
  const hostPids = opts.hostPids ?? [];
  const scratch = mkdtempSync(join(tmpdir(), 'tsplay-bench-time-'));
  const timeFile = join(scratch, 'time');
  try {
    const restProcesses = hostsCpu(hostPids).processes;
    const hostsBefore = hostsCpu(hostPids).cpu;
    const machineBefore = machineCpu().busy;
    const started = process.hrtime.bigint();
    // Output goes to files, not pipes: nothing on this side has to keep up with the tool (and a
    // tool that exits with output still queued for a pipe cannot lose it).
    const outFile = join(scratch, 'stdout');
    const errFile = join(scratch, 'stderr');
    const outFd = openSync(outFile, 'w');
    const errFd = openSync(errFile, 'w');
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, '--', ...argv], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', outFd, errFd],
    });
    closeSync(outFd);
    closeSync(errFd);
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');

    // Memory sampling: the tree under /usr/bin/time, plus processes that left it (by PID and start time).
    const tracked = new Map<number, number>();
    let peakMem = 0;
    let peakProcesses = 0;
    const sample = () => {
      if (child.pid === undefined) return;
      const pids = new Set(tree(child.pid));
      for (const [pid, start] of tracked) if (!pids.has(pid) && procStat(pid)?.start === start) pids.add(pid);
      let mem = 0;
      let n = 0;
      for (const pid of pids) {
        const s = procStat(pid);
        if (!s || s.state === 'Z') continue;
        if (!tracked.has(pid)) tracked.set(pid, s.start);
        // PSS shares the pages forked workers have in common instead of counting them per process.
        mem += pssBytes(pid) ?? s.rssBytes;
        n++;
      }
      peakMem = Math.max(peakMem, mem);
      peakProcesses = Math.max(peakProcesses, n);
    };
    const timer = setInterval(sample, opts.sampleMs ?? 100);
    let killTimer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) killTimer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), opts.timeoutMs);
    const exitCode: number = await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(timer);
    clearTimeout(killTimer);

    // Processes of the run still alive: CPU read, then ended by PID.
    let orphanCpu = 0;
    if (opts.orphanMarker) {
      const marker = opts.orphanMarker;
      const orphans = allPids().filter((p) => p !== process.pid && cmdline(p).includes(marker));
      for (const pid of orphans) {
        const s = procStat(pid);
        if (s) orphanCpu += s.utime + s.stime + s.cutime + s.cstime;
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
      const deadline = Date.now() + 5000;
      while (orphans.some((p) => procStat(p) !== undefined && procStat(p)!.state !== 'Z') && Date.now() < deadline) await sleep(20);
    }
    await settleHosts(hostPids, restProcesses);
    const machineCpuS = machineCpu().busy - machineBefore;
    const hostsCpuS = hostsCpu(hostPids).cpu - hostsBefore;

    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const [, user, sys, maxKb] = lines[lines.length - 1]!.split(' ').map(Number) as [number, number, number, number];
    return {
      wallS,
      cpuS: user + sys + orphanCpu,
      userS: user,
      sysS: sys,
      peakMemMiB: Math.max(peakMem / 2 ** 20, maxKb / 1024),
      maxRssMiB: maxKb / 1024,
      peakProcesses,
      machineCpuS,
      hostsCpuS,
      exitCode,
      stdout: readFileSync(outFile, 'utf8'),
      stderr: readFileSync(errFile, 'utf8'),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
