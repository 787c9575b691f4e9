/**
 * The pieces the inventory parsers are built from (Python literal typing, Python shlex, host
 * ranges, PyYAML typing) and the errors tsplay raises where Ansible would fall back to a
 * partial or empty inventory. Expected values in the first part were checked against Python
 * 3.11 (ast.literal_eval, shlex.split) and ansible-core 2.14.18.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { expandHostPattern } from '../../src/inventory/addresses.js';
import { parseAnsibleYaml, parseIniValue } from '../../src/inventory/index.js';
import { literalEval } from '../../src/inventory/pyliteral.js';
import { shlexSplit } from '../../src/py/shlex.js';

const pyShlexSplit = (line: string) => shlexSplit(line, true);

describe('Python literal typing of INI values', () => {
  const cases: [string, unknown][] = [
    ['5432', 5432],
    ['-5', -5],
    ['+7', 7],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['0x1F', 31],
    ['0o17', 15],
    ['0b101', 5],
    ['1_000', 1000],
    ['True', true],
    ['False', false],
    ['None', null],
    ["['/a', 1]", ['/a', 1]],
    ["{'a': 1, 'b': [True, None]}", { a: 1, b: [true, null] }],
    ['1, 2', [1, 2]],
    ['(1,)', [1]],
    ['()', []],
    ['{1, 2, 1}', [1, 2]],
    ['set()', []],
    ["{1: 'a', True: 'b'}", { 1: 'b' }],
    ["'a' \"b\"", 'ab'],
    ["'tab\\there'", 'tab\there'],
    ["r'raw\\n'", 'raw\\n'],
    ["b'bytes'", 'bytes'],
    ["'\\x41\\u00e9\\101'", 'Aé' + 'A'],
    ["5 # comment", 5],
    ['  42', 42],
  ];
  for (const [text, value] of cases) {
    it(`evaluates ${text}`, () => assert.deepEqual(literalEval(text), { ok: true, value }));
  }

  const strings = ['yes', 'true', 'null', 'hello world', '010', '1.2.3', '10.0.0.1', '1+1', '--5', '-True', "f'x'", 'abc(1)', '[1,,2]', "'open", '', 'a=b', '1_', '0x', 'x.y', '1 2'];
  for (const text of strings) {
    it(`keeps ${JSON.stringify(text)} as a string`, () => {
      assert.deepEqual(literalEval(text), { ok: false });
      assert.equal(parseIniValue(text), text);
    });
  }

  it('refuses what Python accepts but JSON cannot hold, or Python itself chokes on', () => {
    assert.throws(() => literalEval('1+2j'), /complex numbers/);
    assert.throws(() => literalEval('{[1]: 2}'), /unhashable type: 'list'/);
    assert.throws(() => literalEval('{(1, 2): 3}'), /tuple dictionary keys/);
  });

  it('round-trips any JSON-like value written as a Python literal', () => {
    const pyRepr = (v: unknown): string => {
      if (v === null) return 'None';
      if (typeof v === 'boolean') return v ? 'True' : 'False';
      if (typeof v === 'number') return String(v);
      if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
      if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
      return `{${Object.entries(v as object).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
    };
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.string()),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4, noNullPrototype: true })),
    })).node;
    fc.assert(fc.property(value, (v) => assert.deepEqual(literalEval(pyRepr(v)), { ok: true, value: v })));
  });
});

describe('Python shlex on host lines', () => {
  const cases: [string, string[]][] = [
    ['web1 ansible_host=10.0.0.1 x="a b"', ['web1', 'ansible_host=10.0.0.1', 'x=a b']],
    ['h x=a#b y=2', ['h', 'x=a']],
    ['h # comment', ['h']],
    ["h x='a\\nb' y=\"a\\\"b\" z=\"\\$x\"", ['h', 'x=a\\nb', 'y=a"b', 'z=\\$x']],
    ['h \\#x e=""', ['h', '#x', 'e=']],
    ['h   a=1\tb=2', ['h', 'a=1', 'b=2']],
  ];
  for (const [line, tokens] of cases) it(`splits ${line}`, () => assert.deepEqual(pyShlexSplit(line), tokens));
  it('reports an unclosed quote', () => assert.throws(() => pyShlexSplit('h x="abc'), /No closing quotation/));
});

describe('host ranges', () => {
  const cases: [string, string[], number?][] = [
    ['web[01:03]', ['web01', 'web02', 'web03']],
    ['db[a:c]', ['dba', 'dbb', 'dbc']],
    ['h[1:10:3]', ['h1', 'h4', 'h7', 'h10']],
    ['n[:2]', ['n0', 'n1', 'n2']],
    ['r[1:2]-[a:b]', ['r1-a', 'r1-b', 'r2-a', 'r2-b']],
    ['x[8:10]:2222', ['x8', 'x9', 'x10'], 2222],
    ['[2001:db8::1]:22', ['2001:db8::1'], 22],
    ['10.0.0.[1:2]', ['10.0.0.1', '10.0.0.2']],
    ['plain', ['plain']],
  ];
  for (const [pattern, hosts, port] of cases) {
    it(`expands ${pattern}`, () => assert.deepEqual(expandHostPattern(pattern), { hosts, port }));
  }
  for (const [pattern, message] of [
    ['web[01:2]', /equal-length/],
    ['web[1]', /begin:end/],
    ['web[1:]', /end value/],
    ['web[c:a]', /begin <= end/],
    ['web[a:3]', /invalid literal/],
    ['web[5:1]', /expands to no hosts/],
    ['web[1:3:0]', /must not be zero/],
  ] as const) {
    it(`rejects ${pattern}`, () => assert.throws(() => expandHostPattern(pattern), message));
  }

  it('gives (end - begin) / step + 1 hosts for any numeric range', () => {
    fc.assert(
      fc.property(fc.nat(500), fc.nat(500), fc.integer({ min: 1, max: 50 }), (a, len, step) => {
        const { hosts } = expandHostPattern(`h[${a}:${a + len}:${step}]`);
        assert.equal(hosts.length, Math.floor(len / step) + 1);
        assert.equal(hosts[0], `h${a}`);
      }),
    );
  });
});

describe('YAML typing as PyYAML (YAML 1.1) does it', () => {
  it('types scalars like Ansible, not like YAML 1.2', () => {
    const data = parseAnsibleYaml('a: yes\nb: on\nc: y\nd: 1e3\ne: 1.0e+3\nf: 017\ng: 0o17\nh: 1:20\ni: 2001-12-14\nj: ~\nk: .5\nl: -.5\nm: 09\nn: NULL\no: !unsafe "{{ x }}"\n', 'f.yml');
    assert.deepEqual(data, { a: true, b: true, c: 'y', d: '1e3', e: 1000, f: 15, g: '0o17', h: 80, i: '2001-12-14', j: null, k: 0.5, l: '-.5', m: '09', n: null, o: '{{ x }}' });
  });

  it('reads JSON as JSON first, as Ansible does', () => {
    assert.deepEqual(parseAnsibleYaml('{"n": 1e3, "s": "yes"}', 'f.json'), { n: 1000, s: 'yes' });
  });
});
