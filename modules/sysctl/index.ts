/**
 * sysctl: keeps a kernel parameter at a value, both persisted in a sysctl.d file and (with
 * reload, the default) live. The probe reads the live value from /proc/sys and the whole file;
 * plan() compares values as the kernel prints them, word by word ("4096\t87380" equals
 * "4096 87380"), rewrites only our key's line in the file and sets only our key live.
 */
import { type Static, Type } from '@sinclair/typebox';
import { groupOption, modeOption, ownerOption } from '../../src/core/attrs.js';
import { filesProbe, planFile, probedFile } from '../../src/core/files.js';
import { defineModule, type ExecResult, type FileDiff, type Plan, type RenderedFile, type StaleFacts, type Step } from '../../src/core/module.js';
import { type FileStat, parseUmask, probeOutput } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';
import { BOOLEANS_FALSE, BOOLEANS_TRUE } from '../../src/py/bool.js';
import { pyStrip } from '../../src/py/re.js';

export const DEFAULT_SYSCTL_FILE = '/etc/sysctl.d/99-tsplay.conf';

/** A type list, not a union: ajv's coerceTypes would otherwise turn true into "true" in a string branch. */
const valueOption = Type.Unsafe<string | number | boolean>({
  type: ['string', 'number', 'boolean'],
  pattern: '^[^\\n]*$',
  description: 'The value, as `sysctl -w` takes it; several words are compared word by word. yes/true/on give 1, no/false/off give 0, as in Ansible.',
});

const schema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'The parameter, dotted (vm.swappiness) or with slashes (net/ipv4/conf/eth0.100/forwarding). Alias: key.', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.:@+/-]*$' })),
    key: Type.Optional(Type.String({ description: 'Alias of name.', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.:@+/-]*$' })),
    value: Type.Optional(valueOption),
    val: Type.Optional(valueOption),
    state: Type.Optional(
      Type.Union([Type.Literal('present'), Type.Literal('absent')], {
        description: 'present: the file sets the value (and, with reload, so does the kernel); absent: the line is removed from the file and the live value is left alone.',
        default: 'present',
      }),
    ),
    sysctl_file: Type.Optional(Type.String({ description: 'The file that persists the value; other lines in it are kept as they are.', default: DEFAULT_SYSCTL_FILE, pattern: '^/' })),
    reload: Type.Optional(Type.Boolean({ description: 'Also make the live value match, with `sysctl -w name=value` (only this key is set).', default: true })),
    sysctl_set: Type.Optional(Type.Boolean({ description: 'Check the live value and set it with `sysctl -w` when it differs (same effect as reload here).', default: false })),
    ignoreerrors: Type.Optional(Type.Boolean({ description: 'Do not fail when the kernel does not know the parameter: only the file is written.', default: false })),
    mode: Type.Optional(modeOption),
    owner: Type.Optional(ownerOption),
    group: Type.Optional(groupOption),
  },
  {
    additionalProperties: false,
    allOf: [
      { if: { not: { required: ['key'] } }, then: { required: ['name'] } },
      {
        if: { not: { anyOf: [{ required: ['val'] }, { properties: { state: { const: 'absent' } }, required: ['state'] }] } },
        then: { required: ['value'] },
      },
    ],
  },
);

type Args = Static<typeof schema>;

export interface SysctlState {
  /** The live value as /proc/sys prints it (trailing newline removed). */
  live?: string;
  /** The parameter does not exist in this kernel. */
  unknown: boolean;
  /** It exists but cannot be read (write-only keys such as vm.drop_caches). */
  unreadable: boolean;
  /** The `sysctl` command is installed. */
  hasSysctl: boolean;
  /** sysctl_file with symlinks resolved: that is the file written, so a link stays a link. */
  realFile: string;
  /** The file's content, undefined when it does not exist. */
  file?: string;
  stat?: FileStat;
  noParent: boolean;
  umask: number;
}

function paramName(args: Args): string {
  const n = args.name ?? args.key;
  if (n === undefined) throw new Error("sysctl needs option 'name'");
  return n.trim();
}

/** The /proc/sys path of a parameter: dots separate levels unless the name uses slashes (then dots are literal). */
export function procPath(name: string): string {
  const firstSep = name.search(/[./]/);
  const rel = firstSep >= 0 && name[firstSep] === '/' ? name : name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
  return `/proc/sys/${rel}`;
}

