/**
 * libvirt_domain: a libvirt domain (a KVM or QEMU guest) defined as asked and in the state
 * asked, with virsh and qemu-img only. The definition is a whole `xml`, or a short form
 * (memory, vcpus, disks, networks, cdrom, graphics) that says only what it manages, or a clone
 * of a shut-off base domain (virt-clone's way: copy-on-write qcow2 disks over the base's, new
 * MACs, a new uuid; the base is only read). Idempotence compares the desired definition with
 * `virsh dumpxml --inactive` through xml.ts, so what libvirt adds is never drift; a change is
 * the XML diff, applied by `virsh define` (a running domain takes it at its next boot).
 *
 * The state moves along libvirt's own transitions: start, resume, suspend, a graceful
 * shutdown that becomes a destroy after `shutdown_timeout`, destroy, undefine (disk files are
 * kept, as virsh undefine keeps them). Every result lists the host's domains with their state.
 */
import { type Static, Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type FileDiff, type Plan, type Step } from '../../src/core/module.js';
import { probeOutput, unbase64 } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';
import { attr, child, type El, el, merge, OWNED_DEVICES, parseXml, project, serialise } from './xml.js';

const PACKAGES = 'install libvirt-daemon-system, libvirt-clients, qemu-system-x86 and qemu-utils (Debian, Ubuntu), or libvirt and qemu-kvm (Fedora, RHEL)';
const DOMAINS_MARK = 'tsplay-libvirt-domains';
const DESTROYED_MARK = 'tsplay-libvirt-destroyed-after-timeout';
const STATES = ['defined', 'running', 'shutdown', 'destroyed', 'paused', 'undefined'] as const;

const disk = Type.Object(
  {
    path: Type.String({ pattern: '^/[^\\n]*$', description: 'The disk image (absolute path); made with qemu-img when it does not exist.' }),
    format: Type.Optional(Type.Union([Type.Literal('qcow2'), Type.Literal('raw')], { default: 'qcow2', description: 'The image format.' })),
    size: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\d+[kKMGT]?$' })], { description: 'The size of a disk to make (bytes, or 512M, 20G). Not needed over a backing file.' })),
    backing: Type.Optional(Type.String({ pattern: '^/[^\\n]*$', description: 'A backing file for a new qcow2 disk: the new disk holds only what differs from it.' })),
  },
  { additionalProperties: false },
);

const network = Type.Object(
  {
    bridge: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:@-]{1,15}$', description: 'A host bridge (br0) the NIC is a port of.' })),
    network: Type.Optional(Type.String({ pattern: '^[^\\n/]+$', description: 'A libvirt network (default) instead of a bridge.' })),
    mac: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$', description: 'The MAC address; unset, libvirt makes one (and keeps it).' })),
  },
  { additionalProperties: false },
);

