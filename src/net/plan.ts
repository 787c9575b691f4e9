/**
 * The live half of a network task's plan: iproute2 commands that bring the kernel from Live to
 * what a Desired interface asks, and a before/after view of the interfaces involved. Every
 * command is also played on a copy of the Live model, and the "after" view is rendered from
 * that copy with the same function as "before", so check mode shows exactly what the commands
 * would leave. A change the kernel cannot make in place (a bond's mode or LACP rate, a VLAN's
 * id or parent) is a teardown and recreate, named `replace` in the reason; the addresses and
 * routes the old interface had come back on the new one unless the task sets others.
 */
import type { ExecStep } from '../core/module.js';
import { type Desired, isIPv6, type Live, type LiveLink, type LiveRoute, members, memberNoun, VIRTUAL_KINDS } from './model.js';

export interface LivePlan {
  steps: ExecStep[];
  before: string;
  after: string;
  /** What changes, in words; empty when the kernel already matches. */
  notes: string[];
  error?: string;
  /** The model after the steps: what a verify after apply expects to find. */
  world: Live;
}

/** Kernel defaults of a new interface, so the predicted view of one shows what it will have. */
const BOND_DEFAULTS = { mode: 'balance-rr', miimon: 0, updelay: 0, downdelay: 0, xmit_hash_policy: 'layer2', lacp_rate: 'slow', arp_interval: 0, arp_ip_target: [] as string[] };

const ip = (...argv: (string | number)[]): ExecStep => ({ kind: 'exec', argv: ['ip', ...argv.map(String)] });

function cloneLive(l: Live): Live {
  return { links: new Map([...l.links].map(([k, v]) => [k, structuredClone(v)])), routes: l.routes.map((r) => ({ ...r })) };
}

const family = (addr: string): 4 | 6 => (isIPv6(addr.split('/')[0]!) ? 6 : 4);
const routeFamily = (r: LiveRoute): 4 | 6 => (r.via ? family(r.via) : r.to === 'default' ? 4 : family(r.to));

/** The commands and the model, kept in step: every change goes through here. */
class Plan {
  readonly steps: ExecStep[] = [];
  readonly notes: string[] = [];
  constructor(readonly w: Live) {}
  run(step: ExecStep): void {
    this.steps.push(step);
  }
  link(name: string): LiveLink | undefined {
    return this.w.links.get(name);
  }
  del(name: string): void {
    this.run(ip('link', 'del', 'dev', name));
    const gone = this.w.links.get(name);
    this.w.links.delete(name);
    // The kernel takes VLANs on a deleted device with it, and every route through it.
    for (const [n, l] of this.w.links) if (l.link === name) this.w.links.delete(n);
    for (const l of this.w.links.values()) {
      if (l.master !== name) continue;
      if (gone?.kind === 'bond') l.up = false;
      delete l.master;
    }
    this.w.routes = this.w.routes.filter((r) => r.dev === undefined || this.w.links.has(r.dev));
  }
  nomaster(m: LiveLink): void {
    this.run(ip('link', 'set', 'dev', m.name, 'nomaster'));
    // The bonding driver takes a released slave down.
    if (m.master && this.w.links.get(m.master)?.kind === 'bond') m.up = false;
    delete m.master;
  }
  up(l: LiveLink): void {
    if (l.up) return;
    this.run(ip('link', 'set', 'dev', l.name, 'up'));
    l.up = true;
  }
  delAddress(l: LiveLink, a: string): void {
    this.run(ip('addr', 'del', a, 'dev', l.name));
    l.addresses = l.addresses.filter((x) => x !== a);
    // Routes whose gateway was only reachable through that address go with it.
    if (!l.addresses.some((x) => family(x) === family(a))) this.w.routes = this.w.routes.filter((r) => r.dev !== l.name || !r.via || routeFamily(r) !== family(a));
  }
  addAddress(l: LiveLink, a: string): void {
    this.run(ip('addr', 'add', a, 'dev', l.name));
    l.addresses.push(a);
  }
  route(to: string, via: string, dev: string): void {
    const fam = family(via);
    if (this.w.routes.some((r) => r.to === to && r.via === via && r.dev === dev)) return;
    this.run(ip(...(fam === 6 ? ['-6'] : []), 'route', 'replace', to, 'via', via, 'dev', dev));
    this.w.routes = this.w.routes.filter((r) => !(r.to === to && routeFamily(r) === fam));
    this.w.routes.push({ to, via, dev });
  }
}

