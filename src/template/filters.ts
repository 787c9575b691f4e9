/**
 * Jinja2's built-in filters and Ansible's general-purpose ones, with Python semantics:
 * `default`, type conversions (`int`, `float`, `bool`, `string`), strings, lists (`sort`,
 * `unique`, `map`, `select`...), numbers and dict helpers (`combine`, `dict2items`). Filters
 * for data formats, hashes, regexes and paths are in filters-data.ts. Each definition lists
 * its Python parameters, so keyword calls such as `sort(attribute='name')` bind as in Python.
 */
import { percentFormat, toFixedPy } from './format.js';
import { capitalize, member, pyReplace, pySplit, pyStrip, splitlines } from './methods.js';
import { add } from './operators.js';
import { callFilter, callTest, defineFilter } from './registry.js';
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
  pyRepr,
  pyStr,
  pyTruthy,
  setKey,
  toNum,
  tuple,
  typeName,
} from './pyvalues.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

function str(v: unknown): string {
  return pyStr(v);
}

/** Python iteration as filters see it: lists as they are, strings by character, dicts by key. */
export function items(v: unknown): unknown[] {
  v = norm(v);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (isMapping(v)) return Object.keys(v);
  fail(`'${typeName(v)}' object is not iterable`);
}

/** Jinja's make_attrgetter: `a.b.0` walks attributes and indexes; missing parts give an Undef. */
export function attrGetter(attribute: unknown, dflt?: unknown): (item: unknown) => unknown {
  const parts = typeof attribute === 'string' ? attribute.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [attribute];
  return (item) => {
    let v = item;
    for (const p of parts) v = member(v, p, String(attribute));
    return v instanceof Undef && dflt !== undefined ? dflt : v;
  };
}

function lowerIf(ignoreCase: boolean) {
  return (v: unknown): unknown => (ignoreCase && typeof v === 'string' ? v.toLowerCase() : v);
}

