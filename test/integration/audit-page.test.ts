/**
 * The benchmark's page in a real browser, for CI: drift.html for 500 hosts x 50 tasks of
 * generated drift (bench/drift-page.ts) draws every host and cell in Debian's chromium, and a
 * host filter and grouping redraw it. Times are printed, never judged here: the benchmark
 * (npm run bench:page) reports them against its target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatedHosts, measurePage } from '../../bench/drift-page.js';

test('drift.html for 500 hosts x 50 tasks draws in chromium', async () => {
  const t = await measurePage(500, 50, 1);
  assert.equal(t.rows, 500, 'a row per host');
  assert.ok(t.readyMs > 0 && t.filterMs >= 0 && t.groupMs >= 0);
  console.log(`drift.html 500 hosts x 50 tasks (${(t.bytes / 1e6).toFixed(1)} MB): drawn in ${t.readyMs} ms, filter ${t.filterMs} ms, grouping ${t.groupMs} ms`);
});

test('the generated fleet is the same every time, with every status in it', () => {
  const a = generatedHosts(200, 20);
  assert.deepEqual(a, generatedHosts(200, 20));
  const statuses = new Set(Object.values(a).flatMap((h) => h.tasks.map((t) => t.status)));
  assert.deepEqual([...statuses].sort(), ['drifted', 'in sync', 'skipped', 'unpredictable', 'would fail']);
  assert.ok(Object.values(a).some((h) => !h.reachable));
});