function bondOptions(d: Desired, cur: LiveLink['bond'] | undefined, create: boolean): (string | number)[] {
  const b = d.bond!;
  const out: (string | number)[] = [];
  const want: [string, string | number | undefined, string | number | undefined][] = [
    ['mode', b.mode, cur?.mode],
    ['miimon', b.miimon, cur?.miimon],
    ['updelay', b.updelay, cur?.updelay],
    ['downdelay', b.downdelay, cur?.downdelay],
    ['xmit_hash_policy', b.xmit_hash_policy, cur?.xmit_hash_policy],
    ['lacp_rate', b.lacp_rate, cur?.lacp_rate],
    ['arp_interval', b.arp_interval, cur?.arp_interval],
  ];
  for (const [k, v, c] of want) if (v !== undefined && (create || v !== c)) out.push(k, v);
  if (b.arp_ip_target !== undefined && (create ? b.arp_ip_target.length > 0 : b.arp_ip_target.join(',') !== (cur?.arp_ip_target ?? []).join(','))) out.push('arp_ip_target', b.arp_ip_target.join(','));
  return out;
}

/** Why the existing interface must be deleted and made again, or undefined. */
function replaceReason(d: Desired, cur: LiveLink): string | undefined {
  if (cur.kind !== d.kind) return `${cur.name} is a ${cur.kind} interface, not a ${d.kind}`;
  if (d.bond && cur.bond) {
    if (d.bond.mode !== undefined && d.bond.mode !== cur.bond.mode) return `mode ${cur.bond.mode} -> ${d.bond.mode}`;
    if (d.bond.lacp_rate !== undefined && d.bond.lacp_rate !== cur.bond.lacp_rate) return `lacp_rate ${cur.bond.lacp_rate} -> ${d.bond.lacp_rate}`;
  }
  if (d.vlan && (cur.vlanId !== d.vlan.id || cur.link !== d.vlan.link)) return `VLAN ${cur.link}.${cur.vlanId} -> ${d.vlan.link}.${d.vlan.id}`;
  return undefined;
}

function create(p: Plan, d: Desired): LiveLink {
  const l: LiveLink = { name: d.name, kind: d.kind, up: false, carrier: false, mtu: 1500, addresses: [] };
  if (d.kind === 'bridge') {
    const br = d.bridge!;
    p.run(ip('link', 'add', 'name', d.name, 'type', 'bridge', 'stp_state', br.stp ? 1 : 0, ...(br.forward_delay !== undefined ? ['forward_delay', br.forward_delay * 100] : [])));
    l.bridge = { stp: br.stp ?? false, forward_delay: br.forward_delay ?? 15 };
  } else if (d.kind === 'bond') {
    p.run(ip('link', 'add', 'name', d.name, 'type', 'bond', ...bondOptions(d, undefined, true)));
    const { slaves: _s, primary: _p, ...set } = d.bond!;
    l.bond = { ...BOND_DEFAULTS, ...Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) };
    // The kernel turns miimon off when ARP monitoring is on.
    if (l.bond.arp_interval) l.bond.miimon = 0;
  } else {
    const v = d.vlan!;
    p.run(ip('link', 'add', 'link', v.link, 'name', d.name, 'type', 'vlan', 'id', v.id));
    l.link = v.link;
    l.vlanId = v.id;
    l.mtu = p.link(v.link)?.mtu ?? 1500;
  }
  p.w.links.set(d.name, l);
  return l;
}

/** Attributes the kernel changes in place on an existing interface. */
function tune(p: Plan, d: Desired, cur: LiveLink): void {
  if (d.bridge && cur.bridge) {
    const args: (string | number)[] = [];
    if (d.bridge.stp !== undefined && d.bridge.stp !== cur.bridge.stp) args.push('stp_state', d.bridge.stp ? 1 : 0);
    if (d.bridge.forward_delay !== undefined && d.bridge.forward_delay !== cur.bridge.forward_delay) args.push('forward_delay', d.bridge.forward_delay * 100);
    if (args.length) {
      p.run(ip('link', 'set', 'dev', d.name, 'type', 'bridge', ...args));
      p.notes.push(`${d.name}: ${args.filter((_, i) => i % 2 === 0).join(', ')} changed`);
      cur.bridge = { stp: d.bridge.stp ?? cur.bridge.stp, forward_delay: d.bridge.forward_delay ?? cur.bridge.forward_delay };
    }
  }
  if (d.bond && cur.bond) {
    const args = bondOptions(d, cur.bond, false);
    if (args.length) {
      p.run(ip('link', 'set', 'dev', d.name, 'type', 'bond', ...args));
      p.notes.push(`${d.name}: ${args.filter((_, i) => i % 2 === 0).join(', ')} changed`);
      const { slaves: _s, primary: _p, ...set } = d.bond;
      Object.assign(cur.bond, Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)));
      if (cur.bond.arp_interval) cur.bond.miimon = 0;
    }
  }
}

