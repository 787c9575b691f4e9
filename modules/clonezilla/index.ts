/**
 * clonezilla: whole disks or partitions saved to a Clonezilla image and restored from one, with
 * Clonezilla's batch engine ocs-sr (which picks partclone, ntfsclone or dd per filesystem).
 *
 * Idempotence comes from files, never from guessing. A save is done when the image folder holds
 * Info-img-id.txt (ocs-sr writes it last, so an interrupted save never has it) and, with
 * check_image, tsplay-checked.txt: the same IMG_ID, copied there by tsplay once ocs-sr's own
 * check of the new image passed. A restore is done when /var/lib/tsplay/clonezilla/<device>
 * (written by tsplay after ocs-sr succeeded) names the same image, IMG_ID and disk serial.
 * Everything ocs-sr would stop at half-way, or prompt for even in batch mode, is refused before
 * anything is written: a device that is mounted, a target smaller than what the image recorded,
 * an incomplete image, another ocs-sr still running.
 *
 * ocs-sr runs for minutes, so the plan is `detached`: the executor starts it as a background
 * job on the host (it outlives a dropped SSH connection), polls it, and shows partclone's
 * progress lines through progress() below.
 */
import { type Static, Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type Plan, type Progress, type Step } from '../../src/core/module.js';
import { probeOutput, unbase64 } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';

/** Where tsplay keeps one restore marker per device (its kernel name). */
export const MARKERS = '/var/lib/tsplay/clonezilla';

/** ocs-sr's -z flag for each compression (the `p` forms run in parallel: pigz, zstdmt...). */
const COMPRESSION: Record<string, string> = { zstd: '-z9p', gzip: '-z1p', bzip2: '-z2p', xz: '-z5p', lz4: '-z4', none: '-z0' };

/** Flags tsplay sets itself, so extra_args may not (see plan()). */
const OWN_FLAGS = /^(-b|-batch|--batch|-nogui|-or|-p|-z\d\w*|-scs|-scr|-icds)$/;

const schema = Type.Object(
  {
    action: Type.Union([Type.Literal('savedisk'), Type.Literal('saveparts'), Type.Literal('restoredisk'), Type.Literal('restoreparts')], { description: 'savedisk / saveparts: devices to an image; restoredisk / restoreparts: an image onto devices.' }),
    image: Type.String({ pattern: '^[A-Za-z0-9_+][A-Za-z0-9_+.-]*$', description: 'The image\'s name: a folder of the repository.' }),
    devices: Type.Array(Type.String({ pattern: '^(/dev/\\S+|[a-z][a-z0-9]*)$' }), { minItems: 1, description: 'Disks (savedisk, restoredisk) or partitions (saveparts, restoreparts), as /dev paths (/dev/disk/by-id/... names stay right when kernel names shift) or kernel names (sdb); restored onto in the image\'s order.' }),
    repository: Type.Optional(Type.String({ pattern: '^/\\S*$', default: '/home/partimag', description: 'Where images live (ocs-sr -or): any mounted path, NFS or an AoE disk.' })),
    compression: Type.Optional(Type.Union(Object.keys(COMPRESSION).map((k) => Type.Literal(k)), { default: 'zstd', description: 'Of a saved image: zstd (-z9p), gzip (-z1p), bzip2, xz, lz4 or none.' })),
    check_image: Type.Optional(Type.Boolean({ default: true, description: 'ocs-sr checks the image after a save, and before a restore; a save counts as done only once checked.' })),
    force: Type.Optional(Type.Boolean({ default: false, description: 'Save again over an image, or restore again onto devices already restored from it.' })),
    timeout: Type.Optional(Type.Integer({ minimum: 1, default: 3600, description: 'Seconds ocs-sr may run before it is ended (the task then fails).' })),
    extra_args: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'More ocs-sr flags, each a word, a flag\'s value after it (e.g. [-gm] for an MD5 checksum of the image); put before the action. Not those tsplay sets (-b, -nogui, -or, -p, -z*, -scs, -scr, -icds).' })),
  },
  { additionalProperties: false },
);

type Args = Static<typeof schema>;

/** One of `devices`, as the host sees it now. */
export interface Device {
  /** As written in `devices`. */
  given: string;
  /** Kernel name (vdb, vdb1); '' when the device does not exist. */
  kname: string;
  type: string;
  size: number;
  /** Serial of the disk (of the partition's disk). */
  serial: string;
  /** Mount points of the device and of anything on it. */
  mounts: string[];
  /** `lsblk -o NAME,SIZE,FSTYPE,LABEL` of it: what a restore overwrites. */
  layout: string;
  /** The restore marker's text, '' when none. */
  marker: string;
}

