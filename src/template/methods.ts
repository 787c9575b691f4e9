/**
 * Attribute access and Python methods in templates. `obj.key` / `obj[key]` follow Jinja's
 * getattr/getitem rules and return an Undef (not JavaScript undefined) naming what is
 * missing. Method calls such as `name.startswith('web')`, `line.split(':')`, `d.items()`,
 * `d.get('k', 1)` or `users.append(x)` run Python's str/list/dict methods (Jinja under Ansible
 * is not sandboxed, and `{% set _ = l.append(x) %}` is a common idiom). Plain attribute access
 * is data lookup only: `d.items` without parentheses is the key "items".
 */
import { strFormat } from './format.js';
import { PyFloat, Undef, UndefinedVariableError, fail, isMapping, isNumber, norm, pyEq, pyStr, setKey, toNum, tuple, typeName } from './pyvalues.js';
import { splitArgs } from './callargs.js';

type Method = (self: any, args: unknown[], kw: Record<string, unknown>) => unknown;

/** Python's str.isspace() set, which differs from JavaScript's \s (no BOM, adds \x1c-\x1f, \x85). */
export const PY_WHITESPACE = ' \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

export function pyStrip(s: string, chars: unknown, left = true, right = true): string {
  const set = chars === undefined || chars === null ? PY_WHITESPACE : pyStr(chars);
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.includes(s[a]!)) a++;
  if (right) while (b > a && set.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Python's str.split / rsplit: no separator splits on whitespace runs and drops empty strings. */
export function pySplit(s: string, sep: unknown, maxsplit: unknown = -1, fromRight = false): string[] {
  let max = maxsplit === undefined || maxsplit === null ? -1 : toNum(maxsplit);
  if (sep === undefined || sep === null) {
    const words = s.split(new RegExp(`[${PY_WHITESPACE}]+`)).filter((w) => w !== '');
    if (max < 0 || words.length <= max + 1) return words;
    // Rejoin the unsplit remainder with its original spacing.
    const re = new RegExp(`[^${PY_WHITESPACE}]+`, 'g');
    const spans = [...s.matchAll(re)].map((m) => [m.index!, m.index! + m[0].length]);
    if (!fromRight) return [...words.slice(0, max), pyStrip(s.slice(spans[max]![0]), undefined, false, true)];
    const cut = spans[spans.length - max - 1]![1];
    return [pyStrip(s.slice(0, cut), undefined, true, false), ...words.slice(words.length - max)];
  }
  const sepStr = pyStr(sep);
  if (sepStr === '') fail('empty separator');
  const parts = s.split(sepStr);
  if (max < 0 || parts.length <= max + 1) return parts;
  if (!fromRight) return [...parts.slice(0, max), parts.slice(max).join(sepStr)];
  max = parts.length - max;
  return [parts.slice(0, max).join(sepStr), ...parts.slice(max)];
}

/** Python's str.replace(old, new, count); an empty `old` inserts between characters. */
export function pyReplace(s: string, old: string, rep: string, count: number): string {
  if (old === '') {
    const chars = [...s];
    const n = count < 0 ? chars.length + 1 : Math.min(count, chars.length + 1);
    let out = '';
    for (let i = 0; i <= chars.length; i++) out += (i < n ? rep : '') + (chars[i] ?? '');
    return out;
  }
  if (count < 0) return s.split(old).join(rep);
  let out = s;
  let from = 0;
  for (let i = 0; i < count; i++) {
    const at = out.indexOf(old, from);
    if (at < 0) break;
    out = out.slice(0, at) + rep + out.slice(at + old.length);
    from = at + rep.length;
  }
  return out;
}

function prefixes(p: unknown): string[] {
  return Array.isArray(p) ? p.map((x) => pyStr(x)) : [pyStr(p)];
}

/** Python's str.splitlines(): every Unicode line boundary, no empty string after a final break. */
export function splitlines(s: string, keepends = false): string[] {
  const parts = s.split(/(\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])/);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    if (i === parts.length - 1 && parts[i] === '') break;
    out.push(parts[i]! + (keepends ? (parts[i + 1] ?? '') : ''));
  }
  return out;
}

