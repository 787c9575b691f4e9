/**
 * NetworkManager (RHEL 9, current Fedora): a keyfile per interface in
 * /etc/NetworkManager/system-connections/ (mode 0600, as NM requires), `tsplay-NAME`, with a
 * uuid derived from the name so a rewrite is the same profile; a member without a tsplay profile
 * gets a port profile (`tsplay-MASTER-port-MEMBER`), one with a profile (a VLAN that is a bridge
 * port) gets `master=`/`slave-type=` lines in it. `nmcli connection reload` and `up` then make
 * the change live: NM owns the devices of its profiles, so tsplay's iproute2 commands would
 * fight it and are not run.
 */
import { createHash } from 'node:crypto';
import type { ExecStep } from '../../core/module.js';
import type { Desired } from '../model.js';
import { family, header, MANAGED, type MemberInfo, type Persisted } from '../persist.js';
import { keptLines, setKeys } from './keys.js';
import type { BackendDef, BackendInput, FileWant } from './types.js';

const DIR = '/etc/NetworkManager/system-connections';
const id = (name: string) => `tsplay-${name}`;
const file = (name: string) => `${DIR}/${id(name)}.nmconnection`;
const portId = (master: string, m: string) => `tsplay-${master}-port-${m}`;
const MEMBER_KEYS = ['master', 'slave-type'];

