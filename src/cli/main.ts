/**
 * The tsplay command line, with Ansible's habits. Exit codes as ansible-playbook's:
 * 0 success, 2 a task failed on some host, 4 some host unreachable, 5 bad options or input.
 */
import { Command, CommanderError, Option } from 'commander';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UserError, UserErrors } from '../core/errors.js';
import type { RunSettings } from '../executor/context.js';
import { Runner } from '../executor/index.js';
import { Inventory } from '../inventory/index.js';
import { labDown, labUp } from '../lab/index.js';
import { findModule, modules } from '../../modules/index.js';
import { createSink } from '../output/index.js';
import { preflight } from '../playbook/check.js';
import { type LoadOptions, loadPlaybook } from '../playbook/parse.js';
import { tasksOf } from '../playbook/types.js';
import { Templar } from '../template/index.js';
import { KnownHosts, type TransportSettings } from '../transport/index.js';
import { type Config, loadConfig } from './config.js';
import { parseExtraVars } from './extra-vars.js';
import { demo } from './demo.js';
import { audit } from './audit.js';
import { plan } from './plan.js';
import { applyPlan, readPlan } from '../plan/apply.js';
import { showPlan } from '../plan/show.js';
import { VERSION } from './version.js';
import type { VaultOptions } from '../vault/secrets.js';
import { gatherAll } from './facts.js';
import { registerRender } from './render.js';
import { activateVault, registerVault, vaultOptions } from './vault.js';
import { type Listing, listPlaybooks } from './list.js';
import { moduleDoc, moduleList, modulesMarkdown } from './modules-doc.js';
import { collect, inventorySource, outputOptions, selectionOptions } from './options.js';
import { KINDS, tsplaySchema } from './schema.js';
import { stepOutput, terminalStepper } from './step.js';


interface ConnOptions {
  inventory: string[];
  knownHosts?: string[];
  acceptNewHostKeys?: boolean;
  connectTimeout?: string;
  forks?: string;
}

function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against (repeatable; default ~/.ssh/known_hosts)', collect, [])
    .option('--accept-new-host-keys', 'accept and record keys of hosts not yet in known_hosts (like OpenSSH accept-new); changed keys are always refused')
    .option('--connect-timeout <seconds>', 'SSH connection timeout (default: timeout in ansible.cfg, else 10)')
    .option('-f, --forks <n>', 'hosts worked on in parallel (default: forks in ansible.cfg, else 50)');
}

/**
 * Where the retry file goes: --retry-file, else with retry_files_enabled, `<playbook>.retry` in
 * retry_files_save_path or beside the (first) playbook, as ansible-playbook names it.
 */
function retryFile(o: { retryFile?: string }, config: Config, playbooks: string[]): string | undefined {
  if (o.retryFile) return resolve(o.retryFile);
  if (!config.retryFilesEnabled || !playbooks[0]) return undefined;
  const book = resolve(playbooks[0]);
  return join(config.retryFilesSavePath ?? dirname(book), `${basename(book, extname(book))}.retry`);
}

/** What reading a playbook takes from the configuration: where roles are, the plays' become defaults. */
function playbookOptions(config: Config): LoadOptions {
  return { rolesPath: config.rolesPath, become: config.become, becomeUser: config.becomeUser };
}

/** ansible.cfg and ANSIBLE_* (config.ts), with the warnings Ansible would print about finding it. */
function readConfig(): Config {
  const config = loadConfig();
  for (const w of config.warnings) process.stderr.write(`[WARNING]: ${w}\n`);
  return config;
}

/** Command-line options beat the configuration, as in Ansible. */
function transportSettings(o: ConnOptions, config: Config): TransportSettings {
  const files = o.knownHosts?.length ? o.knownHosts.map((f) => resolve(f)) : [join(homedir(), '.ssh', 'known_hosts')];
  return {
    knownHosts: new KnownHosts(files, Boolean(o.acceptNewHostKeys) || !config.hostKeyChecking),
    connectTimeoutMs: (o.connectTimeout === undefined ? config.timeout : seconds('--connect-timeout', o.connectTimeout, false)) * 1000,
    keepaliveMs: 15000,
    remoteUser: config.remoteUser,
    privateKeyFile: config.privateKeyFile,
  };
}