/** Python's str.capitalize(): first character upper case, the rest lower case. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

function center(s: string, width: number, fill = ' '): string {
  const marg = width - s.length;
  if (marg <= 0) return s;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

const STR: Record<string, Method> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  casefold: (s) => s.toLowerCase(),
  swapcase: (s: string) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  capitalize: (s) => capitalize(s),
  title: (s: string) => s.toLowerCase().replace(/(^|[^\p{L}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
  strip: (s, [c]) => pyStrip(s, c),
  lstrip: (s, [c]) => pyStrip(s, c, true, false),
  rstrip: (s, [c]) => pyStrip(s, c, false, true),
  split: (s, [sep, max], kw) => pySplit(s, kw.sep ?? sep, kw.maxsplit ?? max),
  rsplit: (s, [sep, max], kw) => pySplit(s, kw.sep ?? sep, kw.maxsplit ?? max, true),
  splitlines: (s: string, [keep]) => splitlines(s, !!keep),
  startswith: (s: string, [p]) => prefixes(p).some((x) => s.startsWith(x)),
  endswith: (s: string, [p]) => prefixes(p).some((x) => s.endsWith(x)),
  replace: (s, [old, rep, count]) => pyReplace(s, pyStr(old), pyStr(rep), count === undefined ? -1 : toNum(count)),
  find: (s: string, [sub]) => s.indexOf(pyStr(sub)),
  rfind: (s: string, [sub]) => s.lastIndexOf(pyStr(sub)),
  index: (s: string, [sub]) => {
    const i = s.indexOf(pyStr(sub));
    return i < 0 ? fail('substring not found') : i;
  },
  count: (s: string, [sub]) => (pyStr(sub) === '' ? s.length + 1 : s.split(pyStr(sub)).length - 1),
  join: (s: string, [items]) => (Array.isArray(items) ? items.map((x) => (typeof norm(x) === 'string' ? norm(x) : fail(`sequence item: expected str instance, ${typeName(x)} found`))).join(s) : fail('can only join an iterable')),
  format: (s, args, kw) => strFormat(s, args, kw),
  zfill: (s: string, [w]) => {
    const sign = /^[-+]/.test(s) ? s[0] : '';
    return sign + s.slice(sign.length).padStart(toNum(w) - sign.length, '0');
  },
  center: (s, [w, f]) => center(s, toNum(w), f === undefined ? ' ' : pyStr(f)),
  ljust: (s: string, [w, f]) => s.padEnd(toNum(w), f === undefined ? ' ' : pyStr(f)),
  rjust: (s: string, [w, f]) => s.padStart(toNum(w), f === undefined ? ' ' : pyStr(f)),
  isdigit: (s) => /^\p{Nd}+$/u.test(s),
  isdecimal: (s) => /^\p{Nd}+$/u.test(s),
  isnumeric: (s) => /^\p{N}+$/u.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  isalnum: (s) => /^[\p{L}\p{N}]+$/u.test(s),
  isspace: (s: string) => s.length > 0 && [...s].every((c) => PY_WHITESPACE.includes(c)),
  islower: (s: string) => /\p{Ll}/u.test(s) && !/\p{Lu}/u.test(s),
  isupper: (s: string) => /\p{Lu}/u.test(s) && !/\p{Ll}/u.test(s),
  partition: (s: string, [sep]) => {
    const i = s.indexOf(pyStr(sep));
    return i < 0 ? tuple([s, '', '']) : tuple([s.slice(0, i), pyStr(sep), s.slice(i + pyStr(sep).length)]);
  },
};

function listIndex(l: unknown[], x: unknown): number {
  const i = l.findIndex((y) => pyEq(y, x));
  return i < 0 ? fail(`${pyStr(x)} is not in list`) : i;
}

const LIST: Record<string, Method> = {
  append: (l, [x]) => (l.push(x), null),
  extend: (l, [xs]) => (l.push(...(xs as unknown[])), null),
  insert: (l, [i, x]) => (l.splice(toNum(i), 0, x), null),
  pop: (l: unknown[], [i]) => {
    if (!l.length) fail('pop from empty list');
    const at = i === undefined ? l.length - 1 : (toNum(i) + l.length) % l.length;
    return l.splice(at, 1)[0];
  },
  remove: (l, [x]) => (l.splice(listIndex(l, x), 1), null),
  index: (l, [x]) => listIndex(l, x),
  count: (l: unknown[], [x]) => l.filter((y) => pyEq(y, x)).length,
  copy: (l: unknown[]) => [...l],
  reverse: (l) => (l.reverse(), null),
  clear: (l) => (l.splice(0), null),
};

const DICT: Record<string, Method> = {
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  items: (d) => Object.entries(d).map((e) => tuple(e)),
  get: (d, [k, dflt]) => {
    const key = pyStr(k);
    return Object.hasOwn(d, key) ? d[key] : (dflt ?? null);
  },
  copy: (d) => ({ ...d }),
  update: (d, [other], kw) => {
    for (const [k, v] of [...Object.entries(isMapping(other) ? other : {}), ...Object.entries(kw)]) setKey(d, k, v);
    return null;
  },
  pop: (d, [k, dflt]) => {
    const key = pyStr(k);
    if (!Object.hasOwn(d, key)) return dflt === undefined ? fail(`KeyError: ${pyStr(k)}`) : dflt;
    const v = d[key];
    delete d[key];
    return v;
  },
  setdefault: (d, [k, dflt]) => {
    const key = pyStr(k);
    if (!Object.hasOwn(d, key)) setKey(d, key, dflt ?? null);
    return d[key];
  },
};

function keyText(key: unknown): string {
  return typeof key === 'string' ? `'${key}'` : pyStr(key);
}

/** `obj.key` / `obj[key]`: a value, or an Undef describing what is missing (Jinja's getattr/getitem). */
export function member(obj: unknown, key: unknown, path: string): unknown {
  if (obj instanceof Undef) return obj;
  obj = norm(obj);
  key = norm(key);
  if (key instanceof Undef) key.fail();
  if (obj === null || obj === undefined) return new Undef(path, `'None' has no attribute ${keyText(key)}`);
  if (typeof obj === 'string' || Array.isArray(obj)) {
    if (typeof key === 'number' || typeof key === 'boolean') {
      const seq = typeof obj === 'string' ? Array.from(obj) : obj;
      let i = toNum(key);
      if (i < 0) i += seq.length;
      if (i >= 0 && i < seq.length) return seq[i];
      return new Undef(path, `${typeName(obj)} object has no element ${pyStr(key)}`);
    }
    return new Undef(path, `'${typeName(obj)} object' has no attribute ${keyText(key)}`);
  }
  if (isMapping(obj)) {
    const k = typeof key === 'string' ? key : pyStr(key);
    if (Object.hasOwn(obj, k) && obj[k] !== undefined) return obj[k];
    return new Undef(path, `'dict object' has no attribute ${keyText(key)}`);
  }
  if ((typeof obj === 'object' && !(obj instanceof PyFloat)) || typeof obj === 'function') {
    const k = String(key);
    const v = (obj as any)[k];
    if (v !== undefined && !(k in Object.prototype)) return typeof v === 'function' ? v.bind(obj) : v;
  }
  return new Undef(path, `'${typeName(obj)} object' has no attribute ${keyText(key)}`);
}

