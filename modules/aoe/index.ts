/**
 * aoe: an ATA-over-Ethernet SAN, both ends. AoE is layer 2 only: not routable, no
 * authentication; the switch's physical security is its security, and one filesystem must never
 * be mounted by two clients (without a cluster filesystem).
 *
 * role: target exports a block device (or file) with vblade as a supervised service tsplay owns
 * (a systemd unit, /etc/systemd/system/tsplay-vblade-e<shelf>.<slot>.service, so it outlives the
 * SSH session and a reboot; vbladed where systemd does not run). role: initiator loads the aoe
 * driver (limited to `aoe_iflist`, persisted in its own modprobe.d file), discovers and waits a
 * bounded time for /dev/etherd/e<shelf>.<slot>, makes a filesystem only on a device with no
 * signature (never over data, unless force), and mounts it with an fstab line (_netdev).
 */
import { type Static, Type } from '@sinclair/typebox';
import { filesProbe, planFile, probedFile } from '../../src/core/files.js';
import { FSTAB, setOwnLine } from '../../src/core/fstab.js';
import { defineModule, type ExecResult, type Facts, type FileDiff, type Plan, type Step } from '../../src/core/module.js';
import { parseUmask, probeOutput } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';
import { unescapeMountField } from '../../src/facts/hardware.js';

const IFACE = '^[A-Za-z0-9_.:@-]{1,15}$';
const MODPROBE = '/etc/modprobe.d/tsplay-aoe.conf';
const MODULES_LOAD = '/etc/modules-load.d/tsplay-aoe.conf';

const schema = Type.Object(
  {
    role: Type.Union([Type.Literal('target'), Type.Literal('initiator')], { description: 'target: export a device with vblade; initiator: discover and use an exported device.' }),
    shelf: Type.Integer({ minimum: 0, maximum: 65534, description: 'The AoE shelf (major) address.' }),
    slot: Type.Integer({ minimum: 0, maximum: 255, description: 'The AoE slot (minor) address.' }),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { default: 'present', description: 'target: exported or not; initiator: mounted (and in fstab) or not.' })),
    interface: Type.Optional(Type.String({ pattern: IFACE, description: 'target: the interface the device is exported on (required).' })),
    device: Type.Optional(Type.String({ pattern: '^/', description: 'target: the block device or file exported (required).' })),
    aoe_iflist: Type.Optional(Type.Array(Type.String({ pattern: IFACE }), { description: 'initiator: the interfaces the aoe driver may use (all, unset).' })),
    timeout: Type.Optional(Type.Integer({ minimum: 1, default: 30, description: 'initiator: seconds to wait for the device to be discovered.' })),
    fstype: Type.Optional(Type.String({ pattern: '^[a-z0-9]+$', description: 'initiator: make this filesystem on the device when it has none (mkfs -t).' })),
    // /proc/mounts and fstab escape whitespace (\040): a mount point without any is compared and written as it is.
    mount: Type.Optional(Type.String({ pattern: '^/\\S*$', description: 'initiator: mount the device there (an absolute path without whitespace), with an fstab line (_netdev). Needs fstype.' })),
    force: Type.Optional(Type.Boolean({ default: false, description: 'initiator: mkfs even over a filesystem of another type (its data is lost).' })),
  },
  { additionalProperties: false },
);

type Args = Static<typeof schema>;

export interface AoeState {
  role: Args['role'];
  /** vblade (target) or aoe-discover (initiator) is installed. */
  tool: boolean;
  systemd: boolean;
  /** target: the unit file's text, active and enabled; a vbladed process for the address. */
  unit?: string;
  active: boolean;
  enabled: boolean;
  vbladed: boolean;
  /** target: the interface's operstate ('' when it does not exist); the device exists. */
  operstate: string;
  deviceExists: boolean;
  /** The interface the default route leaves by. */
  defaultDev: string;
  /** initiator: the driver is loaded, its aoe_iflist now; the device is there, its filesystem (blkid). */
  loaded: boolean;
  iflist: string;
  present: boolean;
  fs: string;
  /** What is mounted at `mount` (the resolved source), '' for nothing. */
  mountedFrom: string;
  files: Record<string, { text?: string; stat?: ReturnType<typeof probedFile>['stat']; noParent: boolean }>;
  umask: number;
}

const address = (a: Args) => `e${a.shelf}.${a.slot}`;
const unitName = (a: Args) => `tsplay-vblade-${address(a)}.service`;
const unitPath = (a: Args) => `/etc/systemd/system/${unitName(a)}`;
const etherd = (a: Args) => `/dev/etherd/${address(a)}`;

