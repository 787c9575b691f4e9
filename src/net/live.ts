/**
 * The kernel's network state in one probe: `ip -d -j addr show` (every link with its kind,
 * master, details and addresses) and the main routing table of both families, each sent back
 * base64-encoded. Parsed into the Live model that plan.ts compares a task against. iproute2 is
 * the only source: /proc/net/bonding says the same things as `ip -d` in prose.
 */
import { base64Line, unbase64 } from '../core/probe.js';
import type { IpLink } from '../facts/network.js';
import { lines, type Shell, sh } from '../core/sh.js';
import { canonicalAddress, type Live, type LiveLink, type LiveRoute } from './model.js';

export function liveProbe(): Shell {
  return lines(
    base64Line('net.links', sh`ip -d -j addr show`),
    base64Line('net.routes4', sh`ip -j -4 route show table main`),
    base64Line('net.routes6', sh`ip -j -6 route show table main`),
  );
}

interface IpRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
  type?: string;
}

function json<T>(kv: Map<string, string>, key: string): T {
  const text = unbase64(kv.get(key) ?? '').trim();
  if (!text) throw new Error('the host has no iproute2 with JSON output (`ip -j`): install iproute2 4.14 or later');
  return JSON.parse(text) as T;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function linkOf(l: IpLink): LiveLink {
  const info = l.linkinfo ?? {};
  const d = info.info_data ?? {};
  const flags = l.flags ?? [];
  const link: LiveLink = {
    name: l.ifname,
    kind: info.info_kind ?? '',
    up: flags.includes('UP'),
    carrier: flags.includes('LOWER_UP'),
    mtu: l.mtu ?? 0,
    // Leases of a DHCP client (dynamic) are the client's to keep, not addresses to write down.
    addresses: (l.addr_info ?? [])
      .filter((a) => a.local && !a.dynamic && a.scope !== 'link' && a.scope !== 'host' && (a.family === 'inet' || a.family === 'inet6'))
      .map((a) => `${canonicalAddress(a.local!)}/${a.prefixlen}`),
  };
  if ((l.addr_info ?? []).some((a) => a.dynamic && a.family === 'inet')) link.dhcp = true;
  if (l.master) link.master = l.master;
  if (link.kind === 'vlan') {
    if (typeof l.link === 'string') link.link = l.link;
    link.vlanId = num(d.id);
  }
  if (link.kind === 'bridge') link.bridge = { stp: num(d.stp_state) !== 0, forward_delay: Math.round((num(d.forward_delay) ?? 1500) / 100) };
  if (link.kind === 'bond') {
    const targets = Array.isArray(d.arp_ip_target) ? d.arp_ip_target.map(String) : [];
    link.bond = {
      mode: str(d.mode),
      miimon: num(d.miimon),
      primary: str(d.primary),
      updelay: num(d.updelay),
      downdelay: num(d.downdelay),
      xmit_hash_policy: str(d.xmit_hash_policy),
      lacp_rate: str(d.ad_lacp_rate),
      arp_interval: num(d.arp_interval),
      arp_ip_target: targets,
      active_slave: str(d.active_slave),
    };
  }
  if (info.info_slave_kind === 'bond') {
    const s = info.info_slave_data ?? {};
    link.slave = { mii_status: str(s.mii_status), state: str(s.state) };
  }
  return link;
}

/** The Live model from the probe's key=value lines. */
export function parseLive(kv: Map<string, string>): Live {
  const links = new Map<string, LiveLink>();
  for (const l of json<IpLink[]>(kv, 'net.links')) links.set(l.ifname, linkOf(l));
  const routes: LiveRoute[] = [];
  for (const key of ['net.routes4', 'net.routes6']) {
    for (const r of json<IpRoute[]>(kv, key)) {
      if (!r.dst || (r.type !== undefined && r.type !== 'unicast')) continue;
      const route: LiveRoute = { to: r.dst === 'default' ? 'default' : r.dst.includes('/') ? canonicalCidr(r.dst) : `${canonicalAddress(r.dst)}/${r.dst.includes(':') ? 128 : 32}` };
      if (r.gateway) route.via = canonicalAddress(r.gateway);
      if (r.dev) route.dev = r.dev;
      routes.push(route);
    }
  }
  return { links, routes };
}

function canonicalCidr(c: string): string {
  const [a, b] = c.split('/');
  return `${canonicalAddress(a!)}/${b}`;
}
