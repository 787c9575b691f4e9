/**
 * The benchmark in miniature, for CI: 5 lab hosts, one round, tsplay only (plus the plain
 * OpenSSH one-trip script as the reference state). It checks what the full benchmark relies
 * on and what tsplay promises about round trips:
 *   - facts cost exactly 1 round trip per host (second run minus the same run without facts);
 *   - on a converged fleet every task costs at most 1 round trip (probes batched: often 0);
 *   - on the first run every changed task costs at most 2 (probe + apply);
 *   - the first run changes every task on every host, later runs and --check change nothing;
 *   - tsplay leaves exactly the files, modes, owners and group that the hand-written OpenSSH
 *     script leaves (the benchmark's state check).
 * Needs root (the lab); skipped loudly otherwise. Takes a few seconds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp, type Lab } from '../src/lab/index.js';
import { checkState, freshFleet, makeEnv, measured } from '../bench/run.js';
import type { FleetState } from '../bench/state.js';
import { tsplayRoundTrips, type Env, type Phase } from '../bench/tools.js';

const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
if (skip) console.log(`# bench smoke test skipped: ${skip}`);

const HOSTS = 5;
/** Tasks of bench/playbook/site.yml (the handler not included). */
const TASKS = 10;

let work: string;
let lab: Lab | undefined;
let env: Env;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'tsplay-bench-smoke-'));
  lab = await labUp(HOSTS, { dir: join(work, 'lab') });
  env = makeEnv(lab, work);
});

after(async () => {
  if (lab) await labDown(lab.dir);
  if (work) rmSync(work, { recursive: true, force: true });
});

interface PhaseRun {
  /** Per host: round trips in all and per task (facts under 'Gathering Facts'). */
  trips: Map<string, { total: number; perTask: Map<string, number> }>;
  changed: Map<string, number>;
}

async function tsplayPhase(phase: Phase): Promise<PhaseRun> {
  const { stdout } = await measured('tsplay', phase, env, 1, true);
  const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const recap = events.find((e) => e.kind === 'recap');
  assert.ok(recap, `tsplay ${phase}: no recap event`);
  const trips = new Map<string, { total: number; perTask: Map<string, number> }>();
  const changed = new Map<string, number>();
  for (const h of lab!.hosts) {
    const t = tsplayRoundTrips(stdout, h.name);
    trips.set(h.name, { total: t.total, perTask: new Map(t.perTask.map((x) => [x.task, x.trips])) });
    changed.set(h.name, recap.stats[h.name].changed);
  }
  return { trips, changed };
}

test('bench smoke: round trips per task and the state check, 5 hosts', { skip, timeout: 120_000 }, async () => {
  const first = await tsplayPhase('first');
  const second = await tsplayPhase('second');
  const nofacts = await tsplayPhase('nofacts');
  const check = await tsplayPhase('check');

  for (const h of lab!.hosts.map((x) => x.name)) {
    // Every task and the handler change on a fresh host; nothing changes afterwards.
    assert.equal(first.changed.get(h), TASKS, `${h}: first run changes`);
    for (const [name, run] of [['second', second], ['nofacts', nofacts], ['check', check]] as const) {
      assert.equal(run.changed.get(h), 0, `${h}: ${name} run changes nothing`);
    }

    // Facts: one round trip.
    const s = second.trips.get(h)!;
    const n = nofacts.trips.get(h)!;
    assert.equal(s.perTask.get('Gathering Facts'), 1, `${h}: facts cost 1 round trip`);
    assert.equal(s.total - n.total, 1, `${h}: the run with facts costs exactly 1 round trip more than without`);

    // Converged: at most 1 per unchanged task, never more than facts + one per task.
    for (const [name, run] of [['second', s], ['nofacts', n], ['check', check.trips.get(h)!]] as const) {
      for (const [task, trips] of run.perTask) {
        if (task !== 'Gathering Facts') assert.ok(trips <= 1, `${h}: ${name} run: task '${task}' took ${trips} round trips (want ≤ 1)`);
      }
      assert.ok(run.total <= TASKS + 1, `${h}: ${name} run took ${run.total} round trips`);
    }

    // First run: at most 2 per changed task (probe + apply).
    const f = first.trips.get(h)!;
    assert.equal(f.perTask.get('Gathering Facts'), 1, `${h}: facts cost 1 round trip on the first run`);
    for (const [task, trips] of f.perTask) assert.ok(trips <= 2, `${h}: first run: task '${task}' took ${trips} round trips (want ≤ 2)`);
  }

  // tsplay's converged fleet is the one the hand-written OpenSSH script makes.
  const ref: { state?: FleetState; label?: string } = {};
  await checkState(lab!, 'tsplay', ref);
  await freshFleet(lab!);
  for (const phase of ['first', 'second'] as const) await measured('onetrip', phase, env, 1);
  await checkState(lab!, 'OpenSSH one trip', ref);
});