function enslave(p: Plan, d: Desired, name: string): void {
  const m = p.link(name);
  if (!m) {
    // Made by an earlier task of this run (check mode did not make it): the command says so if not.
    p.notes.push(`${name} does not exist yet`);
    if (d.kind === 'bond') p.run(ip('link', 'set', 'dev', name, 'down'));
    p.run(ip('link', 'set', 'dev', name, 'master', d.name));
    p.run(ip('link', 'set', 'dev', name, 'up'));
    p.w.links.set(name, { name, kind: '?', up: true, carrier: false, mtu: 1500, addresses: [], master: d.name });
    return;
  }
  if (m.master === d.name) return p.up(m);
  // A member's own addresses would answer beside its master's, and no backend file keeps them:
  // they go (inherit_address_from has already moved them to the master, when it names this one).
  for (const a of [...m.addresses]) {
    p.delAddress(m, a);
    p.notes.push(`${name}: address ${a} removed (a ${memberNoun(d.kind)} has none of its own)`);
  }
  // A bond takes a slave only while it is down.
  if (d.kind === 'bond' && m.up) {
    p.run(ip('link', 'set', 'dev', name, 'down'));
    m.up = false;
  }
  p.run(ip('link', 'set', 'dev', name, 'master', d.name));
  m.master = d.name;
  p.notes.push(`${name} ${memberNoun(d.kind)} of ${d.name}`);
  p.up(m);
}

