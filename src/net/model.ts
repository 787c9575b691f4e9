/**
 * The network layer's data: what a bond, vlan or bridge task asks for (Desired), and what the
 * kernel has (Live, read by live.ts). Both speak the kernel's vocabulary (mode names, stp on or
 * off, forward delay in seconds), so plan.ts compares like with like and every backend renders
 * from one Desired. A Desired field that is undefined is an option the user did not set: it is
 * left as the host has it, never reset to a default (community.general's nmcli changed a bond's
 * mode when another option changed, and cut hosts off).
 */

export type Kind = 'bond' | 'vlan' | 'bridge';
export type Method = 'static' | 'dhcp' | 'manual';

export interface Route {
  to: string;
  via: string;
}

export interface BondSettings {
  slaves: string[];
  mode?: string;
  /** Unset: as it is (100 for a new bond, unless ARP monitoring replaces it). */
  miimon?: number;
  primary?: string;
  updelay?: number;
  downdelay?: number;
  xmit_hash_policy?: string;
  lacp_rate?: string;
  arp_interval?: number;
  arp_ip_target?: string[];
}

export interface VlanSettings {
  id: number;
  link: string;
}

export interface BridgeSettings {
  /** Unset: the ports it has (settle() in plan.ts). */
  ports?: string[];
  /** Unset: as it is (off for a new bridge). */
  stp?: boolean;
  /** Seconds. */
  forward_delay?: number;
}

/** One interface as a task wants it. */
export interface Desired {
  kind: Kind;
  name: string;
  state: 'present' | 'absent';
  mtu?: number;
  /** Undefined: addresses are left as they are live; the files say `manual`. */
  method?: Method;
  /** CIDR, in the form the kernel prints (`192.0.2.5/24`). */
  addresses: string[];
  gateway?: string;
  dns?: string[];
  routes?: Route[];
  /** An interface whose addresses and default route move onto this one. */
  inheritFrom?: string;
  bond?: BondSettings;
  vlan?: VlanSettings;
  bridge?: BridgeSettings;
}

/** One link as the kernel has it. */
export interface LiveLink {
  name: string;
  /** iproute2's info_kind (bond, vlan, bridge, veth, dummy...); '' for a physical NIC. */
  kind: string;
  up: boolean;
  /** The carrier is there (LOWER_UP). */
  carrier: boolean;
  mtu: number;
  master?: string;
  /** Global addresses as CIDR; link-local ones are the kernel's, leases the DHCP client's: both left out. */
  addresses: string[];
  /** It holds an IPv4 lease of a DHCP client. */
  dhcp?: boolean;
  /** A VLAN's parent, or undefined. */
  link?: string;
  vlanId?: number;
  bond?: Omit<BondSettings, 'slaves'> & { active_slave?: string };
  /** A bond slave's MII status (up/down) and its role (ACTIVE/BACKUP). */
  slave?: { mii_status?: string; state?: string };
  bridge?: { stp: boolean; forward_delay: number };
}

export interface LiveRoute {
  /** `default` or a CIDR. */
  to: string;
  via?: string;
  dev?: string;
}

export interface Live {
  links: Map<string, LiveLink>;
  routes: LiveRoute[];
}

/** Bond modes: the kernel's names, and the numbers that mean them (`mode=1`). */
export const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;

export function bondModeName(mode: string | number): string {
  const s = String(mode);
  return /^[0-6]$/.test(s) ? BOND_MODES[Number(s)]! : s;
}

/** Kinds tsplay may delete and create again when the kernel cannot change one in place. */
export const VIRTUAL_KINDS = new Set(['bond', 'vlan', 'bridge', 'dummy']);

/** The members a Desired interface enslaves (a bond's slaves, a bridge's ports). */
export function members(d: Desired): string[] {
  return d.bond?.slaves ?? d.bridge?.ports ?? [];
}

