/**
 * Network facts from `ip -j -d addr show` and `ip -j route get` (iproute2 JSON), shaped as
 * Ansible's LinuxNetwork shapes them from /sys/class/net and `ip addr show`:
 *
 *   interfaces          names (":" of alias labels replaced by "_"), in kernel order
 *   <name>              { device, macaddress, mtu, active, type, promisc, ipv4, ipv4_secondaries,
 *                         ipv6, speed, pciid, ... } under the name with ":" and "-" made "_"
 *   default_ipv4/ipv6   the interface and source address for 8.8.8.8 / 2404:6800:400a:800::1012
 *                       (the kernel's choice among all routes), completed from that address
 *   all_ipv4_addresses  every IPv4 address but 127.*; all_ipv6_addresses every IPv6 but ::1
 *
 * Types follow Ansible: ether, loopback, infiniband, ppp, tunnel (link type none), unknown, and
 * bridge / bonding for those kinds (a VLAN is "ether" there too). Besides Ansible's keys, an
 * interface created with a kind has `kind` (iproute2's info_kind: vlan, bridge, bond, veth...), a
 * bridge port or bond slave has `master`, and a VLAN has `vlan_id` and `parent`; a bond has
 * `active_slave`, and each of its slaves `bond_mii_status` (up/down) and `bond_state`
 * (active/backup), so a playbook can assert which slave carries the traffic.
 */
import type { Facts } from '../core/module.js';

/** One address of `ip -j addr` (iproute2's JSON). */
export interface IpAddr {
  family?: string;
  local?: string;
  address?: string;
  prefixlen?: number;
  broadcast?: string;
  scope?: string | number;
  label?: string;
  secondary?: boolean;
  temporary?: boolean;
  /** A lease (DHCP, SLAAC): it expires unless renewed. */
  dynamic?: boolean;
}

/** One link of `ip -j -d addr` (iproute2's JSON), as src/net reads it too. */
export interface IpLink {
  ifindex?: number;
  ifname: string;
  flags?: string[];
  mtu?: number;
  operstate?: string;
  promiscuity?: number;
  link_type?: string;
  address?: string;
  link?: string | null;
  master?: string;
  parentdev?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: Record<string, unknown>;
    info_slave_kind?: string;
    info_slave_data?: Record<string, unknown>;
  };
  addr_info?: IpAddr[];
}

interface IpRoute {
  dev?: string;
  prefsrc?: string;
  gateway?: string;
}

/** Ansible's LinuxNetwork.INTERFACE_TYPE, keyed by iproute2's link_type names. */
const LINK_TYPES: Record<string, string> = {
  ether: 'ether',
  infiniband: 'infiniband',
  ppp: 'ppp',
  loopback: 'loopback',
  none: 'tunnel',
};

/** Kinds whose `link` is the parent device they sit on. */
const PARENTED_KINDS = new Set(['vlan', 'macvlan', 'macvtap', 'ipvlan', 'ipvtap']);

export interface NetworkInput {
  /** Output of `ip -j -d addr show`. */
  addrJson: string;
  /** Output of `ip -j -4 route get 8.8.8.8` (empty without a route). */
  route4Json?: string;
  route6Json?: string;
  /** `name speed` lines read from /sys/class/net/NAME/speed. */
  speeds?: Map<string, number>;
}

/** Dotted netmask of an IPv4 prefix length. */
export function netmaskOf(prefix: number): string {
  const bits = prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
  return intToIp(bits);
}

