/**
 * The contenders: how each one is started for each phase, and how its output is read back
 * (changes per host, round trips per host, failures).
 *
 *   ansible   ansible-playbook with its best settings: forks = hosts, pipelining, ControlPersist,
 *             host keys checked against the lab's known_hosts, interpreter fixed (no discovery).
 *   tsplay    node bin/tsplay.js run --json, forks = hosts.
 *   onetrip   bash + OpenSSH: one ssh connection per host, one exec carrying the whole job.
 *   floor     bash + OpenSSH: `ssh HOST true` to every host at once (phase "connect" only).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../src/lab/index.js';
import { oneTripScript } from './baseline.js';
import type { Measurement } from './measure.js';

export type Phase = 'first' | 'second' | 'nofacts' | 'check' | 'connect';
export const PLAYBOOK_PHASES: Phase[] = ['first', 'second', 'nofacts', 'check'];
export type ToolId = 'ansible' | 'tsplay' | 'onetrip' | 'floor';
export const ALL_TOOLS: ToolId[] = ['ansible', 'tsplay', 'onetrip', 'floor'];

export const TOOL_LABELS: Record<ToolId, string> = {
  ansible: 'ansible-playbook',
  tsplay: 'tsplay',
  onetrip: 'OpenSSH one trip',
  floor: 'OpenSSH floor (ssh true)',
};

export interface Env {
  lab: Lab;
  /** Scratch directory of this host count (ansible.cfg, scripts, ControlPath sockets). */
  work: string;
  /** The playbook, and its copy with gather_facts: false. */
  playbook: string;
  playbookNoFacts: string;
  /** Folder holding bin/tsplay.js (the repo, or a snapshot of it). */
  tsplayRoot: string;
  /** Extra node options for tsplay (e.g. --cpu-prof). */
  nodeArgs: string[];
}

export interface RunSpec {
  argv: string[];
  env: NodeJS.ProcessEnv;
  orphanMarker?: string;
}

export interface Outcome {
  /** Changed results per host (handlers included). */
  changed: Record<string, number>;
  /** SSH round trips per host, when the tool reports them. */
  roundTrips?: Record<string, number>;
  /** Why the run does not count (a failure, an unreachable host, output that cannot be read). */
  error?: string;
}

const BASE_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: process.env.HOME ?? '/root',
  LANG: 'C.UTF-8',
};

function ansibleDir(env: Env): string {
  return join(env.work, 'ansible');
}