function converge(p: Plan, d: Desired): void {
  let cur = p.link(d.name);
  const carried: { addresses: string[]; routes: LiveRoute[]; mtu?: number } = { addresses: [], routes: [] };
  if (cur && !VIRTUAL_KINDS.has(cur.kind) && cur.kind !== d.kind) throw new Error(`${d.name} exists and is ${cur.kind ? `a ${cur.kind}` : 'a physical'} interface: choose another name`);
  const why = cur && replaceReason(d, cur);
  if (cur && why) {
    carried.addresses = [...cur.addresses];
    carried.mtu = cur.mtu;
    carried.routes = p.w.routes.filter((r) => r.dev === d.name);
    for (const m of [...p.w.links.values()].filter((l) => l.master === d.name)) p.nomaster(m);
    p.del(d.name);
    p.notes.push(`replace ${d.name}: ${why} (the kernel cannot change that in place)`);
    cur = undefined;
  }
  const fresh = !cur;
  // A VLAN carries nothing over a parent that is down.
  const parent = d.vlan ? p.link(d.vlan.link) : undefined;
  if (parent && !parent.up) {
    p.up(parent);
    p.notes.push(`${parent.name} up (the parent of ${d.name})`);
  }
  if (!cur) {
    cur = create(p, d);
    if (!why) p.notes.push(`create ${d.kind} ${d.name}`);
  } else tune(p, d, cur);

  // Addresses moving from another interface leave it first: it may become one of our members.
  const src = d.inheritFrom ? p.link(d.inheritFrom) : undefined;
  let inherited: string[] = [];
  let inheritedGateway: string | undefined;
  if (src && src.name !== d.name) {
    inherited = [...src.addresses];
    inheritedGateway = p.w.routes.find((r) => r.to === 'default' && r.dev === src.name && r.via)?.via;
    for (const a of inherited) p.delAddress(src, a);
    if (inherited.length) p.notes.push(`addresses of ${src.name} move to ${d.name}`);
  }

  const want = new Set(members(d));
  // Taps (kind tun) are guests' NICs that a hypervisor (libvirt's vnetN) puts on a bridge and
  // takes off again: a bridge's ports are the host's own links; the guests' stay.
  for (const m of [...p.w.links.values()].filter((l) => l.master === d.name && !want.has(l.name) && l.kind !== 'tun')) {
    p.nomaster(m);
    p.notes.push(`${m.name} released from ${d.name}`);
  }
  for (const m of members(d)) enslave(p, d, m);
  // A bridge whose MTU nobody set follows its ports' smallest (Linux 4.17 and later).
  if (d.kind === 'bridge' && d.mtu === undefined && carried.mtu === undefined) {
    const mtus = members(d).map((n) => p.link(n)?.mtu).filter((m): m is number => m !== undefined);
    if (mtus.length) cur.mtu = Math.min(...mtus);
  }
  if (d.bond?.primary !== undefined && cur.bond && cur.bond.primary !== d.bond.primary) {
    p.run(ip('link', 'set', 'dev', d.name, 'type', 'bond', 'primary', d.bond.primary));
    cur.bond.primary = d.bond.primary;
    if (!fresh) p.notes.push(`${d.name}: primary ${d.bond.primary}`);
  }
  // A remade interface keeps the MTU it had, unless the task sets one.
  const mtu = d.mtu ?? carried.mtu;
  if (mtu !== undefined && cur.mtu !== mtu) {
    p.run(ip('link', 'set', 'dev', d.name, 'mtu', mtu));
    if (!fresh) p.notes.push(`${d.name}: mtu ${cur.mtu} -> ${mtu}`);
    cur.mtu = mtu;
  }
  if (!cur.up && !fresh) p.notes.push(`${d.name} up`);
  p.up(cur);

  // Addresses: those the task names (or inherits), else those it had before a replace.
  let addresses: string[] | undefined;
  if (d.inheritFrom) addresses = inherited.length ? inherited : d.method === 'static' && d.addresses.length ? d.addresses : undefined;
  else if (d.method === 'static') addresses = d.addresses;
  else if (d.method === 'manual') addresses = [];
  if (addresses === undefined && carried.addresses.length) addresses = carried.addresses;
  if (addresses !== undefined) {
    for (const a of [...cur.addresses]) {
      if (addresses.includes(a)) continue;
      p.delAddress(cur, a);
      p.notes.push(`${d.name}: address ${a} removed`);
    }
    for (const a of addresses) {
      if (cur.addresses.includes(a)) continue;
      p.addAddress(cur, a);
      p.notes.push(`${d.name}: address ${a}`);
    }
  }
  const gateway = d.gateway ?? inheritedGateway;
  if (gateway && (d.method !== 'dhcp' || d.gateway)) {
    const had = p.steps.length;
    p.route('default', gateway, d.name);
    if (p.steps.length > had) p.notes.push(`default route via ${gateway} dev ${d.name}`);
  }
  for (const r of d.routes ?? []) {
    const had = p.steps.length;
    p.route(r.to, r.via, d.name);
    if (p.steps.length > had) p.notes.push(`route ${r.to} via ${r.via} dev ${d.name}`);
  }
  for (const r of carried.routes) if (r.via && !(d.gateway && r.to === 'default')) p.route(r.to, r.via, d.name);
}

function remove(p: Plan, d: Desired): void {
  const cur = p.link(d.name);
  if (!cur) return;
  if (cur.kind !== d.kind) throw new Error(`${d.name} is ${cur.kind ? `a ${cur.kind}` : 'a physical'} interface, not a ${d.kind}: it is not removed`);
  // The addresses go back to the interface they came from, once it is free.
  const back = d.inheritFrom && d.inheritFrom !== d.name ? { addresses: [...cur.addresses], gateway: p.w.routes.find((r) => r.to === 'default' && r.dev === d.name && r.via)?.via } : undefined;
  const freed = [...p.w.links.values()].filter((l) => l.master === d.name);
  for (const m of freed) p.nomaster(m);
  p.del(d.name);
  p.notes.push(`remove ${d.kind} ${d.name}${freed.length ? `, releasing ${freed.map((m) => m.name).join(', ')}` : ''}`);
  for (const m of freed) p.up(m);
  const dst = back && p.link(d.inheritFrom!);
  if (back && dst) {
    for (const a of back.addresses) if (!dst.addresses.includes(a)) p.addAddress(dst, a);
    if (back.gateway) p.route('default', back.gateway, dst.name);
    if (back.addresses.length) p.notes.push(`addresses return to ${dst.name}`);
  }
}

