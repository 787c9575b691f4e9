/**
 * lvm_snapshot: an LVM2 snapshot backup, the whole cycle in one task if asked: take the
 * snapshot, mount it read-only, archive it with tar (written atomically), unmount and remove
 * it; and watch its usage (data_percent) so that a snapshot never fills up unseen: above
 * `max_usage` the task fails, or grows the snapshot to `extend_to`.
 *
 * One probe: lvs and vgs as JSON (sizes in bytes), the filesystem type of the origin, where the
 * snapshot is mounted and what is mounted at `mount`, whether the archive exists. An existing
 * snapshot of the same name and origin is kept (never taken again); the same name over another
 * origin is an error, never a silent replace; an invalid (full) snapshot is reported as lost.
 * Removal unmounts first, and when lvremove finds the volume open with nothing mounting it,
 * removes its device-mapper devices itself and says so.
 */
import { type Static, Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type FileDiff, type Plan, type Step } from '../../src/core/module.js';
import { base64Line, probeOutput, unbase64 } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';

const SIZE = '^\\s*\\d+(\\.\\d+)?\\s*[KkMmGgTt]?\\s*$';
const NAME = '^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$';

const schema = Type.Object(
  {
    vg: Type.String({ pattern: NAME, description: 'The volume group.' }),
    origin: Type.Optional(Type.String({ pattern: NAME, description: 'The logical volume to snapshot (its name in vg). Required with state: present.' })),
    name: Type.String({ pattern: NAME, description: 'The snapshot\'s name.' }),
    size: Type.Optional(Type.String({ pattern: `${SIZE.slice(0, -1)}|^\\s*\\d+\\s*%ORIGIN\\s*$`, description: 'Room for changes made to the origin while the snapshot lives: 500M, 2G, or 20%ORIGIN. Default 10%ORIGIN.' })),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { default: 'present', description: 'present: the snapshot exists (and is mounted, archived, removed as asked); absent: unmounted and removed.' })),
    // The probe finds the mount by its path in /proc/mounts, which escapes whitespace: a mount point without any.
    mount: Type.Optional(Type.String({ pattern: '^/\\S*$', description: 'Mount the snapshot read-only there (an absolute path without whitespace; created if missing).' })),
    archive: Type.Optional(Type.String({ pattern: '^/', description: 'A `tar -pczf` of the mounted snapshot, written to a temporary file and renamed; skipped when the file exists, unless force. Needs mount.' })),
    remove_after_archive: Type.Optional(Type.Boolean({ default: false, description: 'Once archived, unmount and remove the snapshot: the whole backup cycle in one task. With the archive there, a re-run does nothing.' })),
    max_usage: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Fail when the snapshot\'s usage (data_percent) is above this, before it fills up and is lost.' })),
    extend_to: Type.Optional(Type.String({ pattern: SIZE, description: 'Instead of failing above max_usage, grow the snapshot to this size (lvextend).' })),
    force: Type.Optional(Type.Boolean({ default: false, description: 'Write the archive again when it exists.' })),
  },
  { additionalProperties: false },
);

type Args = Static<typeof schema>;

/** An LV as `lvs --reportformat json --units b --nosuffix` gives it (every value a string). */
export interface Lv {
  lv_name: string;
  vg_name: string;
  lv_attr: string;
  lv_size: string;
  origin: string;
  data_percent: string;
}

export interface SnapshotState {
  /** lvs and vgs ran (lvm2 is installed). */
  hasLvm: boolean;
  /** The VG exists; its free bytes. */
  vg: boolean;
  vgFree: number;
  lvs: Lv[];
  /** Filesystem type of the origin (blkid): xfs needs nouuid to mount a snapshot beside it. */
  originFs: string;
  /** Where the snapshot is mounted, with the mount options. */
  mounts: { target: string; options: string }[];
  /** The (resolved) device mounted at the `mount` path, if any. */
  mountSource: string;
  /** The snapshot's own device, resolved (/dev/dm-N), or '' when it does not exist. */
  device: string;
  archiveExists: boolean;
}