/** ansible.cfg for this lab: everything that makes ansible-playbook fast, nothing that cheats. */
export function writeAnsibleConfig(env: Env): string {
  const dir = ansibleDir(env);
  mkdirSync(join(dir, 'cp'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const cfg = [
    '[defaults]',
    `forks = ${env.lab.hosts.length}`,
    'host_key_checking = True',
    'interpreter_python = /usr/bin/python3',
    'retry_files_enabled = False',
    'timeout = 60',
    `local_tmp = ${join(dir, 'tmp')}`,
    'nocolor = True',
    '',
    '[ssh_connection]',
    'pipelining = True',
    `ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o IdentitiesOnly=yes -o UserKnownHostsFile=${env.lab.knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes`,
    `control_path_dir = ${join(dir, 'cp')}`,
    '',
  ].join('\n');
  const path = join(dir, 'ansible.cfg');
  writeFileSync(path, cfg);
  return path;
}

function playbookFor(env: Env, phase: Phase): string {
  return phase === 'nofacts' ? env.playbookNoFacts : env.playbook;
}

/** Per-host scripts and the driver that runs one of them on every host at once. */
function writeOneTrip(env: Env, phase: Phase): string {
  const dir = join(env.work, 'onetrip', phase);
  mkdirSync(dir, { recursive: true });
  for (const h of env.lab.hosts) {
    const script = phase === 'connect' ? 'true\n' : oneTripScript(h.name, { facts: phase !== 'nofacts', check: phase === 'check' });
    writeFileSync(join(dir, `${h.name}.sh`), script);
  }
  const driver = join(env.work, 'onetrip', 'driver.sh');
  if (!existsSync(driver)) {
    writeFileSync(
      driver,
      [
        '#!/bin/bash',
        '# driver.sh SSH_CONFIG DIR HOST...: DIR/HOST.sh runs on every HOST at once, one connection and one exec each.',
        'cfg=$1 dir=$2; shift 2',
        'for h in "$@"; do',
        '  { ssh -F "$cfg" -o ControlMaster=yes -o ControlPath="$dir/cm-%C" -o ControlPersist=no "$h" "sh -s" <"$dir/$h.sh" >"$dir/$h.out" 2>&1; echo "ssh_rc=$?" >>"$dir/$h.out"; } &',
        'done',
        'wait',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  }
  return dir;
}

export function runSpec(tool: ToolId, phase: Phase, env: Env, opts: { verbose?: boolean; limit?: string } = {}): RunSpec {
  const n = env.lab.hosts.length;
  switch (tool) {
    case 'ansible': {
      const cfg = join(ansibleDir(env), 'ansible.cfg');
      const argv = ['ansible-playbook', '-i', env.lab.inventory, playbookFor(env, phase)];
      if (phase === 'check') argv.push('--check');
      if (opts.verbose) argv.push('-vvv');
      if (opts.limit) argv.push('--limit', opts.limit);
      return { argv, env: { ...BASE_ENV, ANSIBLE_CONFIG: cfg }, orphanMarker: join(ansibleDir(env), 'cp') };
    }
    case 'tsplay': {
      // Connect timeout 60 s as ansible's (timeout = 60 above): hundreds of lab sshds share this
      // machine's cores, and at 500 hosts the last handshakes take more than the default 10 s.
      const argv = [process.execPath, ...env.nodeArgs, join(env.tsplayRoot, 'bin', 'tsplay.js'), 'run', playbookFor(env, phase), '-i', env.lab.inventory, '--known-hosts', env.lab.knownHosts, '--json', '-f', String(n), '--connect-timeout', '60'];
      if (phase === 'check') argv.push('--check');
      if (opts.verbose) argv.push('-v');
      if (opts.limit) argv.push('--limit', opts.limit);
      return { argv, env: { ...BASE_ENV } };
    }
    case 'onetrip':
    case 'floor': {
      const dir = writeOneTrip(env, tool === 'floor' ? 'connect' : phase);
      const hosts = env.lab.hosts.map((h) => h.name).filter((h) => !opts.limit || h === opts.limit);
      return { argv: ['/bin/bash', join(env.work, 'onetrip', 'driver.sh'), join(env.lab.dir, 'ssh_config'), dir, ...hosts], env: { ...BASE_ENV } };
    }
  }
}

/** `ansible-playbook` PLAY RECAP lines. */
function ansibleRecap(stdout: string): Record<string, { changed: number; failed: number; unreachable: number }> {
  const out: Record<string, { changed: number; failed: number; unreachable: number }> = {};
  const start = stdout.lastIndexOf('PLAY RECAP');
  if (start < 0) return out;
  for (const m of stdout.slice(start).matchAll(/^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    out[m[1]!] = { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) };
  }
  return out;
}

/**
 * Round trips per host and per task from `ansible-playbook -vvv`: every `SSH: EXEC` line
 * (ssh for a command or a module, sftp for a file transfer) is one exchange with the host.
 */
export function ansibleRoundTrips(stdout: string, lab: Lab): { perHost: Record<string, number>; perTask: { task: string; trips: number }[] } {
  const byIp = new Map(lab.hosts.map((h) => [h.ip, h.name]));
  const perHost: Record<string, number> = Object.fromEntries(lab.hosts.map((h) => [h.name, 0]));
  const perTask: { task: string; trips: number }[] = [];
  const first = lab.hosts[0]!.ip;
  for (const line of stdout.split('\n')) {
    const t = /^(TASK|RUNNING HANDLER) \[(.*)\] \*+$/.exec(line);
    if (t) {
      perTask.push({ task: t[2]!, trips: 0 });
      continue;
    }
    const m = /^<([0-9.]+)> SSH: EXEC (ssh|sftp|scp)\b/.exec(line);
    if (!m) continue;
    const host = byIp.get(m[1]!);
    if (host) perHost[host]!++;
    if (m[1] === first && perTask.length) perTask[perTask.length - 1]!.trips++;
  }
  return { perHost, perTask };
}

/** tsplay's --json events. */
function events(stdout: string): any[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** Round trips of one host per task from `tsplay run --json -v` (facts are the trips no command event names). */
export function tsplayRoundTrips(stdout: string, host: string): { perTask: { task: string; trips: number }[]; total: number } {
  const evs = events(stdout);
  const perTask: { task: string; trips: number }[] = [];
  for (const e of evs) {
    if (e.kind === 'task_start') perTask.push({ task: e.name, trips: 0 });
    if (e.kind === 'host_command' && e.host === host && perTask.length) perTask[perTask.length - 1]!.trips++;
  }
  const recap = evs.find((e) => e.kind === 'recap');
  const total = recap?.roundTrips?.[host] ?? 0;
  const counted = perTask.reduce((n, t) => n + t.trips, 0);
  const facts = perTask.find((t) => t.task === 'Gathering Facts');
  if (facts) facts.trips += total - counted;
  return { perTask, total };
}

export function readOutcome(tool: ToolId, phase: Phase, env: Env, m: Measurement, limit?: string): Outcome {
  const hosts = env.lab.hosts.map((h) => h.name).filter((h) => !limit || h === limit);
  // The last lines, each cut short (tsplay's recap event is one line of every host's counts).
  const tail = (s: string) => s.trim().split('\n').slice(-15).map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l)).join('\n');
  if (m.exitCode !== 0 && tool !== 'onetrip' && tool !== 'floor') {
    const unreachable = m.stdout.split('\n').filter((l) => l.includes('"status":"unreachable"')).slice(0, 5);
    return { changed: {}, error: `${tool} ${phase} exited with ${m.exitCode}:\n${tail(unreachable.join('\n') || m.stdout)}\n${tail(m.stderr)}` };
  }
  switch (tool) {
    case 'ansible': {
      const recap = ansibleRecap(m.stdout);
      const bad = hosts.filter((h) => !recap[h] || recap[h]!.failed || recap[h]!.unreachable);
      if (bad.length) return { changed: {}, error: `ansible ${phase}: hosts failed or missing from the recap: ${bad.slice(0, 5).join(' ')}\n${tail(m.stdout)}` };
      return { changed: Object.fromEntries(hosts.map((h) => [h, recap[h]!.changed])) };
    }
    case 'tsplay': {
      let recap: any;
      try {
        recap = events(m.stdout).find((e) => e.kind === 'recap');
      } catch (e) {
        return { changed: {}, error: `tsplay ${phase}: unreadable --json output: ${(e as Error).message}` };
      }
      if (!recap) {
        return { changed: {}, error: `tsplay ${phase}: no recap event (exit ${m.exitCode}, ${m.stdout.length} bytes of output, ${m.wallS.toFixed(1)} s)\nlast output: ${m.stdout.slice(-300)}\nstderr: ${tail(m.stderr)}` };
      }
      const bad = hosts.filter((h) => !recap.stats[h] || recap.stats[h].failed || recap.stats[h].unreachable);
      if (bad.length) return { changed: {}, error: `tsplay ${phase}: hosts failed or missing from the recap: ${bad.slice(0, 5).join(' ')}` };
      return { changed: Object.fromEntries(hosts.map((h) => [h, recap.stats[h].changed])), roundTrips: recap.roundTrips };
    }
    case 'onetrip':
    case 'floor': {
      const dir = join(env.work, 'onetrip', tool === 'floor' ? 'connect' : phase);
      const changed: Record<string, number> = {};
      for (const h of hosts) {
        const out = readFileSync(join(dir, `${h}.out`), 'utf8');
        const rc = /ssh_rc=(\d+)\s*$/.exec(out);
        if (!rc || rc[1] !== '0') return { changed: {}, error: `${tool} ${phase}: ${h} failed:\n${tail(out)}` };
        const c = /^changed=(\d+)$/m.exec(out);
        changed[h] = c ? Number(c[1]) : 0;
      }
      return { changed, roundTrips: Object.fromEntries(hosts.map((h) => [h, 1])) };
    }
  }
}

/**
 * Copies the playbook folder into `dest` and writes beside it the copy with gather_facts: false
 * (so templates/ resolves the same for both). Returns both paths.
 */
export function stagePlaybook(src: string, dest: string): { playbook: string; playbookNoFacts: string } {
  cpSync(src, dest, { recursive: true });
  const playbook = join(dest, 'site.yml');
  const text = readFileSync(playbook, 'utf8');
  if (!/^  gather_facts: true$/m.test(text)) throw new Error(`${playbook} must say '  gather_facts: true' (the no-facts phase flips it)`);
  const playbookNoFacts = join(dest, 'site-nofacts.yml');
  writeFileSync(playbookNoFacts, text.replace(/^  gather_facts: true$/m, '  gather_facts: false'));
  return { playbook, playbookNoFacts };
}
