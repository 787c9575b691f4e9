/**
 * src/py/bool.ts against Python: convert_bool.boolean (strict and not) and the 2.14 `bool`
 * filter, written out in the Python script from their documented sets, over every spelling in
 * every case mix, with Python whitespace around it, and over numbers, None and booleans. The
 * comparison runs Python's own `in`, lower() and strip(), which is where spellings disagreed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOOLEANS_TRUE, boolean, booleanOf, jinjaBool } from '../../src/py/bool.js';
import { python, rng } from './oracle.js';

const r = rng(0xb001);
const SPELLINGS = ['y', 'yes', 'on', '1', 'true', 't', 'n', 'no', 'off', '0', 'false', 'f', '2', '', 'ye', 'yess', 'none', 'null', 'enable', '1.0', '０', 'ｙ'];
const SPACE = ['', ' ', '\t', '\n', '\x1c', '\x85', '\xa0', '\u3000', '\ufeff', '\v'];

type Value = string | number | boolean | null | { float: number };

const SCRIPT = String.raw`
import json, sys
TRUE = frozenset(('y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True))
FALSE = frozenset(('n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False))
def boolean(value, strict):
    if isinstance(value, bool):
        return value
    normalized = value
    if isinstance(value, str):
        normalized = value.lower().strip()
    if normalized in TRUE:
        return True
    if normalized in FALSE or not strict:
        return False
    raise TypeError(value)
def to_bool(a):
    if a is None or isinstance(a, bool):
        return a
    if isinstance(a, str):
        a = a.lower()
    return a in ('yes', 'on', '1', 'true', 1)
def attempt(f):
    try:
        return f()
    except TypeError:
        return 'error'
out = []
for v in json.load(sys.stdin):
    if isinstance(v, dict):
        v = float(v['float'])
    out.append([attempt(lambda: boolean(v, True)), boolean(v, False), to_bool(v), v.lower() in TRUE if isinstance(v, str) else None])
print(json.dumps(out))
`;

function caseMix(s: string): string {
  return [...s].map((c) => (r.chance(0.5) ? c.toUpperCase() : c)).join('');
}

test('bool: boolean() and the bool filter agree with Python on every spelling', (t) => {
  const values: Value[] = [true, false, null, 0, 1, 2, -1, 0.5, { float: 1 }, { float: 0 }, { float: -0 }, { float: 1.5 }];
  for (const s of SPELLINGS) for (let n = 0; n < 120; n++) values.push(r.pick(SPACE) + caseMix(s) + r.pick(SPACE));
  const expected = python<[boolean | 'error', boolean, boolean | null, boolean | null][]>(SCRIPT, values);
  values.forEach((v, i) => {
    const js = typeof v === 'object' && v !== null ? v.float : v;
    const [strict, lax, filter, spelledTrue] = expected[i]!;
    let got: boolean | 'error';
    try {
      got = boolean(js);
    } catch (e) {
      assert.ok(e instanceof TypeError);
      got = 'error';
    }
    const where = JSON.stringify(v);
    assert.equal(got, strict, `boolean(${where})`);
    assert.equal(booleanOf(js) ?? 'error', strict, `booleanOf(${where})`);
    assert.equal(boolean(js, false), lax, `boolean(${where}, strict=False)`);
    assert.equal(jinjaBool(js), filter, `${where} | bool`);
    assert.equal(typeof js === 'string' ? BOOLEANS_TRUE.has(js.toLowerCase()) : null, spelledTrue, `${where}.lower() in BOOLEANS_TRUE`);
  });
  t.diagnostic(`${values.length} values`);
});
