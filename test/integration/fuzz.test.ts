/**
 * Seeded fuzzing of the shipped playbooks and inventories (line deletions and duplications,
 * re-indentation, type swaps, bad Jinja, aliases, deep nesting, invalid UTF-8) through the real
 * CLI: no stack trace, no hang past 10 s, no host contacted when the input is refused, and every
 * refusal (exit 5) names a file:line. The cases run in test/fuzz/driver.ts, inside a network
 * namespace where every address is local, so nothing leaves the machine and every connection
 * attempt is counted. TSPLAY_FUZZ_SEED replays or varies the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';

const skip = process.getuid?.() !== 0 ? 'the fuzz test needs root (a network namespace of its own)' : false;
const base = Number(process.env.TSPLAY_FUZZ_SEED ?? 20261205);
const SECONDS = 25;

function driver(seed: number): Promise<{ cases: number; exits: Record<string, number>; contacts: number; failures: unknown[] }> {
  return new Promise((resolve, reject) => {
    const script = `ip link set lo up && ip route add local 0.0.0.0/0 dev lo && exec "$0" --import tsx ${join(ROOT, 'test/fuzz/driver.ts')} ${seed} ${SECONDS}`;
    const child = spawn('unshare', ['--net', '--', 'sh', '-c', script, process.execPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`fuzz driver (seed ${seed}) exited ${code}`))));
  });
}

test('mutated playbooks and inventories: no stack trace, no hang, no host contacted when refused, file:line on every exit 5', { skip, timeout: 120_000 }, async () => {
  console.log(`fuzz seeds ${base} and ${base + 1} (set TSPLAY_FUZZ_SEED to vary)`);
  const reports = await Promise.all([driver(base), driver(base + 1)]);
  for (const r of reports) console.log(`fuzz: ${r.cases} cases, exits ${JSON.stringify(r.exits)}, ${r.contacts} connection attempts`);
  assert.deepEqual(reports.flatMap((r) => r.failures), []);
  const exits = reports.reduce((a, r) => a + (r.exits['5'] ?? 0), 0);
  const ran = reports.reduce((a, r) => a + (r.exits['4'] ?? 0), 0);
  // Both kinds occur, so both checks bite: refused inputs, and valid ones that did reach for hosts.
  assert.ok(exits >= 20, `only ${exits} cases were refused`);
  assert.ok(ran >= 5 && reports.some((r) => r.contacts > 0), 'no mutated input got as far as connecting');
});
