/**
 * `tsplay apply plan.json`: runs exactly the scripts a saved plan recorded, host by host (many
 * hosts in parallel), after checking that each host is still as the plan saw it. Per host, one
 * round trip re-runs every probe the plan made (per user and environment they ran with) and
 * compares their output's hashes: any difference refuses the host, "state changed since the
 * plan", before anything is applied to it; other hosts go on. Then each task's script runs in
 * plan order, one round trip each, stopping at the first failure.
 *
 * The probes are compared before any apply because that is the state the plan saw: in check
 * mode no task had changed anything before the next one probed.
 */
import pLimit from 'p-limit';
import { readChecked, shownPath } from '../core/local-files.js';
import { withEnvironment } from '../core/script.js';
import { raw } from '../core/sh.js';
import { batchScript, newNonce, splitBatch } from '../executor/probes.js';
import type { Inventory } from '../inventory/index.js';
import { createTransport, type Transport, type TransportSettings } from '../transport/index.js';
import { probeHash, SECRET } from './record.js';
import { type Entry, type HostPlan, PLAN_VERSION, type PlanFile, PlanFileSchema } from './schema.js';

export function readPlan(file: string): PlanFile {
  return readChecked(file, PlanFileSchema, { label: file, what: `a tsplay plan of version ${PLAN_VERSION}`, hint: 'give a plan.json that `tsplay plan -o` wrote' });
}

export type HostOutcome =
  | { host: string; status: 'applied'; changed: number; roundTrips: number }
  | { host: string; status: 'refused' | 'failed' | 'unreachable'; msg: string; changed: number; roundTrips: number };

const where = (e: Entry, cwd: string) => `${e.task} (${shownPath(e.file, cwd)}:${e.line})`;

/** Why the plan itself says the host cannot be applied, before connecting. */
function planRefusal(h: HostPlan, cwd: string): string | undefined {
  if (!h.reachable) return `it was unreachable when the plan was made (${h.reason})`;
  if (h.would_fail) return `the plan says ${h.would_fail.task} (${shownPath(h.would_fail.file, cwd)}:${h.would_fail.line}) would fail: ${h.would_fail.msg}`;
  const e = h.entries.find((x) => x.unplannable);
  if (e) return `${where(e, cwd)} could not be planned: ${e.unplannable}`;
  return undefined;
}

/** Every probe of the plan again, one round trip per user and environment; the first entry whose state differs. */
async function changedSincePlan(t: Transport, entries: Entry[]): Promise<Entry | undefined> {
  const groups = new Map<string, Entry[]>();
  for (const e of entries.filter((x) => x.probe)) {
    const key = JSON.stringify([e.become, e.env]);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  for (const group of groups.values()) {
    const nonce = newNonce();
    const script = withEnvironment(batchScript(group.map((e) => raw(e.probe!.script)), nonce), group[0]!.env ?? undefined);
    const outs = splitBatch(await t.run(script.text, { become: group[0]!.become }), nonce, group.length);
    const differs = group.find((e, i) => probeHash(outs[i]!) !== e.probe!.sha256);
    if (differs) return differs;
  }
  return undefined;
}

async function applyHost(name: string, h: HostPlan, settings: TransportSettings, secrets: Record<string, unknown>, cwd: string, say: (line: string) => void): Promise<HostOutcome> {
  const refusal = planRefusal(h, cwd);
  if (refusal) return { host: name, status: 'refused', msg: refusal, changed: 0, roundTrips: 0 };
  // Nothing probed, nothing to run: nothing to connect for.
  if (!h.entries.some((e) => e.probe || e.apply)) return { host: name, status: 'applied', changed: 0, roundTrips: 0 };
  let t: Transport | undefined;
  let changed = 0;
  try {
    t = createTransport(name, { ...h.connection, ...secrets }, settings);
    await t.connect();
    const differs = await changedSincePlan(t, h.entries);
    if (differs) return { host: name, status: 'refused', msg: `state changed since the plan: ${where(differs, cwd)}; nothing was applied to it`, changed: 0, roundTrips: t.roundTrips };
    for (const e of h.entries) {
      if (e.apply === null) continue;
      const res = await t.run(withEnvironment(raw(e.apply), e.env ?? undefined).text, { become: e.become, timeoutMs: e.timeout_ms ?? undefined });
      if (res.rc !== 0) {
        const msg = e.no_log ? 'hidden (no_log)' : res.stderr.trim() || `exit code ${res.rc}`;
        say(`failed: [${name}] ${where(e, cwd)}: ${msg}`);
        return { host: name, status: 'failed', msg: `${where(e, cwd)}: ${msg}`, changed, roundTrips: t.roundTrips };
      }
      changed++;
      say(`changed: [${name}] ${where(e, cwd)}`);
    }
    return { host: name, status: 'applied', changed, roundTrips: t.roundTrips };
  } catch (e) {
    return { host: name, status: 'unreachable', msg: (e as Error).message, changed, roundTrips: t?.roundTrips ?? 0 };
  } finally {
    await t?.close();
  }
}

export interface ApplyOptions {
  forks: number;
  transport: TransportSettings;
  /** The inventory, when given: connection passwords, which plans do not hold, come from it. */
  inventory?: Inventory;
  limit?: string[];
  cwd: string;
  write: (text: string) => void;
}

/** Applies the plan; exit code 0 all applied, 2 a host refused or failed, 4 a host unreachable. */
export async function applyPlan(plan: PlanFile, o: ApplyOptions): Promise<{ exitCode: number; outcomes: HostOutcome[] }> {
  const limit = pLimit(o.forks);
  const names = Object.keys(plan.hosts).filter((n) => !o.limit || o.limit.includes(n));
  const outcomes = await Promise.all(
    names.map((n) =>
      limit(() => {
        const vars = o.inventory?.hosts.has(n) ? o.inventory.hostVars(n) : {};
        const secrets = Object.fromEntries(Object.entries(vars).filter(([k]) => k.startsWith('ansible_') && SECRET.test(k)));
        return applyHost(n, plan.hosts[n]!, o.transport, secrets, o.cwd, (line) => o.write(`${line}\n`));
      }),
    ),
  );
  o.write('\nAPPLY RECAP *******************************************************************\n');
  for (const r of outcomes) o.write(`${r.host.padEnd(26)} : ${r.status.padEnd(11)} changed=${r.changed} round_trips=${r.roundTrips}${'msg' in r ? `  ${r.msg}` : ''}\n`);
  const exitCode = outcomes.some((r) => r.status === 'unreachable') ? 4 : outcomes.some((r) => r.status !== 'applied') ? 2 : 0;
  return { exitCode, outcomes };
}
