/**
 * `npm run bench`: ansible-playbook against tsplay against plain OpenSSH on real lab hosts.
 *
 *   node --import tsx bench/run.ts [--hosts 10,50,100] [--reps 3] [--ansible-reps 50=1]
 *                                  [--ansible-phases 50=first+second] [--append]
 *                                  [--tools ansible,tsplay,onetrip,floor] [--tsplay DIR]
 *                                  [--out bench/results] [--no-report] [--no-calibrate] [--report-only]
 *
 * For each host count: a fresh lab, then `reps` rounds; in each round every tool (in an order
 * that rotates from round to round, so tools interleave) starts from clean hosts and runs the
 * four phases: first (everything changes), second (nothing changes), nofacts (second run with
 * gather_facts: false) and check (--check on the converged fleet); the floor runs `ssh true`.
 * After each tool's round the hosts' files are hashed (without SSH) and must equal what every
 * other tool left: the benchmark fails otherwise. Results go to OUT/hosts-N.json; RESULTS.md
 * and chart.svg beside this file are then rebuilt from every hosts-*.json in OUT.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { labDown, labUp, runOn, type Lab } from '../src/lab/index.js';
import { measure } from './measure.js';
import { writeReport } from './report.js';
import type { Calibration, HostCountResult, MachineInfo, RunRecord } from './results.js';
import { cleanFleet, compareFleets, describeFleet, fleetDigest, isClean, type FleetState } from './state.js';
import {
  ALL_TOOLS,
  PLAYBOOK_PHASES,
  ansibleRoundTrips,
  readOutcome,
  runSpec,
  stagePlaybook,
  tsplayRoundTrips,
  writeAnsibleConfig,
  type Env,
  type Phase,
  type ToolId,
} from './tools.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(BENCH, '..');
const RUN_TIMEOUT_MS = 20 * 60_000;
/**
 * The 30-minute budget of `npm run bench` (10, 50, 100 hosts): ansible-playbook takes about 4 s
 * per host and phase here (a run at 100 hosts: ~4 min), so it runs 3 rounds of all four phases at
 * 10 hosts, and from 50 hosts on one round of the first and second runs only (the target phases).
 * `--ansible-reps '' --ansible-phases ''` measures everything (about 75 minutes).
 */
const DEFAULT_ANSIBLE_REPS = '50=1';
const DEFAULT_ANSIBLE_PHASES = '50=first+second';

/** Set by SIGINT/SIGTERM: the run in progress ends (its children got the signal too), then the lab comes down. */
let stopping = false;
function checkStop(): void {
  if (stopping) throw new Error('interrupted');
}

export interface BenchOptions {
  hosts: number[];
  reps: number;
  /** Fewer rounds for one tool at some host counts: tool -> hosts -> reps. */
  repsFor: (tool: ToolId, hosts: number) => number;
  /** The phases a tool runs at a host count (ansible at 100 hosts: only first and second by default). */
  phasesFor: (tool: ToolId, hosts: number) => Phase[];
  tools: ToolId[];
  tsplayRoot: string;
  nodeArgs: string[];
  out: string;
  calibrate: boolean;
  log: (line: string) => void;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

export function machineInfo(): MachineInfo {
  return {
    cores: cpus().length,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    kernel: sh('uname', ['-r']),
    node: process.version,
    openssh: sh('ssh', ['-V']),
    ansible: existsSync('/usr/bin/ansible-playbook') ? sh('ansible-playbook', ['--version']).split('\n')[0]! : 'not installed',
  };
}

function gitInfo(root: string): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'modules'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { commit, dirty };
  } catch {
    const stamp = join(root, 'SNAPSHOT');
    if (existsSync(stamp)) {
      const [commit, dirty] = readFileSync(stamp, 'utf8').trim().split(/\s+/);
      return { commit: commit ?? 'unknown', dirty: dirty === 'dirty' };
    }
    return { commit: 'unknown', dirty: true };
  }
}