/** The files a task owns or edits, by role. */
function paths(a: Args): string[] {
  return a.role === 'target' ? [unitPath(a)] : [MODPROBE, MODULES_LOAD, ...(a.mount ? [FSTAB] : [])];
}

function probe(args: Args): Shell {
  const dev = etherd(args);
  const files = paths(args).map((path, i) => ({ key: `f${i}`, path, content: 'whole' as const }));
  return lines(
    sh`[ -d /run/systemd/system ] && echo systemd=1`,
    sh`printf 'defaultdev=%s\\n' "$(ip route show default 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1)"`,
    args.role === 'target'
      ? lines(
          sh`command -v vblade >/dev/null 2>&1 && echo tool=1`,
          sh`systemctl is-active --quiet ${unitName(args)} 2>/dev/null && echo active=1`,
          sh`systemctl is-enabled --quiet ${unitName(args)} 2>/dev/null && echo enabled=1`,
          sh`pgrep -f ${`^vblade ${args.shelf} ${args.slot} `} >/dev/null 2>&1 && echo vbladed=1`,
          args.interface ? sh`printf 'operstate=%s\\n' "$(cat /sys/class/net/${args.interface}/operstate 2>/dev/null)"` : undefined,
          args.device ? sh`[ -e ${args.device} ] && echo device=1` : undefined,
        )
      : lines(
          sh`command -v aoe-discover >/dev/null 2>&1 && echo tool=1`,
          sh`[ -d /sys/module/aoe ] && echo loaded=1 && printf 'iflist=%s\\n' "$(cat /sys/module/aoe/parameters/aoe_iflist 2>/dev/null)"`,
          sh`if [ -b ${dev} ]; then echo present=1; printf 'fs=%s\\n' "$(blkid -p -o value -s TYPE ${dev} 2>/dev/null)"; fi`,
          args.mount ? sh`while read -r src dst _; do [ "$dst" = ${args.mount} ] && printf 'mountedfrom=%s\\n' "$(readlink -f "$src")"; done < /proc/mounts` : undefined,
        ),
    filesProbe(files),
  );
}

function parse(out: ExecResult, args: Args): AoeState {
  const kv = probeOutput(out, 'aoe');
  const files: AoeState['files'] = {};
  paths(args).forEach((path, i) => {
    const f = probedFile(kv, `f${i}`);
    files[path] = { text: f.content?.toString('utf8'), stat: f.stat, noParent: f.noParent };
  });
  return {
    role: args.role,
    tool: kv.get('tool') === '1',
    systemd: kv.get('systemd') === '1',
    active: kv.get('active') === '1',
    enabled: kv.get('enabled') === '1',
    vbladed: kv.get('vbladed') === '1',
    operstate: kv.get('operstate') ?? '',
    deviceExists: kv.get('device') === '1',
    defaultDev: kv.get('defaultdev') ?? '',
    loaded: kv.get('loaded') === '1',
    iflist: (kv.get('iflist') ?? '').trim(),
    present: kv.get('present') === '1',
    fs: kv.get('fs') ?? '',
    mountedFrom: kv.get('mountedfrom') ? unescapeMountField(kv.get('mountedfrom')!) : '',
    files,
    umask: parseUmask(kv.get('umask')),
  };
}

/** A file set to `content` (or removed, undefined) as the plan's steps and diff. */
function fileSteps(st: AoeState, path: string, content: string | undefined, steps: Step[], diff: FileDiff[]): boolean | { error: string } {
  const f = st.files[path]!;
  if (content === undefined && f.text === undefined) return false;
  if (content !== undefined && f.text === content) return false;
  // Files tsplay owns are 0644; fstab keeps its own mode.
  const mode = path === FSTAB ? undefined : '0644';
  const fp = planFile(content === undefined ? { path, absent: true } : { path, content, mode, makeParents: true }, { stat: f.text === undefined ? undefined : f.stat, content: f.text, noParent: f.noParent }, st.umask);
  if ('error' in fp) return fp;
  steps.push(...fp.steps);
  diff.push(...fp.diff);
  return true;
}

/** fstab with tsplay's line for the mount point set or removed; other lines kept. */
function editFstab(text: string | undefined, mount: string, line: string | undefined): string {
  return setOwnLine(text, `# tsplay aoe ${mount}`, line);
}

