/**
 * The drift report as a whole: run metadata with the inputs' hashes, the fleet's counts, what
 * changed since a previous report (--since), and the exit code an audit ends with.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readChecked } from '../core/local-files.js';
import { worst } from './collect.js';
import { type DriftReport, DriftReportSchema, type HostDrift, SCHEMA_VERSION, type TaskDrift } from './schema.js';

/** sha256 of a file; of a folder, of its files' relative paths and contents in sorted order; of an inline host list, of its text. */
export function sourceHash(source: string): string {
  const h = createHash('sha256');
  const path = resolve(source);
  let st;
  try {
    st = statSync(path);
  } catch {
    return h.update(source).digest('hex');
  }
  if (!st.isDirectory()) return h.update(readFileSync(path)).digest('hex');
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(dir, e.name), `${rel}${e.name}/`);
      else if (e.isFile()) h.update(`${rel}${e.name}\0`).update(readFileSync(join(dir, e.name))).update('\0');
    }
  };
  walk(path, '');
  return h.digest('hex');
}

export type FailOn = 'drift' | 'unreachable' | 'never';

/**
 * 0 no drift, 2 drift found, 4 some host unreachable (wins over 2); `--fail-on unreachable`
 * lets drift pass, `never` everything.
 */
export function auditExitCode(report: DriftReport, failOn: FailOn): number {
  if (failOn === 'never') return 0;
  if (report.summary.unreachable > 0) return 4;
  if (failOn === 'drift' && report.summary.drifted > 0) return 2;
  return 0;
}

const isDrift = (t: TaskDrift) => t.status === 'drifted' || t.status === 'would fail';
const taskKey = (t: TaskDrift) => `${t.file}:${t.line}\0${t.name}`;

/** Reads a previous drift.json for --since, refusing what is not one. */
export function readReport(file: string): DriftReport {
  return readChecked(file, DriftReportSchema, { label: `--since ${file}`, what: `a drift report of schema version ${SCHEMA_VERSION}`, hint: 'give the drift.json an earlier `tsplay audit` wrote' });
}

/**
 * Marks each drifted or failing result `new` or `still` against the previous report, and lists
 * per host what drifted then and is in sync now (`fixed`). A host unreachable now says nothing
 * about what was fixed on it.
 */
function compare(hosts: Record<string, HostDrift>, previous: DriftReport): void {
  for (const [name, host] of Object.entries(hosts)) {
    const before = previous.hosts[name];
    const was = new Set((before?.tasks ?? []).filter(isDrift).map(taskKey));
    for (const t of host.tasks) if (isDrift(t)) t.since = was.has(taskKey(t)) ? 'still' : 'new';
    if (!host.reachable || !before) continue;
    const now = new Map<string, TaskDrift[]>();
    for (const t of host.tasks) now.set(taskKey(t), [...(now.get(taskKey(t)) ?? []), t]);
    const fixed = new Map<string, TaskDrift>();
    for (const t of before.tasks.filter(isDrift)) {
      const s = worst((now.get(taskKey(t)) ?? []).map((x) => x.status));
      if (s === 'in sync') fixed.set(taskKey(t), t);
    }
    host.fixed = [...fixed.values()].map(({ name: n, module, file, line }) => ({ name: n, module, file, line }));
  }
}

export interface RunInfo {
  started: Date;
  finished: Date;
  version: string;
  cwd: string;
  playbooks: string[];
  inventory: string[];
  limit?: string;
  since?: { path: string; report: DriftReport };
}

export function buildReport(info: RunInfo, hosts: Record<string, HostDrift>): DriftReport {
  if (info.since) compare(hosts, info.since.report);
  const all = Object.values(hosts);
  const results = all.flatMap((h) => h.tasks);
  return {
    schema_version: SCHEMA_VERSION,
    run: {
      started: info.started.toISOString(),
      finished: info.finished.toISOString(),
      duration_ms: info.finished.getTime() - info.started.getTime(),
      tsplay_version: info.version,
      cwd: info.cwd,
      playbooks: info.playbooks.map((p) => ({ path: p, sha256: sourceHash(p) })),
      inventory: info.inventory.map((p) => ({ path: p, sha256: sourceHash(p) })),
      limit: info.limit ?? null,
      since: info.since?.path ?? null,
    },
    summary: {
      hosts: all.length,
      in_sync: all.filter((h) => h.status === 'in sync').length,
      drifted: all.filter((h) => h.status === 'drifted').length,
      unreachable: all.filter((h) => h.status === 'unreachable').length,
      would_fail: all.filter((h) => h.tasks.some((t) => t.status === 'would fail')).length,
      drifted_tasks: results.filter(isDrift).length,
      ...(info.since ? { new: results.filter((t) => t.since === 'new').length, fixed: all.reduce((n, h) => n + (h.fixed?.length ?? 0), 0) } : {}),
    },
    hosts,
  };
}
