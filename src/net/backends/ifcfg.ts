/**
 * Red Hat network-scripts: /etc/sysconfig/network-scripts/ifcfg-NAME, in the form of the
 * bonding article tsplay's recipes come from: the bond carries the address (DEVICE, IPADDR,
 * NETMASK, GATEWAY, BOOTPROTO, ONBOOT, and BONDING_OPTS for the driver options), each slave says
 * MASTER= and SLAVE=yes and keeps its HWADDR (and, in a comment, the whole file it replaced, put
 * back when the master lets it go); static routes go to route-NAME; a bridge is TYPE=Bridge with its ports saying
 * BRIDGE=; a VLAN is VLAN=yes with PHYSDEV. A bond also gets /etc/modprobe.d/tsplay-NAME.conf
 * (`alias NAME bonding`), the driver alias the article adds to modprobe.conf.
 */
import { sh } from '../../core/sh.js';
import { type Desired, prefixNetmask } from '../model.js';
import { family, header, MANAGED, type MemberInfo, type Persisted } from '../persist.js';
import { keptLines, setKeys } from './keys.js';
import type { BackendDef, BackendInput, FileWant } from './types.js';

const DIR = '/etc/sysconfig/network-scripts';
const file = (name: string) => `${DIR}/ifcfg-${name}`;
const modprobe = (name: string) => `/etc/modprobe.d/tsplay-${name}.conf`;
/** The lines a master puts in a member's file. */
const MEMBER_KEYS = ['MASTER', 'SLAVE', 'BRIDGE'];

/** ifcfg files are shell assignments (initscripts source them): every value is quoted by sh``. */
const val = (v: string | number) => sh`${v}`.text;

function own(p: Persisted, kept: string[]): string {
  const rows: string[] = [`DEVICE=${val(p.name)}`];
  const kv = (k: string, v: string | number | undefined) => v !== undefined && rows.push(`${k}=${val(v)}`);
  if (p.bond) {
    kv('TYPE', 'Bond');
    kv('BONDING_MASTER', 'yes');
    const b = p.bond;
    const opts = [`mode=${b.mode}`];
    for (const [k, v] of [['miimon', b.miimon], ['primary', b.primary], ['updelay', b.updelay], ['downdelay', b.downdelay], ['xmit_hash_policy', b.xmit_hash_policy], ['lacp_rate', b.lacp_rate], ['arp_interval', b.arp_interval]] as const) if (v !== undefined) opts.push(`${k}=${v}`);
    if (b.arp_ip_target?.length) opts.push(`arp_ip_target=${b.arp_ip_target.join(',')}`);
    kv('BONDING_OPTS', opts.join(' '));
  }
  if (p.bridge) {
    kv('TYPE', 'Bridge');
    kv('STP', p.bridge.stp ? 'on' : 'off');
    kv('DELAY', p.bridge.forward_delay);
  }
  if (p.vlan) {
    kv('VLAN', 'yes');
    kv('PHYSDEV', p.vlan.link);
    kv('VLAN_ID', p.vlan.id);
  }
  kv('BOOTPROTO', p.method === 'dhcp' ? 'dhcp' : p.method === 'static' ? 'static' : 'none');
  const v4 = p.addresses.filter((a) => family(a) === 4);
  v4.forEach((a, i) => {
    const [addr, bits] = a.split('/');
    kv(i === 0 ? 'IPADDR' : `IPADDR${i}`, addr!);
    kv(i === 0 ? 'NETMASK' : `NETMASK${i}`, prefixNetmask(Number(bits)));
  });
  if (p.gateway && family(p.gateway) === 4) kv('GATEWAY', p.gateway);
  const v6 = p.addresses.filter((a) => family(a) === 6);
  if (v6.length) {
    kv('IPV6INIT', 'yes');
    kv('IPV6ADDR', v6[0]);
    if (v6.length > 1) kv('IPV6ADDR_SECONDARIES', v6.slice(1).join(' '));
    if (p.gateway && family(p.gateway) === 6) kv('IPV6_DEFAULTGW', p.gateway);
  }
  p.dns.forEach((s, i) => kv(`DNS${i + 1}`, s));
  kv('MTU', p.mtu);
  kv('ONBOOT', 'yes');
  return header(p) + [...rows, ...kept].join('\n') + '\n';
}

/** The line of a member file that keeps the file it replaced, put back when the master lets the member go. */
const ORIGINAL = '# tsplay: the file before, put back when released: ';

