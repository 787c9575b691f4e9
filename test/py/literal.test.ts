/**
 * src/py/literal.ts against Python's ast.literal_eval on generated literals: numbers in every
 * spelling (underscores, hex/octal/binary, exponents, complex), strings with prefixes, quotes and
 * escapes, containers nested with comments and newlines inside the brackets, equal keys and set
 * members (1, 1.0, True), and broken or non-literal text, where both must fail (TypeError for
 * unhashable members, else SyntaxError/ValueError).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteralError, type PyLiteral, literalEval } from '../../src/py/literal.js';
import { python, rng } from './oracle.js';

const r = rng(0x11ea1);

function int(): string {
  return r.pick([
    () => String(r.int(1000)),
    () => r.pick(['0', '00', '0_0', '1_000', '123456789012345678901234567890', '9007199254740993']),
    () => '0x' + r.int(1 << 30).toString(16) + (r.chance(0.3) ? '_F' : ''),
    () => r.pick(['0o17', '0O7_7', '0b101', '0B_1', '0x_1f', '0XdeadBEEF']),
  ])();
}

function float(): string {
  return r.pick([
    () => `${r.int(100)}.${r.int(100)}`,
    () => r.pick(['1.', '.5', '1e3', '1E-3', '1.5e+10', '1_0.0_1', '09.5', '09e1', '1e999', '-0.0', '0.1', '1e16', '5e-324', '1.7976931348623157e308']),
  ])();
}

function complexNum(): string {
  return r.pick(['1j', '2.5J', '0j', '1e3j', '09j', '.5j', '1_0j']);
}

const ESCAPES = ['\\n', '\\t', '\\\\', "\\'", '\\"', '\\x41', '\\u00e9', '\\U0001F600', '\\101', '\\0', '\\777', '\\d', '\\\n', '\\a', '\\N', '\\ud800', 'é', '😀', ' ', 'a', '#', '\t'];

function string(): string {
  const prefix = r.pick(['', '', '', 'r', 'u', 'b', 'B', 'rb', 'Br', 'R']);
  const q = r.pick(["'", '"', "'''", '"""']);
  let body = '';
  for (let n = r.int(5); n > 0; n--) body += r.pick(ESCAPES);
  if (q.length === 3 && r.chance(0.3)) body += '\n';
  // A closing quote right before the end would end a triple-quoted string early.
  body = body.replace(/\\$/, '');
  return prefix + q + body + q;
}

function ws(): string {
  return r.pick(['', '', ' ', '  ', '\t', '\n', ' # c\n', '\f']);
}

function value(depth: number): string {
  const k = r.int(depth > 2 ? 8 : 14);
  switch (k) {
    case 0:
    case 1:
      return (r.chance(0.2) ? r.pick(['-', '+', '- ']) : '') + int();
    case 2:
      return (r.chance(0.2) ? '-' : '') + float();
    case 3:
      return r.chance(0.5) ? complexNum() : `${r.pick(['', '-'])}${r.pick([int(), float()])} ${r.pick(['+', '-'])} ${complexNum()}`;
    case 4:
    case 5:
      return string() + (r.chance(0.2) ? ' ' + string() : '');
    case 6:
      return r.pick(['True', 'False', 'None', '...']);
    case 7:
      return r.pick(['1', 'True', '1.0', "'a'", "b'a'", '0', 'False', '()', '(1,)']);
    case 8:
      return `[${items(depth)}]`;
    case 9:
      return `(${items(depth)}${r.chance(0.3) ? ',' : ''})`;
    case 10:
      return r.chance(0.2) ? 'set()' : `{${items(depth) || '1'}}`;
    default: {
      const pairs: string[] = [];
      for (let n = r.int(4); n > 0; n--) pairs.push(`${ws()}${value(depth + 1)}${ws()}:${ws()}${value(depth + 1)}`);
      return `{${pairs.join(',')}${pairs.length && r.chance(0.2) ? ',' : ''}}`;
    }
  }
}

function items(depth: number): string {
  const xs: string[] = [];
  for (let n = r.int(4); n > 0; n--) xs.push(ws() + value(depth + 1) + ws());
  return xs.join(',') + (xs.length && r.chance(0.2) ? ',' : '');
}

/** A valid-looking literal, sometimes broken or made non-literal. */
function text(): string {
  let t = value(0);
  if (r.chance(0.1)) t = t + ', ' + value(1);
  if (r.chance(0.1)) t = r.pick([' ', '\t', '  ']) + t;
  if (r.chance(0.05)) t = t + r.pick(['\n', ' # x', '\n\n', '\n  ']);
  if (r.chance(0.15)) {
    const at = r.int(t.length + 1);
    const junk = r.pick(['', 'x', ',', ':', '(', ']', '"', "'", '\\', '.', '_', '0', '+', '--', 'f', '*', '\n', 'j', 'abc(', '\0']);
    t = t.slice(0, at) + junk + t.slice(at + (r.chance(0.5) ? 1 : 0));
  }
  if (r.chance(0.03)) t = r.pick(['--5', '-True', '1+2', '1j+2j', '01', '1__0', "f'x'", 'x', '[1, [2]][0]', '{[1]: 2}', '{[1], 2}', '{{}}', '{(1, [2])}', '1,\n2', '\n 1', '\n1', '1 if 1 else 2', 'set([1])', '(1)(2)']);
  return t;
}