const schema = Type.Object(
  {
    name: Type.String({ pattern: '^[^/\\n]+$', description: 'The domain\'s name.' }),
    uri: Type.Optional(Type.String({ default: 'qemu:///system', description: 'The libvirt connection URI.' })),
    xml: Type.Optional(Type.String({ description: 'The whole domain XML (literal, or `{{ lookup(\'template\', \'vm.xml.j2\') }}`). Not with the short form or clone_from.' })),
    memory: Type.Optional(Type.Integer({ minimum: 1, description: 'Short form: memory in MiB.' })),
    vcpus: Type.Optional(Type.Integer({ minimum: 1, description: 'Short form: virtual CPUs.' })),
    disks: Type.Optional(Type.Array(disk, { description: 'Short form: the disks, in order (vda, vdb...; virtio). A file that does not exist is made (qcow2, over `backing` when set).' })),
    networks: Type.Optional(Type.Array(network, { description: 'Short form: the NICs (virtio), each `{bridge}` or `{network}`, with an optional `mac`.' })),
    cdrom: Type.Optional(Type.String({ pattern: '^/[^\\n]*$', description: 'Short form: an ISO image as a read-only CD-ROM.' })),
    graphics: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('vnc')], { description: 'Short form: none (a serial console instead) or vnc.' })),
    os_type: Type.Optional(Type.String({ pattern: '^[a-z]+$', description: 'Short form: the OS type (hvm, the default for a new domain).' })),
    arch: Type.Optional(Type.String({ pattern: '^[a-z0-9_]+$', description: 'Short form: the guest architecture (x86_64).' })),
    machine: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]+$', description: 'Short form: the machine type (pc, q35, or a versioned one).' })),
    state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)), { default: 'defined', description: 'defined: defined, whatever it runs; running; paused; shutdown: a graceful shutdown (destroyed after shutdown_timeout); destroyed: off at once; undefined: off and its definition removed (its disk files are kept).' })),
    autostart: Type.Optional(Type.Boolean({ description: 'Start with the host (virsh autostart).' })),
    clone_from: Type.Optional(Type.String({ pattern: '^[^/\\n]+$', description: 'Make the domain as a clone of this shut-off domain: copy-on-write qcow2 disks over the base\'s (beside them, named after the clone), new MACs; the base is only read.' })),
    shutdown_timeout: Type.Optional(Type.Integer({ minimum: 0, default: 60, description: 'state shutdown: seconds to wait for the guest to power off before it is destroyed.' })),
  },
  { additionalProperties: false },
);

type Args = Static<typeof schema>;

/** An image as qemu-img info reads it. */
export interface ImageInfo {
  format: string;
  virtualSize: number;
  backing?: string;
}

export interface DomainState {
  /** virsh and qemu-img are installed; /dev/kvm exists. */
  virsh: boolean;
  qemuImg: boolean;
  kvm: boolean;
  /** virsh could not connect: its message. */
  connectError?: string;
  domains: { name: string; state: string }[];
  /** Undefined when there is no such domain. */
  current?: { state: string; persistent: boolean; autostart: boolean; xml: string };
  /** clone_from: the base's state and definition (undefined: no such domain). */
  base?: { state: string; xml: string };
  /** The short form's disks, by path: what qemu-img reads, or null when the file is missing. */
  disks: Record<string, ImageInfo | null>;
}

const SHORT_FORM = ['memory', 'vcpus', 'disks', 'networks', 'cdrom', 'graphics', 'os_type', 'arch', 'machine'] as const;

function virsh(args: Args, ...rest: string[]): string[] {
  return ['virsh', '-c', args.uri ?? 'qemu:///system', ...rest];
}

/** The short form's disks and their backing files: the images the probe reads. */
function imagePaths(args: Args): string[] {
  return [...new Set((args.disks ?? []).flatMap((d) => (d.backing ? [d.path, d.backing] : [d.path])))];
}

function probe(args: Args): Shell {
  const uri = args.uri ?? 'qemu:///system';
  const name = args.name;
  const paths = imagePaths(args);
  return lines(
    // virsh translates its states and headers: read them in English.
    sh`LC_ALL=C; export LC_ALL`,
    sh`if ! command -v virsh >/dev/null 2>&1; then echo virsh=missing; exit 0; fi`,
    sh`command -v qemu-img >/dev/null 2>&1 && echo qemuimg=yes; [ -e /dev/kvm ] && echo kvm=yes`,
    sh`out=$(virsh -c ${uri} list --all 2>&1); printf 'listrc=%s\\nlist=%s\\n' "$?" "$(printf '%s' "$out" | base64 -w0)"`,
    sh`if info=$(virsh -c ${uri} dominfo ${name} 2>/dev/null); then printf 'info=%s\\nxml=%s\\n' "$(printf '%s' "$info" | base64 -w0)" "$(virsh -c ${uri} dumpxml --inactive ${name} | base64 -w0)"; fi`,
    args.clone_from !== undefined &&
      sh`if st=$(virsh -c ${uri} domstate ${args.clone_from} 2>/dev/null); then printf 'basestate=%s\\nbasexml=%s\\n' "$(echo $st)" "$(virsh -c ${uri} dumpxml --inactive ${args.clone_from} | base64 -w0)"; fi`,
    ...paths.map((p, i) => sh`if [ -e ${p} ]; then printf '%s=%s\\n' ${`disk${i}`} "$(qemu-img info -U --output=json ${p} 2>&1 | base64 -w0)"; fi`),
  );
}