/**
 * The interfaces a task touches, and its view shows: itself, its members now and after, VLANs
 * on it (deleting a device takes them along), and where addresses move.
 */
export function touched(d: Desired, live: Live, world: Live): string[] {
  const names = new Set<string>([d.name, ...members(d)]);
  for (const w of [live, world]) for (const l of w.links.values()) if (l.master === d.name || l.link === d.name) names.add(l.name);
  if (d.inheritFrom) names.add(d.inheritFrom);
  if (d.vlan) names.delete(d.vlan.link);
  return [...names];
}

/** The live view of some interfaces: the lines a before/after diff compares. */
export function view(w: Live, names: readonly string[]): string {
  const out: string[] = [];
  for (const name of names) {
    const l = w.links.get(name);
    if (!l) {
      out.push(`${name}: absent`);
      continue;
    }
    const head = [l.kind || 'ethernet', l.up ? 'up' : 'down', `mtu ${l.mtu}`];
    if (l.master) head.push(`master ${l.master}`);
    out.push(`${name}: ${head.join(', ')}`);
    if (l.kind === 'vlan') out.push(`  vlan ${l.vlanId} on ${l.link}`);
    if (l.bridge) out.push(`  stp ${l.bridge.stp ? 'on' : 'off'}, forward_delay ${l.bridge.forward_delay}`);
    if (l.bond) {
      const b = l.bond;
      const opts = [`mode ${b.mode}`, `miimon ${b.miimon}`, `updelay ${b.updelay}`, `downdelay ${b.downdelay}`];
      if (b.primary) opts.push(`primary ${b.primary}`);
      if (b.mode === 'balance-xor' || b.mode === '802.3ad' || b.mode === 'balance-tlb' || b.mode === 'balance-alb') opts.push(`xmit_hash_policy ${b.xmit_hash_policy}`);
      if (b.mode === '802.3ad') opts.push(`lacp_rate ${b.lacp_rate}`);
      if (b.arp_interval) opts.push(`arp_interval ${b.arp_interval}`, `arp_ip_target ${(b.arp_ip_target ?? []).join(',') || '-'}`);
      out.push(`  ${opts.join(', ')}`);
    }
    if (l.kind === 'bond' || l.kind === 'bridge') {
      const ms = [...w.links.values()].filter((m) => m.master === name).map((m) => m.name);
      out.push(`  ${l.kind === 'bond' ? 'slaves' : 'ports'}: ${ms.join(', ') || '-'}`);
    }
    if (l.addresses.length) out.push(`  addresses: ${l.addresses.join(', ')}`);
    for (const r of w.routes) if (r.dev === name && r.via) out.push(`  route ${r.to} via ${r.via}`);
  }
  return out.join('\n') + '\n';
}

/**
 * The task with what it leaves unset filled in from the host (or the defaults of a new
 * interface): a bridge's ports and stp, a bond's miimon. What the live plan and the files
 * compare and write is then the same for both.
 */
export function settle(d: Desired, live: Live): Desired {
  const cur = live.links.get(d.name);
  const same = cur?.kind === d.kind ? cur : undefined;
  if (d.bridge) {
    const ports = d.bridge.ports ?? (same ? [...live.links.values()].filter((l) => l.master === d.name).map((l) => l.name) : []);
    return { ...d, bridge: { ...d.bridge, ports, stp: d.bridge.stp ?? same?.bridge?.stp ?? false } };
  }
  if (d.bond && d.bond.miimon === undefined) {
    const miimon = same?.bond ? same.bond.miimon : d.bond.arp_interval ? undefined : 100;
    return { ...d, bond: { ...d.bond, miimon } };
  }
  return d;
}

/** The live plan of one task (see the header); `error` instead of steps when it must not run. */
export function livePlan(d: Desired, live: Live): LivePlan {
  const p = new Plan(cloneLive(live));
  let error: string | undefined;
  try {
    for (const m of members(d)) {
      const l = live.links.get(m);
      if (l?.master && l.master !== d.name) {
        const other = live.links.get(l.master);
        throw new Error(`${m} is already a ${other?.kind === 'bond' ? 'slave of bond' : other?.kind === 'bridge' ? 'port of bridge' : 'member of'} ${l.master}: take it out of ${l.master} first`);
      }
    }
    if (d.state === 'absent') remove(p, d);
    else converge(p, d);
  } catch (e) {
    error = (e as Error).message;
  }
  const names = touched(d, live, p.w);
  // A VLAN's parent shows when the task brings it up.
  const parent = d.vlan ? live.links.get(d.vlan.link) : undefined;
  if (parent && parent.up !== p.w.links.get(parent.name)?.up) names.push(parent.name);
  return { steps: error ? [] : p.steps, before: view(live, names), after: view(p.w, names), notes: error ? [] : p.notes, error, world: p.w };
}