/** `obj.key(args)`: a callable member (loop.cycle, a cycler), else a Python method of str, list or dict. */
export function callMethod(obj: unknown, key: unknown, rawArgs: unknown[], path: string): unknown {
  if (obj instanceof Undef) obj.fail();
  obj = norm(obj);
  const name = pyStr(key);
  const { args, kw } = splitArgs(rawArgs);
  // A function stored in a dict (loop.cycle, a namespace) or a method of a global's object (a cycler).
  const own = isMapping(obj)
    ? Object.hasOwn(obj, name)
      ? obj[name]
      : undefined
    : typeof obj === 'object' && obj !== null && !Array.isArray(obj) && !(obj instanceof PyFloat) && !(name in Object.prototype)
      ? (obj as Record<string, unknown>)[name]
      : undefined;
  if (typeof own === 'function') return own.apply(obj, rawArgs);
  let table: Record<string, Method> | undefined;
  if (typeof obj === 'string') table = STR;
  else if (Array.isArray(obj)) table = LIST;
  else if (isMapping(obj)) {
    if (name === 'cycle' && typeof obj.index0 === 'number' && args.length) return args[obj.index0 % args.length];
    table = DICT;
  }
  const fn = table && Object.hasOwn(table, name) ? table[name] : undefined;
  if (!fn) {
    const what = isNumber(obj) || typeof obj === 'boolean' || obj === null ? typeName(obj) : `${typeName(obj)} object`;
    throw new UndefinedVariableError(`'${path}.${name}' is undefined ('${what}' has no attribute '${name}')`, `${path}.${name}`);
  }
  for (const a of [...args, ...Object.values(kw)]) if (a instanceof Undef) a.fail();
  return fn(obj, args.map(norm), kw);
}
