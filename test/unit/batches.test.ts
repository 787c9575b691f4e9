/** serial and order as ansible-core 2.14 cuts batches (pct_to_int, the last entry repeating). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batches, hostCount, ordered } from '../../src/executor/batches.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);
const sizes = (n: number, serial: unknown) => batches(hosts(n), serial, { file: 'site.yml', line: 1 }).map((b) => b.length);

test('serial: a number, a percentage (rounded down, at least 1), a list whose last repeats, 0 or none for one batch', () => {
  assert.deepEqual(sizes(20, [1, '25%']), [1, 5, 5, 5, 4]);
  assert.deepEqual(sizes(6, 2), [2, 2, 2]);
  assert.deepEqual(sizes(7, '30%'), [2, 2, 2, 1]);
  assert.deepEqual(sizes(3, '10%'), [1, 1, 1]);
  assert.deepEqual(sizes(5, [1, 2, 0]), [1, 2, 2]);
  assert.deepEqual(sizes(5, undefined), [5]);
  assert.deepEqual(sizes(5, 0), [5]);
  assert.deepEqual(sizes(0, 2), []);
  assert.deepEqual(batches(hosts(5), ['2'], { file: 'x', line: 1 }), [['h1', 'h2'], ['h3', 'h4'], ['h5']]);
  assert.throws(() => sizes(5, 'many'), /serial must be a number of hosts or a percentage, got 'many'/);
});

test('hostCount: the count that serial and max_fail_total share, its error naming the keyword', () => {
  const pos = { file: 'site.yml', line: 3 };
  assert.equal(hostCount('10%', 20, 'max_fail_total', pos), 2);
  assert.equal(hostCount('1%', 20, 'max_fail_total', pos), 1);
  assert.equal(hostCount(3, 20, 'max_fail_total', pos), 3);
  assert.throws(() => hostCount('two', 20, 'max_fail_total', pos), /max_fail_total must be a number of hosts or a percentage, got 'two'/);
});

test('order: inventory, reverse, sorted, reverse sorted; shuffle keeps every host once', () => {
  const names = ['b', 'c', 'a'];
  assert.deepEqual(ordered(names), ['b', 'c', 'a']);
  assert.deepEqual(ordered(names, 'reverse_inventory'), ['a', 'c', 'b']);
  assert.deepEqual(ordered(names, 'sorted'), ['a', 'b', 'c']);
  assert.deepEqual(ordered(names, 'reverse_sorted'), ['c', 'b', 'a']);
  assert.deepEqual(ordered(names, 'shuffle').sort(), ['a', 'b', 'c']);
  assert.deepEqual(names, ['b', 'c', 'a'], 'the input is left alone');
});
