/**
 * The options bond, vlan and bridge share (address settings, backend, persistence, rollback),
 * as schema pieces each module's schema spreads, and the one function that turns a task's
 * arguments into a Desired interface. Everything a schema cannot say (an address that is not
 * one, a bridge listing itself, a primary that is not a slave) is checked here, so the error
 * names the option and the task's file:line before the run starts.
 */
import { type Static, Type } from '@sinclair/typebox';
import { oneOf } from '../core/schema.js';
import {
  BOND_MODES,
  bondModeName,
  canonicalAddress,
  type Desired,
  IFNAME_PATTERN,
  isAddress,
  isIPv4,
  type Kind,
  type Method,
  parseCidr,
  parseDestination,
  type Route,
} from './model.js';

export const BACKENDS = ['auto', 'ifupdown', 'networkd', 'networkmanager', 'ifcfg', 'none'] as const;
export type Backend = Exclude<(typeof BACKENDS)[number], 'auto'>;

export function ifname(description: string) {
  return Type.String({ description, pattern: IFNAME_PATTERN, patternMessage: 'must be an interface name (1-15 letters, digits, _ . + or -, not starting with -)' });
}

/** Address settings, common to the three modules. */
export const addressOptions = {
  method: Type.Optional(
    oneOf(['static', 'dhcp', 'manual'] as const, {
      description: 'static: the addresses given; dhcp: the backend runs a DHCP client; manual: up, with no address. Unset: static when `address` is given, else addresses are left as they are.',
    }),
  ),
  address: Type.Optional(
    Type.Unsafe<string | string[]>({
      type: ['string', 'array'],
      items: { type: 'string' },
      description: 'The address in CIDR form (192.0.2.10/24, 2001:db8::10/64), or a bare address with `netmask`; a list for several.',
    }),
  ),
  netmask: Type.Optional(Type.String({ description: 'The netmask of a bare IPv4 `address` (255.255.255.0 or 24).' })),
  gateway: Type.Optional(Type.String({ description: 'The default gateway through this interface.' })),
  dns: Type.Optional(Type.Array(Type.String(), { description: 'Name servers, written to the backend files (the live resolver is not touched).' })),
  routes: Type.Optional(
    Type.Array(
      Type.Object({ to: Type.String({ description: 'Destination network (CIDR) or default.' }), via: Type.String({ description: 'Gateway address.' }) }, { additionalProperties: false }),
      { description: 'Static routes through this interface: a list of `{to, via}`.' },
    ),
  ),
};

/** Options about how the change is made, common to the three modules. */
export const commonOptions = {
  state: Type.Optional(oneOf(['present', 'absent'] as const, { description: 'present: the interface exists live and in the files; absent: it is removed from both, its members released.', default: 'present' })),
  backend: Type.Optional(
    oneOf(BACKENDS, {
      description:
        'Which files persist the interface: ifupdown (/etc/network/interfaces.d), networkd (/etc/systemd/network), networkmanager (keyfiles), ifcfg (/etc/sysconfig/network-scripts) or none (live only). auto: what the host runs (NetworkManager, then systemd-networkd if active; else ifupdown, then ifcfg if installed; else none).',
      default: 'auto',
    }),
  ),
  persist: Type.Optional(Type.Boolean({ description: 'Write the backend files (false: live only).', default: true })),
  apply: Type.Optional(Type.Boolean({ description: 'Change the live state (false: files only, for the next boot).', default: true })),
  rollback_timeout: Type.Optional(
    Type.Integer({ description: 'Seconds after which a change that cut tsplay off is undone on the host (see "Safe apply" in the README).', minimum: 10, maximum: 3600, default: 60 }),
  ),
  confirm_address: Type.Optional(Type.String({ description: 'The address tsplay reconnects to after the change, when the change moves the one it connected to.' })),
};

export const mtuOption = Type.Optional(Type.Integer({ description: 'The MTU in bytes.', minimum: 68, maximum: 65535 }));

const ms = (what: string) => Type.Optional(Type.Integer({ description: what, minimum: 0 }));

