/**
 * systemd-networkd: a .netdev and a .network file per interface in /etc/systemd/network/
 * (20-tsplay-NAME.*), and one .network per member (10-tsplay-MEMBER.network, `Bond=` or
 * `Bridge=`), named to sort first: networkd gives a link the first .network file that matches
 * it, and a member's only job is to be enslaved. A VLAN is attached to its parent by a drop-in
 * (`VLAN=`) next to whichever file configures the parent, so the parent keeps its own settings;
 * a parent no file matches gets a plain one. `networkctl reload` makes networkd read the files.
 */
import type { Desired } from '../model.js';
import { family, header, type Persisted } from '../persist.js';
import type { BackendDef, BackendInput, FileWant } from './types.js';
import { fnmatch } from '../../core/fnmatch.js';

const DIR = '/etc/systemd/network';
/** Where networkd reads .network files from, /etc first (a name there hides the same name elsewhere). */
export const NETWORK_DIRS = ['/etc/systemd/network', '/run/systemd/network', '/usr/local/lib/systemd/network', '/usr/lib/systemd/network', '/lib/systemd/network'];

const own = (name: string, ext: 'netdev' | 'network') => `${DIR}/20-tsplay-${name}.${ext}`;
const memberFile = (name: string) => `${DIR}/10-tsplay-${name}.network`;
const vlanDropin = (name: string) => `20-tsplay-vlan-${name}.conf`;

