/**
 * A check-mode run's events, read into a drift report: one record per host and task result (a
 * loop's items folded into their task), each judged in sync, drifted, would fail, skipped or
 * unpredictable. Tasks that only steer the run (includes, meta) and a fact gathering that went
 * well describe no state of the host and are left out.
 */
import { shownPath } from '../core/local-files.js';
import type { FileDiff } from '../core/module.js';
import type { HostState } from '../executor/host.js';
import type { Event } from '../output/events.js';
import { unifiedDiff } from '../output/diff.js';
import type { Diff, HostDrift, TaskDrift, TaskStatus } from './schema.js';

/** Modules that steer the run rather than describe the host. */
const STEERING = new Set(['include_tasks', 'import_tasks', 'include', 'include_role', 'import_role', 'meta']);

interface TaskInfo {
  name: string;
  module: string;
  file: string;
  line: number;
  handler: boolean;
}

export interface Collected {
  tasks: Map<string, TaskDrift[]>;
  /** The message of the result that found a host unreachable. */
  unreachable: Map<string, string>;
}

function status(e: Extract<Event, { kind: 'host_result' }>): TaskStatus | undefined {
  switch (e.status) {
    case 'ok':
      return 'in sync';
    case 'changed':
      return 'drifted';
    case 'failed':
      return 'would fail';
    case 'skipped':
      return e.unpredictable ? 'unpredictable' : 'skipped';
    case 'unreachable':
      return undefined;
  }
}

function diffs(list: FileDiff[] | undefined): Diff[] {
  return (list ?? []).filter((d) => d.before !== d.after).map((d) => ({ path: d.path, before: d.before, after: d.after, unified: unifiedDiff(d) }));
}

/** A sink for the run's events (beside the one that prints them), and what it gathered. */
export function collector(cwd: string): { emit: (e: Event) => void; collected: Collected } {
  const collected: Collected = { tasks: new Map(), unreachable: new Map() };
  const info = new Map<number, TaskInfo>();
  const pending = new Map<string, { items: string[]; unpredictable: boolean; msgs: string[] }>();
  let play = '';
  let gather: TaskInfo | undefined;
  const add = (host: string, t: TaskDrift) => {
    let list = collected.tasks.get(host);
    if (!list) collected.tasks.set(host, (list = []));
    list.push(t);
  };
  const emit = (e: Event) => {
    if (e.kind === 'play_start') play = e.name;
    else if (e.kind === 'task_start') {
      const t = { name: e.name, module: e.module, file: shownPath(e.file, cwd), line: e.line ?? 0, handler: e.handler };
      if (e.taskId !== undefined) info.set(e.taskId, t);
      else if (e.module === 'setup') gather = t;
    } else if (e.kind === 'host_result') {
      if (e.status === 'unreachable') {
        if (!e.ignored) collected.unreachable.set(e.host, e.msg ?? 'unreachable');
        return;
      }
      const t = e.taskId !== undefined ? info.get(e.taskId) : e.module === 'setup' ? gather : undefined;
      if (!t || (STEERING.has(e.module) && e.status !== 'failed') || (e.module === 'setup' && e.taskId === undefined && e.status === 'ok')) return;
      const key = `${e.host}\0${e.taskId}`;
      // A loop reports each item, then the task (with every item's diff): the items' labels and messages go with the task.
      if (e.item !== undefined && !e.loop) {
        const p = pending.get(key) ?? { items: [], unpredictable: false, msgs: [] };
        pending.set(key, p);
        p.items.push(e.item);
        p.unpredictable ||= Boolean(e.unpredictable);
        if (e.msg !== undefined && e.status !== 'ok' && e.status !== 'skipped') p.msgs.push(`${e.item}: ${e.msg}`);
        return;
      }
      const p = pending.get(key);
      pending.delete(key);
      const s = p?.unpredictable && e.status === 'skipped' ? 'unpredictable' : status(e);
      if (!s) return;
      // A loop's own message ("All items completed") says less than its items'.
      const msg = e.noLog ? null : p ? (p.msgs.length ? p.msgs.join('\n') : null) : (e.msg ?? null);
      add(e.host, {
        name: e.task, module: e.module, file: t.file, line: t.line, play, handler: t.handler, status: s,
        diff: e.noLog ? [] : diffs(e.diff), msg: typeof msg === 'string' ? msg : msg === null ? null : String(msg),
        no_log: e.noLog, ignored: e.ignored, items: p?.items ?? [],
      });
    }
  };
  return { emit, collected };
}

const RANK: Record<TaskStatus, number> = { 'in sync': 0, skipped: 1, unpredictable: 2, drifted: 3, 'would fail': 4 };

/** The status that stands for several results of one task on one host (an include run twice): the worst. */
export function worst(statuses: TaskStatus[]): TaskStatus | undefined {
  return statuses.reduce<TaskStatus | undefined>((w, s) => (w === undefined || RANK[s] > RANK[w] ? s : w), undefined);
}

/** Facts the report keeps of a host: what it runs, where. */
function factsSummary(h: HostState): HostDrift['facts'] {
  const f = h.facts;
  if (!f || Object.keys(f).length === 0) return null;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const os = [str(f.distribution), str(f.distribution_version)].filter(Boolean).join(' ');
  return { os: os || null, kernel: str(f.kernel), arch: str(f.architecture), hostname: str(f.hostname) };
}

/** Each host the run worked on, with its tasks. */
export function hostsOf(collected: Collected, hosts: Map<string, HostState>): Record<string, HostDrift> {
  const out: Record<string, HostDrift> = {};
  for (const [name, h] of hosts) {
    const tasks = collected.tasks.get(name) ?? [];
    const reason = h.unreachable ?? collected.unreachable.get(name) ?? null;
    const drifted = tasks.some((t) => t.status === 'drifted' || t.status === 'would fail');
    out[name] = { reachable: reason === null, reason, status: reason !== null ? 'unreachable' : drifted ? 'drifted' : 'in sync', facts: factsSummary(h), tasks };
  }
  return out;
}
