/**
 * package: installs, upgrades or removes OS packages with apt (dpkg) or dnf/yum (rpm). The probe
 * asks the package database which of the named packages are installed and, for apt, what the
 * candidate version is; plan() installs only what is missing or outdated.
 */
import { type Static, Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type Facts, type Plan, type Step } from '../../src/core/module.js';
import { sectionLine, sections } from '../../src/core/probe.js';
import { oneOf } from '../../src/core/schema.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';

const nameSchema = Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }))], {
  description:
    'Package name or list of names (a comma-separated string is split). With apt, `name=version` asks for that exact version.',
});

function makeSchema(nameRequired: boolean) {
  return Type.Object(
    {
      name: nameRequired ? nameSchema : Type.Optional(nameSchema),
      state: Type.Optional(
        oneOf(['present', 'installed', 'latest', 'absent', 'removed'] as const, {
          description: '`present` installs if missing, `latest` also upgrades to the candidate version, `absent` removes.',
          default: 'present',
        }),
      ),
      update_cache: Type.Optional(
        Type.Boolean({
          description: 'Refresh the package index first (`apt-get update`, `dnf makecache`), when something is to be installed.',
          default: false,
        }),
      ),
      purge: Type.Optional(Type.Boolean({ description: 'apt only: with `state: absent`, also remove configuration files.', default: false })),
      use: Type.Optional(
        oneOf(['auto', 'apt', 'dnf', 'yum'] as const, {
          description: 'Package manager; `auto` follows the `pkg_mgr` fact, then `os_family` (Debian: apt, RedHat: dnf).',
          default: 'auto',
        }),
      ),
    },
    { additionalProperties: false },
  );
}

const packageSchema = makeSchema(true);
const aptSchema = makeSchema(false);
type Args = Static<typeof aptSchema>;
type Manager = 'apt' | 'dnf' | 'yum';

export interface PackageInfo {
  installed: boolean;
  /** Installed version, when known. */
  version?: string;
  /** dpkg saw the package only as leftover configuration files. */
  configFiles?: boolean;
  /** apt: the candidate version, or null when apt knows the name but has no candidate. */
  candidate?: string | null;
  /** apt: `apt-cache policy` knew the name at all. */
  known?: boolean;
  /** dnf/yum: an upgrade is available. */
  upgradable?: boolean;
}

export interface PackageState {
  manager: Manager | 'unknown';
  /** Keyed by base package name (without `=version`). */
  packages: Record<string, PackageInfo>;
}

function managerFor(args: Args, facts: Facts): Manager | 'unknown' {
  if (args.use && args.use !== 'auto') return args.use;
  const pm = facts.pkg_mgr;
  if (pm === 'apt' || pm === 'dnf' || pm === 'yum') return pm;
  if (pm === 'dnf5') return 'dnf';
  if (facts.os_family === 'Debian') return 'apt';
  if (facts.os_family === 'RedHat') return 'dnf';
  return 'unknown';
}

/** Names as a list: comma-separated strings split, blanks dropped. */
export function packageNames(name: string | string[] | undefined): string[] {
  const list = name === undefined ? [] : Array.isArray(name) ? name : [name];
  return list
    .flatMap((n) => n.split(','))
    .map((n) => n.trim())
    .filter((n) => n !== '');
}

/** `nginx=1.22*` -> name and version (apt's syntax); rpm names are passed whole. */
function splitSpec(spec: string, manager: Manager): { base: string; version?: string } {
  const eq = spec.indexOf('=');
  if (manager !== 'apt' || eq < 0) return { base: spec };
  return { base: spec.slice(0, eq), version: spec.slice(eq + 1) };
}

function probeScript(args: Args, facts: Facts): Shell {
  const manager = managerFor(args, facts);
  const specs = packageNames(args.name);
  const state = normState(args.state);
  const head = sh`echo ${`manager=${manager}`}`;
  if (manager === 'unknown' || specs.length === 0) return head;
  const bases = specs.map((s) => splitSpec(s, manager).base);
  if (manager === 'apt') {
    return lines(
      head,
      sectionLine('dpkg'),
      sh`dpkg-query -W -f='\${Package} \${Status} \${Version}\\n' ${bases} 2>/dev/null || true`,
      state !== 'absent' && lines(sectionLine('policy'), sh`LC_ALL=C apt-cache policy ${bases} 2>/dev/null || true`),
    );
  }
  const list = manager === 'dnf' ? sh`dnf -q list --upgrades ${bases}` : sh`yum -q list updates ${bases}`;
  return lines(
    head,
    sectionLine('rpm'),
    sh`rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}.%{ARCH}\\n' ${bases} 2>/dev/null || true`,
    state === 'latest' && lines(sectionLine('upgrades'), sh`LC_ALL=C ${list} 2>/dev/null || true`),
  );
}