function forks(o: ConnOptions, config: Config): number {
  return o.forks === undefined ? config.forks : positiveInt('--forks', o.forks);
}

/** The -i sources, else ansible.cfg's inventory. */
function inventorySources(given: string[], config: Config): string[] {
  const chosen = given.length ? given : (config.inventory ?? []);
  if (!chosen.length) throw new UserError('no inventory given', undefined, 'pass -i hosts.ini (a file, a folder, or host1,host2,), or set inventory in ansible.cfg');
  return chosen;
}

function loadInventory(sources: string[]): Promise<Inventory> {
  return Inventory.load(sources.map(inventorySource));
}

/** A number of seconds given on the command line (0 allowed only where it means "none"). */
function seconds(name: string, v: string, zero: boolean): number {
  const n = /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  if (Number.isNaN(n) || (!zero && n === 0)) throw new UserError(`${name} must be a number of seconds${zero ? ' (0: none)' : ' above 0'}, got ${JSON.stringify(v)}`);
  return n;
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${name} must be a positive whole number, got ${JSON.stringify(v)}`);
  return n;
}

/** Options shared by the commands that run playbooks (run, audit). */
interface RunOptions extends ConnOptions, VaultOptions {
  limit?: string;
  check?: boolean;
  diff?: boolean;
  extraVars: string[];
  tags: string[];
  skipTags: string[];
  verbose: number;
  timeout: string;
  rollback?: boolean;
  startAtTask?: string;
}

/**
 * What a run needs before any host is contacted: the configuration, the inventory, the
 * playbooks read and checked (every error at once), the settings. undefined when a
 * --syntax-check is all that was asked (and printed).
 */
async function prepare(playbooks: string[], o: RunOptions, only: { listOnly?: boolean; syntaxCheck?: boolean } = {}) {
  const config = readConfig();
  await activateVault(o, config);
  const sources = inventorySources(o.inventory, config);
  const inventory = await loadInventory(sources);
  const templar = new Templar();
  const extraVars = parseExtraVars(o.extraVars);
  const books = collectErrors(playbooks.map((p) => () => loadPlaybook(p, playbookOptions(config))));
  for (const dir of new Set(books.map((b) => b.dir))) await inventory.addVarsDirs(dir);
  // As ansible-playbook: a listing judges no template (a variable given only at run time is no
  // error for it); --syntax-check judges everything, as a run would, and prints the playbooks' names.
  if (!only.listOnly || only.syntaxCheck) preflight(books, inventory, templar, extraVars);
  // A run says them itself, through its output.
  if (only.listOnly || only.syntaxCheck) for (const msg of new Set(books.flatMap((b) => b.warnings))) process.stderr.write(`[DEPRECATION WARNING]: ${msg}\n`);
  if (only.syntaxCheck) return void process.stdout.write(playbooks.map((p) => `\nplaybook: ${p}\n`).join(''));
  // As ansible-playbook does: a --limit that leaves no host at all is a mistake, not a no-op
  // (a mistyped limit on a rollout would otherwise "succeed" having done nothing).
  if (o.limit && inventory.select(o.limit, process.cwd()).length === 0) {
    throw new UserError(`--limit '${o.limit}' matches no host in the inventory`, undefined, 'check the pattern against `tsplay inventory -i ... --graph`');
  }
  const splitTags = (v: string[]) => v.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  const settings: RunSettings = {
    check: Boolean(o.check),
    diff: Boolean(o.diff),
    forks: forks(o, config),
    extraVars,
    tags: splitTags(o.tags),
    skipTags: splitTags(o.skipTags),
    limit: o.limit,
    verbosity: o.verbose,
    taskTimeoutMs: seconds('--timeout', o.timeout, true) * 1000 || undefined,
    transport: transportSettings(o, config),
    rollback: o.rollback !== false,
    startAtTask: o.startAtTask,
  };
  return { config, sources, inventory, templar, books, settings };
}

export function program(): Command {
  const prog = new Command('tsplay')
    .description('Agentless, Ansible-compatible playbook runner: shell probes, pure plans, one SSH connection per host')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s) });

  connectionOptions(
    outputOptions(selectionOptions(prog.command('run').description('run playbooks against an inventory').argument('<playbook...>', 'playbook files, run in order'), 'run'))
      .option('-C, --check', 'check mode: probe and plan, change nothing')
      .option('-D, --diff', 'show the differences in changed files and values')
      .option('--no-rollback', 'apply changes that may cut tsplay off a host (network interfaces) without the automatic rollback')
      .option('--list-tasks', 'list the tasks that would run, as ansible-playbook does; connect to no host')
      .option('--list-hosts', 'list the hosts each play would run on; connect to no host')
      .option('--list-tags', 'list the tags of the tasks that would run; connect to no host')
      .option('--syntax-check', 'check the playbooks (as tsplay validate) and run nothing')
      .option('--start-at-task <name>', 'skip the tasks before the first whose name (or `role : name`) matches this glob')
      .option('--step', 'ask on the terminal before each task: (N)o/(y)es/(c)ontinue')
      .option('--resume', 'go on with the last rollout of the playbook: leave out the hosts that finished each play (state in .tsplay/ beside it)')
      .option('--retry-file <path>', 'write the hosts that failed or were unreachable there, for --limit @PATH (also with retry_files_enabled)')
      .option('--facts-cache <dir>', 'also write the facts gathered there, one JSON file per host (Ansible\'s jsonfile fact cache), for tsplay render'),
  ).action(async (playbooks: string[], o) => {
    const listing: Listing = { tasks: Boolean(o.listTasks), hosts: Boolean(o.listHosts), tags: Boolean(o.listTags) };
    const listOnly = listing.tasks || listing.hosts || listing.tags;
    const prepared = await prepare(playbooks, o, { listOnly, syntaxCheck: Boolean(o.syntaxCheck) });
    if (!prepared) return;
    const { inventory, templar, books, config } = prepared;
    const settings = { ...prepared.settings, retryFile: retryFile(o, config, playbooks), resume: Boolean(o.resume), factsCache: o.factsCache === undefined ? undefined : resolve(o.factsCache) };
    if (listOnly) return void process.stdout.write(listPlaybooks(books, playbooks, listing, inventory, templar, settings));
    if (o.step && o.json) throw new UserError('--step asks its questions on stdout, where --json writes its events', undefined, 'use one or the other');
    const stepper = o.step ? terminalStepper() : undefined;
    const sink = stepper ? stepOutput(settings.verbosity) : createSink({ json: Boolean(o.json), verbosity: settings.verbosity });
    try {
      const summary = await new Runner(inventory, templar, { ...settings, step: stepper?.step }, sink.emit).run(books);
      await sink.done();
      process.exitCode = summary.exitCode;
    } finally {
      stepper?.close();
    }
  });

  connectionOptions(
    outputOptions(selectionOptions(prog
      .command('audit')
      .description('report drift: run the playbooks in check and diff mode on every host, change nothing, write drift.json, drift.html and drift.junit.xml')
      .argument('<playbook...>', 'playbook files, audited in order')
      .option('-o, --output <dir>', 'where the reports are written', 'drift')
      .addOption(new Option('--fail-on <what>', 'what makes the exit code non-zero: drift (2; an unreachable host 4), unreachable (4 only) or never').choices(['drift', 'unreachable', 'never']).default('drift'))
      .option('--since <drift.json>', 'a previous audit\'s drift.json: mark what drifted since and what was fixed'), 'audit')),
  ).action(async (playbooks: string[], o) => {
    const prepared = (await prepare(playbooks, o))!;
    process.exitCode = await audit(playbooks, prepared.inventory, prepared.templar, prepared.books, prepared.settings, { ...o, sources: prepared.sources });
  });

  connectionOptions(
    outputOptions(selectionOptions(prog
      .command('plan')
      .description('save a plan: run the playbooks in check mode (nothing changes) and record, per host and task, the state probed and the script apply would run')
      .argument('<playbook...>', 'playbook files, planned in order')
      .requiredOption('-o, --output <plan.json>', 'where the plan is written (mode 0600: it holds what would be written)')
      .option('-D, --diff', 'show the differences as the run finds them'), 'plan')),
  ).action(async (playbooks: string[], o) => {
    const prepared = (await prepare(playbooks, o))!;
    process.exitCode = await plan(playbooks, prepared.inventory, prepared.templar, prepared.books, prepared.settings, { ...o, sources: prepared.sources });
  });

  connectionOptions(
    prog
      .command('apply')
      .description('apply a saved plan: re-probe each host (a host whose state changed since the plan is refused, the others go on), then run exactly the planned scripts')
      .argument('<plan.json>')
      .option('-i, --inventory <source>', 'inventory to read connection passwords from (plans do not hold them; default: the plan\'s)', collect, [])
      .option('-l, --limit <hosts>', 'only these hosts of the plan (comma-separated names)'),
  ).action(async (file: string, o) => {
    const saved = readPlan(file);
    const config = readConfig();
    const sources = o.inventory.length ? o.inventory : saved.inventory.map((s) => s.path);
    const inventory = sources.length ? await loadInventory(sources) : undefined;
    const write = (s: string) => void process.stdout.write(s);
    const r = await applyPlan(saved, { forks: forks(o, config), transport: transportSettings(o, config), inventory, limit: o.limit?.split(','), cwd: process.cwd(), write });
    process.exitCode = r.exitCode;
  });

  prog
    .command('show')
    .description('print a saved plan as --diff would: per host what would change, and what apply would refuse')
    .argument('<plan.json>')
    .action((file: string) => void process.stdout.write(showPlan(readPlan(file), process.cwd())));

  registerRender(prog, prepare);
  registerVault(prog, readConfig);

  vaultOptions(prog
    .command('inventory'))
    .description('show the inventory as ansible-inventory does (vaulted values masked)')
    .option('-i, --inventory <source>', 'inventory file or folder (repeatable)', collect, [])
    .option('--list', 'all hosts and groups as JSON (ansible-inventory --list shape)')
    .option('--graph', 'the group tree')
    .option('--host <name>', 'one host\'s variables as JSON')
    .action(async (o) => {
      const config = readConfig();
      await activateVault(o, config);
      const inv = await loadInventory(inventorySources(o.inventory, config));
      if (o.host) {
        if (!inv.hosts.has(o.host)) throw new UserError(`host '${o.host}' is not in the inventory`);
        process.stdout.write(JSON.stringify(inv.hostVars(o.host), null, 4) + '\n');
      } else if (o.graph) process.stdout.write(inv.graph() + (inv.graph().endsWith('\n') ? '' : '\n'));
      else process.stdout.write(JSON.stringify(inv.toAnsibleList(), null, 4) + '\n');
    });

  connectionOptions(
    vaultOptions(prog
      .command('facts'))
      .description('gather facts from hosts and print them as JSON')
      .argument('<pattern>', 'host pattern')
      .option('-i, --inventory <source>', 'inventory file or folder (repeatable)', collect, [])
      .option('--cache <dir>', 'write them there instead, one JSON file per host (Ansible\'s jsonfile fact cache), for tsplay render --facts-cache'),
  ).action(async (pattern: string, o) => {
    const config = readConfig();
    await activateVault(o, config);
    const inv = await loadInventory(inventorySources(o.inventory, config));
    const cache = o.cache === undefined ? undefined : resolve(o.cache);
    const res = await gatherAll(inv, pattern, forks(o, config), transportSettings(o, config), cache);
    process.stdout.write(cache ? `facts of ${Object.keys(res.facts).length} hosts cached in ${o.cache}\n` : JSON.stringify(res.facts, null, 2) + '\n');
    for (const [h, msg] of Object.entries(res.unreachable)) process.stderr.write(`fatal: [${h}]: UNREACHABLE! ${msg}\n`);
    process.exitCode = Object.keys(res.unreachable).length ? 4 : 0;
  });

  vaultOptions(prog
    .command('validate'))
    .description('parse, schema-check and template-check playbooks without connecting to any host')
    .argument('<playbook...>')
    .option('-i, --inventory <source>', 'inventory file or folder (repeatable)', collect, [])
    .option('-e, --extra-vars <vars>', 'extra variables', collect, [])
    .action(async (playbooks: string[], o) => {
      const config = readConfig();
      await activateVault(o, config);
      const inventory = await loadInventory(inventorySources(o.inventory, config));
      const books = collectErrors(playbooks.map((p) => () => loadPlaybook(p, playbookOptions(config))));
      for (const dir of new Set(books.map((b) => b.dir))) await inventory.addVarsDirs(dir);
      preflight(books, inventory, new Templar(), parseExtraVars(o.extraVars));
      const tasks = books.reduce((n, b) => n + b.plays.reduce((m, p) => m + tasksOf(p.preTasks).length + tasksOf(p.tasks).length + tasksOf(p.postTasks).length + p.handlers.length, 0), 0);
      process.stdout.write(`${playbooks.join(', ')}: ${books.reduce((n, b) => n + b.plays.length, 0)} plays, ${tasks} tasks: valid\n`);
    });

  prog
    .command('modules')
    .description('list modules, or show one module\'s options and examples')
    .argument('[name]')
    .option('--markdown', 'every module with its options, as the README lists them')
    .action((name: string | undefined, o) => {
      if (o.markdown) return void process.stdout.write(modulesMarkdown(modules));
      if (!name) return void process.stdout.write(moduleList(modules));
      const m = findModule(name);
      if (!m) throw new UserError(`unknown module '${name}'`, undefined, 'run `tsplay modules` for the list');
      process.stdout.write(moduleDoc(m));
    });

  prog
    .command('schema')
    .description('print a JSON Schema of playbooks, task and handler files and roles\' meta/main.yml, for editors (yaml-language-server)')
    .addOption(new Option('--kind <kind>', 'only this kind of file (default: any of them)').choices(KINDS))
    .action((o) => void process.stdout.write(JSON.stringify(tsplaySchema(o.kind), null, 2) + '\n'));

  const lab = prog.command('lab').description('real SSH test hosts on this machine, each in its own network and mount namespace (root)');
  lab
    .command('up')
    .argument('<count>', 'number of hosts')
    .option('--dir <dir>', 'where the lab keeps its inventory, keys and state', '.lab')
    .action(async (n: string, o) => {
      const started = Date.now();
      const l = await labUp(positiveInt('count', n), { dir: resolve(o.dir) });
      process.stdout.write(`lab: ${l.hosts.length} hosts up in ${((Date.now() - started) / 1000).toFixed(1)} s\ninventory: ${l.inventory}\nknown_hosts: ${l.knownHosts}\n`);
    });
  lab
    .command('down')
    .option('--dir <dir>', 'the lab directory', '.lab')
    .action(async (o) => {
      await labDown(resolve(o.dir));
      process.stdout.write('lab: down\n');
    });
  prog
    .command('demo')
    .description('bring up a 3-host lab, run playbooks/site.yml twice, drift a host, audit it with --check --diff, tear down')
    .option('--dir <dir>', 'the lab directory', '.lab')
    .action(async (o) => {
      process.exitCode = await demo(resolve(o.dir));
    });
  return prog;
}

/** Runs every loader and throws all their UserErrors together. */
function collectErrors<T>(loaders: (() => T)[]): T[] {
  const errors: UserError[] = [];
  const out: T[] = [];
  for (const load of loaders) {
    try {
      out.push(load());
    } catch (e) {
      if (e instanceof UserErrors) errors.push(...e.errors);
      else if (e instanceof UserError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length) throw new UserErrors(errors);
  return out;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 5;
    if (e instanceof UserErrors || e instanceof UserError) {
      process.stderr.write(`ERROR! ${e.toString()}\n`);
      return 5;
    }
    process.stderr.write(`ERROR! ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}

/** Resolves once everything written to the stream so far has left the process (a pipe read slowly included). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((done) => (stream.writableLength ? stream.write('', () => done()) : done()));
}

const code = await main(process.argv);
// process.exit() drops output still queued for a pipe: the recap would be lost to a slow reader.
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