/** Ansible's _parse_value: boolean spellings become 1/0 (checked before trimming, as Ansible does), other strings are trimmed. */
export function normalizeValue(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  if (BOOLEANS_TRUE.has(v.toLowerCase())) return '1';
  if (BOOLEANS_FALSE.has(v.toLowerCase())) return '0';
  return pyStrip(v);
}

/** Values compared as the kernel prints them: word by word, whatever the whitespace. */
export function sameValue(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = a.trim().split(/\s+/);
  const y = b.trim().split(/\s+/);
  return x.length === y.length && x.every((w, i) => w === y[i]);
}

function probe(args: Args): Shell {
  const p = procPath(paramName(args));
  return lines(
    sh`command -v sysctl >/dev/null 2>&1 && echo has_sysctl=1`,
    sh`if [ ! -e ${p} ]; then echo unknown=1; elif v=$(cat ${p} 2>/dev/null); then printf 'live=%s\\n' "$(printf '%s' "$v" | base64 -w0)"; else echo unreadable=1; fi`,
    filesProbe([{ key: 'file', path: args.sysctl_file ?? DEFAULT_SYSCTL_FILE, resolve: true, content: 'whole' }]),
  );
}

function parse(out: ExecResult, args: Args): SysctlState {
  const kv = probeOutput(out, 'sysctl');
  const f = probedFile(kv, 'file');
  if (f.unreadable) throw new Error(`sysctl: cannot read ${args.sysctl_file ?? DEFAULT_SYSCTL_FILE} on the host (permission denied); use become`);
  const live = kv.get('live');
  return {
    live: live === undefined ? undefined : Buffer.from(live, 'base64').toString('utf8'),
    unknown: kv.get('unknown') === '1',
    unreadable: kv.get('unreadable') === '1',
    hasSysctl: kv.get('has_sysctl') === '1',
    realFile: f.real ?? args.sysctl_file ?? DEFAULT_SYSCTL_FILE,
    file: f.content?.toString('utf8'),
    stat: f.stat,
    noParent: f.noParent,
    umask: parseUmask(kv.get('umask')),
  };
}

/** The key a sysctl.conf line sets, in /proc/sys path form, or undefined for comments and blank lines. */
function lineKey(line: string): { key: string; value: string } | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#') || t.startsWith(';') || !t.includes('=')) return undefined;
  const eq = t.indexOf('=');
  // A leading '-' (sysctl.d: ignore errors for this key) does not change which key it is.
  const key = t.slice(0, eq).trim().replace(/^-/, '');
  return { key: procPath(key), value: t.slice(eq + 1).trim() };
}

/**
 * The file after setting (or removing) one key: the first line for the key is replaced, later
 * ones dropped, everything else kept byte for byte. Returns the input when nothing needs to change.
 */
export function editSysctlFile(text: string | undefined, name: string, value: string | undefined): string {
  const src = text ?? '';
  const lines = src === '' ? [] : src.replace(/\n$/, '').split('\n');
  const want = procPath(name);
  const hits = lines.map((l, i) => ({ i, kv: lineKey(l) })).filter((h) => h.kv?.key === want);
  if (value === undefined) {
    if (hits.length === 0) return src;
    const drop = new Set(hits.map((h) => h.i));
    const kept = lines.filter((_, i) => !drop.has(i));
    return kept.length ? kept.join('\n') + '\n' : '';
  }
  const last = hits[hits.length - 1];
  if (last && sameValue(last.kv!.value, value)) return src;
  const line = `${name} = ${value}`;
  if (hits.length === 0) return (src === '' ? '' : src.endsWith('\n') ? src : src + '\n') + line + '\n';
  const drop = new Set(hits.slice(1).map((h) => h.i));
  const out = lines.map((l, i) => (i === hits[0]!.i ? line : l)).filter((_, i) => !drop.has(i));
  return out.join('\n') + '\n';
}