/** What the kernel calls the master of a member: the slave kind in `ip -d link`. */
export function memberNoun(kind: Kind): string {
  return kind === 'bond' ? 'slave' : 'port';
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** An IPv6 address in any of its written forms (one `::` at most, eight groups, IPv4 tail). */
export function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.split('::').length > 2) return false;
  let groups = s.split(':');
  const last = groups[groups.length - 1]!;
  let count = 0;
  if (last.includes('.')) {
    if (!isIPv4(last)) return false;
    groups = groups.slice(0, -1);
    count += 2;
  }
  for (const g of groups) if (g !== '' && !/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
  count += groups.filter((g) => g !== '').length;
  return s.includes('::') ? count < 8 : count === 8 && !groups.includes('');
}

export function isAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** A netmask such as 255.255.255.0 as a prefix length, or undefined when it is not one. */
export function netmaskBits(mask: string): number | undefined {
  if (/^\d{1,3}$/.test(mask)) return Number(mask) <= 32 ? Number(mask) : undefined;
  if (!isIPv4(mask)) return undefined;
  const n = mask.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const bits = n.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') < 0 ? 32 : bits.indexOf('0') : undefined;
}

/** A dotted netmask for an IPv4 prefix length (ifcfg's NETMASK). */
export function prefixNetmask(bits: number): string {
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** IPv6 text in the kernel's (RFC 5952) form, so `2001:DB8:0::1` equals iproute2's `2001:db8::1`. */
export function canonicalIPv6(s: string): string {
  let [head, tail] = s.toLowerCase().split('::') as [string, string | undefined];
  const part = (t: string | undefined): number[] => {
    if (!t) return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (g.includes('.')) {
        const o = g.split('.').map(Number);
        out.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = part(head);
  const t = part(tail);
  const words = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  // The longest run of two or more zero words becomes `::` (the first such run on a tie).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) (best = i), (bestLen = j - i);
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function canonicalAddress(s: string): string {
  return isIPv6(s) ? canonicalIPv6(s) : s;
}

/**
 * A task's `address` (CIDR, or a bare address with `netmask`) as the kernel prints it, or an
 * error in words. A bare IPv4 address without a netmask is refused rather than guessed /32.
 */
export function parseCidr(address: string, netmask?: string): { cidr: string } | { error: string } {
  const [addr, len, extra] = address.split('/');
  if (extra !== undefined || !addr || !isAddress(addr)) return { error: `'${address}' is not an address (expected CIDR such as 192.0.2.10/24 or 2001:db8::10/64)` };
  const max = isIPv4(addr) ? 32 : 128;
  let bits: number | undefined;
  if (len !== undefined) {
    if (netmask !== undefined) return { error: `give the prefix length either in address ('${address}') or in netmask, not both` };
    bits = /^\d{1,3}$/.test(len) && Number(len) <= max ? Number(len) : undefined;
    if (bits === undefined) return { error: `'${address}' has an invalid prefix length (0-${max})` };
  } else if (netmask !== undefined) {
    bits = max === 32 ? netmaskBits(netmask) : /^\d{1,3}$/.test(netmask) && Number(netmask) <= 128 ? Number(netmask) : undefined;
    if (bits === undefined) return { error: `netmask '${netmask}' is not a netmask (such as 255.255.255.0 or 24)` };
  } else return { error: `'${address}' has no prefix length: write it as CIDR (${addr}/24) or give netmask` };
  return { cidr: `${canonicalAddress(addr)}/${bits}` };
}

/** A route destination: `default` or a CIDR network, in the kernel's form. */
export function parseDestination(to: string): { to: string } | { error: string } {
  if (to === 'default' || to === '0.0.0.0/0' || to === '::/0') return { to: 'default' };
  const c = parseCidr(to);
  return 'error' in c ? { error: `route destination ${c.error}` } : { to: c.cidr };
}

/**
 * Interface names tsplay manages: 1-15 letters, digits and `_ . + -`, not . or .., not starting
 * with - (ip would read it as an option). The kernel takes more (anything but / : and blanks),
 * but names go into files that shells source (ifcfg) and command lines in stanzas: those stay
 * plain words.
 */
export const IFNAME_PATTERN = '^(?!\\.{1,2}$)(?!-)[A-Za-z0-9_.+-]{1,15}$';