function section(title: string, entries: [string, string | number | undefined][]): string {
  const body = entries.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${v}`);
  return body.length ? `\n[${title}]\n${body.join('\n')}\n` : '';
}

const ms = (v: number | undefined) => (v === undefined ? undefined : `${v}ms`);

function netdev(p: Persisted): string {
  // The MTU goes here too: a VLAN that is a bridge port is matched first by its port file.
  let text = header(p) + section('NetDev', [['Name', p.name], ['Kind', p.kind], ['MTUBytes', p.mtu]]);
  if (p.bond) {
    const b = p.bond;
    text += section('Bond', [
      ['Mode', b.mode],
      ['MIIMonitorSec', ms(b.miimon)],
      ['UpDelaySec', ms(b.updelay)],
      ['DownDelaySec', ms(b.downdelay)],
      ['TransmitHashPolicy', b.xmit_hash_policy],
      ['LACPTransmitRate', b.lacp_rate],
      ['ARPIntervalSec', ms(b.arp_interval)],
      ['ARPIPTargets', b.arp_ip_target?.join(' ')],
    ]);
  }
  if (p.vlan) text += section('VLAN', [['Id', p.vlan.id]]);
  if (p.bridge) text += section('Bridge', [['STP', p.bridge.stp ? 'yes' : 'no'], ['ForwardDelaySec', p.bridge.forward_delay]]);
  return text;
}

function network(p: Persisted): string {
  const entries: [string, string | number | undefined][] = [];
  if (p.method === 'dhcp') entries.push(['DHCP', 'ipv4']);
  if (p.method === 'manual') entries.push(['LinkLocalAddressing', 'no']);
  // A bridge without ports, or a bond whose slaves are down, still gets its addresses.
  entries.push(['ConfigureWithoutCarrier', 'yes']);
  for (const a of p.addresses) entries.push(['Address', a]);
  if (p.gateway) entries.push(['Gateway', p.gateway]);
  for (const s of p.dns) entries.push(['DNS', s]);
  let text = header(p) + section('Match', [['Name', p.name]]);
  text += section('Link', [['MTUBytes', p.mtu], ['RequiredForOnline', p.method === 'manual' ? 'no' : undefined]]);
  text += section('Network', entries);
  for (const r of p.routes) text += section('Route', [['Destination', r.to === 'default' ? (family(r.via) === 6 ? '::/0' : '0.0.0.0/0') : r.to], ['Gateway', r.via]]);
  return text;
}

function member(p: Persisted, name: string): string {
  const key = p.kind === 'bond' ? 'Bond' : 'Bridge';
  return header(p) + section('Match', [['Name', name]]) + section('Network', [[key, p.name], ['PrimarySlave', p.bond?.primary === name ? 'yes' : undefined], ['LinkLocalAddressing', 'no']]);
}

/** Whether a file's Name= globs match an interface (`!` before the list inverts it). */
function matches(names: string[], iface: string): boolean {
  if (!names.length) return false;
  const invert = names[0]!.startsWith('!');
  const globs = names.map((n, i) => (i === 0 && invert ? n.slice(1) : n)).filter((n) => n !== '');
  const hit = globs.some((g) => fnmatch(g, iface));
  return invert ? !hit : hit;
}

function files(input: BackendInput): FileWant[] | { error: string } {
  const { d, p } = input;
  const present = d.state === 'present';
  const out: FileWant[] = [
    { path: own(d.name, 'netdev'), ...(present ? { content: netdev(p), mode: '0644' } : {}) },
    { path: own(d.name, 'network'), ...(present ? { content: network(p), mode: '0644' } : {}) },
  ];
  if (d.kind !== 'vlan') {
    const head = header(p);
    for (const m of present ? p.members : []) out.push({ path: memberFile(m), content: member(p, m), mode: '0644' });
    // Member files of this interface for members it no longer has.
    for (const path of input.found) if (!out.some((o) => o.path === path) && input.have(path)?.startsWith(head)) out.push({ path });
    return out;
  }
  // The VLAN's drop-in goes next to the file that configures its parent now.
  const link = d.vlan!.link;
  const parentFile = input.networkFiles.find((f) => matches(f.names, link) && !(f.path === own(d.name, 'network')));
  const base = parentFile ? parentFile.path.slice(parentFile.path.lastIndexOf('/') + 1) : `20-tsplay-${link}.network`;
  const dropin = `${DIR}/${base}.d/${vlanDropin(d.name)}`;
  const parentOwn = own(link, 'network');
  const mine = input.found.filter((path) => path.endsWith(`/${vlanDropin(d.name)}`));
  const siblings = input.found.filter((path) => path.startsWith(`${parentOwn}.d/`) && !mine.includes(path));
  if (present) {
    if (!parentFile) out.push({ path: parentOwn, content: parentNetwork(link), mode: '0644' });
    out.push({ path: dropin, content: header(p) + section('Network', [['VLAN', d.name]]).slice(1), mode: '0644' });
  }
  // Drop-ins of this VLAN beside files that no longer configure the parent.
  for (const path of mine) if (path !== dropin || !present) out.push({ path });
  // The plain file tsplay gave a parent goes with the last VLAN on it.
  if (!present && !siblings.length && input.have(parentOwn) === parentNetwork(link)) out.push({ path: parentOwn });
  return out;
}

/** The .network file of a VLAN parent that no other file configures: up, no address, its VLANs in drop-ins. */
function parentNetwork(link: string): string {
  return header({ kind: 'parent of VLANs', name: link }) + section('Match', [['Name', link]]) + section('Network', [['LinkLocalAddressing', 'no'], ['ConfigureWithoutCarrier', 'yes']]);
}

export const networkd: BackendDef = {
  paths: (d: Desired) => [own(d.name, 'netdev'), own(d.name, 'network'), ...(d.kind === 'vlan' ? [own(d.vlan!.link, 'network')] : [...(d.bond?.slaves ?? d.bridge?.ports ?? []).map(memberFile)])],
  globs: (d: Desired) =>
    d.kind === 'vlan'
      ? [
          { dir: DIR, prefix: '', suffix: `.network.d/${vlanDropin(d.name)}` },
          // Other VLANs' drop-ins beside the parent file tsplay wrote: it stays while they do.
          { dir: `${own(d.vlan!.link, 'network')}.d`, prefix: '20-tsplay-vlan-', suffix: '.conf' },
        ]
      : [{ dir: DIR, prefix: '10-tsplay-', suffix: '.network' }],
  files,
  activate: () => [{ kind: 'exec', argv: ['networkctl', 'reload'] }],
};
