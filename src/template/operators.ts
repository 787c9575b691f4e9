/**
 * Python operators for compiled templates: `+` concatenates lists and strings, `*` repeats
 * them, `/` is true division giving a float, `//` and `%` floor as Python does, `~` joins
 * str() of both sides, comparisons chain and `in` searches strings, lists and dict keys.
 * Type errors carry Python's own messages, so users can search them.
 */
import { percentFormat } from './format.js';
import {
  Undef,
  fail,
  isFloat,
  isMapping,
  isNumber,
  isTuple,
  mkFloat,
  norm,
  pyCmp,
  pyEq,
  pyStr,
  toNum,
  tuple,
  typeName,
} from './pyvalues.js';

function operand(v: unknown): unknown {
  if (v instanceof Undef) v.fail();
  return norm(v);
}

function isNumeric(v: unknown): boolean {
  return isNumber(v) || typeof v === 'boolean';
}

function numResult(r: number, a: unknown, b: unknown): unknown {
  return isFloat(a) || isFloat(b) ? mkFloat(r) : r;
}

function unsupported(op: string, a: unknown, b: unknown): never {
  fail(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

export function add(a: unknown, b: unknown): unknown {
  a = operand(a);
  b = operand(b);
  if (isNumeric(a) && isNumeric(b)) return numResult(toNum(a) + toNum(b), a, b);
  if (typeof a === 'string') {
    if (typeof b !== 'string') fail(`can only concatenate str (not "${typeName(b)}") to str`);
    return a + b;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || isTuple(a) !== isTuple(b)) fail(`can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
    return isTuple(a) ? tuple([...a, ...b]) : [...a, ...b];
  }
  unsupported('+', a, b);
}

export function sub(a: unknown, b: unknown): unknown {
  a = operand(a);
  b = operand(b);
  if (isNumeric(a) && isNumeric(b)) return numResult(toNum(a) - toNum(b), a, b);
  unsupported('-', a, b);
}

function repeat(seq: unknown, n: unknown): unknown {
  if (isFloat(n) || !isNumeric(n)) fail(`can't multiply sequence by non-int of type '${typeName(n)}'`);
  const times = Math.max(0, toNum(n));
  if (typeof seq === 'string') return seq.repeat(times);
  const arr = seq as unknown[];
  const out: unknown[] = [];
  for (let i = 0; i < times; i++) out.push(...arr);
  return isTuple(arr) ? tuple(out) : out;
}

export function mul(a: unknown, b: unknown): unknown {
  a = operand(a);
  b = operand(b);
  if (isNumeric(a) && isNumeric(b)) return numResult(toNum(a) * toNum(b), a, b);
  if (typeof a === 'string' || Array.isArray(a)) return repeat(a, b);
  if (typeof b === 'string' || Array.isArray(b)) return repeat(b, a);
  unsupported('*', a, b);
}

function divisor(a: unknown, b: unknown, op: string, what: string): [number, number] {
  if (!isNumeric(a) || !isNumeric(b)) unsupported(op, a, b);
  const y = toNum(b);
  if (y === 0) fail(isFloat(a) || isFloat(b) ? `float ${what} by zero` : op === '/' ? 'division by zero' : 'integer division or modulo by zero');
  return [toNum(a), y];
}

export function div(a: unknown, b: unknown): unknown {
  a = operand(a);
  b = operand(b);
  const [x, y] = divisor(a, b, '/', 'division');
  return mkFloat(x / y);
}

/** Python's float floor division (via fmod, as CPython computes it), exact for integers. */
function floorDiv(x: number, y: number): number {
  if (Number.isInteger(x) && Number.isInteger(y)) return Math.floor(x / y);
  let mod = x % y;
  let d = (x - mod) / y;
  if (mod && y < 0 !== mod < 0) {
    mod += y;
    d -= 1;
  }
  let f = Math.floor(d);
  if (d - f > 0.5) f += 1;
  return f;
}

export function floordiv(a: unknown, b: unknown): unknown {
  a = operand(a);
  b = operand(b);
  const [x, y] = divisor(a, b, '//', 'floor division');
  return numResult(floorDiv(x, y), a, b);
}

export function mod(a: unknown, b: unknown): unknown {
  a = operand(a);
  b = operand(b);
  if (typeof a === 'string') return percentFormat(a, b);
  const [x, y] = divisor(a, b, '%', 'modulo');
  let r = x % y;
  if (r !== 0 && r < 0 !== y < 0) r += y;
  return numResult(r, a, b);
}

export function pow(a: unknown, b: unknown): unknown {
  a = operand(a);
  b = operand(b);
  if (!isNumeric(a) || !isNumeric(b)) unsupported('** or pow()', a, b);
  const x = toNum(a);
  const y = toNum(b);
  if (x === 0 && y < 0) fail('0.0 cannot be raised to a negative power');
  const r = x ** y;
  return isFloat(a) || isFloat(b) || y < 0 ? mkFloat(r) : r;
}

export function neg(a: unknown): unknown {
  a = operand(a);
  if (!isNumeric(a)) fail(`bad operand type for unary -: '${typeName(a)}'`);
  return isFloat(a) ? mkFloat(-toNum(a)) : -toNum(a) || 0;
}

export function pos(a: unknown): unknown {
  a = operand(a);
  if (!isNumeric(a)) fail(`bad operand type for unary +: '${typeName(a)}'`);
  return typeof a === 'boolean' ? toNum(a) : a;
}

export function concat(a: unknown, b: unknown): string {
  return pyStr(operand(a)) + pyStr(operand(b));
}

/** Python's `item in container`. */
export function contains(container: unknown, item: unknown): boolean {
  container = operand(container);
  item = operand(item);
  if (typeof container === 'string') {
    if (typeof item !== 'string') fail(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEq(x, item));
  if (isMapping(container)) {
    if (typeof item === 'string') return Object.hasOwn(container, item);
    return isNumeric(item) && Object.hasOwn(container, String(toNum(item)));
  }
  fail(`argument of type '${typeName(container)}' is not iterable`);
}

function compareOne(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return pyEq(a, b);
    case '!=':
      return !pyEq(a, b);
    case 'in':
      return contains(b, a);
    case 'notin':
      return !contains(b, a);
    case '<':
      return pyCmp(a, b, op) < 0;
    case '>':
      return pyCmp(a, b, op) > 0;
    case '<=':
      return pyCmp(a, b, op) <= 0;
    case '>=':
      return pyCmp(a, b, op) >= 0;
    default:
      fail(`unknown comparison ${op}`);
  }
}

/** A Python comparison chain: `a < b < c` is `a < b and b < c`. */
export function compare(first: unknown, ops: [string, unknown][]): boolean {
  let left = first;
  for (const [op, right] of ops) {
    if (!compareOne(left, op, right)) return false;
    left = right;
  }
  return true;
}
