/**
 * Jinja2's and Ansible's filters for scalars, with Python semantics: `default`, `mandatory`,
 * `ternary`, type conversions (`int`, `float`, `bool`, `string`), strings (`replace`,
 * `split`, `indent`, `format`...) and numbers (`round`, `abs`). Lists and dicts are in
 * filters-lists.ts, data formats, hashes, regexes and paths in filters-data.ts. Each
 * definition lists its Python parameters, so keyword calls such as `int(base=16)` bind as in
 * Python.
 */
import { percentFormat, toFixedPy } from './format.js';
import { items } from './filters-lists.js';
import { capitalize, member, pyReplace, pySplit, pyStrip, splitlines } from './methods.js';
import { defineFilter } from './registry.js';
import { jinjaBool } from '../py/bool.js';
import { Undef, fail, isFloat, isMapping, isNumber, isTuple, mkFloat, pyRepr, pyStr, pyTruthy, toNum, tuple, typeName } from './pyvalues.js';

function str(v: unknown): string {
  return pyStr(v);
}

/** Python's int(): strings in a base (with prefixes, underscores, whitespace), numbers truncated. */
function parseIntPy(s: string, base: number): number {
  let t = s.trim().replace(/_/g, '');
  const neg = t.startsWith('-');
  t = t.replace(/^[-+]/, '');
  const prefix = /^0([xob])/i.exec(t);
  if (prefix && ((prefix[1]!.toLowerCase() === 'x' && base === 16) || (prefix[1]!.toLowerCase() === 'o' && base === 8) || (prefix[1]!.toLowerCase() === 'b' && base === 2))) t = t.slice(2);
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  if (!t || ![...t.toLowerCase()].every((c) => digits.includes(c))) return NaN;
  const n = parseInt(t, base);
  return neg ? -n : n;
}

/** Python's float() of a string: decimal, exponent, inf/nan, underscores between digits. */
export function parseFloatPy(s: string): number {
  const t = s.trim().toLowerCase();
  if (/^[-+]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/.test(t)) return NaN;
  if (!/^[-+]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)(e[-+]?\d(_?\d)*)?$/.test(t)) return Number.NaN;
  return Number(t.replace(/_/g, ''));
}

/** Python's round(x, n): half-even on the exact binary value; ints stay ints. */
export function pyRound(v: unknown, precision: number): unknown {
  const x = toNum(v);
  if (!isFloat(v)) {
    if (precision >= 0) return x;
    const f = 10 ** -precision;
    const q = x / f;
    const r = Math.abs(q % 1) === 0.5 ? 2 * Math.round(q / 2) : Math.round(q);
    return r * f;
  }
  if (!Number.isFinite(x)) return v;
  if (precision > 0) return mkFloat(Number(toFixedPy(x, precision)));
  const f = 10 ** -precision;
  const q = x / f;
  const r = Math.abs(q % 1) === 0.5 ? 2 * Math.round(q / 2) : Math.round(q);
  return mkFloat(r * f);
}

defineFilter(['default', 'd'], ['value', 'default_value', 'boolean'], ([v, dflt = '', boolean = false]) => (v instanceof Undef || (pyTruthy(boolean) && !pyTruthy(v)) ? dflt : v), true);

defineFilter('mandatory', ['value', 'msg'], ([v, msg]) => {
  if (v instanceof Undef) fail(msg !== undefined && msg !== null ? str(msg) : `Mandatory variable '${v.path}' not defined.`);
  return v;
}, true);

defineFilter('ternary', ['value', 'true_val', 'false_val', 'none_val'], ([v, t, f, n = null]) => (v === null && n !== null ? n : pyTruthy(v) ? t : f), true);

// Python compares 1.0 == 1, so a float one is true too: the number is unwrapped first.
defineFilter('bool', ['value'], ([v]) => jinjaBool(isNumber(v) ? toNum(v) : v));

defineFilter('int', ['value', 'default', 'base'], ([v, dflt = 0, base = 10]) => {
  if (typeof v === 'string') {
    const n = parseIntPy(v, toNum(base));
    if (!Number.isNaN(n)) return n;
    const f = parseFloatPy(v);
    return Number.isFinite(f) ? Math.trunc(f) || 0 : dflt;
  }
  if (isNumber(v) || typeof v === 'boolean') return Math.trunc(toNum(v)) || 0;
  return dflt;
});

defineFilter('float', ['value', 'default'], ([v, dflt = mkFloat(0)]) => {
  if (typeof v === 'string') {
    const f = parseFloatPy(v);
    return Number.isNaN(f) && !/nan/i.test(v) ? dflt : mkFloat(f);
  }
  if (isNumber(v) || typeof v === 'boolean') return mkFloat(toNum(v));
  return dflt;
});