function plan(args: Args, st: SysctlState): Plan {
  const name = paramName(args);
  const state = args.state ?? 'present';
  const value = state === 'present' ? normalizeValue(args.value ?? args.val) : undefined;
  const result: Record<string, unknown> = { name, state, sysctl_file: args.sysctl_file ?? DEFAULT_SYSCTL_FILE, ...(value !== undefined ? { value } : {}) };
  if (state === 'present' && value === '') return { steps: [], failed: 'value cannot be blank', result };
  const path = st.realFile;
  const steps: Step[] = [];
  const diff: FileDiff[] = [];
  const reasons: string[] = [];

  // Live value first: a value the kernel refuses then fails the task before it is persisted.
  const live = state === 'present' && (args.reload !== false || args.sysctl_set === true);
  if (live) {
    if (st.unknown) {
      if (!args.ignoreerrors) return { steps: [], failed: `Failed to reload sysctl: sysctl: cannot stat ${procPath(name)}: No such file or directory`, result };
      reasons.push(`${name} is unknown to this kernel (ignored)`);
    } else if (st.unreadable || !sameValue(st.live, value)) {
      const setter: Step = st.hasSysctl
        ? { kind: 'exec', argv: args.ignoreerrors ? ['sysctl', '-e', '-q', '-w', `${name}=${value}`] : ['sysctl', '-q', '-w', `${name}=${value}`] }
        : { kind: 'exec', argv: ['tee', procPath(name)], stdin: value! };
      steps.push(setter);
      const before = st.unreadable ? '(unreadable)' : st.live!.trim().split(/\s+/).join(' ');
      diff.push({ path: `sysctl ${name}`, before: before + '\n', after: value + '\n' });
      reasons.push(`live ${before} -> ${value}`);
    }
  }

  // A file that does not exist needs nothing to remove a key from.
  if (st.file !== undefined || state === 'present') {
    const after = editSysctlFile(st.file, name, value);
    const fp = planFile({ path, content: after, mode: args.mode, owner: args.owner, group: args.group, makeParents: true }, { stat: st.file === undefined ? undefined : st.stat, content: st.file, noParent: st.noParent }, st.umask);
    if ('error' in fp) return { steps: [], failed: fp.error, result };
    steps.push(...fp.steps);
    diff.push(...fp.diff);
    if (fp.contentChanged) reasons.push(state === 'present' ? `${path} sets ${name} = ${value}` : `${name} removed from ${path}`);
    else if (fp.attrChanges.length) reasons.push(`${path}: ${fp.attrChanges.join(', ')}`);
  }
  if (steps.length === 0) {
    const why = state === 'absent' ? `${name} is not in ${path}` : `${name} = ${value} in ${path}${live && !st.unknown ? ' and live' : ''}`;
    return { steps, reason: reasons.length ? `${why}; ${reasons.join('; ')}` : why, result };
  }
  return { steps, diff, reason: reasons.join('; '), result };
}

/**
 * The file a run leaves (ModuleDef.renders): the one earlier tasks of the render wrote, else
 * none (the file depends on what the host has: this is what a host without it gets), with our
 * key's line set or removed. A sysctl_file that is a symlink on the host is rendered at its own path.
 */
function renders(args: Args, earlier: (path: string) => RenderedFile | undefined): RenderedFile[] {
  const name = paramName(args);
  const value = (args.state ?? 'present') === 'present' ? normalizeValue(args.value ?? args.val) : undefined;
  if (value === '') throw new Error('value cannot be blank');
  const path = args.sysctl_file ?? DEFAULT_SYSCTL_FILE;
  const before = earlier(path);
  // A file that does not exist needs nothing to remove a key from.
  if (before === undefined && value === undefined) return [];
  const had = before?.content;
  const text = had === undefined || typeof had === 'string' ? had : Buffer.from(had).toString('utf8');
  return [{ path, content: editSysctlFile(text, name, value), mode: args.mode ?? before?.mode }];
}

/** Facts that a live change of these parameters makes stale (see ModuleDef.staleFacts). */
function staleFacts(args: Args): StaleFacts[] {
  const name = paramName(args);
  if (/^kernel[./]hostname$/.test(name)) return ['hostname', 'nodename', 'fqdn', 'domain'];
  // Turning IPv6 off on an interface removes its addresses; on, brings a link-local one.
  if (/^net[./]ipv6[./]conf[./].+[./]disable_ipv6$/.test(name)) return ['network'];
  return [];
}

export const sysctl = defineModule({
  name: 'sysctl',
  description:
    'Sets a kernel parameter persistently in a sysctl.d file (default /etc/sysctl.d/99-tsplay.conf) and, with reload (default), live ' +
    'with `sysctl -w`. Values are compared word by word as the kernel prints them, so a second run changes nothing.',
  schema,
  staleFacts,
  examples: `- sysctl: name=vm.swappiness value=10
- sysctl:
    name: vm.overcommit_memory
    value: 2
    sysctl_file: /etc/sysctl.d/60-overcommit.conf
- sysctl: name=net.ipv4.tcp_rmem value="4096 87380 6291456"`,
  probe: (args) => probe(args),
  parse: (out, args) => parse(out, args),
  plan: (args, state: SysctlState) => plan(args, state),
  renders: (args, _facts, earlier) => renders(args, earlier),
});

export default sysctl;