const UNITS: Record<string, number> = { '': 1024 ** 2, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A size in bytes (a bare number is MiB, as lvcreate -L reads it). */
export function lvmBytes(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KkMmGgTt]?)/.exec(v)!;
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

/** device-mapper's name for vg/lv: dashes doubled, joined by one. */
export function dmName(vg: string, lv: string): string {
  return `${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`;
}

function probe(args: Args): Shell {
  const dev = `/dev/${args.vg}/${args.name}`;
  const origin = args.origin ? `/dev/${args.vg}/${args.origin}` : '';
  return lines(
    sh`if command -v lvs >/dev/null 2>&1; then echo has_lvm=1; else exit 0; fi`,
    base64Line('lvs', sh`lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_attr,lv_size,origin,data_percent ${args.vg} 2>/dev/null`),
    sh`printf 'vgfree=%s\\n' "$(vgs --noheadings --units b --nosuffix -o vg_free ${args.vg} 2>/dev/null | tr -d ' ')"`,
    origin ? sh`printf 'originfs=%s\\n' "$(blkid -o value -s TYPE ${origin} 2>/dev/null)"` : undefined,
    sh`d=$(readlink -f ${dev} 2>/dev/null); [ -e ${dev} ] || d=; printf 'device=%s\\n' "$d"`,
    sh`m=${args.mount ?? ''}`,
    // /proc/mounts escapes spaces as \040; a mount whose source resolves to the snapshot is one of its mounts.
    sh`while read -r src dst _ opts _; do case $src in /dev/*) s=$(readlink -f "$src"); [ -n "$d" ] && [ "$s" = "$d" ] && printf 'mounted=%s\\n' "$(printf '%s %s' "$dst" "$opts" | base64 -w0)"; [ -n "$m" ] && [ "$dst" = "$m" ] && printf 'at=%s\\n' "$s";; esac; done < /proc/mounts`,
    args.archive ? sh`[ -e ${args.archive} ] && echo archive=1` : undefined,
    sh`:`,
  );
}

function parse(out: ExecResult): SnapshotState {
  const kv = probeOutput(out, 'lvm_snapshot');
  const all = [...out.stdout.matchAll(/^mounted=(.*)$/gm)].map((m) => unbase64(m[1]!));
  const report = kv.get('lvs') ? unbase64(kv.get('lvs')!) : '';
  let lvs: Lv[] = [];
  if (report.trim()) lvs = (JSON.parse(report).report?.[0]?.lv ?? []) as Lv[];
  const free = kv.get('vgfree') ?? '';
  return {
    hasLvm: kv.get('has_lvm') === '1',
    vg: free !== '',
    vgFree: Number(free || 0),
    lvs,
    originFs: kv.get('originfs') ?? '',
    mounts: all.map((m) => {
      const [target, options] = m.split(' ');
      return { target: target!.replace(/\\040/g, ' '), options: options ?? '' };
    }),
    mountSource: kv.get('at') ?? '',
    device: kv.get('device') ?? '',
    archiveExists: kv.get('archive') === '1',
  };
}

function human(bytes: number): string {
  for (const [u, n] of [['G', 1024 ** 3], ['M', 1024 ** 2]] as const) if (bytes >= n) return `${+(bytes / n).toFixed(2)}${u}`;
  return `${bytes}B`;
}