export interface ImageState {
  hasOcs: boolean;
  /** pid of an ocs-sr already running, or ''. */
  running: string;
  /** The image folder exists. */
  exists: boolean;
  /** Its small text files by name: disk, parts, Info-img-id.txt, tsplay-checked.txt, *-pt.parted, *-pt.sf. */
  files: Record<string, string>;
  bytes: number;
  devices: Device[];
}

function probe(args: Args): Shell {
  const dir = `${args.repository ?? '/home/partimag'}/${args.image}`;
  return lines(
    sh`command -v ocs-sr >/dev/null 2>&1 && echo has_ocs=1`,
    sh`printf 'running=%s\\n' "$(pgrep -x ocs-sr | head -n 1)"`,
    sh`img=${dir}`,
    sh`if [ -d "$img" ]; then echo exists=1; printf 'bytes=%s\\n' "$(du -sb "$img" | cut -f1)"; fi`,
    sh`for f in "$img"/disk "$img"/parts "$img"/Info-img-id.txt "$img"/tsplay-checked.txt "$img"/*-pt.parted "$img"/*-pt.sf; do [ -f "$f" ] && printf 'file=%s %s\\n' "\${f##*/}" "$(base64 -w0 < "$f")"; done`,
    sh`for d in ${args.devices}; do case $d in /*) ;; *) d=/dev/$d;; esac`,
    sh`  if [ -b "$d" ]; then k=$(lsblk -ndo KNAME "$d"); p=$(lsblk -ndo PKNAME "$d"); t=$(lsblk -ndo TYPE "$d"); s=$(blockdev --getsize64 "$d")`,
    sh`    n=$(lsblk -ndo SERIAL "/dev/\${p:-$k}" | tr -d ' '); m=$(lsblk -nro MOUNTPOINT "$d" | grep . | tr '\\n' ' ')`,
    sh`    l=$(lsblk -no NAME,SIZE,FSTYPE,LABEL "$d" | base64 -w0); r=$(cat ${MARKERS}/"$k" 2>/dev/null | base64 -w0)`,
    sh`  else k= t= s=0 n= m= l= r=; fi`,
    sh`  printf 'dev=%s|%s|%s|%s|%s|%s|%s\\n' "$k" "$t" "$s" "$n" "$(printf %s "$m" | base64 -w0)" "$l" "$r"; done`,
  );
}

function parse(out: ExecResult, args: Args): ImageState {
  const kv = probeOutput(out, 'clonezilla');
  const files: Record<string, string> = {};
  for (const m of out.stdout.matchAll(/^file=(\S+) (.*)$/gm)) files[m[1]!] = unbase64(m[2]!);
  const devices = [...out.stdout.matchAll(/^dev=(.*)$/gm)].map((m, i): Device => {
    const [kname, type, size, serial, mounts, layout, marker] = m[1]!.split('|');
    return { given: args.devices[i] ?? '', kname: kname!, type: type!, size: Number(size), serial: serial!, mounts: unbase64(mounts!).split(' ').filter(Boolean), layout: unbase64(layout!), marker: unbase64(marker!) };
  });
  return { hasOcs: kv.get('has_ocs') === '1', running: kv.get('running') ?? '', exists: kv.get('exists') === '1', files, bytes: Number(kv.get('bytes') ?? 0), devices };
}

/** IMG_ID of a file's `IMG_ID=...` line, '' when none. */
function imgId(text: string | undefined): string {
  return /^IMG_ID=(\S+)/m.exec(text ?? '')?.[1] ?? '';
}

/** Bytes each saved disk or partition needs, in the image's order, from its parted and sfdisk dumps. */
export function recordedSizes(files: Record<string, string>, action: string): { name: string; bytes: number }[] {
  if (action === 'restoredisk') {
    // `parted -s DISK unit s print`: `Disk /dev/vdd: 196608s` and `Sector size (logical/physical): 512B/512B`.
    return (files.disk ?? '').split(/\s+/).filter(Boolean).map((d) => {
      const text = files[`${d}-pt.parted`] ?? '';
      const n = /^Disk \/dev\/\S+: (\d+)(s|B)$/m.exec(text);
      const unit = n?.[2] === 'B' ? 1 : Number(/^Sector size \(logical\/physical\): (\d+)B/m.exec(text)?.[1] ?? 512);
      return { name: d, bytes: n ? Number(n[1]) * unit : NaN };
    });
  }
  const sectors = new Map<string, number>();
  for (const [f, text] of Object.entries(files)) {
    if (!f.endsWith('-pt.sf')) continue;
    const unit = Number(/^sector-size: (\d+)$/m.exec(text)?.[1] ?? 512);
    for (const m of text.matchAll(/^\/dev\/(\S+) : .*\bsize=\s*(\d+)/gm)) sectors.set(m[1]!, Number(m[2]) * unit);
  }
  return (files.parts ?? '').split(/\s+/).filter(Boolean).map((p) => ({ name: p, bytes: sectors.get(p) ?? NaN }));
}