/** A stable uuid (version 5 layout) for a profile name. */
export function profileUuid(name: string): string {
  const h = createHash('sha1').update(`tsplay-nm:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function section(title: string, entries: [string, string | number | undefined][]): string {
  const body = entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  return `\n[${title}]\n${body.join('\n')}\n`;
}

function ipSections(p: Persisted): string {
  const v4 = p.addresses.filter((a) => family(a) === 4);
  const v6 = p.addresses.filter((a) => family(a) === 6);
  const gw = (f: 4 | 6) => (p.gateway && family(p.gateway) === f ? p.gateway : undefined);
  const dns = (f: 4 | 6) => {
    const s = p.dns.filter((x) => family(x) === f);
    return s.length ? s.map((x) => `${x};`).join('') : undefined;
  };
  const routes = (f: 4 | 6) => p.routes.filter((r) => family(r.via) === f).map((r, i): [string, string] => [`route${i + 1}`, `${r.to === 'default' ? (f === 4 ? '0.0.0.0/0' : '::/0') : r.to},${r.via}`]);
  const v4method = p.method === 'dhcp' ? 'auto' : v4.length ? 'manual' : 'disabled';
  const v6method = v6.length ? 'manual' : p.method === 'dhcp' ? 'auto' : 'ignore';
  return (
    section('ipv4', [['method', v4method], ...v4.map((a, i): [string, string] => [`address${i + 1}`, a]), ['gateway', gw(4)], ['dns', dns(4)], ...routes(4)]) +
    section('ipv6', [['method', v6method], ...v6.map((a, i): [string, string] => [`address${i + 1}`, a]), ['gateway', gw(6)], ['dns', dns(6)], ...routes(6)])
  );
}

function own(p: Persisted, kept: string[]): string {
  let text = header(p) + section('connection', [['id', id(p.name)], ['uuid', profileUuid(p.name)], ['type', p.kind], ['interface-name', p.name], ['autoconnect-slaves', p.kind === 'vlan' ? undefined : 1]]);
  if (kept.length) text = text.replace(/\n$/, `\n${kept.join('\n')}\n`);
  if (p.bond) {
    const b = p.bond;
    text += section('bond', [
      ['mode', b.mode],
      ['miimon', b.miimon],
      ['primary', b.primary],
      ['updelay', b.updelay],
      ['downdelay', b.downdelay],
      ['xmit_hash_policy', b.xmit_hash_policy],
      ['lacp_rate', b.lacp_rate],
      ['arp_interval', b.arp_interval],
      ['arp_ip_target', b.arp_ip_target?.join(',')],
    ]);
  }
  if (p.vlan) text += section('vlan', [['id', p.vlan.id], ['parent', p.vlan.link]]);
  if (p.bridge) text += section('bridge', [['stp', p.bridge.stp ? 'true' : 'false'], ['forward-delay', p.bridge.forward_delay]]);
  // The wired setting carries the MTU of bonds, bridges and VLANs alike.
  if (p.mtu !== undefined) text += section('ethernet', [['mtu', p.mtu]]);
  return text + ipSections(p);
}

function portFile(p: Persisted, m: MemberInfo): string {
  const type = m.vlan ? 'vlan' : 'ethernet';
  let text = header(p) + section('connection', [['id', portId(p.name, m.name)], ['uuid', profileUuid(`${p.name}/${m.name}`)], ['type', type], ['interface-name', m.name], ['master', p.name], ['slave-type', p.kind]]);
  if (m.vlan) text += section('vlan', [['id', m.vlan.id], ['parent', m.vlan.link]]);
  return text;
}

function files(input: BackendInput): FileWant[] | { error: string } {
  const { d, p } = input;
  const present = d.state === 'present';
  const ownPath = file(d.name);
  const out: FileWant[] = [present ? { path: ownPath, content: own(p, keptLines(input.have(ownPath), MEMBER_KEYS)), mode: '0600' } : { path: ownPath }];
  const head = header(p);
  for (const m of present ? input.members : []) {
    const profile = input.have(file(m.name));
    if (profile !== undefined && MANAGED.test(profile)) out.push({ path: file(m.name), content: setKeys(profile, { master: p.name, 'slave-type': p.kind }, /^interface-name=/), mode: '0600' });
    else out.push({ path: `${DIR}/${portId(d.name, m.name)}.nmconnection`, content: portFile(p, m), mode: '0600' });
  }
  for (const path of input.found) {
    if (out.some((o) => o.path === path)) continue;
    const text = input.have(path);
    if (text === undefined || !MANAGED.test(text) || /^master=(\S+)$/m.exec(text)?.[1] !== d.name) continue;
    out.push(text.startsWith(head) ? { path } : { path, content: setKeys(text, { master: undefined, 'slave-type': undefined }), mode: '0600' });
  }
  return out;
}

/** Waits up to 60 s for NetworkManager to activate a profile ($1) by itself. */
const WAIT_ACTIVE =
  'n=0; while [ $n -lt 300 ]; do s=$(nmcli -g GENERAL.STATE connection show id "$1" 2>/dev/null); [ "$s" = activated ] && exit 0; sleep 0.2; n=$((n+1)); done; echo "NetworkManager did not activate $1 within 60 s (state: ${s:-inactive})" >&2; exit 1';

export const networkmanager: BackendDef = {
  paths: (d: Desired) => [file(d.name), ...(d.bond?.slaves ?? d.bridge?.ports ?? []).flatMap((m) => [file(m), `${DIR}/${portId(d.name, m)}.nmconnection`])],
  globs: (d: Desired) => (d.kind === 'vlan' ? [] : [{ dir: DIR, prefix: 'tsplay-', suffix: '.nmconnection' }]),
  files,
  activate(d: Desired, fresh: boolean): ExecStep[] {
    const reload: ExecStep = { kind: 'exec', argv: ['nmcli', 'connection', 'reload'] };
    if (d.state === 'absent') return [reload];
    // A new profile is activated by NetworkManager itself once loaded (autoconnect): an
    // activation on top races it ("Could not create a software link"), and what hangs on it
    // (VLANs, ports) fails halfway. So a new one is waited for; a changed one is activated
    // again, which is how NetworkManager applies a changed profile.
    const up: ExecStep = fresh
      ? { kind: 'exec', argv: ['sh', '-c', WAIT_ACTIVE, 'sh', id(d.name)] }
      : { kind: 'exec', argv: ['nmcli', 'connection', 'up', 'id', id(d.name)] };
    return [reload, up];
  },
  ownsLive: true,
};
