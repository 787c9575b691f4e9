/**
 * `tsplay render`: the files that template, copy, sysctl and network tasks would write, rendered on the
 * controller without contacting any host (src/executor/render.ts), into DIR/<host>/<absolute
 * path>, from inventory vars and the facts cache, so that generated configs can be diffed in code
 * review; then, per host, the files and what was left out.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { formatPos, type SourcePos, UserError } from '../core/errors.js';
import { shownPath } from '../core/local-files.js';
import type { RenderedFile } from '../core/module.js';
import type { RunSettings } from '../executor/context.js';
import type { HostState } from '../executor/host.js';
import { Runner } from '../executor/index.js';
import { forRender, type RenderNote, Rendering } from '../executor/render.js';
import { hostPath, readCachedFacts } from '../facts/cache.js';
import type { Inventory } from '../inventory/index.js';
import type { Playbook } from '../playbook/types.js';
import type { Templar } from '../template/index.js';
import { selectionOptions } from './options.js';

/** What main.ts's prepare() needs to read the playbooks and inventory. */
export interface RenderInput {
  inventory: string[];
  limit?: string;
  extraVars: string[];
  tags: string[];
  skipTags: string[];
  verbose: number;
  timeout: string;
}

interface Prepared {
  inventory: Inventory;
  templar: Templar;
  books: Playbook[];
  settings: RunSettings;
}

type Prepare = (playbooks: string[], o: RenderInput) => Promise<Prepared | undefined>;

const EXIT_CODES = `
Exit codes: 0 every file was rendered; 2 some task that writes files could not be rendered
(it reads a fact the cache lacks, or what a task left to the host registers), or a task
failed; 5 bad options or input.`;

export function registerRender(prog: Command, prepare: Prepare): void {
  selectionOptions(
    prog
      .command('render')
      .description('render the files that template, copy, sysctl and network (bond, vlan, bridge) tasks would write, into DIR/<host>/<path>, without contacting any host')
      .argument('<playbook...>', 'playbook files, rendered in order'),
    'render',
  )
    .requiredOption('-o, --output <dir>', "where the files go, as DIR/<host>/<absolute path>; each rendered host's folder is replaced")
    .option('--facts-cache <dir>', 'facts from this cache (written by tsplay facts --cache, or a run with --facts-cache); without it, facts are unknown')
    .addHelpText('after', EXIT_CODES)
    .action(async (playbooks: string[], o) => {
      const prepared = (await prepare(playbooks, { ...o, verbose: 0, timeout: '0' }))!;
      process.exitCode = await render(prepared, resolve(o.output), o.factsCache === undefined ? undefined : resolve(o.factsCache));
    });
}

/** Marks a folder a render wrote: only such a folder has its hosts' folders replaced. */
const MARK = '.tsplay-render';

async function render(p: Prepared, out: string, cache: string | undefined): Promise<number> {
  // Host folders are replaced whole: never inside a folder that is not a render's (-o / or -o /etc).
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, MARK))) {
    throw new UserError(`${out} is not empty and was not written by tsplay render`, undefined, 'give -o a new or empty folder (a render marks its own with .tsplay-render)');
  }
  const rendering = new Rendering(cache === undefined ? new Map() : readCachedFacts(cache, [...p.inventory.hosts.keys()]));
  const summary = await new Runner(p.inventory, p.templar, { ...p.settings, render: rendering }, (e) => {
    rendering.observe(e);
    if (e.kind === 'warning') process.stderr.write(`[WARNING]: ${e.msg}\n`);
  }).run(forRender(p.books));
  // Delegates (delegate_to) that got files are no hosts of the run.
  const hosts = [...new Set([...summary.hosts.keys(), ...rendering.files.keys()])];
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, MARK), 'written by tsplay render: its host folders are replaced by the next render\n');
  for (const host of hosts) writeHost(hostPath(out, host), rendering.files.get(host));
  const stopped = hosts.filter((h) => summary.hosts.get(h)?.failed);
  const cwd = process.cwd();
  const text = hosts.map((h) => hostReport(h, rendering, summary.hosts.get(h), cache, cwd)).join('');
  const files = [...rendering.files.values()].reduce((n, m) => n + m.size, 0);
  const missing = [...rendering.notRenderable.values()].reduce((n, l) => n + l.length, 0);
  const problems = [missing ? `${count(missing, 'task')} not renderable` : '', stopped.length ? `${count(stopped.length, 'host')} stopped` : ''].filter(Boolean);
  process.stdout.write(`${text}\nrendered ${count(files, 'file')} for ${count(hosts.length, 'host')} into ${shownPath(out, cwd)}${problems.length ? `; ${problems.join(', ')}` : ''}\n`);
  return missing || stopped.length ? 2 : 0;
}

/** A host's folder, written anew: a file no task writes any more must not linger in a diff. */
function writeHost(dir: string, files: Map<string, RenderedFile> | undefined): void {
  rmSync(dir, { recursive: true, force: true });
  for (const f of files?.values() ?? []) {
    // Normalized, an absolute path cannot climb out of the host's folder.
    const path = join(dir, posix.normalize(f.path));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
    if (f.mode !== undefined) chmodSync(path, parseInt(String(f.mode), 8));
  }
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function where(pos: SourcePos, cwd: string): string {
  return formatPos({ ...pos, file: shownPath(pos.file, cwd) });
}

/** `file:line task (module): reason`, with where the error was found when that is elsewhere (a template's line). */
function note(n: RenderNote, cwd: string): string {
  const elsewhere = n.at && (n.at.file !== n.pos.file || n.at.line !== n.pos.line) ? ` (${where(n.at, cwd)})` : '';
  return `${where({ file: n.pos.file, line: n.pos.line }, cwd)} ${n.task} (${n.module}): ${n.reason}${elsewhere}`;
}

/** One host: its files, the tasks not renderable, where it stopped, and the tasks left to the host (by name). */
function hostReport(host: string, r: Rendering, h: HostState | undefined, cache: string | undefined, cwd: string): string {
  const lines = [`${host}:`];
  for (const f of r.files.get(host)?.values() ?? []) lines.push(`  rendered ${f.path}${f.mode !== undefined ? ` (${f.mode})` : ''}`);
  for (const n of r.notRenderable.get(host) ?? []) lines.push(`  not renderable: ${note(n, cwd)}`);
  const failure = h?.failedAt === undefined ? undefined : r.failures.get(host)?.get(h.failedAt)?.replaceAll(cwd + sep, '');
  if (h?.failed) lines.push(`  stopped${h.failedAt ? ` at ${h.failedAt}: ${failure ?? 'failed'}` : ''}; the tasks after it were not rendered`);
  const left = (r.leftToHost.get(host) ?? []).map((n) => (n.variable ? `${n.task} (lacks ${n.variable})` : n.task));
  if (left.length) lines.push(`  left to the host: ${left.join(', ')}`);
  if (cache !== undefined && r.uncached.has(host)) lines.push(`  no facts cached in ${shownPath(cache, cwd)}`);
  return lines.join('\n') + '\n';
}