function human(bytes: number): string {
  for (const [u, n] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (bytes >= n) return `${+(bytes / n).toFixed(1)}${u}`;
  return `${bytes}B`;
}

/** The ocs-sr command line (argv) of a run. */
function command(args: Args, devs: Device[]): string[] {
  const save = args.action.startsWith('save');
  const check = args.check_image ?? true;
  const flags = save
    ? ['-q2', '-j2', COMPRESSION[args.compression ?? 'zstd'], '-i', '4096', '-sfsck', '-senc', ...(check ? [] : ['-scs'])]
    : // The partition table from the image (-k0), so the same partitions; -irhr: no mounting each
      // restored partition to remove udev records (Clonezilla's edit for an OS moved to other
      // hardware), so the partitions are the saved ones byte for byte.
      ['-k0', '-j2', '-irhr', ...(check ? [] : ['-scr'])];
  return ['ocs-sr', '-b', '-nogui', '-or', args.repository ?? '/home/partimag', ...flags, ...(args.extra_args ?? []), '-p', 'true', args.action, args.image, ...devs.map((d) => d.kname)];
}

function plan(args: Args, st: ImageState): Plan {
  const repo = args.repository ?? '/home/partimag';
  const dir = `${repo}/${args.image}`;
  const save = args.action.startsWith('save');
  const wantType = args.action.endsWith('disk') ? 'disk' : 'part';
  const id = imgId(st.files['Info-img-id.txt']);
  const result: Record<string, unknown> = { action: args.action, image: dir, ...(id ? { img_id: id } : {}), ...(st.exists ? { image_bytes: st.bytes } : {}) };
  const fail = (msg: string): Plan => ({ steps: [], failed: `clonezilla ${args.action} ${args.image}: ${msg}`, result });
  if (!st.hasOcs) return fail('ocs-sr is not installed on the host: install the Debian packages clonezilla and partclone (drbl, parted and zstd come with them or beside them)');
  for (const d of st.devices) {
    if (!d.kname) return fail(`device ${d.given} not found`);
    if (d.type !== wantType) return fail(`${d.given} (${d.kname}) is a ${d.type}: ${args.action} takes ${wantType === 'disk' ? 'whole disks' : 'partitions'}`);
  }
  const checked = !(args.check_image ?? true) || (id !== '' && imgId(st.files['tsplay-checked.txt']) === id);
  const force = args.force ?? false;
  let reason: string;
  let before: string;
  let after: string;
  if (save) {
    if (id && checked && !force) return { steps: [], reason: `${dir} is a complete${args.check_image ?? true ? ', checked' : ''} image (IMG_ID ${id.slice(0, 12)}); force: true saves it again`, result };
    if (id && !force) return fail(`${dir} is a complete image that tsplay did not see checked (no tsplay-checked.txt): force: true saves it again, check_image: false accepts it as it is`);
    before = st.exists ? `${id ? 'image' : 'incomplete image (no Info-img-id.txt)'} ${dir}, ${human(st.bytes)}\n` : 'absent\n';
    after = `image of ${st.devices.map((d) => d.kname).join(' ')} (${st.devices.map((d) => human(d.size)).join(', ')})\n`;
    reason = `${st.devices.map((d) => d.kname).join(' ')} saved to ${dir}${st.exists ? ', replacing what was there' : ''}`;
  } else {
    if (!id) return fail(`${dir} is not a complete Clonezilla image (${st.exists ? 'no Info-img-id.txt: its save did not finish' : 'not found'})`);
    const sizes = recordedSizes(st.files, args.action);
    if (sizes.length !== st.devices.length) return fail(`the image holds ${sizes.length} ${wantType === 'disk' ? 'disk' : 'partition'}(s) (${sizes.map((s) => s.name).join(' ')}), devices names ${st.devices.length}`);
    for (const [i, d] of st.devices.entries()) {
      const need = sizes[i]!;
      if (!(need.bytes > 0)) return fail(`the image records no size for ${need.name}`);
      if (d.size < need.bytes) return fail(`${d.given} (${d.kname}, ${d.size} bytes) is smaller than ${need.name} in the image (${need.bytes} bytes): refused, nothing written`);
    }
    const marker = (d: Device) => `image=${dir}\nid=${id}\nserial=${d.serial}\n`;
    const pending = st.devices.filter((d) => d.marker !== marker(d));
    if (!pending.length && !force) return { steps: [], reason: `${st.devices.map((d) => d.kname).join(' ')} already restored from ${dir} (IMG_ID ${id.slice(0, 12)}); force: true restores again`, result };
    before = st.devices.map((d) => `${d.kname} (${human(d.size)}):\n${d.layout}`).join('');
    after = `${st.devices.map((d, i) => `${d.kname} <- ${sizes[i]!.name}`).join(', ')} from ${dir}\n`;
    reason = `${dir} restored onto ${st.devices.map((d) => d.kname).join(' ')}, overwriting them`;
  }
  const busy = st.devices.find((d) => d.mounts.length);
  if (busy) return fail(`${busy.given} (${busy.kname}) is mounted at ${busy.mounts.join(', ')}: unmount it first (ocs-sr would stop at a prompt)`);
  if (st.running) return fail(`ocs-sr is already running on the host (pid ${st.running})`);
  const argv = command(args, st.devices);
  after += `by: ${argv.join(' ')}\n`;
  const steps: Step[] = [
    { kind: 'exec', argv: ['mkdir', '-p', repo, MARKERS] },
    // TERM: ocs-sr's scripts call tput; the job has no terminal.
    { kind: 'exec', argv, env: { TERM: 'dumb' } },
  ];
  if (save) {
    // ocs-sr exited 0 with its check on: the image is complete and checked.
    if (args.check_image ?? true) steps.push({ kind: 'exec', argv: ['cp', `${dir}/Info-img-id.txt`, `${dir}/tsplay-checked.txt`] });
  } else {
    for (const d of st.devices) steps.push({ kind: 'put', path: `${MARKERS}/${d.kname}`, content: `image=${dir}\nid=${id}\nserial=${d.serial}\n` });
  }
  // The result's image size and duration: read from the job's output by result() below.
  steps.push({ kind: 'exec', argv: ['sh', '-c', 'printf "clonezilla_image_bytes=%s\\n" "$(du -sb "$1" | cut -f1)"', 'clonezilla', dir] });
  return {
    steps,
    diff: [{ path: save ? dir : st.devices.map((d) => `/dev/${d.kname}`).join(' '), before, after }],
    reason: `${reason}: ${argv.join(' ')}`,
    result: { ...result, command: argv },
    detached: { seconds: args.timeout ?? 3600, poll: 5 },
  };
}

/** partclone's progress line: `Elapsed: 00:00:04, Remaining: 00:00:02, Completed:  66.67%, Rate:  1.23GB/min,`. */
export function progress(text: string): Progress | undefined {
  const last = [...text.matchAll(/Completed:\s*([\d.]+)%(?:,\s*Rate:\s*([\d.]+\s*\S+\/min))?/g)].pop();
  if (!last) return undefined;
  // Which partition: the last `(/dev/vdd1)` partclone named before that line, when still in view.
  const dev = [...text.slice(0, last.index).matchAll(/\((\/dev\/[^)\s]+)\)/g)].pop()?.[1];
  return { percent: Number(last[1]), ...(last[2] ? { rate: last[2].replace(/\s+/g, '') } : {}), ...(dev ? { text: dev } : {}) };
}