const SCRIPT = String.raw`
import ast, json, sys
def enc(v):
    if v is None: return ['none']
    if v is Ellipsis: return ['ellipsis']
    if isinstance(v, bool): return ['bool', v]
    if isinstance(v, int): return ['int', str(v)]
    if isinstance(v, float): return ['float', repr(v)]
    if isinstance(v, complex): return ['complex', repr(v.real), repr(v.imag)]
    if isinstance(v, str): return ['str', v]
    if isinstance(v, bytes): return ['bytes', v.decode('latin-1')]
    if isinstance(v, (tuple, list, set)): return [type(v).__name__, [enc(x) for x in v]]
    if isinstance(v, dict): return ['dict', [[enc(k), enc(x)] for k, x in v.items()]]
    raise Exception(type(v))
out = []
for t in json.load(sys.stdin):
    try:
        out.append(enc(ast.literal_eval(t)))
    except Exception as e:
        out.append(['error', 'type' if type(e) is TypeError else 'invalid'])
print(json.dumps(out))
`;

type Enc = unknown[];

const fmt = (x: number) => (Object.is(x, -0) ? '-0' : String(x));
const pyFloat = (repr: string) => fmt(repr === 'inf' ? Infinity : repr === '-inf' ? -Infinity : Number(repr));

/** Python's encoding with floats made comparable and set members sorted (set order is hash order). */
function normalize(e: Enc): Enc {
  const [type, ...rest] = e as [string, ...unknown[]];
  if (type === 'float') return [type, pyFloat(rest[0] as string)];
  if (type === 'complex') return [type, pyFloat(rest[0] as string), pyFloat(rest[1] as string)];
  if (type === 'tuple' || type === 'list' || type === 'set') {
    const items = (rest[0] as Enc[]).map(normalize);
    return [type, type === 'set' ? items.map((x) => JSON.stringify(x)).sort() : items];
  }
  if (type === 'dict') return [type, (rest[0] as Enc[][]).map(([k, v]) => [normalize(k!), normalize(v!)])];
  return e;
}

function encode(v: PyLiteral): Enc {
  switch (v.type) {
    case 'none':
    case 'ellipsis':
      return [v.type];
    case 'int':
      return [v.type, v.value.toString()];
    case 'float':
      return [v.type, fmt(v.value)];
    case 'complex':
      return [v.type, fmt(v.real), fmt(v.imag)];
    case 'str':
    case 'bytes':
    case 'bool':
      return [v.type, v.value];
    case 'tuple':
    case 'list':
    case 'set': {
      const items = v.items.map(encode);
      return [v.type, v.type === 'set' ? items.map((x) => JSON.stringify(x)).sort() : items];
    }
    case 'dict':
      return [v.type, v.keys.map((k, i) => [encode(k), encode(v.values[i]!)])];
  }
}

test('literal: literalEval agrees with ast.literal_eval', (t) => {
  const texts = Array.from({ length: 5000 }, text);
  const expected = python<Enc[]>(SCRIPT, texts);
  let errors = 0;
  let unsupported = 0;
  const failures: string[] = [];
  texts.forEach((s, i) => {
    const want = expected[i]![0] === 'error' ? expected[i]! : normalize(expected[i]!);
    let got: Enc;
    try {
      got = encode(literalEval(s));
    } catch (e) {
      if (!(e instanceof LiteralError)) throw e;
      if (e.kind === 'unsupported') {
        unsupported++;
        return;
      }
      got = ['error', e.kind];
      errors++;
    }
    try {
      assert.deepEqual(got, want);
    } catch {
      failures.push(`literal_eval(${JSON.stringify(s)}): got ${JSON.stringify(got)}, Python ${JSON.stringify(want)}`);
    }
  });
  t.diagnostic(`${texts.length} texts, ${errors} errors on both sides, ${unsupported} \\N escapes skipped`);
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failures`);
});
