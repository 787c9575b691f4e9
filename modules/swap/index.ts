/**
 * swap: a swap file (or block device) active with a priority and listed in /etc/fstab, sized
 * for strict overcommit (vm.overcommit_memory=2 needs swap to cover committed memory: start at
 * twice RAM). One probe reads /proc/swaps, the path (type, size, swap signature, the
 * filesystem under it and its free space) and fstab; plan() refuses what would go wrong half
 * way (a directory, a filesystem that cannot hold swap, a block device holding a filesystem, a
 * size below what mkswap takes or above the free space) before anything is touched.
 *
 * A size change replaces the file (swapoff, recreate, mkswap, swapon); absent turns it off,
 * removes tsplay's fstab line and the file, and never touches a block device's contents. The
 * fstab line tsplay writes follows a marker comment; an entry for the path that tsplay did not
 * write is left alone.
 */
import { type Static, Type } from '@sinclair/typebox';
import { filesProbe, planFile, probedFile } from '../../src/core/files.js';
import { FSTAB, fstabField, fstabSource, setOwnLine } from '../../src/core/fstab.js';
import { defineModule, type ExecResult, type FileDiff, type Plan, type Step } from '../../src/core/module.js';
import { base64Line, parseUmask, probeOutput, unbase64 } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';
import { type SwapArea, swapAreas } from '../../src/facts/hardware.js';

/** Filesystems the kernel cannot swap to (or not to a plain file on them). */
const NO_SWAP_FS = new Set(['tmpfs', 'ramfs', 'nfs', 'nfs4', 'cifs', 'smb2', 'smb3', 'overlayfs', 'overlay', 'squashfs', 'fuseblk', 'fuse', 'zfs', 'proc', 'sysfs']);

const schema = Type.Object(
  {
    path: Type.String({ description: 'The swap file, or a block device (/dev/vdb2).', pattern: '^/[^\\n]*$' }),
    size: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\s*\\d+\\s*([KkMmGgTt](i?[Bb])?|[Bb])?\\s*$' })], {
        description: 'A swap file\'s size: bytes, or with a unit (512M, 2G; powers of 1024). An expression works too: "{{ ansible_memtotal_mb * 2 }}M". Not for a block device.',
      }),
    ),
    priority: Type.Optional(Type.Integer({ minimum: -1, maximum: 32767, description: 'swapon -p: higher is used first. Unset, the kernel gives one (negative).' })),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { default: 'present', description: 'present: made, active and in fstab; absent: off, its fstab line and the file removed (a block device is only turned off).' })),
    fstab: Type.Optional(Type.Boolean({ default: true, description: 'Keep a line for it in /etc/fstab (after a `# tsplay swap PATH` marker); a line tsplay did not write is left alone.' })),
    allocate: Type.Optional(Type.Union([Type.Literal('fallocate'), Type.Literal('dd')], { default: 'fallocate', description: 'How a swap file is made: fallocate (fast), or dd (zeros written), for filesystems that cannot swap to a fallocated file.' })),
    force: Type.Optional(Type.Boolean({ default: false, description: 'mkswap over a block device holding a filesystem, or over a file that is not swap.' })),
  },
  { additionalProperties: false },
);

type Args = Static<typeof schema>;

export interface SwapState {
  /** /proc/swaps. */
  active: SwapArea[];
  kind: 'missing' | 'file' | 'block' | 'directory' | 'other';
  /** Bytes: the file's size or the device's. */
  bytes: number;
  mode?: string;
  /** The swap signature (SWAPSPACE2) is there. */
  signature: boolean;
  /** What blkid finds on a block device (ext4, xfs, swap), '' for none. */
  blkid: string;
  /** The filesystem the file is (or would be) on, as stat -f names it, and its free bytes. */
  fs: string;
  free: number;
  pageSize: number;
  fstab?: string;
  fstabStat?: ReturnType<typeof probedFile>['stat'];
  umask: number;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A size option in bytes. */
export function sizeBytes(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+)\s*([KkMmGgTtBb]?)/.exec(v)!;
  return Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
}