export const clonezilla = defineModule({
  name: 'clonezilla',
  description:
    'Disk imaging with Clonezilla\'s ocs-sr (Debian packages clonezilla and partclone): savedisk / saveparts to an image in a repository, restoredisk / restoreparts from one. ' +
    'A complete, checked image is not saved again and a device restored from the same image is not restored again (unless force); a target smaller than the image, a mounted device or an incomplete image is refused before anything is written. ' +
    'ocs-sr runs detached on the host, polled, with partclone\'s progress shown; the result has the image size (image_bytes) and the seconds it took (elapsed).',
  schema,
  examples: `- name: Image the data disk
  clonezilla:
    action: savedisk
    image: data-2024
    devices: [/dev/disk/by-id/virtio-data]
    compression: zstd
- name: Restore it onto the spare disk
  clonezilla:
    action: restoredisk
    image: data-2024
    devices: [/dev/disk/by-id/virtio-spare]`,
  validate: (args) => [
    ...(args.extra_args ?? []).filter((f) => OWN_FLAGS.test(f)).map((f) => ({ path: ['extra_args'], message: `${f} is set by tsplay (batch mode, repository, compression, check_image): use the option instead` })),
    // A word that is no flag is a flag's value: one after another would reach ocs-sr as its action or image.
    ...(args.extra_args ?? []).filter((f, i, all) => !f.startsWith('-') && !all[i - 1]?.startsWith('-')).map((f) => ({ path: ['extra_args'], message: `${f} is not a flag nor a flag's value` })),
    ...(new Set(args.devices).size !== args.devices.length ? [{ path: ['devices'], message: 'devices names a device twice' }] : []),
  ],
  probe: (args) => probe(args),
  parse: (out, args) => parse(out, args),
  plan: (args, st: ImageState) => plan(args, st),
  progress,
  result: (_args, _st, applied) => {
    const bytes = /^clonezilla_image_bytes=(\d+)$/m.exec(applied?.stdout ?? '')?.[1];
    return bytes ? { image_bytes: Number(bytes) } : {};
  },
});

export default clonezilla;
