/**
 * `tsplay plan` / `tsplay apply` / `tsplay show`: Terraform's saved plans, for hosts. `plan` is
 * a strict check-mode run (nothing changes; check_mode: false included) that records, per host
 * and task, the probed state's hash and the script apply would run (src/plan/record.ts);
 * `apply` runs exactly those scripts after re-probing (src/plan/apply.ts); `show` prints it.
 */
import { resolve } from 'node:path';
import { sourceHash } from '../audit/report.js';
import { UserError } from '../core/errors.js';
import { writeAtomic } from '../core/local-files.js';
import { mask } from '../vault/taint.js';
import type { RunSettings } from '../executor/context.js';
import { Runner } from '../executor/index.js';
import type { Inventory } from '../inventory/index.js';
import { createSink } from '../output/index.js';
import type { Playbook } from '../playbook/types.js';
import { Recorder } from '../plan/record.js';
import { PLAN_VERSION, type PlanFile } from '../plan/schema.js';
import type { Templar } from '../template/index.js';
import { inventorySource } from './options.js';
import { VERSION } from './version.js';

export interface PlanOptions {
  output: string;
  json?: boolean;
  limit?: string;
  /** The inventory sources, as given. */
  sources: string[];
}

/** Records the plan and writes it (mode 0600: it holds what would be written, secrets included). Exit 0, 2 (a task would fail or cannot be planned), 4 (unreachable). */
export async function plan(playbooks: string[], inventory: Inventory, templar: Templar, books: Playbook[], settings: RunSettings, o: PlanOptions): Promise<number> {
  const recorder = new Recorder();
  const sink = createSink({ json: Boolean(o.json), verbosity: settings.verbosity });
  const summary = await new Runner(inventory, templar, { ...settings, check: true, strictCheck: true, planner: recorder }, sink.emit).run(books);
  await sink.done();
  const hosts: PlanFile['hosts'] = {};
  for (const [name, h] of summary.hosts) {
    const rec = recorder.hosts.get(name)?.plan ?? { reachable: true, reason: null, connection: {}, would_fail: null, entries: [] };
    hosts[name] = h.unreachable ? { ...rec, reachable: false, reason: h.unreachable } : rec;
  }
  const file: PlanFile = {
    plan_version: PLAN_VERSION,
    created: new Date().toISOString(),
    tsplay_version: VERSION,
    playbooks: playbooks.map((p) => ({ path: p, sha256: sourceHash(p) })),
    inventory: o.sources.map((p) => ({ path: inventorySource(p), sha256: sourceHash(p) })),
    limit: o.limit ?? null,
    hosts,
  };
  const path = resolve(o.output);
  const text = JSON.stringify(file, null, 2) + '\n';
  // A plan holds the scripts apply runs: masked, they would write ******** to the hosts.
  if (mask(text) !== text) throw new UserError('the plan would hold values decrypted from a vault: saved plans do not carry secrets', undefined, 'use tsplay run (--check --diff shows the changes, masked)');
  writeAtomic(path, text, 0o600);
  const all = Object.values(hosts);
  const toChange = all.reduce((n, h) => n + h.entries.filter((e) => e.apply !== null).length, 0);
  const unplannable = all.reduce((n, h) => n + h.entries.filter((e) => e.unplannable).length, 0);
  const unreachable = all.filter((h) => !h.reachable).length;
  const failing = all.filter((h) => h.would_fail).length;
  (o.json ? process.stderr : process.stdout).write(
    `\nPLAN: ${all.length} hosts, ${toChange} changes to apply; ${unplannable} unplannable tasks, ${failing} hosts with a task that would fail, ${unreachable} unreachable\nsaved: ${path} (apply it with: tsplay apply ${o.output})\n`,
  );
  return unreachable ? 4 : unplannable || failing ? 2 : 0;
}