/** bond's options (see modules/bond). */
export const bondSchema = Type.Object(
  {
    name: ifname('The bond, e.g. bond0.'),
    slaves: Type.Array(ifname('A NIC'), { minItems: 1, description: 'The NICs it bonds (at least one); NICs it had and that are not listed are released.' }),
    mode: Type.Optional(
      oneOf([...BOND_MODES, '0', '1', '2', '3', '4', '5', '6'] as const, {
        description: `The bonding mode, by name or number: ${BOND_MODES.map((m, i) => `${m} (${i})`).join(', ')}. Unset: the bond keeps the mode it has (balance-rr when new). A change of mode remakes the bond (the diff says replace).`,
      }),
    ),
    miimon: Type.Optional(Type.Integer({ description: 'How often the carrier of each slave is checked, in ms (0: off, when ARP monitoring is used). Default 100 for a new bond; unset, an existing bond keeps its own.', minimum: 0 })),
    primary: Type.Optional(ifname('The slave that is active whenever its link is up (active-backup, balance-tlb, balance-alb).')),
    updelay: ms('ms to wait before using a slave whose link came up.'),
    downdelay: ms('ms to wait before disabling a slave whose link went down.'),
    xmit_hash_policy: Type.Optional(oneOf(['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4', 'vlan+srcmac'] as const, { description: 'How balance-xor, 802.3ad and balance-tlb/alb choose a slave for a packet.' })),
    lacp_rate: Type.Optional(oneOf(['slow', 'fast'] as const, { description: '802.3ad: how often the partner is asked for LACPDUs.' })),
    arp_interval: ms('ARP monitoring interval in ms (instead of miimon: detects a hung switch that keeps carrier); needs arp_ip_target.'),
    arp_ip_target: Type.Optional(Type.Array(Type.String(), { description: 'IPv4 addresses ARP monitoring probes.' })),
    inherit_address_from: Type.Optional(ifname('An interface whose addresses and default gateway move onto the bond (usually its first slave), as the Red Hat recipe copies ifcfg-eth0 to ifcfg-bond0.')),
    mtu: mtuOption,
    ...addressOptions,
    ...commonOptions,
  },
  { additionalProperties: false },
);

/** vlan's options. */
export const vlanSchema = Type.Object(
  {
    id: Type.Integer({ description: 'The VLAN id (802.1Q tag), 1-4094.', minimum: 1, maximum: 4094 }),
    link: ifname('The parent interface that carries the tagged frames: a NIC or a bond.'),
    name: Type.Optional(ifname('The VLAN interface (default `<link>.<id>`, such as bond0.16).')),
    mtu: mtuOption,
    ...addressOptions,
    ...commonOptions,
  },
  { additionalProperties: false },
);

/** bridge's options. */
export const bridgeSchema = Type.Object(
  {
    name: ifname('The bridge, e.g. br0 or vlan16.'),
    ports: Type.Optional(Type.Array(ifname('A port'), { description: 'Its ports: NICs, bonds or VLANs (may be empty: a bridge for guests only). Ports it had and that are not listed are released; unset, it keeps the ports it has.' })),
    stp: Type.Optional(Type.Boolean({ description: 'Spanning tree protocol on or off. Default off for a new bridge; unset, an existing bridge keeps its own.' })),
    forward_delay: Type.Optional(Type.Integer({ description: 'Seconds a port listens and learns before it forwards (2-30 with stp on).', minimum: 0, maximum: 30 })),
    mtu: mtuOption,
    ...addressOptions,
    ...commonOptions,
  },
  { additionalProperties: false },
);

/**
 * The options of any of the three, as they arrive after schema validation: what the shared
 * code reads (a VLAN task has no slaves, a bond task no id).
 */
export type NetArgs = Partial<Static<typeof bondSchema> & Static<typeof vlanSchema> & Static<typeof bridgeSchema>>;

export interface Problem {
  path: string[];
  message: string;
}

/** The interface name a task manages (a VLAN's defaults to <link>.<id>). */
export function ifaceName(kind: Kind, a: NetArgs): string {
  return kind === 'vlan' ? (a.name ?? `${a.link}.${a.id}`) : a.name!;
}

/** Modes (by their kernel names) in which the kernel accepts each bond option. */
const MODE_OPTIONS: Record<string, readonly string[]> = {
  primary: ['active-backup', 'balance-tlb', 'balance-alb'],
  lacp_rate: ['802.3ad'],
  arp_interval: ['balance-rr', 'active-backup', 'balance-xor', 'broadcast'],
};