function unitText(a: Args): string {
  return [
    `# Managed by tsplay (aoe target ${address(a)}): changes here are overwritten.`,
    '[Unit]',
    `Description=AoE export ${address(a)} of ${a.device} on ${a.interface} (vblade)`,
    `After=network.target sys-subsystem-net-devices-${a.interface}.device`,
    '',
    '[Service]',
    `ExecStart=vblade ${a.shelf} ${a.slot} ${a.interface} ${a.device}`,
    'Restart=on-failure',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

function planTarget(a: Args, st: AoeState, fail: (m: string) => Plan): Plan {
  const steps: Step[] = [];
  const diff: FileDiff[] = [];
  const reasons: string[] = [];
  const unit = unitName(a);
  if ((a.state ?? 'present') === 'absent') {
    if (st.systemd && (st.active || st.enabled)) steps.push({ kind: 'exec', argv: ['systemctl', 'disable', '--now', '--quiet', unit] });
    if (!st.systemd && st.vbladed) return fail('runs under vbladed, which tsplay does not supervise without systemd: stop that vblade process by hand');
    const r = fileSteps(st, unitPath(a), undefined, steps, diff);
    if (typeof r === 'object') return fail(r.error);
    if (r) steps.push({ kind: 'exec', argv: ['systemctl', 'daemon-reload'] });
    return steps.length ? { steps, diff, reason: `${address(a)} no longer exported` } : { steps, reason: `${address(a)} is not exported here` };
  }
  if (!st.tool) return fail('vblade is not installed on the host (package vblade)');
  if (!st.deviceExists) return fail(`${a.device} does not exist`);
  if (st.operstate === '') return fail(`interface ${a.interface} does not exist`);
  if (st.operstate === 'down') return fail(`interface ${a.interface} is down: bring it up first (AoE has no IP layer to wait for)`);
  const warning = st.defaultDev === a.interface ? `; warning: ${a.interface} also carries the default route, and AoE has no authentication: anyone on that segment can read and write ${a.device}` : '';
  if (!st.systemd) {
    if (!st.vbladed) {
      // validate() made interface and device required for a present target.
      steps.push({ kind: 'exec', argv: ['vbladed', String(a.shelf), String(a.slot), a.interface!, a.device!] });
      reasons.push(`${address(a)} exported with vbladed (no systemd: it does not come back after a reboot)`);
    }
  } else {
    const r = fileSteps(st, unitPath(a), unitText(a), steps, diff);
    if (typeof r === 'object') return fail(r.error);
    if (r) steps.push({ kind: 'exec', argv: ['systemctl', 'daemon-reload'] });
    if (r && st.active) steps.push({ kind: 'exec', argv: ['systemctl', 'restart', unit] });
    if (!st.enabled || !st.active) steps.push({ kind: 'exec', argv: ['systemctl', 'enable', '--now', '--quiet', unit] });
    if (steps.length) reasons.push(`${address(a)} exported: ${a.device} on ${a.interface}`);
  }
  if (!steps.length) return { steps, reason: `${address(a)} is exported on ${a.interface}${warning}` };
  return { steps, diff, reason: reasons.join('; ') + warning };
}

function planInitiator(a: Args, st: AoeState, fail: (m: string) => Plan): Plan {
  const steps: Step[] = [];
  const diff: FileDiff[] = [];
  const reasons: string[] = [];
  const dev = etherd(a);
  const file = (path: string, content: string | undefined) => {
    const r = fileSteps(st, path, content, steps, diff);
    if (typeof r === 'object') throw new Error(r.error);
    return r;
  };
  try {
    if ((a.state ?? 'present') === 'absent') {
      if (a.mount && st.mountedFrom) steps.push({ kind: 'exec', argv: ['umount', a.mount] });
      if (a.mount) file(FSTAB, editFstab(st.files[FSTAB]!.text, a.mount, undefined));
      return steps.length ? { steps, diff, reason: `${dev} unmounted` } : { steps, reason: `${dev} is not mounted by tsplay here` };
    }
    if (!st.tool) return fail('aoe-discover is not installed on the host (package aoetools)');
    const iflist = (a.aoe_iflist ?? []).join(' ');
    // The driver and its interfaces, now and at boot (a file tsplay owns for each).
    file(MODPROBE, iflist ? `# Managed by tsplay (aoe initiator): the interfaces AoE may use.\noptions aoe aoe_iflist="${iflist}"\n` : undefined);
    file(MODULES_LOAD, '# Managed by tsplay (aoe initiator).\naoe\n');
    if (!st.loaded) {
      steps.push({ kind: 'exec', argv: ['modprobe', 'aoe', ...(iflist ? [`aoe_iflist=${iflist}`] : [])] });
      reasons.push('aoe driver loaded');
    } else if (iflist && st.iflist !== iflist) {
      steps.push({ kind: 'exec', argv: ['aoe-interfaces', ...(a.aoe_iflist ?? [])] });
      reasons.push(`aoe limited to ${iflist}`);
    }
    if (!st.present) {
      // Bounded: discovery is asked again each second until the device is there.
      steps.push({ kind: 'exec', argv: ['sh', '-c', 'i=0; until [ -b "$1" ]; do [ "$i" -ge "$2" ] && { echo "$1 was not discovered within $2 s: is the target exporting it on this segment?" >&2; exit 1; }; aoe-discover; sleep 1; i=$((i+1)); done', 'aoe', dev, String(a.timeout ?? 30)] });
      reasons.push(`${dev} discovered`);
    }
    if (a.fstype) {
      if (st.present && st.fs !== '' && st.fs !== a.fstype && !a.force) return fail(`${dev} holds a ${st.fs} filesystem, not ${a.fstype}: refusing to make a filesystem over its data (force: true to destroy it)`);
      if (!st.present || st.fs === '' || (st.fs !== a.fstype && a.force)) {
        // Decided on the host when the device was not there to look at: never over a signature.
        const guard = st.present ? (st.fs === '' ? '' : 'force') : 'check';
        steps.push({ kind: 'exec', argv: ['sh', '-c', '[ "$3" = check ] && blkid -p "$1" >/dev/null 2>&1 && exit 0; [ "$3" = force ] && wipefs -q -a "$1"; mkfs -t "$2" -q "$1"', 'aoe', dev, a.fstype, guard] });
        diff.push({ path: `filesystem ${dev}`, before: st.present ? `${st.fs || 'none'}\n` : '(not discovered yet)\n', after: st.present ? `${a.fstype}\n` : `${a.fstype}, made only if it has none\n` });
        reasons.push(st.present ? `mkfs -t ${a.fstype}` : `mkfs -t ${a.fstype} if it has no filesystem`);
      }
    }
    if (a.mount) {
      if (st.mountedFrom && !/\/etherd\//.test(st.mountedFrom) && !st.mountedFrom.includes(address(a))) return fail(`${a.mount} has another filesystem mounted (${st.mountedFrom})`);
      file(FSTAB, editFstab(st.files[FSTAB]!.text, a.mount, `${dev} ${a.mount} ${a.fstype} _netdev 0 0`));
      if (!st.mountedFrom) {
        steps.push({ kind: 'exec', argv: ['mkdir', '-p', a.mount] }, { kind: 'exec', argv: ['mount', '-t', a.fstype!, dev, a.mount] });
        reasons.push(`mounted at ${a.mount}`);
      }
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  if (!steps.length) return { steps, reason: `${dev} is ${a.mount ? `mounted at ${a.mount}` : 'discovered'}` };
  return { steps, diff, reason: reasons.join('; ') || 'files written' };
}

function plan(args: Args, st: AoeState, _facts: Facts): Plan {
  const fail = (m: string): Plan => ({ steps: [], failed: `aoe ${args.role} ${address(args)}: ${m}`, result: { role: args.role, address: address(args) } });
  const p = args.role === 'target' ? planTarget(args, st, fail) : planInitiator(args, st, fail);
  return { ...p, result: { role: args.role, address: address(args), ...(args.role === 'initiator' ? { device: etherd(args) } : {}) } };
}

export const aoe = defineModule({
  name: 'aoe',
  description:
    'ATA over Ethernet: role target exports a block device or file with vblade as a systemd unit tsplay owns; role initiator loads the aoe driver (aoe_iflist), discovers the device within a timeout, ' +
    'makes a filesystem only where there is none (unless force) and mounts it with an fstab line (_netdev). AoE is layer 2 only, not routable and unauthenticated: ' +
    'the switch\'s physical security is its security; never mount one filesystem from two clients. A warning when the export interface carries the default route.',
  schema,
  examples: `- name: Export the data volume
  aoe: { role: target, shelf: 1, slot: 0, interface: eth1, device: /dev/vg0/san }
- name: Use it
  aoe: { role: initiator, shelf: 1, slot: 0, aoe_iflist: [eth1], fstype: ext4, mount: /srv/san }`,
  validate: (args) => [
    ...(args.role === 'target' && (args.state ?? 'present') === 'present' ? (['interface', 'device'] as const).filter((k) => !args[k]).map((k) => ({ path: [k], message: `a target needs ${k}` })) : []),
    ...(args.role === 'initiator' && (args.state ?? 'present') === 'present' && args.mount && !args.fstype ? [{ path: ['fstype'], message: 'mount needs fstype (the filesystem made on the device once, and mounted)' }] : []),
  ],
  probe: (args) => probe(args),
  parse: (out, args) => parse(out, args),
  plan: (args, st: AoeState, facts) => plan(args, st, facts),
});

export default aoe;