/** The snapshot cycle's steps for what exists now (see the header). */
function plan(args: Args, st: SnapshotState): Plan {
  const { vg, name } = args;
  const lvPath = `${vg}/${name}`;
  const result: Record<string, unknown> = { vg, name, state: args.state ?? 'present' };
  const fail = (msg: string): Plan => ({ steps: [], failed: `lvm_snapshot ${lvPath}: ${msg}`, result });
  if (!st.hasLvm) return fail('lvs is not installed on the host (package lvm2)');
  if (!st.vg) return fail(`volume group ${vg} not found`);
  const snap = st.lvs.find((l) => l.lv_name === name);
  const dev = `/dev/${vg}/${name}`;
  const steps: Step[] = [];
  const reasons: string[] = [];
  const diff: FileDiff[] = [];
  /** Unmounted (where `targets`), then removed; see the header for the dmsetup fallback. */
  const removal = (targets: string[]): void => {
    for (const t of targets) steps.push({ kind: 'exec', argv: ['umount', t] });
    steps.push({
      kind: 'exec',
      argv: ['sh', '-c', 'err=$(lvremove -q -f "$1" 2>&1) && exit 0; case $err in *open*) ;; *) printf \'%s\\n\' "$err" >&2; exit 1 ;; esac; dmsetup remove "$2" && dmsetup remove "$2-cow" && lvremove -q -f "$1" && echo tsplay-dmsetup-fallback', 'lvm_snapshot', lvPath, dmName(vg, name)],
    });
  };
  if (snap) {
    result.data_percent = snap.data_percent === '' ? null : Number(snap.data_percent);
    result.size = Number(snap.lv_size);
    result.origin = snap.origin;
  }
  if ((args.state ?? 'present') === 'absent') {
    if (!snap) return { steps, reason: `${lvPath} does not exist`, result };
    if (snap.lv_attr[0] !== 's' && snap.lv_attr[0] !== 'S') return fail('is not a snapshot: refusing to remove it');
    removal(st.mounts.map((m) => m.target));
    diff.push({ path: `lvm_snapshot ${lvPath}`, before: `snapshot of ${snap.origin}, ${human(Number(snap.lv_size))}${st.mounts.length ? `, mounted at ${st.mounts.map((m) => m.target).join(', ')}` : ''}\n`, after: 'absent\n' });
    return { steps, diff, reason: `${lvPath} removed`, result };
  }
  const origin = st.lvs.find((l) => l.lv_name === args.origin);
  // The backup cycle is done: the archive is there and the snapshot was removed after it.
  if (args.archive && args.remove_after_archive && st.archiveExists && !args.force && !snap) return { steps, reason: `${args.archive} exists: the backup was made`, result };
  if (!origin) return fail(`origin ${vg}/${args.origin} not found`);
  if (snap) {
    if (snap.lv_attr[0] !== 's' && snap.lv_attr[0] !== 'S') return fail('exists and is not a snapshot');
    if (snap.origin !== args.origin) return fail(`is a snapshot of ${snap.origin}, not ${args.origin}: refusing to replace it (remove it first, or choose another name)`);
    if (snap.lv_attr[4] === 'I') return fail(`is invalid: it filled up (its ${human(Number(snap.lv_size))} held the origin's changes) and its data is lost; remove it (state: absent) and take it again, larger`);
    const used = snap.data_percent === '' ? 0 : Number(snap.data_percent);
    if (args.max_usage !== undefined && used > args.max_usage) {
      if (!args.extend_to) return fail(`usage ${used}% is above max_usage ${args.max_usage}%: it will be lost when it fills up; grow it (extend_to) or archive and remove it sooner`);
      const to = lvmBytes(args.extend_to);
      if (to <= Number(snap.lv_size)) return fail(`usage ${used}% is above max_usage ${args.max_usage}% and it is already ${human(Number(snap.lv_size))}, not below extend_to ${args.extend_to}`);
      steps.push({ kind: 'exec', argv: ['lvextend', '-q', '-L', `${to}b`, lvPath] });
      diff.push({ path: `lvm_snapshot ${lvPath}`, before: `${human(Number(snap.lv_size))}, ${used}% used\n`, after: `${human(to)}\n` });
      reasons.push(`grown to ${human(to)} (usage ${used}% above ${args.max_usage}%)`);
    }
  } else {
    const size = args.size ?? '10%ORIGIN';
    const pct = /^\s*(\d+)\s*%ORIGIN\s*$/.exec(size);
    const bytes = pct ? Math.ceil((Number(pct[1]) / 100) * Number(origin.lv_size)) : lvmBytes(size);
    if (bytes > st.vgFree) return fail(`size ${size} (${human(bytes)}) is above the free space of ${vg} (${human(st.vgFree)})`);
    steps.push({ kind: 'exec', argv: ['lvcreate', '-q', '-s', '-n', name, ...(pct ? ['-l', `${pct[1]}%ORIGIN`] : ['-L', `${bytes}b`]), `${vg}/${args.origin}`] });
    diff.push({ path: `lvm_snapshot ${lvPath}`, before: 'absent\n', after: `snapshot of ${args.origin}, ${human(bytes)}\n` });
    reasons.push(`snapshot of ${args.origin} taken`);
  }
  const mounted = st.mounts.find((m) => m.target === args.mount);
  const willRemove = Boolean(args.archive && args.remove_after_archive);
  if (args.mount) {
    if (st.mountSource && st.mountSource !== st.device) return fail(`${args.mount} has another filesystem mounted (${st.mountSource}): choose another mount point`);
    const ro = st.originFs === 'xfs' ? 'ro,nouuid' : 'ro';
    if (!mounted) {
      steps.push({ kind: 'exec', argv: ['mkdir', '-p', args.mount] }, { kind: 'exec', argv: ['mount', '-o', ro, dev, args.mount] });
      reasons.push(`mounted read-only at ${args.mount}`);
    } else if (!mounted.options.split(',').includes('ro')) {
      steps.push({ kind: 'exec', argv: ['mount', '-o', 'remount,ro', args.mount] });
      reasons.push(`remounted read-only at ${args.mount}`);
    }
  }
  if (args.archive && (!st.archiveExists || args.force)) {
    // Atomic: a partial archive never has the final name, so a re-run never takes it for done.
    steps.push({ kind: 'exec', argv: ['sh', '-c', 'mkdir -p "$(dirname "$1")" && tar -pczf "$1.tmp" -C "$2" . && mv -f "$1.tmp" "$1"', 'lvm_snapshot', args.archive, args.mount!] });
    diff.push({ path: args.archive, before: st.archiveExists ? '(an earlier archive)\n' : '', after: `tar -pczf of ${lvPath} mounted at ${args.mount}\n` });
    reasons.push(`archived to ${args.archive}`);
  }
  if (willRemove && (steps.length > 0 || snap)) {
    removal([args.mount!]);
    reasons.push('removed after the archive');
  }
  if (!steps.length) return { steps, reason: `${lvPath} is a snapshot of ${args.origin}${mounted ? `, mounted read-only at ${mounted.target}` : ''}`, result };
  return { steps, diff, reason: reasons.join('; '), result };
}