function parseApt(sec: Map<string, string[]>, packages: Record<string, PackageInfo>): void {
  // dpkg prints `${Package}` without the architecture that a `name:arch` spec carries.
  const byName = (n: string) => packages[n] ?? Object.entries(packages).find(([k]) => k.split(':')[0] === n)?.[1];
  for (const line of sec.get('dpkg') ?? []) {
    // "coreutils install ok installed 9.1-1": name, want, flag, status, version.
    const f = line.trim().split(/\s+/);
    const pkg = byName(f[0] ?? '');
    if (!pkg || f.length < 4) continue;
    if (f[3] === 'installed') Object.assign(pkg, { installed: true, version: f[4] ?? '', configFiles: false });
    else if (f[3] === 'config-files' && !pkg.installed) pkg.configFiles = true;
  }
  let current: PackageInfo | undefined;
  for (const line of sec.get('policy') ?? []) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      current = packages[head[1]!];
      if (current) current.known = true;
      continue;
    }
    const cand = /^\s+Candidate: (.*)$/.exec(line);
    if (cand && current) current.candidate = cand[1] === '(none)' ? null : cand[1]!.trim();
  }
}

function parseRpm(sec: Map<string, string[]>, packages: Record<string, PackageInfo>): void {
  const missing = new Set<string>();
  for (const line of sec.get('rpm') ?? []) {
    const m = /^package (\S+) is not installed$/.exec(line.trim());
    if (m) {
      missing.add(m[1]!);
      continue;
    }
    const [n, v] = line.trim().split(' ');
    const pkg = packages[n ?? ''];
    if (pkg && v) pkg.version = v;
  }
  const rpmRan = sec.has('rpm');
  for (const [name, pkg] of Object.entries(packages)) pkg.installed = rpmRan && !missing.has(name);
  for (const line of sec.get('upgrades') ?? []) {
    // "nginx.x86_64   1:1.24.0-1.el9   appstream": the first field is name.arch.
    const f = line.trim().split(/\s+/);
    if (f.length !== 3) continue;
    const dot = f[0]!.lastIndexOf('.');
    const pkg = packages[dot > 0 ? f[0]!.slice(0, dot) : f[0]!];
    if (pkg) pkg.upgradable = true;
  }
}

function normState(state: Args['state']): 'present' | 'latest' | 'absent' {
  if (state === 'absent' || state === 'removed') return 'absent';
  if (state === 'latest') return 'latest';
  return 'present';
}

/** apt's version globbing is limited to a trailing `*` here. */
function versionMatches(installed: string | undefined, wanted: string): boolean {
  if (installed === undefined) return false;
  return wanted.endsWith('*') ? installed.startsWith(wanted.slice(0, -1)) : installed === wanted;
}

function describe(names: string[], packages: Record<string, PackageInfo>, change: Map<string, string>): [string, string] {
  let before = '';
  let after = '';
  for (const n of names) {
    const p = packages[n];
    const now = p?.installed ? `installed ${p.version ?? ''}`.trim() : 'absent';
    before += `${n}: ${now}\n`;
    after += `${n}: ${change.get(n) ?? now}\n`;
  }
  return [before, after];
}

