/**
 * What bond, vlan and bridge share: one probe round trip that reads the live state, which
 * backends the host runs and every file the task may write, and one plan() that puts the live
 * commands (plan.ts) and the backend files (backends/) together. Each module only adds its
 * options and its documentation.
 */
import { posix } from 'node:path';
import { defineModule, type ExecResult, type FileDiff, type Guard, type ModuleDef, NotRenderable, type Plan, type RenderedFile, type Step } from '../core/module.js';
import { type AbsentFile, filesProbe, planFiles, probedFile, type WantFile } from '../core/files.js';
import { base64Line, parseUmask, probeOutput, unbase64 } from '../core/probe.js';
import { lines, type Shell, sh } from '../core/sh.js';
import type { TObject } from '@sinclair/typebox';
import { type Backend, type NetArgs, toDesired } from './args.js';
import { BACKENDS_BY_NAME } from './backends/index.js';
import { NETWORK_DIRS } from './backends/networkd.js';
import type { Glob } from './backends/types.js';
import { liveProbe, parseLive } from './live.js';
import type { Desired, Kind, Live, LiveLink, LiveRoute } from './model.js';
import { memberInfo, persisted } from './persist.js';
import { livePlan, restoreSteps, settle, touched } from './plan.js';

/** A file as the probe found it (absent files are not listed). */
export interface NetFile {
  text: string;
  mode: string;
  owner: string;
  group: string;
}

/** The parsed probe: plain data, so fixtures can write it. */
export interface NetState {
  links: LiveLink[];
  routes: LiveRoute[];
  /** Backends the host runs or has installed. */
  detected: Backend[];
  /** Files read, by path: those the task may write and those its backends' globs found. */
  files: Record<string, NetFile>;
  /** Files found by the backends' globs. */
  found: string[];
  /** networkd's .network files (path, [Match] Name= words), in the order networkd reads them. */
  networkFiles: { path: string; names: string[] }[];
  umask: number;
}

const ORDER = ['networkmanager', 'networkd', 'ifupdown', 'ifcfg'] as const;

function backendsToRead(a: NetArgs): Backend[] {
  if (a.persist === false) return [];
  const b = a.backend ?? 'auto';
  if (b === 'none') return [];
  return b === 'auto' ? [...ORDER] : [b];
}

/** The backend a task uses: the one it names, else what the host runs (see the backend option). */
export function chooseBackend(a: NetArgs, detected: readonly Backend[]): Backend {
  if (a.persist === false) return 'none';
  const b = a.backend ?? 'auto';
  if (b !== 'auto') return b;
  return ORDER.find((x) => detected.includes(x)) ?? 'none';
}

const DETECT = lines(
  sh`if command -v systemctl >/dev/null 2>&1; then`,
  sh`  systemctl is-active --quiet NetworkManager 2>/dev/null && echo net.detect.networkmanager=1`,
  sh`  systemctl is-active --quiet systemd-networkd 2>/dev/null && echo net.detect.networkd=1`,
  sh`fi`,
  sh`[ -f /etc/network/interfaces ] && command -v ifup >/dev/null 2>&1 && echo net.detect.ifupdown=1`,
  sh`[ -d /etc/sysconfig/network-scripts ] && echo net.detect.ifcfg=1`,
  sh`:`,
);

/** The files a task reads: those its backends may write or must look at. */
function pathsAndGlobs(d: Desired, a: NetArgs): { paths: string[]; globs: Glob[] } {
  const paths = new Set<string>();
  const globs: Glob[] = [];
  for (const b of backendsToRead(a)) {
    if (b === 'none') continue;
    for (const p of BACKENDS_BY_NAME[b].paths(d)) paths.add(p);
    globs.push(...(BACKENDS_BY_NAME[b].globs?.(d) ?? []));
  }
  return { paths: [...paths], globs };
}

