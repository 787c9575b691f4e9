/**
 * What the backend files of one interface say, worked out once for every backend: the task's
 * settings, completed from the predicted live state for what the task leaves alone (an
 * interface whose addresses the task does not set keeps, in its file, the addresses it has), so
 * a reboot brings back what the run left and nothing is reset behind the user's back. Each
 * backend (backends/*.ts) renders files from this and nothing else.
 */
import type { BondSettings, Desired, Live, LiveLink, Method, Route } from './model.js';

export interface Persisted {
  kind: Desired['kind'];
  name: string;
  method: Method;
  /** IPv4 and IPv6 addresses, CIDR. */
  addresses: string[];
  gateway?: string;
  dns: string[];
  routes: Route[];
  mtu?: number;
  members: string[];
  /** The bond's options as the files name them: the mode always, the others where they differ from the kernel's defaults. */
  bond?: Omit<BondSettings, 'slaves'> & { mode: string };
  vlan?: { id: number; link: string };
  bridge?: { stp: boolean; forward_delay?: number };
}

/** A member as the files see it: what kind of link it is (a VLAN port needs its id and parent). */
export interface MemberInfo {
  name: string;
  kind: string;
  vlan?: { id: number; link: string };
}

/** Options a bond gets from the kernel unless set; a file names only the others. */
const BOND_KERNEL_DEFAULTS: Record<string, unknown> = { miimon: 0, updelay: 0, downdelay: 0, xmit_hash_policy: 'layer2', lacp_rate: 'slow', arp_interval: 0 };

export function persisted(d: Desired, world: Live): Persisted {
  const l: LiveLink | undefined = world.links.get(d.name);
  // Unset, the method is what the interface has: a lease from a DHCP client, addresses, or none.
  const method: Method = d.method === 'dhcp' || (d.method === undefined && l?.dhcp) ? 'dhcp' : d.method === 'manual' ? 'manual' : (l?.addresses.length ?? 0) > 0 ? 'static' : d.method === 'static' ? 'static' : 'manual';
  const addresses = method === 'static' ? (l ? l.addresses : d.addresses) : [];
  const defaultRoute = world.routes.find((r) => r.to === 'default' && r.dev === d.name && r.via);
  const gateway = d.gateway ?? (method === 'static' ? defaultRoute?.via : undefined);
  const routes = method === 'manual' ? [] : [...(d.routes ?? [])];
  for (const r of world.routes) if (r.dev === d.name && r.via && r.to !== 'default' && !routes.some((x) => x.to === r.to)) routes.push({ to: r.to, via: r.via });
  const p: Persisted = { kind: d.kind, name: d.name, method, addresses, dns: d.dns ?? [], routes, members: d.bond?.slaves ?? d.bridge?.ports ?? [] };
  if (gateway) p.gateway = gateway;
  const mtu = d.mtu ?? (l && l.mtu !== 1500 ? l.mtu : undefined);
  if (mtu !== undefined) p.mtu = mtu;
  if (d.bond) {
    const b = d.bond;
    const lb = l?.bond;
    const pick = <K extends keyof typeof b>(k: K) => {
      // The kernel as the plan leaves it first: it has what the task set, and what setting it changed (ARP monitoring turns miimon off).
      const v = (lb?.[k as keyof typeof lb] as (typeof b)[K] | undefined) ?? b[k];
      if (v === undefined || (Array.isArray(v) && v.length === 0) || BOND_KERNEL_DEFAULTS[k] === v) return undefined;
      return v;
    };
    p.bond = {
      mode: lb?.mode ?? b.mode ?? 'balance-rr',
      miimon: pick('miimon'),
      primary: lb?.primary ?? b.primary,
      updelay: pick('updelay'),
      downdelay: pick('downdelay'),
      xmit_hash_policy: pick('xmit_hash_policy'),
      lacp_rate: pick('lacp_rate'),
      arp_interval: pick('arp_interval'),
      arp_ip_target: pick('arp_ip_target'),
    };
    for (const k of Object.keys(p.bond) as (keyof typeof p.bond)[]) if (p.bond[k] === undefined) delete p.bond[k];
  }
  if (d.vlan) p.vlan = { ...d.vlan };
  if (d.bridge) p.bridge = { stp: d.bridge.stp ?? l?.bridge?.stp ?? false, ...(d.bridge.forward_delay !== undefined ? { forward_delay: d.bridge.forward_delay } : l?.bridge && l.bridge.forward_delay !== 15 ? { forward_delay: l.bridge.forward_delay } : {}) };
  return p;
}

/** What the files need to know about each member, from the live state (check mode: as it is now). */
export function memberInfo(p: Persisted, world: Live): MemberInfo[] {
  return p.members.map((name) => {
    const l = world.links.get(name);
    const info: MemberInfo = { name, kind: l?.kind === '?' ? '' : (l?.kind ?? '') };
    if (l?.kind === 'vlan' && l.link && l.vlanId !== undefined) info.vlan = { id: l.vlanId, link: l.link };
    return info;
  });
}

export const family = (cidr: string): 4 | 6 => (cidr.includes(':') ? 6 : 4);

/** The first line of every file tsplay writes for an interface: how a later run knows it is its own. */
export function header(p: { kind: string; name: string }, comment = '#'): string {
  return `${comment} Managed by tsplay (${p.kind} ${p.name}): changes here are overwritten.\n`;
}

export const MANAGED = /^[#;] Managed by tsplay \(/;