function keyFn(attribute: unknown, caseSensitive: unknown): (item: unknown) => unknown {
  const lower = lowerIf(!pyTruthy(caseSensitive ?? false));
  if (attribute === undefined || attribute === null) return lower;
  const getters = (typeof attribute === 'string' ? attribute.split(',') : [attribute]).map((a) => attrGetter(a));
  if (getters.length === 1) return (x) => lower(getters[0]!(x));
  return (x) => tuple(getters.map((g) => lower(g(x))));
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

defineFilter('bool', ['value'], ([v]) => {
  if (v === null || typeof v === 'boolean') return v;
  const x = typeof v === 'string' ? v.toLowerCase() : v;
  return ['yes', 'on', '1', 'true'].includes(x as string) || (isNumber(x) && toNum(x) === 1 && !isFloat(x));
});

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

defineFilter(['length', 'count'], ['value'], ([v]) => {
  if (typeof v === 'string') return Array.from(v).length;
  if (Array.isArray(v)) return v.length;
  if (isMapping(v)) return Object.keys(v).length;
  fail(`object of type '${typeName(v)}' has no len()`);
});
defineFilter('first', ['value'], ([v]) => {
  const l = items(v);
  return l.length ? l[0] : new Undef('first', 'No first item, sequence was empty.');
});
defineFilter('last', ['value'], ([v]) => {
  const l = items(v);
  return l.length ? l[l.length - 1] : new Undef('last', 'No last item, sequence was empty.');
});
defineFilter('list', ['value'], ([v]) => [...items(v)]);
defineFilter('dict', ['value'], ([v]) => {
  if (isMapping(v)) return { ...v };
  const out: Record<string, unknown> = {};
  for (const pair of items(v)) {
    const p = items(pair);
    if (p.length !== 2) fail('dictionary update sequence element has the wrong length; 2 is required');
    setKey(out, str(p[0]), p[1]);
  }
  return out;
});
defineFilter('items', ['value'], ([v]) => (v instanceof Undef ? [] : isMapping(v) ? Object.entries(v).map((e) => tuple(e)) : fail('Can only get item pairs from a mapping.')), true);
defineFilter('reverse', ['value'], ([v]) => (typeof v === 'string' ? Array.from(v).reverse().join('') : [...items(v)].reverse()));
defineFilter('join', ['value', 'd', 'attribute'], ([v, d = '', attribute = null]) => {
  const get = attribute === null ? (x: unknown) => x : attrGetter(attribute);
  return items(v)
    .map((x) => str(get(x)))
    .join(str(d));
});
defineFilter('unique', ['value', 'case_sensitive', 'attribute'], ([v, cs = false, attribute = null]) => {
  const key = keyFn(attribute, cs);
  const seen: unknown[] = [];
  return items(v).filter((x) => {
    const k = key(x);
    if (seen.some((s) => pyEq(s, k))) return false;
    seen.push(k);
    return true;
  });
});
defineFilter('sort', ['value', 'reverse', 'case_sensitive', 'attribute'], ([v, reverse = false, cs = false, attribute = null]) => {
  const key = keyFn(attribute, cs);
  const decorated = items(v).map((x) => [key(x), x] as const);
  decorated.sort((a, b) => pyCmp(a[0], b[0]) * (pyTruthy(reverse) ? -1 : 1));
  return decorated.map(([, x]) => x);
});
defineFilter('dictsort', ['value', 'case_sensitive', 'by', 'reverse'], ([v, cs = false, by = 'key', reverse = false]) => {
  if (!isMapping(v)) fail('You can only sort by either "key" or "value"');
  const pos = by === 'key' ? 0 : by === 'value' ? 1 : fail('You can only sort by either "key" or "value"');
  const lower = lowerIf(!pyTruthy(cs));
  const out = Object.entries(v).map((e) => tuple(e));
  out.sort((a, b) => pyCmp(lower(a[pos]), lower(b[pos])) * (pyTruthy(reverse) ? -1 : 1));
  return out;
});

function minmax(sign: number) {
  return ([v, cs = false, attribute = null]: any[]) => {
    const l = items(v);
    if (!l.length) return new Undef(sign < 0 ? 'min' : 'max', 'No aggregated item, sequence was empty.');
    const key = keyFn(attribute, cs);
    return l.reduce((best, x) => (pyCmp(key(x), key(best)) * sign > 0 ? x : best));
  };
}
defineFilter('min', ['value', 'case_sensitive', 'attribute'], minmax(-1));
defineFilter('max', ['value', 'case_sensitive', 'attribute'], minmax(1));
defineFilter('sum', ['value', 'attribute', 'start'], ([v, attribute = null, start = 0]) => {
  const get = attribute === null ? (x: unknown) => x : attrGetter(attribute);
  return items(v).reduce((acc, x) => add(acc, get(x)), start);
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
defineFilter('batch', ['value', 'linecount', 'fill_with'], ([v, n, fill = null]) => {
  const out: unknown[][] = [];
  for (const x of items(v)) {
    if (!out.length || out[out.length - 1]!.length >= toNum(n)) out.push([]);
    out[out.length - 1]!.push(x);
  }
  const last = out[out.length - 1];
  if (last && fill !== null) while (last.length < toNum(n)) last.push(fill);
  return out;
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
defineFilter('groupby', ['value', 'attribute', 'default', 'case_sensitive'], ([v, attribute, dflt, cs = false]) => {
  const get = attrGetter(attribute, dflt);
  const lower = lowerIf(!pyTruthy(cs));
  const sorted = [...items(v)].sort((a, b) => pyCmp(lower(get(a)), lower(get(b))));
  const groups: [unknown, unknown[]][] = [];
  for (const x of sorted) {
    const k = lower(get(x));
    const g = groups[groups.length - 1];
    if (g && pyEq(g[0], k)) g[1].push(x);
    else groups.push([k, [x]]);
  }
  return groups.map(([k, l]) => tuple([k, l]));
});

/** `map('filter', args)` or `map(attribute='x', default=...)`. */
defineFilter('map', ['value', '*args', '**kwargs'], ([v, args, kw], s) => {
  if (!args.length) {
    if (!('attribute' in kw)) return [...items(v)];
    const get = attrGetter(kw.attribute, kw.default);
    return items(v).map(get);
  }
  const [name, ...rest] = args;
  const extra = Object.keys(kw).length ? [...rest, { ...kw, __keywords: true }] : rest;
  return items(v).map((x) => callFilter(s, str(name), [x, ...extra]));
});

function selector(attr: boolean, keep: boolean) {
  return ([v, args]: any[], s: any) => {
    const rest = [...args];
    const get = attr ? attrGetter(rest.shift()) : (x: unknown) => x;
    const test = rest.shift();
    const check = test === undefined ? (x: unknown) => pyTruthy(x) : (x: unknown) => callTest(s, str(test), x, rest);
    return items(v).filter((x) => check(get(x)) === keep);
  };
}
defineFilter('select', ['value', '*args'], selector(false, true));
defineFilter('reject', ['value', '*args'], selector(false, false));
defineFilter('selectattr', ['value', '*args'], selector(true, true));
defineFilter('rejectattr', ['value', '*args'], selector(true, false));

defineFilter('type_debug', ['value'], ([v]) => typeName(v), true);

export function flatten(l: unknown[], levels: number | null, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const x of l) {
    if (skipNulls && (x === null || x === 'None' || x === 'null')) continue;
    if (Array.isArray(x) && (levels === null || levels >= 1)) out.push(...flatten(x, levels === null ? null : levels - 1, skipNulls));
    else out.push(x);
  }
  return out;
}
defineFilter('flatten', ['value', 'levels', 'skip_nulls'], ([v, levels = null, skip = true]) => flatten(items(v), levels === null ? null : toNum(levels), pyTruthy(skip)));

/** Ansible's merge_hash: `y` wins; nested dicts merge when recursive; lists per list_merge. */
function mergeHash(x: Record<string, unknown>, y: Record<string, unknown>, recursive: boolean, listMerge: string): Record<string, unknown> {
  if (Object.keys(x).length === 0 || pyEq(x, y)) return { ...y };
  if (Object.keys(y).length === 0) return x;
  const out = { ...x };
  if (!recursive && listMerge === 'replace') {
    for (const [k, v] of Object.entries(y)) setKey(out, k, v);
    return out;
  }
  for (const [k, yv] of Object.entries(y)) {
    if (!Object.hasOwn(out, k)) {
      setKey(out, k, yv);
      continue;
    }
    const xv = out[k];
    if (isMapping(xv) && isMapping(yv)) setKey(out, k, recursive ? mergeHash(xv, yv, recursive, listMerge) : yv);
    else if (Array.isArray(xv) && Array.isArray(yv)) {
      const notInY = xv.filter((z) => !yv.some((w) => pyEq(w, z)));
      const merged: Record<string, unknown[]> = { replace: yv, append: [...xv, ...yv], prepend: [...yv, ...xv], append_rp: [...notInY, ...yv], prepend_rp: [...yv, ...notInY], keep: xv };
      if (!(listMerge in merged)) fail(`merge_hash: 'list_merge' accepts only replace, keep, append, prepend, append_rp or prepend_rp`);
      setKey(out, k, merged[listMerge]);
    } else setKey(out, k, yv);
  }
  return out;
}
defineFilter('combine', ['*terms', '**kwargs'], ([terms, kw]) => {
  const { recursive = false, list_merge: listMerge = 'replace', ...rest } = kw;
  if (Object.keys(rest).length) fail("'recursive' and 'list_merge' are the only valid keyword arguments");
  const dicts = flatten(terms, 1, false);
  for (const d of dicts) if (!isMapping(d)) fail(`failed to combine variables, expected dicts but got a '${typeName(d)}'`);
  if (!dicts.length) return {};
  let result = dicts[dicts.length - 1] as Record<string, unknown>;
  for (let i = dicts.length - 2; i >= 0; i--) result = mergeHash(dicts[i] as Record<string, unknown>, result, pyTruthy(recursive), str(listMerge));
  return result;
});
defineFilter('dict2items', ['value', 'key_name', 'value_name'], ([v, kn = 'key', vn = 'value']) => {
  if (!isMapping(v)) fail(`dict2items requires a dictionary, got ${typeName(v)} instead.`);
  return Object.entries(v).map(([k, x]) => ({ [str(kn)]: k, [str(vn)]: x }));
});
defineFilter('items2dict', ['value', 'key_name', 'value_name'], ([v, kn = 'key', vn = 'value']) => {
  if (!Array.isArray(v)) fail(`items2dict requires a list, got ${typeName(v)} instead.`);
  const out: Record<string, unknown> = {};
  for (const item of v) {
    if (!isMapping(item) || !Object.hasOwn(item, str(kn)) || !Object.hasOwn(item, str(vn))) {
      fail(`items2dict requires each dictionary in the list to contain the keys '${str(kn)}' and '${str(vn)}', got ${pyRepr(v)} instead.`);
    }
    setKey(out, str(item[str(kn)]), item[str(vn)]);
  }
  return out;
});
defineFilter('zip', ['value', '*others'], ([v, others]) => {
  const lists = [items(v), ...others.map(items)];
  const n = Math.min(...lists.map((l) => l.length));
  return Array.from({ length: n }, (_, i) => tuple(lists.map((l) => l[i])));
});
defineFilter('zip_longest', ['value', '*others', 'fillvalue'], ([v, others, fill = null]) => {
  const lists = [items(v), ...others.map(items)];
  const n = Math.max(...lists.map((l) => l.length));
  return Array.from({ length: n }, (_, i) => tuple(lists.map((l) => (i < l.length ? l[i] : fill))));
});

function uniq(l: unknown[]): unknown[] {
  return l.filter((x, i) => l.findIndex((y) => pyEq(x, y)) === i);
}
const has = (l: unknown[], x: unknown) => l.some((y) => pyEq(x, y));
defineFilter('union', ['value', 'other'], ([a, b]) => uniq([...items(a), ...items(b)]));
defineFilter('intersect', ['value', 'other'], ([a, b]) => uniq(items(a).filter((x) => has(items(b), x))));
defineFilter('difference', ['value', 'other'], ([a, b]) => uniq(items(a).filter((x) => !has(items(b), x))));
defineFilter('symmetric_difference', ['value', 'other'], ([a, b]) => {
  const both = items(a).filter((x) => has(items(b), x));
  return uniq([...items(a), ...items(b)]).filter((x) => !has(both, x));
});
defineFilter('extract', ['item', 'container', 'morekeys'], ([item, container, morekeys = null]) => {
  const keys = morekeys === null ? [item] : Array.isArray(morekeys) ? [item, ...morekeys] : [item, morekeys];
  return keys.reduce((acc: unknown, k) => member(acc, k, str(k)), container);
});
defineFilter('subelements', ['value', 'subelements', 'skip_missing'], ([v, sub, skip = false]) => {
  const list = isMapping(v) ? Object.values(v) : Array.isArray(v) ? v : fail('obj must be a list of dicts or a nested dict');
  const path = Array.isArray(sub) ? sub.map(str) : str(sub).split('.');
  const out: unknown[] = [];
  for (const el of list) {
    let values: unknown = el;
    for (const key of path) {
      if (!isMapping(values) || !Object.hasOwn(values, key)) {
        if (pyTruthy(skip)) {
          values = [];
          break;
        }
        fail(`could not find '${key}' key in iterated item '${pyRepr(el)}'`);
      }
      values = values[key];
    }
    if (!Array.isArray(values)) fail(`the key ${path.join('.')} should point to a list, got ${pyRepr(values)}`);
    for (const x of values) out.push(tuple([el, x]));
  }
  return out;
});
defineFilter('log', ['value', 'base'], ([x, base = Math.E]) => mkFloat(toNum(base) === 10 ? Math.log10(toNum(x)) : Math.log(toNum(x)) / Math.log(toNum(base))));
defineFilter('pow', ['value', 'y'], ([x, y]) => mkFloat(toNum(x) ** toNum(y)));
defineFilter('root', ['value', 'base'], ([x, base = 2]) => mkFloat(toNum(base) === 2 ? Math.sqrt(toNum(x)) : toNum(x) ** (1 / toNum(base))));
