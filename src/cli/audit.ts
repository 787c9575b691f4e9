/**
 * `tsplay audit`: the playbooks in check and diff mode on every host (check_mode: false
 * included: an audit never changes a host), the run printed as `run` prints it, and the drift
 * written for programs (drift.json), people (drift.html) and CI (drift.junit.xml). Exit code:
 * 0 no drift, 2 drift, 4 some host unreachable (wins over 2), 5 bad input; --fail-on chooses.
 */
import { join, resolve } from 'node:path';
import { collector, hostsOf } from '../audit/collect.js';
import { driftHtml } from '../audit/html.js';
import { junitXml } from '../audit/junit.js';
import { auditExitCode, buildReport, type FailOn, readReport } from '../audit/report.js';
import { writeAtomic } from '../core/local-files.js';
import type { RunSettings } from '../executor/context.js';
import { Runner } from '../executor/index.js';
import type { Inventory } from '../inventory/index.js';
import { createSink } from '../output/index.js';
import type { Playbook } from '../playbook/types.js';
import type { Templar } from '../template/index.js';
import { VERSION } from './version.js';

export interface AuditOptions {
  output: string;
  failOn: FailOn;
  since?: string;
  json?: boolean;
  limit?: string;
  /** The inventory sources, as given. */
  sources: string[];
}

export async function audit(playbooks: string[], inventory: Inventory, templar: Templar, books: Playbook[], settings: RunSettings, o: AuditOptions): Promise<number> {
  // Read first: a --since that is no report is bad input, before any host is contacted.
  const since = o.since ? { path: o.since, report: readReport(o.since) } : undefined;
  const cwd = process.cwd();
  const sink = createSink({ json: Boolean(o.json), verbosity: settings.verbosity });
  const { emit, collected } = collector(cwd);
  const started = new Date();
  const summary = await new Runner(inventory, templar, { ...settings, check: true, strictCheck: true, diff: true }, (e) => {
    emit(e);
    sink.emit(e);
  }).run(books);
  await sink.done();
  const report = buildReport(
    { started, finished: new Date(), version: VERSION, cwd, playbooks, inventory: o.sources, limit: o.limit, since },
    hostsOf(collected, summary.hosts),
  );
  const dir = resolve(o.output);
  const files = { json: join(dir, 'drift.json'), html: join(dir, 'drift.html'), junit: join(dir, 'drift.junit.xml') };
  writeAtomic(files.json, JSON.stringify(report, null, 2) + '\n');
  writeAtomic(files.html, driftHtml(report));
  writeAtomic(files.junit, junitXml(report));
  const s = report.summary;
  const out = o.json ? process.stderr : process.stdout;
  out.write(
    `\nDRIFT: ${s.hosts} hosts: ${s.in_sync} in sync, ${s.drifted} drifted, ${s.unreachable} unreachable; ${s.drifted_tasks} drifted results` +
      (since ? `, ${s.new} new and ${s.fixed} fixed since ${o.since}` : '') +
      `\nreports: ${files.json}, ${files.html}, ${files.junit}\n`,
  );
  return auditExitCode(report, o.failOn);
}