/** A member's whole file, for one tsplay does not manage yet (its HWADDR kept, as the article does). */
function memberFile(p: Persisted, m: MemberInfo, old: string | undefined): string {
  const hw = old?.split('\n').find((l) => /^HWADDR=/.test(l));
  // The file it replaces, kept once: a file of tsplay's own already carries it (or had none).
  const carried = old?.split('\n').find((l) => l.startsWith(ORIGINAL));
  const before = old === undefined ? '' : MANAGED.test(old) ? (carried ? `${carried}\n` : '') : `${ORIGINAL}${Buffer.from(old).toString('base64')}\n`;
  const rows = [`DEVICE=${val(m.name)}`];
  if (hw) rows.push(hw);
  if (m.vlan) rows.push('VLAN=yes', `PHYSDEV=${val(m.vlan.link)}`, `VLAN_ID=${m.vlan.id}`);
  rows.push('USERCTL=no', 'ONBOOT=yes');
  if (p.kind === 'bond') rows.push(`MASTER=${val(p.name)}`, 'SLAVE=yes');
  else rows.push(`BRIDGE=${val(p.name)}`);
  rows.push('BOOTPROTO=none');
  return header(p) + before + rows.join('\n') + '\n';
}

/** A member file as it is once released: the file it replaced, or none (or, not tsplay's own, without the master's lines). */
function released(p: Persisted, path: string, text: string): FileWant {
  const kept = text.split('\n').find((l) => l.startsWith(ORIGINAL));
  if (kept) return { path, content: Buffer.from(kept.slice(ORIGINAL.length), 'base64').toString('utf8'), mode: '0644' };
  return text.startsWith(header(p)) ? { path } : { path, content: setKeys(text, memberKeys(p, false)), mode: '0644' };
}

/** Static routes as initscripts' ifup-routes reads them: `route-NAME`, one `ip route` argument list a line. */
function routeFiles(p: Persisted, present: boolean, have: (path: string) => string | undefined): FileWant[] {
  const out: FileWant[] = [];
  for (const [fam, path] of [[4, `${DIR}/route-${p.name}`], [6, `${DIR}/route6-${p.name}`]] as const) {
    const routes = present ? p.routes.filter((r) => family(r.via) === fam) : [];
    if (routes.length) out.push({ path, content: header(p) + routes.map((r) => `${r.to} via ${r.via} dev ${p.name}\n`).join(''), mode: '0644' });
    else if (have(path) !== undefined && MANAGED.test(have(path)!)) out.push({ path });
  }
  return out;
}

function memberKeys(p: Persisted, on: boolean): Record<string, string | undefined> {
  if (p.kind === 'bond') return { MASTER: on ? val(p.name) : undefined, SLAVE: on ? 'yes' : undefined };
  return { BRIDGE: on ? val(p.name) : undefined };
}

/** The master a member file names (MASTER= or BRIDGE=). */
function masterOf(text: string): string | undefined {
  return /^(?:MASTER|BRIDGE)=['"]?([^'"\s]+)['"]?$/m.exec(text)?.[1];
}

function files(input: BackendInput): FileWant[] | { error: string } {
  const { d, p } = input;
  const present = d.state === 'present';
  const out: FileWant[] = [];
  const ownPath = file(d.name);
  out.push(present ? { path: ownPath, content: own(p, keptLines(input.have(ownPath), MEMBER_KEYS)), mode: '0644' } : { path: ownPath });
  if (d.kind === 'bond') out.push(present ? { path: modprobe(d.name), content: header(p) + `alias ${d.name} bonding\n`, mode: '0644' } : { path: modprobe(d.name) });
  const head = header(p);
  for (const m of present ? input.members : []) {
    const path = file(m.name);
    const old = input.have(path);
    if (old !== undefined && MANAGED.test(old) && !old.startsWith(head)) out.push({ path, content: setKeys(old, memberKeys(p, true), /^BOOTPROTO=/), mode: '0644' });
    else out.push({ path, content: memberFile(p, m, old), mode: '0644' });
  }
  // Files that name this interface as their master, for members it no longer has.
  for (const path of input.found) {
    if (out.some((o) => o.path === path)) continue;
    const text = input.have(path);
    if (text === undefined || !MANAGED.test(text) || masterOf(text) !== d.name) continue;
    out.push(released(p, path, text));
  }
  out.push(...routeFiles(p, present, input.have));
  return out;
}

export const ifcfg: BackendDef = {
  paths: (d: Desired) => [file(d.name), ...(d.kind === 'bond' ? [modprobe(d.name)] : []), ...(d.bond?.slaves ?? d.bridge?.ports ?? []).map(file), `${DIR}/route-${d.name}`, `${DIR}/route6-${d.name}`],
  globs: (d: Desired) => (d.kind === 'vlan' ? [] : [{ dir: DIR, prefix: 'ifcfg-', suffix: '' }]),
  files,
};