function probeFor(kind: Kind, a: NetArgs): Shell {
  const d = toDesired(kind, a);
  const { paths, globs } = 'desired' in d ? pathsAndGlobs(d.desired, a) : { paths: [], globs: [] };
  const files = paths.map((path, i) => ({ key: `f${i}`, path, content: 'whole' as const }));
  return lines(
    liveProbe(),
    DETECT,
    filesProbe(files),
    // Each file a glob finds: its path and content on one line, numbered so none hides another.
    globs.length > 0 && sh`i=0`,
    ...globs.map(
      (g) =>
        sh`for f in ${g.dir}/${g.prefix}*${g.suffix}; do if [ -f "$f" ] && [ -r "$f" ]; then i=$((i+1)); printf 'net.found.%s=%s %s\\n' "$i" "$(printf '%s' "$f" | base64 -w0)" "$(base64 -w0 < "$f")"; fi; done`,
    ),
    backendsToRead(a).includes('networkd') && base64Line('net.networkd', sh`grep -H -s '^[[:space:]]*Name=' ${NETWORK_DIRS.map((dir) => sh`${dir}/*.network`)}`),
  );
}

/** networkd reads .network files sorted by name across its folders; a name in an earlier folder hides the same name later. */
function networkFiles(grep: string): { path: string; names: string[] }[] {
  const byName = new Map<string, { path: string; names: string[]; dir: number }>();
  for (const line of grep.split('\n')) {
    const m = /^(.*\/([^/]+)):\s*Name=(.*)$/.exec(line);
    if (!m) continue;
    const dir = NETWORK_DIRS.indexOf(m[1]!.slice(0, m[1]!.length - m[2]!.length - 1));
    const seen = byName.get(m[2]!);
    if (seen && seen.dir < dir) continue;
    if (seen && seen.path === m[1]) seen.names.push(...m[3]!.trim().split(/\s+/));
    else byName.set(m[2]!, { path: m[1]!, names: m[3]!.trim().split(/\s+/).filter(Boolean), dir });
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => ({ path: v.path, names: v.names }));
}

function parseFor(kind: Kind, out: ExecResult, a: NetArgs): NetState {
  const kv = probeOutput(out, kind);
  const live = parseLive(kv);
  const d = toDesired(kind, a);
  const { paths } = 'desired' in d ? pathsAndGlobs(d.desired, a) : { paths: [] };
  const files: Record<string, NetFile> = {};
  paths.forEach((path, i) => {
    const f = probedFile(kv, `f${i}`);
    if (f.unreadable) throw new Error(`${kind}: cannot read ${path} on the host (permission denied); use become`);
    if (f.stat && f.content !== undefined) files[path] = { text: f.content.toString('utf8'), mode: f.stat.mode, owner: f.stat.owner, group: f.stat.group };
  });
  const found: string[] = [];
  for (const [k, v] of kv) {
    if (!k.startsWith('net.found.')) continue;
    const [p, c] = v.split(' ');
    const path = unbase64(p ?? '');
    found.push(path);
    // A glob's file is not stat'ed: what matters of it is its text (tsplay's own or not).
    files[path] ??= { text: unbase64(c ?? ''), mode: '0644', owner: 'root', group: 'root' };
  }
  return {
    links: [...live.links.values()],
    routes: live.routes,
    detected: ORDER.filter((b) => kv.get(`net.detect.${b}`) === '1'),
    files,
    found: found.sort(),
    networkFiles: networkFiles(unbase64(kv.get('net.networkd') ?? '')),
    umask: parseUmask(kv.get('umask')),
  };
}

function toLive(st: NetState): Live {
  return { links: new Map(st.links.map((l) => [l.name, l])), routes: st.routes };
}

function have(st: NetState, path: string) {
  const f = st.files[path];
  if (!f) return { noParent: true };
  const size = Buffer.byteLength(f.text);
  return {
    stat: { type: 'file' as const, mode: f.mode, uid: 0, gid: 0, owner: f.owner, group: f.group, size, mtime: 0, inode: 0, dev: 0, nlink: 1 },
    content: f.text,
  };
}

function planFor(kind: Kind, a: NetArgs, st: NetState): Plan {
  const r = toDesired(kind, a);
  if ('problems' in r) return { steps: [], failed: r.problems.map((p) => p.message).join('; ') };
  const live = toLive(st);
  const d = settle(r.desired, live);
  const backend = chooseBackend(a, st.detected);
  const result: Record<string, unknown> = { interface: d.name, state: d.state, backend };
  const lp = livePlan(d, live);
  if (lp.error) return { steps: [], failed: lp.error, result };
  const def = backend === 'none' ? undefined : BACKENDS_BY_NAME[backend];
  const applyLive = a.apply !== false;
  const steps: Step[] = [];
  const diff: FileDiff[] = [];
  const reasons: string[] = [];
  const liveChanges = applyLive && lp.steps.length > 0;
  if (liveChanges) {
    // A backend that owns the devices (NetworkManager) makes the change itself, from its files.
    if (!def?.ownsLive) steps.push(...lp.steps);
    diff.push({ path: `live ${d.name}`, before: lp.before, after: lp.after });
    reasons.push(...lp.notes);
  }
  const written: string[] = [];
  if (def) {
    const p = persisted(d, lp.world);
    const wants = def.files({ d, p, members: memberInfo(p, lp.world), have: (path) => st.files[path]?.text, found: st.found, networkFiles: st.networkFiles });
    if ('error' in wants) return { steps: [], failed: wants.error, result };
    const fp = planFiles(
      wants.map((w) => ({
        want: (w.content === undefined ? { path: w.path, absent: true } : { path: w.path, content: w.content, mode: w.mode, makeParents: true }) as WantFile | AbsentFile,
        have: have(st, w.path),
      })),
      st.umask,
    );
    if ('error' in fp) return { steps: [], failed: fp.error, result };
    const made = new Set<string>();
    fp.forEach((f, i) => {
      if (!f.steps.length) return;
      // Several new files in one folder need it made once.
      for (const s of f.steps) {
        const mkdir = s.kind === 'exec' && s.argv[0] === 'mkdir' ? s.argv.join(' ') : undefined;
        if (mkdir !== undefined && made.has(mkdir)) continue;
        if (mkdir !== undefined) made.add(mkdir);
        steps.push(s);
      }
      diff.push(...f.diff);
      written.push(wants[i]!.path);
      reasons.push(f.contentChanged ? `${wants[i]!.content === undefined ? 'remove' : 'write'} ${wants[i]!.path}` : `${wants[i]!.path}: ${f.attrChanges.join(', ')}`);
    });
    const fresh = wants[0] !== undefined && st.files[wants[0].path] === undefined;
    if (applyLive && def.activate && (written.length > 0 || (def.ownsLive && lp.steps.length > 0))) steps.push(...def.activate(d, fresh));
  }
  if (!steps.length) {
    const where = backend === 'none' ? 'live' : `live and in its ${backend} files`;
    return { steps, reason: `${d.kind} ${d.name} is ${d.state === 'absent' ? 'absent' : 'as asked'} ${where}`, result };
  }
  const plan: Plan = { steps, diff, reason: reasons.join('; '), result };
  if (applyLive) plan.guard = guardFor(d, a, live, lp.world, written, def?.activate?.({ ...d, state: 'absent' }, false) ?? []);
  return plan;
}

/**
 * What a change may cut off, and how the host undoes it (see Guard in src/core/module.ts): the
 * addresses on the interfaces it touches and on their masters (a bridge over a VLAN over the
 * bond being remade), and any connection at all when the default route changes.
 */
function guardFor(d: Desired, a: NetArgs, live: Live, world: Live, files: string[], reload: Step[]): Guard {
  const names = touched(d, live, world);
  const reach = new Set(names);
  for (const n of names) for (let m = live.links.get(n)?.master; m && !reach.has(m); m = live.links.get(m)?.master) reach.add(m);
  const addresses = [...reach].flatMap((n) => live.links.get(n)?.addresses ?? []).map((c) => c.split('/')[0]!);
  const defaults = (w: Live) => JSON.stringify(w.routes.filter((r) => r.to === 'default'));
  const guard: Guard = {
    addresses,
    timeout: a.rollback_timeout ?? 60,
    files,
    restore: [...reload.filter((s) => s.kind === 'exec'), ...restoreSteps(live, world, names)],
    what: `${d.kind} ${d.name}`,
  };
  if (defaults(live) !== defaults(world)) guard.anyAddress = true;
  if (a.confirm_address !== undefined) guard.confirmAddress = a.confirm_address;
  return guard;
}

/**
 * tsplay render (ModuleDef.renders): the files a run writes, on a host that has none of them yet
 * and whose only virtual interfaces are those the render's earlier network tasks made (kept in
 * `memo`), so that a bridge over a VLAN over a bond is written as a run writes it; networkd
 * finds a VLAN parent's .network file among those the render wrote. The backend must be named:
 * `auto` is chosen from what the host runs.
 */
function rendersFor(kind: Kind, a: NetArgs, earlier: (path: string) => RenderedFile | undefined, memo: Map<string, unknown>): RenderedFile[] {
  const backend = a.persist === false ? 'none' : (a.backend ?? 'auto');
  if (backend === 'auto') throw new NotRenderable(`${kind}: backend auto is chosen from what the host runs; name the backend (ifupdown, networkd, networkmanager, ifcfg) to render its files`);
  if (backend === 'none') return [];
  const r = toDesired(kind, a);
  if ('problems' in r) throw new Error(r.problems.map((p) => p.message).join('; '));
  const links = (memo.get('net.links') as Map<string, LiveLink> | undefined) ?? new Map<string, LiveLink>();
  const world: Live = { links, routes: [] };
  const d = settle(r.desired, world);
  if (d.state === 'absent') return [];
  const p = persisted(d, world);
  const text = (path: string) => {
    const c = earlier(path)?.content;
    return c === undefined || typeof c === 'string' ? c : Buffer.from(c).toString('utf8');
  };
  const written = (memo.get('net.files') as string[] | undefined) ?? [];
  // networkd's .network files in the order it reads them (by name), with their [Match] Name= words.
  const networkFiles = written
    .filter((f) => f.endsWith('.network') && text(f) !== undefined)
    .sort((x, y) => (posix.basename(x) < posix.basename(y) ? -1 : 1))
    .map((path) => ({ path, names: /^Name=(.*)$/m.exec(text(path)!)?.[1]!.trim().split(/\s+/) ?? [] }));
  const wants = BACKENDS_BY_NAME[backend].files({ d, p, members: memberInfo(p, world), have: text, found: [], networkFiles });
  if ('error' in wants) throw new NotRenderable(wants.error);
  memo.set('net.files', [...new Set([...written, ...wants.map((w) => w.path)])]);
  const made: LiveLink = { name: d.name, kind: d.kind, up: true, carrier: true, mtu: d.mtu ?? 1500, addresses: p.addresses };
  if (d.vlan) Object.assign(made, { link: d.vlan.link, vlanId: d.vlan.id });
  const next = new Map(links).set(d.name, made);
  for (const m of p.members) next.set(m, { ...(next.get(m) ?? { name: m, kind: '', up: true, carrier: true, mtu: 1500, addresses: [] }), master: d.name });
  memo.set('net.links', next);
  return wants.filter((w) => w.content !== undefined).map((w) => ({ path: w.path, content: w.content!, mode: w.mode }));
}

/** Defines one of the three modules from its own options (its schema) and documentation. */
export function netModule<T extends TObject>(kind: Kind, def: { schema: T; description: string; examples: string }): ModuleDef {
  return defineModule({
    name: kind,
    description: def.description,
    examples: def.examples,
    schema: def.schema,
    validate: (args) => {
      const r = toDesired(kind, args as NetArgs);
      return 'problems' in r ? r.problems : [];
    },
    probe: (args) => probeFor(kind, args as NetArgs),
    parse: (out, args) => parseFor(kind, out, args as NetArgs),
    plan: (args, state: NetState) => planFor(kind, args as NetArgs, state),
    staleFacts: () => ['network'],
    renders: (args, _facts, earlier, memo) => rendersFor(kind, args as NetArgs, earlier, memo),
  });
}