/** Re-creates a link as it was (a replaced or removed bond, VLAN or bridge), with the options its kind and mode take. */
function recreate(l: LiveLink): ExecStep[] {
  if (l.kind === 'bridge') return [ip('link', 'add', 'name', l.name, 'type', 'bridge', 'stp_state', l.bridge?.stp ? 1 : 0, 'forward_delay', (l.bridge?.forward_delay ?? 15) * 100)];
  if (l.kind === 'vlan' && l.link && l.vlanId !== undefined) return [ip('link', 'add', 'link', l.link, 'name', l.name, 'type', 'vlan', 'id', l.vlanId)];
  if (l.kind === 'bond' && l.bond) {
    const b = l.bond;
    const opts: (string | number)[] = ['mode', b.mode ?? 'balance-rr'];
    if (b.arp_interval) opts.push('arp_interval', b.arp_interval, 'arp_ip_target', (b.arp_ip_target ?? []).join(','));
    else if (b.miimon !== undefined) opts.push('miimon', b.miimon);
    for (const k of ['updelay', 'downdelay'] as const) if (b[k]) opts.push(k, b[k]!);
    if (b.xmit_hash_policy && b.xmit_hash_policy !== 'layer2') opts.push('xmit_hash_policy', b.xmit_hash_policy);
    if (b.mode === '802.3ad' && b.lacp_rate) opts.push('lacp_rate', b.lacp_rate);
    return [ip('link', 'add', 'name', l.name, 'type', 'bond', ...opts)];
  }
  return [];
}

/** The settings of a virtual link that only a re-creation puts back in every case. */
function settings(l: LiveLink | undefined): string {
  return JSON.stringify([l?.kind, l?.bond, l?.bridge, l?.vlanId, l?.link]);
}

/**
 * Commands that bring the interfaces a task touches back from whatever the apply left (all of
 * it, part of it, or none) to `before`: links it made are deleted, links it deleted are made
 * again, then every touched link gets its master, MTU, up/down state, addresses and routes of
 * before. Each command is meant to run whatever the others do (see Guard).
 */
export function restoreSteps(before: Live, after: Live, names: readonly string[]): ExecStep[] {
  const steps: ExecStep[] = [];
  for (const n of names) if (!before.links.has(n) && after.links.has(n) && VIRTUAL_KINDS.has(after.links.get(n)!.kind)) steps.push(ip('link', 'del', 'dev', n));
  const back = names.map((n) => before.links.get(n)).filter((l): l is LiveLink => l !== undefined);
  for (const l of back) {
    const now = after.links.get(l.name);
    if (now && VIRTUAL_KINDS.has(l.kind) && settings(now) !== settings(l)) steps.push(ip('link', 'del', 'dev', l.name));
    if (!now || (VIRTUAL_KINDS.has(l.kind) && settings(now) !== settings(l))) steps.push(...recreate(l));
  }
  for (const l of back) {
    const master = l.master ? before.links.get(l.master) : undefined;
    if (master?.kind === 'bond') steps.push(ip('link', 'set', 'dev', l.name, 'down'));
    steps.push(l.master ? ip('link', 'set', 'dev', l.name, 'master', l.master) : ip('link', 'set', 'dev', l.name, 'nomaster'));
    if (l.mtu) steps.push(ip('link', 'set', 'dev', l.name, 'mtu', l.mtu));
    steps.push(ip('link', 'set', 'dev', l.name, l.up ? 'up' : 'down'));
    steps.push(ip('addr', 'flush', 'dev', l.name, 'scope', 'global'));
    for (const a of l.addresses) steps.push(ip('addr', 'add', a, 'dev', l.name));
  }
  for (const r of before.routes) {
    if (!r.via || !r.dev || (r.to !== 'default' && !names.includes(r.dev))) continue;
    steps.push(ip(...(family(r.via) === 6 ? ['-6'] : []), 'route', 'replace', r.to, 'via', r.via, 'dev', r.dev));
  }
  return steps;
}