/** ansible-playbook and /usr/bin/time, installed with apt-get when missing. */
export function ensurePrerequisites(tools: ToolId[], log: (l: string) => void): void {
  const missing: string[] = [];
  if (!existsSync('/usr/bin/time')) missing.push('time');
  if (tools.includes('ansible') && spawnSync('ansible-playbook', ['--version']).status !== 0) missing.push('ansible-core');
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A fresh machine may have no package lists yet.
  if (spawnSync('apt-get', ['update'], { stdio: 'inherit', env }).status !== 0) throw new Error('apt-get update failed');
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`);
}

function fmt(x: number, digits = 2): string {
  return x.toFixed(digits);
}

/** Runs one tool/phase, measured; throws when the run fails or reports something unexpected. */
export async function measured(tool: ToolId, phase: Phase, env: Env, rep: number, verbose = false, limit?: string): Promise<{ record: RunRecord; stdout: string }> {
  checkStop();
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const spec = runSpec(tool, phase, env, { verbose, limit });
  const m = await measure(spec.argv, {
    env: spec.env,
    cwd: REPO,
    orphanMarker: spec.orphanMarker,
    hostPids: env.lab.hosts.map((h) => h.pid),
    timeoutMs: RUN_TIMEOUT_MS,
  });
  checkStop();
  const o = readOutcome(tool, phase, env, m, limit);
  if (o.error) throw new Error(o.error);
  const changed = Object.values(o.changed).reduce((a, b) => a + b, 0);
  const expectChange = phase === 'first';
  if (tool !== 'floor' && (expectChange ? Object.values(o.changed).some((c) => c === 0) : changed !== 0)) {
    throw new Error(`${tool} ${phase}: expected ${expectChange ? 'changes on every host' : 'no change'}, got ${JSON.stringify(o.changed).slice(0, 300)}`);
  }
  const trips = o.roundTrips ? Object.values(o.roundTrips) : undefined;
  return {
    record: {
      tool,
      phase,
      rep,
      wallS: m.wallS,
      cpuS: m.cpuS,
      userS: m.userS,
      sysS: m.sysS,
      peakMemMiB: m.peakMemMiB,
      maxRssMiB: m.maxRssMiB,
      peakProcesses: m.peakProcesses,
      machineCpuS: m.machineCpuS,
      hostsCpuS: m.hostsCpuS,
      changed,
      roundTripsMax: trips ? Math.max(...trips) : undefined,
      roundTripsMin: trips ? Math.min(...trips) : undefined,
      loadBefore: load,
    },
    stdout: m.stdout,
  };
}

/** Checks a tool's converged fleet against the reference (the first one seen), which it sets if unset. */
export async function checkState(lab: Lab, label: string, ref: { state?: FleetState; label?: string }): Promise<string> {
  const state = await describeFleet(lab);
  if (isClean(state)) throw new Error(`${label}: the hosts hold none of the managed files after the run`);
  if (!ref.state) {
    ref.state = state;
    ref.label = label;
  } else {
    const diff = compareFleets(ref.state, state, ref.label!, label);
    if (diff) throw new Error(`STATE MISMATCH: ${diff}`);
  }
  return fleetDigest(state);
}

export async function freshFleet(lab: Lab): Promise<void> {
  await cleanFleet(lab);
  if (!isClean(await describeFleet(lab))) throw new Error('cleaning the hosts left managed files behind');
}

/** The newest PID in a host's PID namespace: the difference of two is the processes started in between (plus one). */
async function lastPid(lab: Lab, host: string): Promise<number> {
  const r = await runOn(lab, host, ['/bin/sh', '-c', 'echo $$']);
  return Number(r.stdout.trim());
}

/** What the tools need to run against `lab`: the playbook staged into `work`, the tsplay to run. */
export function makeEnv(lab: Lab, work: string, tsplayRoot = REPO, nodeArgs: string[] = []): Env {
  const staged = stagePlaybook(join(BENCH, 'playbook'), join(work, 'playbook'));
  return { lab, work, ...staged, tsplayRoot, nodeArgs };
}

/** One host count: lab up, rounds, calibration, lab down. */
export async function benchHostCount(n: number, o: BenchOptions): Promise<HostCountResult> {
  const t0 = Date.now();
  const work = mkdtempSync(join(tmpdir(), `tsplay-bench-${n}-`));
  let lab: Lab | undefined;
  try {
    const up0 = Date.now();
    lab = await labUp(n, { dir: join(work, 'lab') });
    const labUpS = (Date.now() - up0) / 1000;
    o.log(`[${n} hosts] lab up in ${fmt(labUpS, 1)} s`);
    const env = makeEnv(lab, work, o.tsplayRoot, o.nodeArgs);
    if (o.tools.includes('ansible')) writeAnsibleConfig(env);

    const runs: RunRecord[] = [];
    const ref: { state?: FleetState; label?: string } = {};
    let digest: string | undefined;
    const reps = Object.fromEntries(o.tools.map((t) => [t, o.repsFor(t, n)])) as Partial<Record<ToolId, number>>;
    const rounds = Math.max(...Object.values(reps).map((x) => x ?? 0));
    for (let rep = 1; rep <= rounds; rep++) {
      const order = o.tools.map((_, i) => o.tools[(i + rep - 1) % o.tools.length]!);
      for (const tool of order) {
        if ((reps[tool] ?? 0) < rep) continue;
        const phases: Phase[] = tool === 'floor' ? ['connect'] : o.phasesFor(tool, n);
        if (tool !== 'floor') await freshFleet(lab);
        for (const phase of phases) {
          const { record } = await measured(tool, phase, env, rep);
          runs.push(record);
          o.log(
            `[${n} hosts] round ${rep}/${rounds} ${tool.padEnd(7)} ${phase.padEnd(7)} wall ${fmt(record.wallS)} s  cpu ${fmt(record.cpuS)} s  mem ${fmt(record.peakMemMiB, 0)} MiB  ` +
              `machine ${fmt(record.machineCpuS)} s  hosts ${fmt(record.hostsCpuS)} s  changed ${record.changed}` +
              (record.roundTripsMax !== undefined ? `  trips/host ${record.roundTripsMax}` : ''),
          );
        }
        if (tool !== 'floor') digest = await checkState(lab, `${tool} (round ${rep})`, ref);
      }
    }

    // Round trips per task, from one verbose run of each phase on one host (not timed: -vvv
    // costs), and the processes each phase starts there (the host's PID namespace counts them).
    let calibration: HostCountResult['calibration'];
    if (o.calibrate) {
      calibration = {};
      const host = lab.hosts[0]!.name;
      const one: Lab = { ...lab, hosts: lab.hosts.filter((h) => h.name === host) };
      const oneRef: { state?: FleetState; label?: string } = ref.state ? { state: new Map([[host, ref.state.get(host)!]]), label: ref.label } : {};
      for (const tool of ['ansible', 'tsplay', 'onetrip'] as const) {
        if (!o.tools.includes(tool)) continue;
        const cal: Calibration = {};
        await freshFleet(one);
        for (const phase of PLAYBOOK_PHASES) {
          const before = await lastPid(lab, host);
          const { stdout } = await measured(tool, phase, env, 0, tool !== 'onetrip', host);
          const processes = (await lastPid(lab, host)) - before - 1;
          if (tool === 'ansible') {
            const t = ansibleRoundTrips(stdout, lab);
            cal[phase] = { total: t.perHost[host]!, perTask: t.perTask, processes };
          } else if (tool === 'tsplay') {
            cal[phase] = { ...tsplayRoundTrips(stdout, host), processes };
          } else {
            cal[phase] = { total: 1, perTask: [], processes };
          }
          o.log(`[${n} hosts] calibration ${tool} ${phase}: ${cal[phase]!.total} round trips, ${processes} processes started on ${host}`);
        }
        await checkState(one, `${tool} (verbose, ${host})`, oneRef);
        calibration[tool] = cal;
      }
    }

    return {
      version: 1,
      hosts: n,
      date: new Date().toISOString(),
      machine: machineInfo(),
      tsplay: { root: o.tsplayRoot, ...gitInfo(o.tsplayRoot), nodeArgs: o.nodeArgs },
      reps,
      phases: Object.fromEntries(o.tools.map((t) => [t, t === 'floor' ? ['connect'] : o.phasesFor(t, n)])),
      runs,
      calibration,
      stateDigest: digest,
      labUpS,
      totalS: (Date.now() - t0) / 1000,
    };
  } finally {
    if (lab) {
      try {
        await labDown(lab.dir);
      } catch (e) {
        o.log(`lab down failed: ${(e as Error).message}`);
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * --append: this invocation's runs added to an earlier result for the same host count (phases
 * skipped for the time budget measured later, more rounds). Rounds and phases per tool are
 * recounted from the runs; the newer calibration wins.
 */
export function mergeResults(old: HostCountResult, now: HostCountResult): HostCountResult {
  const runs = [...old.runs, ...now.runs];
  const reps: HostCountResult['reps'] = {};
  const phases: NonNullable<HostCountResult['phases']> = {};
  for (const r of runs) {
    const ph = (phases[r.tool] ??= []);
    if (!ph.includes(r.phase)) ph.push(r.phase);
    reps[r.tool] = Math.max(reps[r.tool] ?? 0, runs.filter((x) => x.tool === r.tool && x.phase === r.phase).length);
  }
  return {
    ...now,
    runs,
    reps,
    phases,
    calibration: now.calibration ?? old.calibration,
    stateDigest: now.stateDigest ?? old.stateDigest,
    date: old.date,
    appended: [...(old.appended ?? []), now.date],
    totalS: old.totalS + now.totalS,
  };
}

/** The entry of `table` for the largest host count not above `hosts`. */
function lookup<T>(table: Map<number, T>, hosts: number): T | undefined {
  const keys = [...table.keys()].filter((k) => k <= hosts).sort((a, b) => b - a);
  return keys.length ? table.get(keys[0]!) : undefined;
}

/** `50=1,100=1` -> the rounds of ansible per host count (default: reps). */
function parseRepsFor(spec: string, reps: number): (hosts: number) => number {
  const table = new Map<number, number>();
  for (const part of spec.split(',').filter(Boolean)) {
    const [h, r] = part.split('=').map(Number);
    if (!Number.isInteger(h) || !Number.isInteger(r) || r! < 1) throw new Error(`bad --ansible-reps entry ${JSON.stringify(part)} (want HOSTS=REPS)`);
    table.set(h!, r!);
  }
  return (hosts) => Math.min(reps, lookup(table, hosts) ?? reps);
}

/** `100=first+second` -> the phases ansible runs per host count (default: all four). */
function parsePhasesFor(spec: string): (hosts: number) => Phase[] {
  const table = new Map<number, Phase[]>();
  for (const part of spec.split(',').filter(Boolean)) {
    const [h, list] = part.split('=');
    const phases = (list ?? '').split('+').filter(Boolean) as Phase[];
    if (!Number.isInteger(Number(h)) || !phases.length || phases.some((p) => !PLAYBOOK_PHASES.includes(p))) {
      throw new Error(`bad --ansible-phases entry ${JSON.stringify(part)} (want HOSTS=phase+phase, phases ${PLAYBOOK_PHASES.join(' ')})`);
    }
    table.set(Number(h), phases);
  }
  return (hosts) => lookup(table, hosts) ?? PLAYBOOK_PHASES;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '10,50,100' },
      reps: { type: 'string', default: '3' },
      'ansible-reps': { type: 'string', default: DEFAULT_ANSIBLE_REPS },
      'ansible-phases': { type: 'string', default: DEFAULT_ANSIBLE_PHASES },
      tools: { type: 'string', default: ALL_TOOLS.join(',') },
      tsplay: { type: 'string', default: REPO },
      'node-arg': { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: join(BENCH, 'results') },
      'no-report': { type: 'boolean', default: false },
      'no-calibrate': { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      append: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*?|^ \* ?/gm, '') + '\n');
    return;
  }
  if (values['report-only']) {
    process.stderr.write(`wrote ${writeReport(values.out, BENCH).join(', ')}\n`);
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (the lab uses namespaces)');
  const hosts = values.hosts.split(',').map((x) => Number(x.trim()));
  if (hosts.some((h) => !Number.isInteger(h) || h < 1)) throw new Error(`--hosts wants host counts such as 10,50,100`);
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps wants a positive whole number');
  const tools = values.tools.split(',').map((t) => t.trim()) as ToolId[];
  for (const t of tools) if (!ALL_TOOLS.includes(t)) throw new Error(`unknown tool ${t} (known: ${ALL_TOOLS.join(', ')})`);
  const ansibleReps = parseRepsFor(values['ansible-reps'], reps);
  const ansiblePhases = parsePhasesFor(values['ansible-phases']);
  const tsplayRoot = resolve(values.tsplay);
  if (!existsSync(join(tsplayRoot, 'bin', 'tsplay.js')) || !existsSync(join(tsplayRoot, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error(`${tsplayRoot} holds no built tsplay (bin/tsplay.js and dist/): run npm run build`);
  }
  const log = (l: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`);
  ensurePrerequisites(tools, log);
  mkdirSync(values.out, { recursive: true });
  const o: BenchOptions = {
    hosts,
    reps,
    repsFor: (tool, n) => (tool === 'ansible' ? ansibleReps(n) : reps),
    phasesFor: (tool, n) => (tool === 'ansible' ? ansiblePhases(n) : PLAYBOOK_PHASES),
    tools,
    tsplayRoot,
    nodeArgs: values['node-arg'],
    out: values.out,
    calibrate: !values['no-calibrate'],
    log,
  };
  const started = Date.now();
  for (const [i, n] of hosts.entries()) {
    // Per-task round trips do not depend on the host count: calibrate at the first one only.
    let result = await benchHostCount(n, { ...o, calibrate: o.calibrate && i === 0 });
    const file = join(values.out, `hosts-${n}.json`);
    if (values.append && existsSync(file)) result = mergeResults(JSON.parse(readFileSync(file, 'utf8')) as HostCountResult, result);
    writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
    log(`[${n} hosts] done in ${fmt(result.totalS, 0)} s; wrote ${join(values.out, `hosts-${n}.json`)}`);
  }
  log(`all host counts done in ${fmt((Date.now() - started) / 60000, 1)} min`);
  if (!values['no-report']) {
    const written = writeReport(values.out, BENCH);
    log(`wrote ${written.join(', ')}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Ctrl-C: the lab is torn down by benchHostCount's finally once the running child dies with it.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`${sig}: stopping after the current run, then tearing the lab down\n`);
    });
  }
  main().catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