function human(bytes: number): string {
  for (const [u, n] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (bytes >= n && bytes % n === 0) return `${bytes / n}${u}`;
  return `${bytes}B`;
}


function probe(args: Args): Shell {
  const p = args.path;
  return lines(
    base64Line('swaps', sh`cat /proc/swaps`),
    sh`printf 'page=%s\\n' "$(getconf PAGESIZE 2>/dev/null || echo 4096)"`,
    sh`if [ -b ${p} ]; then echo kind=block; printf 'bytes=%s\\n' "$(blockdev --getsize64 ${p} 2>/dev/null || echo 0)"; printf 'blkid=%s\\n' "$(blkid -p -o value -s TYPE ${p} 2>/dev/null)"`,
    sh`elif [ -d ${p} ]; then echo kind=directory`,
    sh`elif [ -f ${p} ]; then echo kind=file; printf 'bytes=%s\\nmode=%s\\n' "$(stat -c %s ${p})" "$(stat -c %a ${p})"`,
    sh`elif [ -e ${p} ]; then echo kind=other; else echo kind=missing; fi`,
    // The signature sits at the end of the first page: "SWAPSPACE2".
    sh`if [ -f ${p} ] || [ -b ${p} ]; then printf 'sig=%s\\n' "$(dd if=${p} bs=1 skip=$(($(getconf PAGESIZE 2>/dev/null || echo 4096) - 10)) count=10 2>/dev/null)"; fi`,
    sh`d=$(dirname -- ${p}); while [ ! -d "$d" ]; do d=$(dirname -- "$d"); done; printf 'fs=%s\\n' "$(stat -f -c '%T %a %S' -- "$d")"`,
    filesProbe([{ key: 'fstab', path: FSTAB, content: 'whole' }]),
  );
}

function parse(out: ExecResult, args: Args): SwapState {
  const kv = probeOutput(out, 'swap');
  const f = probedFile(kv, 'fstab');
  if (f.unreadable) throw new Error(`swap: cannot read ${FSTAB} (permission denied); use become`);
  const [fs, avail, bsize] = (kv.get('fs') ?? '').split(' ');
  const mode = kv.get('mode');
  return {
    active: swapAreas(unbase64(kv.get('swaps') ?? '').split('\n')),
    kind: (kv.get('kind') ?? 'missing') as SwapState['kind'],
    bytes: Number(kv.get('bytes') ?? 0),
    ...(mode ? { mode: mode.padStart(4, '0') } : {}),
    signature: kv.get('sig') === 'SWAPSPACE2',
    blkid: kv.get('blkid') ?? '',
    fs: fs ?? '',
    free: Number(avail ?? 0) * Number(bsize ?? 0),
    pageSize: Number(kv.get('page') ?? 4096),
    fstab: f.content?.toString('utf8'),
    fstabStat: f.stat,
    umask: parseUmask(kv.get('umask')),
  };
}

/** fstab with tsplay's entry for the swap path set (line) or removed (undefined); an entry for the path tsplay did not write stands. */
function editFstab(text: string | undefined, path: string, line: string | undefined): string {
  return setOwnLine(text, `# tsplay swap ${path}`, line, (row) => fstabSource(row) === path);
}

/** How the swap area reads in a diff. */
function shown(st: SwapState, active: SwapArea | undefined): string {
  if (active) return `active, ${human(st.bytes)}, priority ${active.priority}\n`;
  return st.kind === 'missing' ? 'absent\n' : `inactive, ${human(st.bytes)}\n`;
}

function plan(args: Args, st: SwapState): Plan {
  const path = args.path;
  const state = args.state ?? 'present';
  const active = st.active.find((a) => a.path === path);
  const result: Record<string, unknown> = { path, state };
  const fail = (msg: string): Plan => ({ steps: [], failed: `swap ${path}: ${msg}`, result });
  if (st.kind === 'directory') return fail('is a directory; give the path of a file (or a block device)');
  if (st.kind === 'other') return fail('is neither a regular file nor a block device');
  const steps: Step[] = [];
  const diff: FileDiff[] = [];
  const reasons: string[] = [];
  const off = (): void => {
    if (active) steps.push({ kind: 'exec', argv: ['swapoff', path] });
  };
  if (state === 'absent') {
    off();
    if (active) reasons.push('turned off');
    if (st.kind === 'file') {
      steps.push({ kind: 'exec', argv: ['rm', '-f', path] });
      reasons.push('file removed');
    }
    if (steps.length) diff.push({ path: `swap ${path}`, before: shown(st, active), after: st.kind === 'block' ? `inactive, ${human(st.bytes)}\n` : 'absent\n' });
  } else {
    const block = st.kind === 'block';
    // A missing path is a swap file to make (its size says so), or a block device that is not there.
    if (st.kind === 'missing' && args.size === undefined && path.startsWith('/dev/')) return fail('no such block device');
    if (block && args.size !== undefined) return fail('size is for swap files; a block device swaps all of itself');
    if (block && !st.signature && st.blkid !== '' && st.blkid !== 'swap' && !args.force) return fail(`holds a ${st.blkid} filesystem; refusing to mkswap over it (set force: true to destroy it)`);
    if (!block && args.size === undefined) return fail('size is required for a swap file (512M, 2G, or bytes)');
    const want = block ? st.bytes : sizeBytes(args.size!);
    const minimum = 10 * st.pageSize;
    if (!block && want < minimum) return fail(`size ${want} bytes is below what mkswap takes (10 pages of ${st.pageSize} bytes: ${minimum})`);
    if (!block && NO_SWAP_FS.has(st.fs)) return fail(`is on a ${st.fs} filesystem, which cannot hold swap; put it on a local disk filesystem`);
    if (!block && st.kind === 'file' && !st.signature && !active && !args.force) return fail('exists and is not a swap file; refusing to overwrite it (set force: true)');
    const resize = !block && st.kind === 'file' && st.bytes !== want;
    if (!block && (st.kind === 'missing' || resize) && want - (resize ? st.bytes : 0) > st.free) {
      return fail(`size ${human(want)} is above the free space on its filesystem (${human(st.free)})`);
    }
    const prio = args.priority;
    const swapon: Step = { kind: 'exec', argv: prio === undefined ? ['swapon', path] : ['swapon', '-p', String(prio), path] };
    if (!block && (st.kind === 'missing' || resize)) {
      off();
      if (resize) steps.push({ kind: 'exec', argv: ['rm', '-f', path] });
      // Made 0600 from the start: swap holds other programs' memory.
      const make = args.allocate === 'dd' ? `dd if=/dev/zero of="$1" bs=${st.pageSize} count=${Math.ceil(want / st.pageSize)} status=none` : `fallocate -l ${want} "$1"`;
      steps.push({ kind: 'exec', argv: ['sh', '-c', `umask 077 && ${make} && chmod 0600 "$1"`, 'swap', path] });
      steps.push({ kind: 'exec', argv: ['mkswap', path] }, swapon);
      reasons.push(resize ? `replaced: ${human(st.bytes)} -> ${human(want)}` : `created ${human(want)}`);
    } else {
      if (!block && st.mode !== '0600') {
        steps.push({ kind: 'exec', argv: ['chmod', '0600', path] });
        reasons.push(`mode ${st.mode} -> 0600`);
      }
      if (!st.signature && !active) {
        steps.push({ kind: 'exec', argv: args.force ? ['mkswap', '-f', path] : ['mkswap', path] });
        reasons.push('mkswap');
      }
      if (!active) {
        steps.push(swapon);
        reasons.push('turned on');
      } else if (prio !== undefined && active.priority !== prio) {
        steps.push({ kind: 'exec', argv: ['swapoff', path] }, swapon);
        reasons.push(`priority ${active.priority} -> ${prio}`);
      }
    }
    if (steps.length) diff.push({ path: `swap ${path}`, before: shown(st, active), after: `active, ${human(want)}, priority ${prio ?? active?.priority ?? 'from the kernel'}\n` });
  }
  if (args.fstab !== false && (st.fstab !== undefined || state === 'present')) {
    const line = state === 'present' ? `${fstabField(path)} none swap ${args.priority === undefined ? 'sw' : `sw,pri=${args.priority}`} 0 0` : undefined;
    const after = editFstab(st.fstab, path, line);
    if (after !== (st.fstab ?? '')) {
      const fp = planFile({ path: FSTAB, content: after }, { stat: st.fstabStat, content: st.fstab }, st.umask);
      if ('error' in fp) return { steps: [], failed: fp.error, result };
      steps.push(...fp.steps);
      diff.push(...fp.diff);
      reasons.push(line ? `${FSTAB} lists it` : `removed from ${FSTAB}`);
    }
  }
  if (!steps.length) return { steps, reason: state === 'absent' ? `${path} is not swap here` : `${path} is active swap${args.fstab === false ? '' : ` and in ${FSTAB}`}`, result };
  return { steps, diff, reason: reasons.join('; '), result };
}

export const swap = defineModule({
  name: 'swap',
  description:
    'A swap file (or block device) active with a priority and in /etc/fstab; a size change replaces the file, absent turns it off and removes it (never a block device\'s contents). ' +
    'Refuses, before touching anything, a directory, a filesystem that cannot hold swap, a block device holding a filesystem (without force), a size below what mkswap takes or above the free space. ' +
    'The fact ansible_swap_areas (tsplay\'s own) lists the active swap areas: path, type, size and used (bytes), priority. playbooks/swap-tuning.yml sizes swap for vm.overcommit_memory=2.',
  schema,
  examples: `- name: Swap for strict overcommit, twice the RAM
  swap:
    path: /swapfile
    size: "{{ ansible_memtotal_mb * 2 }}M"
    priority: 10`,
  // Before the run, with the task's file:line: mkswap needs 10 pages (of 4096 bytes at least).
  validate: (args) => (args.size !== undefined && sizeBytes(args.size) < 40960 ? [{ path: ['size'], message: `size ${sizeBytes(args.size)} bytes is below what mkswap takes (10 pages: 40960 bytes with 4 KiB pages)` }] : []),
  probe: (args) => probe(args),
  parse: (out, args) => parse(out, args),
  plan: (args, st: SwapState) => plan(args, st),
  staleFacts: () => ['hardware'],
});

export default swap;