defineFilter('string', ['value'], ([v]) => str(v));
defineFilter('lower', ['value'], ([v]) => str(v).toLowerCase());
defineFilter('upper', ['value'], ([v]) => str(v).toUpperCase());
defineFilter('capitalize', ['value'], ([v]) => capitalize(str(v)));
defineFilter('title', ['value'], ([v]) =>
  str(v)
    .split(/([-\s({[<]+)/)
    .filter((p) => p)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase())
    .join(''),
);
defineFilter('trim', ['value', 'chars'], ([v, chars]) => pyStrip(str(v), chars));
defineFilter('center', ['value', 'width'], ([v, width = 80]) => {
  const s = str(v);
  const marg = toNum(width) - s.length;
  if (marg <= 0) return s;
  const left = Math.floor(marg / 2) + (marg & toNum(width) & 1);
  return ' '.repeat(left) + s + ' '.repeat(marg - left);
});
defineFilter('replace', ['value', 'old', 'new', 'count'], ([v, old, rep, count = null]) =>
  pyReplace(str(v), str(old), str(rep), count === null ? -1 : toNum(count)),
);
defineFilter('split', ['value', 'sep', 'maxsplit'], ([v, sep = null, max = -1]) => {
  if (typeof v !== 'string') fail(`descriptor 'split' for 'str' objects doesn't apply to a '${typeName(v)}' object`);
  return pySplit(v, sep, max);
});
defineFilter('indent', ['value', 'width', 'first', 'blank'], ([v, width = 4, first = false, blank = false]) => {
  const ind = typeof width === 'string' ? width : ' '.repeat(toNum(width));
  const lines = splitlines(str(v) + '\n');
  let rv: string;
  if (pyTruthy(blank)) rv = lines.join('\n' + ind);
  else {
    rv = lines.shift() ?? '';
    if (lines.length) rv += '\n' + lines.map((l) => (l ? ind + l : l)).join('\n');
  }
  return pyTruthy(first) ? ind + rv : rv;
});
defineFilter('truncate', ['value', 'length', 'killwords', 'end', 'leeway'], ([v, length = 255, killwords = false, end = '...', leeway = 5]) => {
  const s = Array.from(str(v));
  const n = toNum(length);
  const e = str(end);
  if (s.length <= n + toNum(leeway)) return s.join('');
  const head = s.slice(0, n - e.length).join('');
  if (pyTruthy(killwords)) return head + e;
  const cut = head.lastIndexOf(' ');
  return (cut < 0 ? head : head.slice(0, cut)) + e;
});
defineFilter('wordcount', ['value'], ([v]) => (str(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length);
defineFilter('format', ['value', '*args', '**kwargs'], ([v, args, kwargs]) => {
  if (args.length && Object.keys(kwargs).length) fail("can't handle positional and keyword arguments at the same time");
  return percentFormat(str(v), Object.keys(kwargs).length ? kwargs : tuple(args));
});
defineFilter(['escape', 'e', 'forceescape'], ['value'], ([v]) =>
  str(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;'),
);
defineFilter('safe', ['value'], ([v]) => v);
/** pprint.pformat for values that fit on a line: repr with dict keys sorted. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return isTuple(v) ? tuple(v.map(sortedKeys)) : v.map(sortedKeys);
  if (!isMapping(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys(v[k])]));
}
defineFilter('pprint', ['value'], ([v]) => pyRepr(sortedKeys(v)));
defineFilter('urlencode', ['value'], ([v]) => {
  const enc = (s: string, safe: string) =>
    Array.from(new TextEncoder().encode(s))
      .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) || safe.includes(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0')))
      .join('');
  if (typeof v === 'string') return enc(v, '/');
  const pairs = isMapping(v) ? Object.entries(v) : (items(v) as [unknown, unknown][]);
  return pairs.map(([k, x]) => `${enc(str(k), '').replace(/%20/g, '+')}=${enc(str(x), '').replace(/%20/g, '+')}`).join('&');
});

defineFilter('abs', ['value'], ([v]) => {
  if (!isNumber(v) && typeof v !== 'boolean') fail(`bad operand type for abs(): '${typeName(v)}'`);
  return isFloat(v) ? mkFloat(Math.abs(toNum(v))) : Math.abs(toNum(v));
});
defineFilter('round', ['value', 'precision', 'method'], ([v, precision = 0, method = 'common']) => {
  if (!isNumber(v) && typeof v !== 'boolean') fail(`type ${typeName(v)} doesn't define __round__ method`);
  const p = toNum(precision);
  if (method === 'common') return pyRound(v, p);
  if (method !== 'ceil' && method !== 'floor') fail('method must be common, ceil or floor');
  const f = 10 ** p;
  return mkFloat((method === 'ceil' ? Math.ceil : Math.floor)(toNum(v) * f) / f);
});
/** Jinja's attr() reads a Python attribute, never an item: dicts and lists have none worth reading. */
defineFilter('attr', ['value', 'name'], ([v, name]) =>
  isMapping(v) || Array.isArray(v) || typeof v === 'string' || isNumber(v) || typeof v === 'boolean' || v === null
    ? new Undef(`attr(${pyRepr(name)})`, `'${typeName(v)} object' has no attribute ${pyRepr(str(name))}`)
    : member(v, name, str(name)),
);
defineFilter('filesizeformat', ['value', 'binary'], ([v, binary = false]) => {
  const bytes = toNum(typeof v === 'string' ? parseFloatPy(v) : v);
  const base = pyTruthy(binary) ? 1024 : 1000;
  const prefixes = pyTruthy(binary) ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = base;
  let prefix = prefixes[0]!;
  for (let i = 0; i < prefixes.length; i++) {
    unit = base ** (i + 2);
    prefix = prefixes[i]!;
    if (bytes < unit) break;
  }
  return `${toFixedPy((base * bytes) / unit, 1)} ${prefix}`;
});
defineFilter('log', ['value', 'base'], ([x, base = Math.E]) => mkFloat(toNum(base) === 10 ? Math.log10(toNum(x)) : Math.log(toNum(x)) / Math.log(toNum(base))));
defineFilter('pow', ['value', 'y'], ([x, y]) => mkFloat(toNum(x) ** toNum(y)));
defineFilter('root', ['value', 'base'], ([x, base = 2]) => mkFloat(toNum(base) === 2 ? Math.sqrt(toNum(x)) : toNum(x) ** (1 / toNum(base))));