/** A task's arguments as a Desired interface, or the problems that stop it (see the header). */
export function toDesired(kind: Kind, a: NetArgs): { desired: Desired } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const bad = (path: string, message: string) => problems.push({ path: [path], message: `option '${path}' ${message}` });
  const name = ifaceName(kind, a);
  if (kind === 'vlan' && a.name === undefined && name.length > 15) bad('name', `must be given: the default name ${name} is longer than 15 characters`);

  const addresses: string[] = [];
  for (const one of a.address === undefined ? [] : Array.isArray(a.address) ? a.address : [a.address]) {
    const c = parseCidr(String(one), a.netmask);
    if ('error' in c) bad('address', c.error);
    else addresses.push(c.cidr);
  }
  if (a.netmask !== undefined && a.address === undefined) bad('netmask', 'needs address');
  const method: Method | undefined = a.method ?? (addresses.length ? 'static' : undefined);
  if (addresses.length && method !== 'static') bad('address', `needs method static (method is ${method})`);
  if (method === 'static' && !addresses.length && !a.inherit_address_from) bad('method', 'static needs address (or inherit_address_from)');
  if (a.inherit_address_from !== undefined) {
    if (addresses.length) bad('inherit_address_from', 'and address are exclusive: the addresses come from one or the other');
    if (method === 'dhcp' || method === 'manual') bad('inherit_address_from', `needs method static, not ${method}`);
    if (a.inherit_address_from === name) bad('inherit_address_from', `names ${name} itself`);
  }
  const gateway = a.gateway === undefined ? undefined : a.gateway.trim();
  if (gateway !== undefined) {
    if (!isAddress(gateway)) bad('gateway', `'${gateway}' is not an address`);
    else if (method === 'manual') bad('gateway', 'needs an address on the interface (method is manual)');
  }
  const dns = (a.dns ?? []).map((s) => s.trim());
  for (const s of dns) if (!isAddress(s)) bad('dns', `'${s}' is not an address`);
  const routes: Route[] = [];
  for (const r of a.routes ?? []) {
    const to = parseDestination(r.to.trim());
    if ('error' in to) bad('routes', to.error);
    else if (!isAddress(r.via.trim())) bad('routes', `via '${r.via}' is not an address`);
    else routes.push({ to: to.to, via: canonicalAddress(r.via.trim()) });
  }

  const d: Desired = { kind, name, state: a.state ?? 'present', addresses, method, routes };
  if (a.mtu !== undefined) d.mtu = a.mtu;
  if (gateway !== undefined && isAddress(gateway)) d.gateway = canonicalAddress(gateway);
  if (a.dns !== undefined) d.dns = dns;
  if (a.inherit_address_from !== undefined) d.inheritFrom = a.inherit_address_from;

  const memberList = (opt: 'slaves' | 'ports', list: string[]) => {
    const seen = new Set<string>();
    for (const m of list) {
      if (m === name) bad(opt, `lists ${name} itself`);
      else if (seen.has(m)) bad(opt, `lists ${m} twice`);
      seen.add(m);
    }
    return list;
  };

  if (kind === 'bond') {
    const mode = a.mode === undefined ? undefined : bondModeName(a.mode);
    const slaves = memberList('slaves', a.slaves ?? []);
    if (a.primary !== undefined && !slaves.includes(a.primary)) bad('primary', `${a.primary} is not one of the slaves (${slaves.join(', ')})`);
    if (a.arp_interval && a.miimon) bad('arp_interval', 'and miimon are exclusive: the kernel runs one link monitor (set miimon: 0)');
    if (a.arp_interval && !(a.arp_ip_target ?? []).length) bad('arp_ip_target', 'is needed with arp_interval (the addresses to probe)');
    for (const t of a.arp_ip_target ?? []) if (!isIPv4(t)) bad('arp_ip_target', `'${t}' is not an IPv4 address`);
    if (mode !== undefined) {
      for (const [opt, modes] of Object.entries(MODE_OPTIONS)) {
        const v = (a as Record<string, unknown>)[opt];
        if (v !== undefined && v !== 0 && !modes.includes(mode)) bad(opt, `does not apply to mode ${mode} (only ${modes.join(', ')})`);
      }
    }
    d.bond = {
      slaves,
      mode,
      miimon: a.miimon,
      primary: a.primary,
      updelay: a.updelay,
      downdelay: a.downdelay,
      xmit_hash_policy: a.xmit_hash_policy,
      lacp_rate: a.lacp_rate,
      arp_interval: a.arp_interval,
      arp_ip_target: a.arp_ip_target,
    };
  } else if (kind === 'vlan') {
    if (a.link === name) bad('link', `is the VLAN itself (${name})`);
    d.vlan = { id: a.id!, link: a.link! };
  } else {
    if (a.stp && a.forward_delay !== undefined && (a.forward_delay < 2 || a.forward_delay > 30)) bad('forward_delay', 'must be 2-30 seconds with stp on');
    d.bridge = { ports: a.ports === undefined ? undefined : memberList('ports', a.ports), stp: a.stp, forward_delay: a.forward_delay };
  }
  return problems.length ? { problems } : { desired: d };
}
