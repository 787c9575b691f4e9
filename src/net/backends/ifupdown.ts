/**
 * Debian's ifupdown: one stanza file per interface in /etc/network/interfaces.d/, written with
 * the keywords of ifenslave (bond-slaves, bond-mode...), vlan (vlan-raw-device) and
 * bridge-utils (bridge_ports, bridge_stp). The file names sort bonds before VLANs before
 * bridges (each may sit on the one before) and use only the characters `source-directory`
 * accepts. /etc/network/interfaces itself is edited in two cases only: the one `source` line
 * that reads the folder, when it is missing, and, when `inherit_address_from` says so, the
 * stanza of the interface whose address moves, which is commented out with a mark
 * (`#tsplay(bond0)# `) that removing the bond takes off again. Any other stanza there
 * that configures a member would fight the bond or bridge at boot: it is reported.
 */
import { sh } from '../../core/sh.js';
import type { Desired } from '../model.js';
import { family, header, type Persisted } from '../persist.js';
import type { BackendDef, BackendInput, FileWant } from './types.js';

export const INTERFACES = '/etc/network/interfaces';
const DIR = '/etc/network/interfaces.d';
const WEIGHT = { bond: 10, vlan: 20, bridge: 30 } as const;

export function stanzaPath(d: Pick<Desired, 'kind' | 'name'>): string {
  return `${DIR}/${WEIGHT[d.kind]}-tsplay-${d.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** A command line in a stanza (ifupdown runs it with /bin/sh): every word quoted by sh``. */
const cmd = (argv: (string | number)[]) => sh`${argv}`.text;

const SOURCES = /^\s*(source\s+(\/etc\/network\/)?interfaces\.d\/\*|source-directory\s+(\/etc\/network\/)?interfaces\.d\/?)\s*$/;

function stanza(p: Persisted): string {
  const v4 = p.addresses.filter((a) => family(a) === 4);
  const v6 = p.addresses.filter((a) => family(a) === 6);
  const method = p.method === 'dhcp' ? 'dhcp' : p.method === 'static' && v4.length ? 'static' : 'manual';
  const out = [header(p).trimEnd(), `auto ${p.name}`, `iface ${p.name} inet ${method}`];
  const opt = (k: string, v: string | number) => out.push(`\t${k} ${v}`);
  for (const a of v4) opt('address', a);
  if (p.gateway && family(p.gateway) === 4) opt('gateway', p.gateway);
  if (p.dns.length) opt('dns-nameservers', p.dns.join(' '));
  if (p.mtu !== undefined) opt('mtu', p.mtu);
  if (p.bond) {
    const b = p.bond;
    opt('bond-slaves', p.members.join(' ') || 'none');
    opt('bond-mode', b.mode);
    if (b.miimon !== undefined) opt('bond-miimon', b.miimon);
    if (b.primary) opt('bond-primary', b.primary);
    if (b.updelay !== undefined) opt('bond-updelay', b.updelay);
    if (b.downdelay !== undefined) opt('bond-downdelay', b.downdelay);
    if (b.xmit_hash_policy) opt('bond-xmit-hash-policy', b.xmit_hash_policy);
    if (b.lacp_rate) opt('bond-lacp-rate', b.lacp_rate);
    if (b.arp_interval !== undefined) opt('bond-arp-interval', b.arp_interval);
    if (b.arp_ip_target?.length) opt('bond-arp-ip-target', b.arp_ip_target.join(' '));
  }
  if (p.vlan) {
    opt('vlan-raw-device', p.vlan.link);
    // ifupdown and the vlan package find the id in names like eth0.5 and vlan5; others are made here.
    if (p.name !== `${p.vlan.link}.${p.vlan.id}` && p.name !== `vlan${p.vlan.id}`) {
      opt('pre-up', cmd(['ip', 'link', 'add', 'link', p.vlan.link, 'name', p.name, 'type', 'vlan', 'id', p.vlan.id]));
      opt('post-down', cmd(['ip', 'link', 'del', p.name]));
    }
  }
  if (p.bridge) {
    opt('bridge_ports', p.members.join(' ') || 'none');
    opt('bridge_stp', p.bridge.stp ? 'on' : 'off');
    if (p.bridge.forward_delay !== undefined) opt('bridge_fd', p.bridge.forward_delay);
  }
  for (const r of p.routes) {
    const six = family(r.via) === 6 ? ['-6'] : [];
    opt('up', cmd(['ip', ...six, 'route', 'replace', r.to, 'via', r.via, 'dev', p.name]));
  }
  if (v6.length) {
    out.push(`iface ${p.name} inet6 static`);
    for (const a of v6) opt('address', a);
    if (p.gateway && family(p.gateway) === 6) opt('gateway', p.gateway);
  }
  return out.join('\n') + '\n';
}

interface Stanza {
  iface: string;
  method: string;
  /** Line indexes (0-based) of the stanza and of its `auto`/`allow-*` lines. */
  lines: number[];
  line: number;
}

/** The `iface` stanzas of /etc/network/interfaces, with the lines that belong to each. */
function stanzas(text: string): Stanza[] {
  const rows = text.split('\n');
  const out: Stanza[] = [];
  let cur: Stanza | undefined;
  rows.forEach((row, i) => {
    const t = row.trim();
    const m = /^iface\s+(\S+)\s+inet6?\s+(\S+)/.exec(t);
    if (m) {
      cur = { iface: m[1]!, method: m[2]!, lines: [i], line: i + 1 };
      out.push(cur);
    } else if (/^(auto|allow-\S+|mapping|source|source-directory|iface)\b/.test(t)) cur = undefined;
    else if (cur && t !== '' && !t.startsWith('#')) cur.lines.push(i);
  });
  rows.forEach((row, i) => {
    const m = /^\s*(auto|allow-\S+)\s+(.*)$/.exec(row);
    if (!m) return;
    const names = m[2]!.trim().split(/\s+/);
    for (const s of out) if (names.includes(s.iface) && names.length === 1) s.lines.push(i);
  });
  return out;
}

function files(input: BackendInput): FileWant[] | { error: string } {
  const { d, p } = input;
  const own: FileWant = d.state === 'absent' ? { path: stanzaPath(d) } : { path: stanzaPath(d), content: stanza(p), mode: '0644' };
  const out: FileWant[] = [own];
  const text = input.have(INTERFACES);
  const mark = `#tsplay(${d.name})# `;
  if (d.state === 'absent') {
    // A stanza this interface took over (inherit_address_from) is given back as it was.
    if (text?.includes(mark)) out.push({ path: INTERFACES, content: text.split('\n').map((r) => (r.startsWith(mark) ? r.slice(mark.length) : r)).join('\n'), mode: '0644' });
    return out;
  }
  let edited = text ?? '';
  const rows = edited.split('\n');
  const comment = new Set<number>();
  for (const s of stanzas(edited)) {
    const member = p.members.includes(s.iface) || s.iface === d.name;
    if (!member || s.method === 'manual') continue;
    if (s.iface === d.inheritFrom || s.iface === d.name) {
      for (const i of s.lines) comment.add(i);
      continue;
    }
    return { error: `${INTERFACES} line ${s.line} configures ${s.iface} (inet ${s.method}), which would fight ${d.name} at boot: remove that stanza${d.kind === 'bond' ? `, or set inherit_address_from: ${s.iface} to move its address onto ${d.name}` : ''}` };
  }
  if (comment.size) edited = rows.map((r, i) => (comment.has(i) && !r.trimStart().startsWith('#') ? `${mark}${r}` : r)).join('\n');
  if (!edited.split('\n').some((r) => SOURCES.test(r))) edited = `${edited}${edited === '' || edited.endsWith('\n') ? '' : '\n'}source ${DIR}/*\n`;
  if (edited !== (text ?? '')) out.push({ path: INTERFACES, content: edited, mode: '0644' });
  return out;
}

export const ifupdown: BackendDef = {
  paths: (d) => [stanzaPath(d), INTERFACES],
  files,
};
