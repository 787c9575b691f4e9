/**
 * Properties of the Python value layer over generated values: float and string repr read
 * back to the same value, json.dumps output is JSON, YAML dumps read back as PyYAML would,
 * and Python truthiness/equality rules hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pyRepr, truthy } from '../../src/template/index.js';
import { fromYaml } from '../../src/template/filters-data.js';
import { jsonDumps } from '../../src/template/json.js';
import { literalEval } from '../../src/template/literal.js';
import { PyFloat, floatRepr, pyEq, toNative } from '../../src/template/pyvalues.js';
import { yamlDump } from '../../src/template/yamldump.js';

const text = fc.string({ unit: 'binary', maxLength: 30 });
const key = fc.string({ unit: 'binary', minLength: 0, maxLength: 12 });
/** JSON-ish values as YAML/JSON variables hold them (no -0, which JSON cannot tell from 0). */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('yes', 'no', 'on', '~', '', '123', '1.5', '0x1F', '2001-01-01', 'a: b', '- x', '#c', "it's", ' lead', 'trail ', 'multi\nline', '[x]', '=', '<<'),
  ),
  node: fc.oneof({ maxDepth: 3 }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
})).node;

describe('Python repr', () => {
  it('floatRepr reads back as the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const r = floatRepr(x);
        assert.ok(Object.is(Number(r), x) || (x === 0 && Number(r) === 0), r);
        assert.match(r, /^-?(\d+\.\d+|\d(\.\d+)?e[-+]\d{2,3})$/);
      }),
    );
  });
  it('matches Python on representative floats', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'], [1e16, '1e+16'], [1e15, '1000000000000000.0'], [1e-5, '1e-05'], [0.0001, '0.0001'],
      [123.456, '123.456'], [-2.5e-7, '-2.5e-07'], [1.7976931348623157e308, '1.7976931348623157e+308'], [5e-324, '5e-324'],
    ];
    for (const [x, want] of cases) assert.equal(floatRepr(x), want);
  });
  it('pyRepr of any value reads back through literal_eval', () => {
    fc.assert(fc.property(value, (v) => assert.ok(pyEq(toNative(literalEval(pyRepr(v))), v), pyRepr(v))));
  });
  it('prints strings as Python does', () => {
    assert.equal(pyRepr(["it's", 'say "hi"', 'both \' "', 'tab\t', '\x00\x7f', 'é☃', '\u2028']), `["it's", 'say "hi"', 'both \\' "', 'tab\\t', '\\x00\\x7f', 'é☃', '\\u2028']`);
    assert.equal(pyRepr({ a: [1, new PyFloat(2), null, true, { b: 'c' }] }), "{'a': [1, 2.0, None, True, {'b': 'c'}]}");
  });
});

describe('json.dumps', () => {
  it('produces JSON that parses back to the value, compact and indented', () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.ok(pyEq(JSON.parse(jsonDumps(v)), v));
        assert.ok(pyEq(JSON.parse(jsonDumps(v, { indent: 4, sortKeys: true })), v));
      }),
    );
  });
  it('escapes non-ASCII and sorts keys by code point as Python does', () => {
    assert.equal(jsonDumps({ b: 'é', a: '\u{1F600}', B: 1 }, { sortKeys: true }), '{"B": 1, "a": "\\ud83d\\ude00", "b": "\\u00e9"}');
    assert.equal(jsonDumps({ x: 'é' }, { ensureAscii: false }), '{"x": "é"}');
  });
});

describe('YAML dumps', () => {
  it('read back to the same value with PyYAML rules (to_yaml and to_nice_yaml)', () => {
    fc.assert(
      fc.property(value, (v) => {
        for (const opts of [{ indent: 2, flowStyle: null }, { indent: 4, flowStyle: false }]) {
          const dumped = yamlDump(v, opts);
          assert.ok(pyEq(toNative(fromYaml(dumped)), v), dumped);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('truthiness and equality', () => {
  it('follow Python', () => {
    for (const v of [[], {}, '', 0, null, false, new PyFloat(0)]) assert.equal(truthy(v), false, pyRepr(v));
    for (const v of [[0], { a: 0 }, ' ', 1, -1, 'False', new PyFloat(2), Number.NaN]) assert.equal(truthy(v), true, pyRepr(v));
    assert.ok(pyEq(1, true) && pyEq(1, new PyFloat(1)) && pyEq([1, { a: 'x' }], [1, { a: 'x' }]));
    assert.ok(!pyEq('1', 1) && !pyEq(null, 0) && !pyEq([1], [1, 2]) && !pyEq({ a: 1 }, { b: 1 }));
  });
});
