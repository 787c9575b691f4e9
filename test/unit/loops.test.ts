/**
 * The with_<lookup> loops beyond what test/fixtures/local/loops.yml compares with
 * ansible-playbook: the sequence forms and their refusals, empty and uneven inputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loopItems } from '../../src/playbook/loops.js';

test('with_sequence: counts backwards with a negative stride, reads hex and octal, formats like Python', () => {
  assert.deepEqual(loopItems('sequence', '5-1/-2', '.'), ['5', '3', '1']);
  assert.deepEqual(loopItems('sequence', '0x0a-0x0c', '.'), ['10', '11', '12']);
  assert.deepEqual(loopItems('sequence', 'start=0 end=2 format=%-3d|', '.'), ['0  |', '1  |', '2  |']);
  assert.deepEqual(loopItems('sequence', 'start=8 count=3 stride=4 format=%03o', '.'), ['010', '014', '020']);
  assert.deepEqual(loopItems('sequence', 'count=0', '.'), []);
  assert.deepEqual(loopItems('sequence', ['1-2', 'start=7 end=7'], '.'), ['1', '2', '7']);
});

test('with_sequence refuses what Ansible refuses', () => {
  assert.throws(() => loopItems('sequence', 'start=5 end=1', '.'), /to count backwards make stride negative/);
  assert.throws(() => loopItems('sequence', 'start=1', '.'), /must specify count or end/);
  assert.throws(() => loopItems('sequence', 'count=2 end=3', '.'), /can't specify both count and end/);
  assert.throws(() => loopItems('sequence', 'begin=1 end=3', '.'), /unrecognized argument 'begin'/);
});

test('with_together pads, with_nested multiplies, and both want lists of lists', () => {
  assert.deepEqual(loopItems('together', [[1], [2, 3], []], '.'), [[1, 2, null], [null, 3, null]]);
  assert.deepEqual(loopItems('nested', [[1, 2], ['a'], [true, false]], '.'), [[1, 'a', true], [1, 'a', false], [2, 'a', true], [2, 'a', false]]);
  assert.deepEqual(loopItems('nested', [], '.'), []);
  assert.throws(() => loopItems('together', [1, 2], '.'), /with_together expects a list of lists/);
});

test('with_subelements leaves the parent it was given untouched and follows a dotted key', () => {
  const parents = [{ n: 'a', x: { keys: [1, 2] } }];
  assert.deepEqual(loopItems('subelements', [parents, 'x.keys'], '.'), [[{ n: 'a', x: {} }, 1], [{ n: 'a', x: {} }, 2]]);
  assert.deepEqual(parents, [{ n: 'a', x: { keys: [1, 2] } }]);
  assert.throws(() => loopItems('subelements', [[{ n: 'b' }], 'keys'], '.'), /could not find 'keys' key/);
});
