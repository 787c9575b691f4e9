/**
 * Python value semantics for template values. Templates see JSON-ish JavaScript values (from
 * YAML, facts and module results) but must behave as Jinja2 under Python does: `[]` is false,
 * `1 == 1.0`, `'1' != 1`, lists print as `['a', 1]`, `True` prints as `True`. This file is the
 * single definition of that behaviour: truthiness, equality, ordering, str() and repr().
 */
import { UserError, type SourcePos } from '../core/errors.js';
import { SafeString } from './nunjucks.js';

/**
 * A Python float whose value happens to be integral (2.0). JavaScript cannot tell 2.0 from 2,
 * yet Python prints them differently ("2.0" vs "2"), and `4 / 2`, `x | float` or `round` are
 * floats. Non-integral numbers are unambiguously floats and stay plain numbers; only this
 * corner needs a wrapper. It never leaves the template layer: native results are unwrapped.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return floatRepr(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** True for Python floats: a PyFloat, or a number that is not an integer (incl. nan, inf). */
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

export function isNumber(v: unknown): v is number | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat;
}

/** A Python float result: integral values get the PyFloat wrapper so they print as `2.0`. */
export function mkFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** The numeric value of a Python number or bool (True is 1), or NaN for anything else. */
export function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN;
}

const TUPLE = Symbol('tuple');

/** Python tuples are arrays with a hidden mark, so they iterate and index like lists but print `(1, 2)`. */
export function tuple<T>(items: T[]): T[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/** Every error raised while compiling or rendering a template; `pos` is the user's file and line. */
export class TemplateError extends UserError {
  /** 1-based line and column inside the template text, when known. */
  tplLine?: number;
  tplCol?: number;
  constructor(message: string, pos?: SourcePos, hint?: string) {
    super(message, pos, hint);
    this.name = 'TemplateError';
  }
}

/** Use of an undefined variable or attribute; `variable` is the expression path, e.g. `d.missing`. */
export class UndefinedVariableError extends TemplateError {
  constructor(
    message: string,
    public variable: string,
    pos?: SourcePos,
  ) {
    super(message, pos);
    this.name = 'UndefinedVariableError';
  }
}

/**
 * Jinja's Undefined, as Ansible configures it (StrictUndefined): a value that may be passed
 * around, defaulted (`| default`) or tested (`is defined`), but raises as soon as it is
 * printed, compared, iterated or used in a condition. Attribute access on it returns itself,
 * so `foo.bar | default(1)` works and `foo.bar` alone reports `'foo' is undefined`.
 */
export class Undef {
  constructor(
    readonly path: string,
    readonly hint?: string,
  ) {}
  get message(): string {
    return `'${this.path}' is undefined${this.hint ? ` (${this.hint})` : ''}`;
  }
  fail(): never {
    throw new UndefinedVariableError(this.message, this.path);
  }
}

/** Raises a template error with a Python-like message (TypeError, ValueError...). */
export function fail(message: string): never {
  throw new TemplateError(message);
}

/**
 * The output of Ansible's "string type" filters (to_json, to_yaml, string...): a playbook
 * value that is exactly such a result stays a string instead of being parsed back into a
 * list or dict (Ansible's NativeJinjaText). Anywhere else it is an ordinary string.
 */
export class NativeText {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Macro output (SafeString) and NativeText behave as plain strings outside nunjucks itself. */
export function norm(v: unknown): unknown {
  return v instanceof SafeString || v instanceof NativeText ? String(v) : v;
}

/** A Python dict: a plain object (not an array, not one of our wrapper classes). */
export function isMapping(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Python's type name, as in error messages and the `type_debug` filter. */
export function typeName(v: unknown): string {
  v = norm(v);
  if (v === null || v === undefined) return 'NoneType';
  if (v instanceof Undef) return 'AnsibleUndefined';
  if (typeof v === 'boolean') return 'bool';
  if (isNumber(v)) return isFloat(v) ? 'float' : 'int';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return isTuple(v) ? 'tuple' : 'list';
  if (isMapping(v)) return 'dict';
  if (typeof v === 'function') return 'function';
  return 'object';
}

/** Python's repr() of a float: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = n.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant!.startsWith('-');
  const digits = mant!.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      out = `${intPart}.${frac || '0'}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return neg ? `-${out}` : out;
}

/** Python's str() of an int, exact beyond 1e21 where JavaScript switches to exponents. */
export function intStr(n: number): string {
  if (Math.abs(n) < 1e21) return String(n === 0 ? 0 : n);
  return BigInt(n).toString();
}

function numStr(v: number | PyFloat): string {
  return isFloat(v) ? floatRepr(toNum(v)) : intStr(v as number);
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's repr() of a str: single quotes unless the text has ' and no ", escapes as Python does. */
export function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + q;
}

/** Python's repr() of a JSON-ish value, as Ansible prints lists and dicts: `{'a': [1, None, True]}`. */
export function pyRepr(v: unknown): string {
  v = norm(v);
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) {
    const items = v.map(pyRepr);
    if (isTuple(v)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  if (isMapping(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return pyStr(v);
}

/** Python's str(): strings as they are, everything else as repr (None, True, 2.0, [1]). */
export function pyStr(v: unknown): string {
  v = norm(v);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v instanceof Undef) v.fail();
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (isNumber(v)) return numStr(v);
  if (Array.isArray(v) || isMapping(v)) return pyRepr(v);
  if (typeof v === 'function') return `<function ${v.name || 'anonymous'}>`;
  return String(v);
}

/** Python truthiness: empty strings, lists and dicts, 0 and None are false; Undefined raises. */
export function pyTruthy(v: unknown): boolean {
  if (v instanceof Undef) v.fail();
  v = norm(v);
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (isNumber(v)) return toNum(v) !== 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

function isNumeric(v: unknown): boolean {
  return isNumber(v) || typeof v === 'boolean';
}

/** Python `==`: numbers and bools by value, lists and dicts deeply, no type coercion otherwise. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a instanceof Undef) a.fail();
  if (b instanceof Undef) b.fail();
  a = norm(a);
  b = norm(b);
  if (a === b) return true;
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (isNumeric(a) && isNumeric(b)) return toNum(a) === toNum(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length || isTuple(a) !== isTuple(b)) return false;
    return a.every((x, i) => pyEq(x, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && pyEq(a[k], b[k]));
  }
  return a === b;
}

/** Python ordering (<): numbers, strings and sequences; mixed types raise TypeError as Python does. */
export function pyCmp(a: unknown, b: unknown, op = '<'): number {
  if (a instanceof Undef) a.fail();
  if (b instanceof Undef) b.fail();
  a = norm(a);
  b = norm(b);
  if (isNumeric(a) && isNumeric(b)) return Math.sign(toNum(a) - toNum(b));
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return pyCmp(a[i], b[i], op);
    }
    return Math.sign(a.length - b.length);
  }
  fail(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/**
 * Sets a key on a dict we build. `__proto__` is an ordinary key in Python; plain assignment
 * would change the object's prototype instead (and could pollute it), so it is defined.
 */
export function setKey(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
  else obj[k] = v;
}

/** A deep copy with PyFloat unwrapped: what leaves the template layer is plain JSON-ish data. */
export function toNative(v: unknown): unknown {
  if (v instanceof Undef) v.fail();
  v = norm(v);
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(toNative);
  if (isMapping(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setKey(out, k, toNative(x));
    return out;
  }
  return v;
}