function planPackages(args: Args, state: PackageState): Plan {
  const manager = state.manager;
  if (manager === 'unknown') {
    return { steps: [], failed: 'cannot tell the package manager: set `use`, or gather facts (pkg_mgr, os_family)' };
  }
  const want = normState(args.state);
  const specs = packageNames(args.name);
  const refresh: Step =
    manager === 'apt' ? { kind: 'exec', argv: ['apt-get', 'update', '-q'] } : { kind: 'exec', argv: [manager, 'makecache', '-q'] };

  if (specs.length === 0) {
    if (args.update_cache) return { steps: [refresh], reason: 'update the package cache', result: { cache_updated: true } };
    return { steps: [], failed: 'one of the following is required: name, update_cache' };
  }
  const bad = specs.find((s) => s.startsWith('-') || /\s/.test(s));
  if (bad !== undefined) return { steps: [], failed: `invalid package name: ${JSON.stringify(bad)}` };

  const install: string[] = [];
  const upgrade: string[] = [];
  const remove: string[] = [];
  const change = new Map<string, string>();
  const bases: string[] = [];
  for (const spec of specs) {
    const { base, version } = splitSpec(spec, manager);
    bases.push(base);
    const pkg: PackageInfo = state.packages[base] ?? { installed: false };
    if (want === 'absent') {
      if (pkg.installed || (args.purge && pkg.configFiles)) {
        remove.push(base);
        change.set(base, 'absent');
      }
    } else if (!pkg.installed || (version !== undefined && !versionMatches(pkg.version, version))) {
      if (manager === 'apt' && pkg.known !== true && !args.update_cache) {
        return { steps: [], failed: `No package matching '${base}' is available` };
      }
      install.push(spec);
      change.set(base, `installed ${version ?? (pkg.candidate || '')}`.trim());
    } else if (want === 'latest' && version === undefined) {
      const outdated = manager === 'apt' ? pkg.candidate != null && pkg.candidate !== pkg.version : pkg.upgradable === true;
      if (outdated) {
        (manager === 'apt' ? install : upgrade).push(spec);
        change.set(base, `installed ${pkg.candidate ?? '(newer)'}`);
      }
    }
  }

  const result = { name: specs, state: want };
  if (change.size === 0) {
    const what = want === 'absent' ? 'absent' : want === 'latest' ? 'installed at the latest version' : 'installed';
    return { steps: [], result, reason: `${specs.length === 1 ? `${specs[0]} is` : `all ${specs.length} packages are`} ${what}` };
  }

  const steps: Step[] = [];
  if (args.update_cache && want !== 'absent') steps.push(refresh);
  if (manager === 'apt') {
    const apt = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];
    if (install.length) {
      steps.push({
        kind: 'exec',
        argv: [...apt, 'install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...install],
      });
    }
    if (remove.length) steps.push({ kind: 'exec', argv: [...apt, args.purge ? 'purge' : 'remove', '-y', '-q', ...remove] });
  } else {
    if (install.length) steps.push({ kind: 'exec', argv: [manager, 'install', '-y', ...install] });
    if (upgrade.length) steps.push({ kind: 'exec', argv: [manager, manager === 'yum' ? 'update' : 'upgrade', '-y', ...upgrade] });
    if (remove.length) steps.push({ kind: 'exec', argv: [manager, 'remove', '-y', ...remove] });
  }
  const [before, after] = describe(bases, state.packages, change);
  const verbs = [
    install.length ? `install ${install.join(' ')}` : '',
    upgrade.length ? `upgrade ${upgrade.join(' ')}` : '',
    remove.length ? `${args.purge ? 'purge' : 'remove'} ${remove.join(' ')}` : '',
  ].filter(Boolean);
  return { steps, result, reason: verbs.join('; '), diff: [{ path: 'packages', before, after }] };
}

function parseOutput(out: ExecResult, args: Args): PackageState {
  const sec = sections(out.stdout);
  const first = out.stdout.split('\n', 1)[0] ?? '';
  const m = /^manager=(apt|dnf|yum|unknown)$/.exec(first);
  const manager = (m?.[1] ?? 'unknown') as PackageState['manager'];
  const packages: Record<string, PackageInfo> = {};
  if (manager !== 'unknown') {
    for (const spec of packageNames(args.name)) packages[splitSpec(spec, manager).base] = { installed: false };
  }
  if (manager === 'apt') parseApt(sec, packages);
  else if (manager !== 'unknown') parseRpm(sec, packages);
  return { manager, packages };
}

export const packageModule = defineModule({
  name: 'package',
  schema: packageSchema,
  description:
    'Installs, upgrades or removes OS packages with the host\'s package manager: apt on Debian and Ubuntu, dnf or yum on ' +
    'Red Hat and Fedora (from the `pkg_mgr` fact, else `os_family`). `latest` upgrades to the candidate version; ' +
    '`update_cache` refreshes the index before installing.',
  examples: `- name: web server installed
  package:
    name: [nginx, curl]
    state: present

- name: no telnet
  package:
    name: telnet
    state: absent
`,
  probe: probeScript,
  parse: parseOutput,
  plan: planPackages,
});

/** `apt`: the same module under Ansible's apt name, where `update_cache` alone is a valid task. */
export const apt = defineModule({
  name: 'apt',
  schema: aptSchema,
  description:
    'Manages Debian packages with apt-get (the `package` module with the apt backend chosen unless `use` says otherwise). ' +
    'A task with only `update_cache: true` refreshes the package index and reports changed.',
  examples: `- name: refresh the index and install curl
  apt:
    name: curl
    update_cache: true
`,
  // apt is apt whatever the facts say; `use` still overrides.
  probe: (args, facts) => probeScript(args, { ...facts, pkg_mgr: 'apt' }),
  parse: parseOutput,
  plan: planPackages,
});

export default packageModule;