function ipToInt(ip: string): number {
  const parts = ip.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The network address of ip/prefix. */
export function networkOf(ip: string, prefix: number): string {
  const mask = prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
  return intToIp((ipToInt(ip) & mask) >>> 0);
}

/** iproute2 prints a bridge id as "8000.2:42:ac:11:0:2"; sysfs (and so Ansible) as "8000.0242ac110002". */
function sysfsBridgeId(id: unknown): string | undefined {
  if (typeof id !== 'string') return undefined;
  const dot = id.indexOf('.');
  if (dot < 0) return id;
  const mac = id.slice(dot + 1).split(':');
  if (mac.length !== 6) return id;
  return id.slice(0, dot + 1) + mac.map((b) => b.padStart(2, '0').toLowerCase()).join('');
}

function parseJsonArray<T>(text: string | undefined): T[] {
  if (!text || !text.trim()) return [];
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? (v as T[]) : [];
}

/** The fact key of an interface name: Ansible replaces ":" (alias labels) and then "-" (fact names) by "_". */
export function interfaceFactKey(name: string): string {
  return name.replace(/[:-]/g, '_');
}

type Iface = Record<string, unknown>;

export function networkFacts(input: NetworkInput): Facts {
  const links = parseJsonArray<IpLink>(input.addrJson).filter((l) => l && typeof l.ifname === 'string');
  const route4 = parseJsonArray<IpRoute>(input.route4Json)[0];
  const route6 = parseJsonArray<IpRoute>(input.route6Json)[0];

  const defaultV4: Record<string, unknown> = {};
  const defaultV6: Record<string, unknown> = {};
  for (const [route, target, out] of [
    [route4, '8.8.8.8', defaultV4],
    [route6, '2404:6800:400a:800::1012', defaultV6],
  ] as const) {
    if (!route) continue;
    if (route.dev) out.interface = route.dev;
    if (route.prefsrc) out.address = route.prefsrc;
    if (route.gateway && route.gateway !== target) out.gateway = route.gateway;
  }

  // name (":" -> "_") -> facts, in kernel order; alias labels get entries of their own.
  const interfaces = new Map<string, Iface>();
  const all4: string[] = [];
  const all6: string[] = [];

  for (const link of links) {
    const device = link.ifname;
    const info = link.linkinfo ?? {};
    const kind = info.info_kind;
    const entry: Iface = { device };
    interfaces.set(device.replace(/:/g, '_'), entry);

    const mac = link.address ?? '';
    if (mac && mac !== '00:00:00:00:00:00') entry.macaddress = mac;
    if (typeof link.mtu === 'number') entry.mtu = link.mtu;
    if (link.operstate) entry.active = link.operstate.toLowerCase() !== 'down';
    entry.type = LINK_TYPES[link.link_type ?? ''] ?? 'unknown';
    if (kind) entry.kind = kind;

    if (kind === 'bridge') {
      entry.type = 'bridge';
      entry.interfaces = links.filter((l) => l.master === device).map((l) => l.ifname);
      const id = sysfsBridgeId(info.info_data?.bridge_id);
      if (id !== undefined) entry.id = id;
      if (info.info_data && 'stp_state' in info.info_data) entry.stp = Number(info.info_data.stp_state) === 1;
    }
    if (kind === 'bond') {
      const d = info.info_data ?? {};
      entry.type = 'bonding';
      entry.slaves = links.filter((l) => l.master === device && l.linkinfo?.info_slave_kind === 'bond').map((l) => l.ifname);
      if (d.mode !== undefined) entry.mode = String(d.mode);
      if (d.miimon !== undefined) entry.miimon = String(d.miimon);
      if (d.ad_lacp_rate !== undefined) entry.lacp_rate = String(d.ad_lacp_rate);
      // tsplay's own: which slave carries the traffic now (active-backup), for an assert after a failover.
      if (typeof d.active_slave === 'string' && d.active_slave) entry.active_slave = d.active_slave;
      if (typeof d.primary === 'string' && d.primary) {
        entry.primary = d.primary;
        if (d.all_slaves_active !== undefined) entry.all_slaves_active = Number(d.all_slaves_active) === 1;
      }
    }
    if (info.info_slave_kind === 'bond') {
      const sd = info.info_slave_data ?? {};
      if (typeof sd.perm_hwaddr === 'string') entry.perm_macaddress = sd.perm_hwaddr;
      // tsplay's own: the slave's link as the bond's MII monitor sees it, and its role.
      if (typeof sd.mii_status === 'string') entry.bond_mii_status = sd.mii_status.toLowerCase();
      if (typeof sd.state === 'string') entry.bond_state = sd.state.toLowerCase();
    }
    if (link.master) entry.master = link.master;
    if (kind && PARENTED_KINDS.has(kind) && typeof link.link === 'string') entry.parent = link.link;
    if (kind === 'vlan' && info.info_data?.id !== undefined) entry.vlan_id = Number(info.info_data.id);
    if (link.parentdev) entry.pciid = link.parentdev;
    const speed = input.speeds?.get(device);
    if (speed !== undefined) entry.speed = speed;
    // sysfs `flags` (Ansible's source) has IFF_PROMISC whenever the promiscuity count is positive
    // (a bridge port, a capture); netlink's flags only show the promiscuity asked for by a user.
    if (link.flags || link.promiscuity !== undefined) entry.promisc = (link.promiscuity ?? 0) > 0 || (link.flags ?? []).includes('PROMISC');

    // Ansible reads `ip addr show primary dev X`, then `ip addr show secondary dev X`.
    const addrs = link.addr_info ?? [];
    const passes: [IpAddr[], boolean][] = [
      [addrs.filter((a) => !a.secondary), false],
      [addrs.filter((a) => a.secondary), true],
    ];
    for (const [list, secondary] of passes) {
      for (const a of list) {
        if (!a.local) continue;
        if (a.family === 'inet') {
          const address = a.local;
          // A point-to-point address ("inet A peer B/32") has no prefix of its own in Ansible's view.
          const prefixLen = a.address && a.address !== a.local ? 32 : a.prefixlen ?? 32;
          const v4 = {
            address,
            broadcast: a.broadcast ?? '',
            netmask: netmaskOf(prefixLen),
            network: networkOf(address, prefixLen),
            prefix: String(prefixLen),
          };
          const label = (a.label ?? device).replace(/:/g, '_');
          let target = interfaces.get(label);
          if (!target) interfaces.set(label, (target = {}));
          if (!secondary && !('ipv4' in target)) {
            target.ipv4 = v4;
          } else {
            ((target.ipv4_secondaries ??= []) as unknown[]).push(v4);
          }
          if (secondary) {
            entry.ipv4_secondaries ??= [];
            if (target !== entry) (entry.ipv4_secondaries as unknown[]).push({ ...v4 });
          }
          if (defaultV4.address === address) {
            Object.assign(defaultV4, {
              broadcast: v4.broadcast,
              netmask: v4.netmask,
              network: v4.network,
              prefix: v4.prefix,
              macaddress: mac || 'unknown',
              mtu: entry.mtu,
              type: entry.type,
              alias: a.label ?? device,
            });
          }
          if (!address.startsWith('127.')) all4.push(address);
        } else if (a.family === 'inet6') {
          const address = a.local;
          const v6 = { address, prefix: String(a.prefixlen ?? 128), scope: String(a.scope ?? 'global') };
          ((entry.ipv6 ??= []) as unknown[]).push(v6);
          if (defaultV6.address === address) {
            Object.assign(defaultV6, {
              prefix: v6.prefix,
              scope: v6.scope,
              macaddress: mac || 'unknown',
              mtu: entry.mtu,
              type: entry.type,
            });
          }
          if (address !== '::1') all6.push(address);
        }
      }
    }
  }

  const facts: Facts = {
    interfaces: [...interfaces.keys()],
    default_ipv4: defaultV4,
    default_ipv6: defaultV6,
    all_ipv4_addresses: all4,
    all_ipv6_addresses: all6,
  };
  for (const [name, entry] of interfaces) facts[interfaceFactKey(name)] = entry;
  return facts;
}

/** What the network facts are on a host where they cannot be read. */
export function emptyNetworkFacts(): Facts {
  return { interfaces: [], default_ipv4: {}, default_ipv6: {}, all_ipv4_addresses: [], all_ipv6_addresses: [] };
}