/** `virsh list --all`: the rows after the header's rule, `Id  Name  State`. */
export function parseList(text: string): { name: string; state: string }[] {
  const rows = text.split('\n');
  const rule = rows.findIndex((r) => /^-{5,}/.test(r.trim()));
  return rows
    .slice(rule + 1)
    .map((r) => r.trim().split(/\s{2,}/))
    .filter((f) => f.length >= 3)
    .map((f) => ({ name: f[1]!, state: f.slice(2).join(' ') }));
}

function parseImage(json: string, path: string): ImageInfo {
  let info: any;
  try {
    info = JSON.parse(json);
  } catch {
    throw new Error(`libvirt_domain: qemu-img cannot read ${path}: ${json.trim()}`);
  }
  return { format: info.format, virtualSize: info['virtual-size'], ...(info['full-backing-filename'] ? { backing: info['full-backing-filename'] } : {}) };
}

function parse(out: ExecResult, args: Args): DomainState {
  const kv = probeOutput(out, 'libvirt_domain');
  const st: DomainState = { virsh: kv.get('virsh') !== 'missing', qemuImg: kv.get('qemuimg') === 'yes', kvm: kv.get('kvm') === 'yes', domains: [], disks: {} };
  if (!st.virsh) return st;
  const list = unbase64(kv.get('list') ?? '');
  if (kv.get('listrc') !== '0') st.connectError = list.trim().split('\n').filter(Boolean).pop() ?? 'virsh list failed';
  else st.domains = parseList(list);
  const info = kv.get('info');
  if (info !== undefined) {
    const fields = new Map(unbase64(info).split('\n').map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
    st.current = { state: fields.get('State') ?? '', persistent: fields.get('Persistent') === 'yes', autostart: fields.get('Autostart') === 'enable', xml: unbase64(kv.get('xml') ?? '') };
  }
  if (kv.has('basestate')) st.base = { state: kv.get('basestate')!, xml: unbase64(kv.get('basexml') ?? '') };
  imagePaths(args).forEach((path, i) => {
    const v = kv.get(`disk${i}`);
    st.disks[path] = v === undefined ? null : parseImage(unbase64(v), path);
  });
  return st;
}

const ACTIVE = new Set(['running', 'paused', 'idle', 'blocked', 'in shutdown', 'pmsuspended']);

/** The disk's target name: vda, vdb, ... vdz, vdaa. */
function target(i: number): string {
  return `vd${i >= 26 ? String.fromCharCode(97 + Math.floor(i / 26) - 1) : ''}${String.fromCharCode(97 + (i % 26))}`;
}

/** The short form as XML, and the device kinds it manages; undefined when the task gives none of it. */
export function shortForm(args: Args, kvm: boolean, isNew: boolean): { xml: El; owned: Set<string> } | undefined {
  if (!SHORT_FORM.some((k) => args[k] !== undefined)) return undefined;
  const owned = new Set<string>();
  const devices: El[] = [];
  if (args.disks || args.cdrom) owned.add('disk');
  (args.disks ?? []).forEach((d, i) => {
    devices.push(el('disk', { type: 'file', device: 'disk' }, el('driver', { name: 'qemu', type: d.format ?? 'qcow2' }), el('source', { file: d.path }), el('target', { dev: target(i), bus: 'virtio' })));
  });
  if (args.cdrom) {
    const sata = args.machine?.includes('q35');
    devices.push(el('disk', { type: 'file', device: 'cdrom' }, el('driver', { name: 'qemu', type: 'raw' }), el('source', { file: args.cdrom }), el('target', { dev: sata ? 'sda' : 'hdc', bus: sata ? 'sata' : 'ide' }), el('readonly')));
  }
  if (args.networks) owned.add('interface');
  for (const n of args.networks ?? []) {
    const source = n.bridge !== undefined ? el('source', { bridge: n.bridge }) : el('source', { network: n.network });
    devices.push(el('interface', { type: n.bridge !== undefined ? 'bridge' : 'network' }, ...(n.mac ? [el('mac', { address: n.mac.toLowerCase() })] : []), source, el('model', { type: 'virtio' })));
  }
  if (args.graphics !== undefined) owned.add('graphics');
  if (args.graphics === 'vnc') devices.push(el('graphics', { type: 'vnc' }));
  if (args.graphics === 'none') devices.push(el('serial', { type: 'pty' }), el('console', { type: 'pty' }));
  const os = isNew || args.os_type || args.arch || args.machine ? [el('os', {}, el('type', { arch: args.arch, machine: args.machine }, args.os_type ?? 'hvm'))] : [];
  const xml = el(
    'domain',
    isNew ? { type: kvm ? 'kvm' : 'qemu' } : {},
    el('name', {}, args.name),
    ...(args.memory !== undefined ? [el('memory', { unit: 'KiB' }, String(args.memory * 1024))] : []),
    ...(args.vcpus !== undefined ? [el('vcpu', {}, String(args.vcpus))] : []),
    ...os,
    ...(devices.length ? [el('devices', {}, ...devices)] : []),
  );
  return { xml, owned };
}

/** A base domain's definition made the clone's: its name, no uuid, no MACs, each file disk on a new copy-on-write image. */
export function cloneXml(base: El, name: string): { xml: El; disks: { path: string; backing: string; format: string }[] } | { error: string } {
  const disks: { path: string; backing: string; format: string }[] = [];
  let error: string | undefined;
  const devices = (child(base, 'devices')?.children ?? []).map((d): El => {
    if (d.tag === 'interface') return { ...d, children: d.children.filter((c) => c.tag !== 'mac' && c.tag !== 'target' && c.tag !== 'alias') };
    if (d.tag !== 'disk' || attr(d, 'device') !== 'disk' || child(d, 'readonly') || child(d, 'shareable')) return d;
    const file = child(d, 'source') && attr(child(d, 'source')!, 'file');
    if (attr(d, 'type') !== 'file' || !file) {
      error = `its disk ${attr(child(d, 'target') ?? d, 'dev') ?? ''} is not a file; clone_from clones file disks only`;
      return d;
    }
    const dir = file.slice(0, file.lastIndexOf('/') + 1);
    const path = `${dir}${name}${disks.length ? `-${disks.length}` : ''}.qcow2`;
    disks.push({ path, backing: file, format: (child(d, 'driver') && attr(child(d, 'driver')!, 'type')) ?? 'raw' });
    const children = d.children
      .filter((c) => c.tag !== 'backingStore')
      .map((c) => (c.tag === 'source' ? el('source', { file: path }) : c.tag === 'driver' ? { ...c, attrs: [...c.attrs.filter(([k]) => k !== 'type'), ['type', 'qcow2'] as [string, string]] } : c));
    return { ...d, children };
  });
  if (error) return { error };
  const children = base.children
    .filter((c) => c.tag !== 'uuid')
    .map((c) => (c.tag === 'name' ? el('name', {}, name) : c.tag === 'devices' ? { ...c, children: devices } : c.tag === 'os' ? { ...c, children: c.children.filter((o) => o.tag !== 'nvram') } : c));
  return { xml: { ...base, children }, disks };
}

/** Makes a new image: refused when the path exists (qemu-img create would overwrite it). */
const CREATE_IMAGE = [
  'p=$1 size=$2; shift 2',
  'if [ -e "$p" ]; then echo "$p exists: refusing to overwrite it" >&2; exit 1; fi',
  'mkdir -p "$(dirname "$p")" && qemu-img create -q "$@" "$p" ${size:+"$size"}',
].join('\n');

function createImage(path: string, format: string, size: string | number | undefined, backing?: { path: string; format: string }): Step {
  return { kind: 'exec', argv: ['sh', '-c', CREATE_IMAGE, 'qemu-img', path, size === undefined ? '' : String(size), '-f', format, ...(backing ? ['-F', backing.format, '-b', backing.path] : [])] };
}

/** Graceful shutdown, then destroy after t seconds: prints the mark when it had to destroy. */
const SHUTDOWN = [
  'uri=$1 name=$2 t=$3; LC_ALL=C; export LC_ALL',
  'virsh -c "$uri" shutdown "$name" >/dev/null || exit 1',
  'i=0',
  'while [ "$(virsh -c "$uri" domstate "$name" 2>/dev/null | head -n 1)" != "shut off" ]; do',
  `  if [ "$i" -ge "$t" ]; then virsh -c "$uri" destroy "$name" >/dev/null || exit 1; echo ${DESTROYED_MARK}; exit 0; fi`,
  '  sleep 1; i=$((i+1))',
  'done',
].join('\n');

/** The steps from libvirt state `from` to the asked one, and the state they leave. */
function transition(args: Args, want: Args['state'], from: string): { steps: Step[]; to: string } {
  const cmd = (...rest: string[]): Step => ({ kind: 'exec', argv: virsh(args, ...rest, args.name) });
  const active = ACTIVE.has(from);
  switch (want) {
    case 'running':
      if (!active) return { steps: [cmd('start')], to: 'running' };
      if (from === 'paused') return { steps: [cmd('resume')], to: 'running' };
      if (from === 'pmsuspended') return { steps: [cmd('dompmwakeup')], to: 'running' };
      return { steps: [], to: from };
    case 'paused':
      if (!active) return { steps: [cmd('start', '--paused')], to: 'paused' };
      return from === 'paused' ? { steps: [], to: from } : { steps: [cmd('suspend')], to: 'paused' };
    case 'shutdown': {
      if (!active) return { steps: [], to: from };
      const graceful: Step = { kind: 'exec', argv: ['sh', '-c', SHUTDOWN, 'shutdown', args.uri ?? 'qemu:///system', args.name, String(args.shutdown_timeout ?? 60)] };
      // A paused guest cannot see the power button.
      return { steps: from === 'paused' ? [cmd('resume'), graceful] : [graceful], to: 'shut off' };
    }
    case 'destroyed':
      return active ? { steps: [cmd('destroy')], to: 'shut off' } : { steps: [], to: from };
    default:
      return { steps: [], to: from };
  }
}

/** The definition the task asks for, or why it cannot be made; undefined when the task leaves it as it is. */
function desired(args: Args, st: DomainState): { xml: El; owned: Set<string>; disks: Step[] } | { error: string } | undefined {
  const isNew = !st.current;
  if (args.xml !== undefined) {
    const xml = parseXml(args.xml);
    return { xml, owned: new Set(OWNED_DEVICES), disks: [] };
  }
  const short = shortForm(args, st.kvm, isNew && args.clone_from === undefined);
  if (args.clone_from !== undefined && isNew) {
    if (!st.base) return { error: `clone_from: there is no domain ${args.clone_from}` };
    if (ACTIVE.has(st.base.state) && st.base.state !== 'paused') return { error: `clone_from: ${args.clone_from} is ${st.base.state}; shut it off first (its disks would change under the clone)` };
    const clone = cloneXml(parseXml(st.base.xml), args.name);
    if ('error' in clone) return { error: `clone_from ${args.clone_from}: ${clone.error}` };
    const xml = short ? merge(clone.xml, short.xml, short.owned) : clone.xml;
    return { xml, owned: new Set(OWNED_DEVICES), disks: clone.disks.map((d) => createImage(d.path, 'qcow2', undefined, { path: d.backing, format: d.format })) };
  }
  if (!short) return undefined;
  const disks: Step[] = [];
  for (const d of (args.disks ?? []).filter((x) => st.disks[x.path] === null)) {
    const backing = d.backing !== undefined ? st.disks[d.backing] : undefined;
    if (backing === null) return { error: `disk ${d.path}: its backing file ${d.backing} does not exist` };
    if (!backing && d.size === undefined) return { error: `disk ${d.path} does not exist: give its size (or a backing file) to make it` };
    disks.push(createImage(d.path, d.format ?? 'qcow2', d.size, backing ? { path: d.backing!, format: backing.format } : undefined));
  }
  return { ...short, disks };
}

function plan(args: Args, st: DomainState): Plan {
  const name = args.name;
  const want = args.state ?? 'defined';
  const result: Record<string, unknown> = { name, uri: args.uri ?? 'qemu:///system', domains: st.domains };
  const fail = (msg: string): Plan => ({ steps: [], failed: `libvirt_domain ${name}: ${msg}`, result });
  if (!st.virsh) return fail(`libvirt is not installed on this host (no virsh): ${PACKAGES}`);
  if (st.connectError) return fail(`cannot connect to ${args.uri ?? 'qemu:///system'}: ${st.connectError} (is libvirtd or virtqemud running?)`);
  const now = st.current?.state ?? 'undefined';
  const steps: Step[] = [];
  const diff: FileDiff[] = [];
  const reasons: string[] = [];
  let state = now;
  if (want === 'undefined') {
    if (!st.current) return { steps, reason: `${name} is not defined`, result: { ...result, state: 'undefined' } };
    if (ACTIVE.has(now)) steps.push({ kind: 'exec', argv: virsh(args, 'destroy', name) });
    if (st.current.persistent) steps.push({ kind: 'exec', argv: virsh(args, 'undefine', name) });
    diff.push({ path: `libvirt domain ${name} (dumpxml --inactive)`, before: st.current.xml, after: '' });
    reasons.push(`${now} -> undefined (its disk files are kept)`);
    state = 'undefined';
  } else {
    let def: ReturnType<typeof desired>;
    try {
      def = desired(args, st);
    } catch (e) {
      return fail(`xml: ${(e as Error).message}`);
    }
    if (def && 'error' in def) return fail(def.error);
    if (!def && !st.current) return fail('is not defined: give its xml, the short form (memory, vcpus, disks, networks...) or clone_from');
    if (def) {
      if (!st.qemuImg && def.disks.length) return fail(`qemu-img is not installed on this host: ${PACKAGES}`);
      const after = serialise(def.xml);
      const actual = st.current ? parseXml(st.current.xml) : undefined;
      const before = actual ? serialise(project(actual, def.xml, def.owned)) : '';
      if (before !== after) {
        const full = actual ? merge(actual, def.xml, def.owned) : def.xml;
        steps.push(...def.disks, { kind: 'exec', argv: virsh(args, 'define', '/dev/stdin'), stdin: serialise(full) });
        diff.push({ path: `libvirt domain ${name} (dumpxml --inactive)`, before, after });
        if (!st.current) {
          state = 'shut off';
          reasons.push(args.clone_from !== undefined ? `cloned from ${args.clone_from}` : 'defined');
        } else {
          reasons.push('definition changed');
          if (ACTIVE.has(now) && want !== 'shutdown' && want !== 'destroyed') {
            result.pending_reboot = true;
            reasons.push('the running domain takes it at its next boot');
          }
        }
      }
    }
    const move = transition(args, want, state);
    steps.push(...move.steps);
    if (move.to !== state) reasons.push(`${state} -> ${move.to}`);
    state = move.to;
    const autostart = st.current?.autostart ?? false;
    if (args.autostart !== undefined && args.autostart !== autostart) {
      steps.push({ kind: 'exec', argv: args.autostart ? virsh(args, 'autostart', name) : virsh(args, 'autostart', '--disable', name) });
      reasons.push(`autostart ${args.autostart ? 'on' : 'off'}`);
    }
  }
  result.state = state;
  if (now !== state) diff.push({ path: `libvirt domain ${name} state`, before: `${now}\n`, after: `${state}\n` });
  if (!steps.length) return { steps, reason: `${name} is ${now}${args.autostart ? ' and starts with the host' : ''}`, result };
  steps.push({ kind: 'exec', argv: ['sh', '-c', `echo ${DOMAINS_MARK}; LC_ALL=C virsh -c "$1" list --all`, 'list', args.uri ?? 'qemu:///system'] });
  return { steps, diff, reason: reasons.join('; '), result };
}

export const libvirtDomain = defineModule({
  name: 'libvirt_domain',
  description:
    'A libvirt domain (KVM or QEMU guest), defined from a whole xml, a short form (memory, vcpus, disks made with qemu-img, networks, cdrom, graphics) or as a clone of a shut-off base (copy-on-write disks, new MACs), and in a state: defined, running, paused, shutdown (graceful, destroyed after shutdown_timeout), destroyed, undefined. ' +
    'The definition is compared with `virsh dumpxml --inactive` cut to what the task says, so what libvirt adds (uuid, MACs, controllers, addresses) is never a change; a difference is an XML diff applied with virsh define (a running domain takes it at its next boot: the result has pending_reboot). ' +
    'Every result lists the host\'s domains and their states (domains); needs virsh and qemu-img on the host. playbooks/kvm-host.yml builds a KVM host with a base domain and two clones.',
  schema,
  examples: `- name: A guest from a base image, on br0, running
  libvirt_domain:
    name: web1
    memory: 1024
    vcpus: 2
    disks:
      - { path: /var/lib/libvirt/images/web1.qcow2, backing: /var/lib/libvirt/images/debian12.qcow2 }
    networks: [{ bridge: br0 }]
    graphics: none
    state: running
    autostart: true
- name: Two clones of a shut-off base
  libvirt_domain: { name: "web{{ item }}", clone_from: base, state: running }
  loop: [2, 3]`,
  validate: (args) => {
    const out: { path: string[]; message: string }[] = [];
    const short = SHORT_FORM.filter((k) => args[k] !== undefined);
    if (args.xml !== undefined && (short.length || args.clone_from !== undefined)) out.push({ path: ['xml'], message: `xml is the whole definition: give it without ${[...short, ...(args.clone_from !== undefined ? ['clone_from'] : [])].join(', ')}` });
    if (args.xml !== undefined) {
      try {
        const name = child(parseXml(args.xml), 'name')?.text;
        if (name !== args.name) out.push({ path: ['xml'], message: `its <name> is ${name ?? 'missing'}; it must be the task's name, ${args.name}` });
      } catch (e) {
        out.push({ path: ['xml'], message: `xml: ${(e as Error).message}` });
      }
    }
    if (args.clone_from === args.name) out.push({ path: ['clone_from'], message: 'a domain cannot be a clone of itself' });
    (args.networks ?? []).forEach((n, i) => {
      if ((n.bridge === undefined) === (n.network === undefined)) out.push({ path: ['networks', String(i)], message: 'give either bridge or network' });
    });
    (args.disks ?? []).forEach((d, i) => {
      if (d.backing !== undefined && (d.format ?? 'qcow2') !== 'qcow2') out.push({ path: ['disks', String(i), 'backing'], message: 'a backing file needs format qcow2' });
    });
    return out;
  },
  probe: (args) => probe(args),
  parse: (out, args) => parse(out, args),
  plan: (args, st: DomainState) => plan(args, st),
  result: (args, _st, applied) => {
    if (!applied) return {};
    const out: Record<string, unknown> = {};
    const at = applied.stdout.lastIndexOf(`${DOMAINS_MARK}\n`);
    if (at >= 0) out.domains = parseList(applied.stdout.slice(at + DOMAINS_MARK.length + 1));
    if (applied.stdout.includes(DESTROYED_MARK)) out.msg = `${args.name} did not power off within ${args.shutdown_timeout ?? 60} s of the shutdown request; destroyed`;
    return out;
  },
});

export default libvirtDomain;
