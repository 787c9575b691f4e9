/**
 * Scenarios of the network modules (bond, vlan, bridge), shared by the plan fixtures
 * (fixtures/<module>/*-<backend>.yml, written from these by hand-checked runs) and the
 * idempotence test (test/unit/net-plan.test.ts): a host state, a task, and what applying the
 * plan leaves, simulated from the plan's own prediction of the kernel and its file steps.
 */
import type { Plan } from '../../src/core/module.js';
import { type Backend, type NetArgs, toDesired } from '../../src/net/args.js';
import { BACKENDS_BY_NAME } from '../../src/net/backends/index.js';
import type { NetState } from '../../src/net/module.js';
import type { Desired, Kind, LiveLink } from '../../src/net/model.js';
import { livePlan, settle } from '../../src/net/plan.js';

export const BACKENDS = ['ifupdown', 'networkd', 'networkmanager', 'ifcfg', 'none'] as const satisfies readonly Backend[];

const nic = (name: string, extra: Partial<LiveLink> = {}): LiveLink => ({ name, kind: '', up: false, carrier: false, mtu: 1500, addresses: [], ...extra });

/** What each backend's host has before any tsplay task: eth0 configured the way that backend does it. */
const BASE_FILES: Record<Backend, NetState['files']> = {
  ifupdown: {
    '/etc/network/interfaces': { text: 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n\taddress 192.0.2.10/24\n\tgateway 192.0.2.1\n', mode: '0644', owner: 'root', group: 'root' },
  },
  networkd: {},
  networkmanager: {},
  ifcfg: {
    '/etc/sysconfig/network-scripts/ifcfg-eth1': { text: 'DEVICE=eth1\nHWADDR=52:54:00:74:00:01\nONBOOT=no\nBOOTPROTO=none\n', mode: '0644', owner: 'root', group: 'root' },
  },
  none: {},
};

/** A host with the management NIC eth0 (192.0.2.10/24, default route) and two spare NICs. */
export function baseState(backend: Backend): NetState {
  return {
    links: [
      nic('lo', { up: true, carrier: true, mtu: 65536 }),
      nic('eth0', { up: true, carrier: true, addresses: ['192.0.2.10/24'] }),
      nic('eth1', { carrier: true }),
      nic('eth2', { carrier: true }),
    ],
    routes: [{ to: 'default', via: '192.0.2.1', dev: 'eth0' }],
    detected: backend === 'none' ? [] : [backend],
    files: structuredClone(BASE_FILES[backend]),
    found: [],
    networkFiles: backend === 'networkd' ? [{ path: '/etc/systemd/network/10-eth0.network', names: ['eth0'] }] : [],
    umask: 0o022,
  };
}

export interface Scenario {
  /** The task that makes the interface (from the base state). */
  create: Record<string, unknown>;
  /** A change of a setting the kernel changes in place. */
  modify: Record<string, unknown>;
  /** A change the kernel cannot make in place. */
  replace: Record<string, unknown>;
}

export const SCENARIOS: Record<'bond' | 'vlan' | 'bridge', Scenario> = {
  bond: {
    create: { name: 'bond0', slaves: ['eth1', 'eth2'], mode: 'active-backup', miimon: 100, address: '198.51.100.5/24' },
    modify: { name: 'bond0', slaves: ['eth1', 'eth2'], miimon: 200 },
    replace: { name: 'bond0', slaves: ['eth1', 'eth2'], mode: 'balance-xor' },
  },
  vlan: {
    create: { name: 'vlan16', link: 'eth1', id: 16, address: '198.51.100.16/24' },
    modify: { name: 'vlan16', link: 'eth1', id: 16, mtu: 1400 },
    replace: { name: 'vlan16', link: 'eth1', id: 17 },
  },
  bridge: {
    create: { name: 'br0', ports: ['eth1'], address: '198.51.100.1/24' },
    modify: { name: 'br0', ports: ['eth1', 'eth2'], stp: true, forward_delay: 4 },
    replace: { name: 'br0', ports: ['eth1'] },
  },
};

/** networkd's .network files as the probe's grep finds them: the base state's, then those written. */
function networkFiles(files: NetState['files']): NetState['networkFiles'] {
  const written = Object.entries(files)
    .filter(([p]) => /^\/etc\/systemd\/network\/[^/]+\.network$/.test(p))
    .map(([path, f]) => ({ path, names: [...f.text.matchAll(/^Name=(.*)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/)) }));
  return [...baseState('networkd').networkFiles, ...written].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The files a backend's globs would find for a task, as the probe's shell loop does. */
function foundBy(backend: Backend, d: Desired, files: NetState['files']): string[] {
  if (backend === 'none') return [];
  const globs = BACKENDS_BY_NAME[backend].globs?.(d) ?? [];
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const res = globs.map((g) => new RegExp(`^${esc(g.dir)}/${esc(g.prefix)}[^/]*${esc(g.suffix)}$`));
  return Object.keys(files).filter((p) => res.some((r) => r.test(p))).sort();
}

/**
 * The state after a plan: its file steps done to `files`, and the links and routes it predicted
 * (the live plan's world). What the second probe of a real run would read.
 */
export function applied(kind: Kind, backend: Backend, args: NetArgs, st: NetState, plan: Plan): NetState {
  const files = structuredClone(st.files);
  for (const s of plan.steps) {
    if (s.kind === 'put') files[s.path] = { text: String(s.content), mode: s.mode ?? '0644', owner: 'root', group: 'root' };
    else if (s.argv[0] === 'rm') delete files[s.argv[s.argv.length - 1]!];
  }
  const r = toDesired(kind, args);
  if ('problems' in r) throw new Error(r.problems.map((p) => p.message).join('; '));
  const live = { links: new Map(st.links.map((l) => [l.name, l])), routes: st.routes };
  const world = livePlan(settle(r.desired, live), live).world;
  return {
    ...st,
    links: [...world.links.values()].map((l) => structuredClone(l)),
    routes: world.routes.map((x) => ({ ...x })),
    files,
    found: foundBy(backend, r.desired, files),
    networkFiles: backend === 'networkd' ? networkFiles(files) : [],
  };
}