export const lvmSnapshot = defineModule({
  name: 'lvm_snapshot',
  description:
    'An LVM2 snapshot backup: take a snapshot of a logical volume, mount it read-only, archive it with tar (atomically), remove it, in one task if asked; ' +
    'max_usage fails (or extend_to grows the snapshot) before a snapshot fills up and is lost. An existing snapshot of the same origin is kept; another origin under the name is an error. ' +
    'The result has the snapshot\'s data_percent, for an assert.',
  schema,
  examples: `- name: Nightly backup of the data volume
  lvm_snapshot:
    vg: vg0
    origin: data
    name: data-backup
    size: 20%ORIGIN
    mount: /mnt/data-backup
    archive: "/srv/backups/data-{{ ansible_date_time.date }}.tgz"
    remove_after_archive: true
    max_usage: 80`,
  validate: (args) => [
    ...((args.state ?? 'present') === 'present' && !args.origin ? [{ path: ['origin'], message: 'origin is required with state: present (the volume to snapshot)' }] : []),
    ...(args.archive && !args.mount ? [{ path: ['archive'], message: 'archive needs mount: the archive is made from the mounted snapshot' }] : []),
    ...(args.size !== undefined && /^\s*0+(\.0*)?\s*([KkMmGgTt]|%ORIGIN)?\s*$/.test(args.size) ? [{ path: ['size'], message: `size ${args.size} leaves the snapshot no room for the origin's changes` }] : []),
  ],
  probe: (args) => probe(args),
  parse: (out) => parse(out),
  plan: (args, st: SnapshotState) => plan(args, st),
  staleFacts: () => ['lvm'],
  result: (_args, _st, applied) => (applied?.stdout.includes('tsplay-dmsetup-fallback') ? { dmsetup_fallback: true, msg: 'lvremove found the snapshot open with nothing mounting it: its device-mapper devices were removed with dmsetup, then the snapshot' } : {}),
});

export default lvmSnapshot;
