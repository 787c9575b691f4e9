/**
 * Jinja2's and Ansible's filters over lists and dicts: `length`, `first`, `sort`, `unique`,
 * `map`, `select`/`selectattr`, `groupby`, `flatten`, `combine`, `dict2items`, set operations,
 * `zip`, `product`... Python semantics throughout: case-insensitive sorting by default as in
 * Jinja, dotted `attribute=` paths, iterating a dict yields its keys.
 */
import { member } from './methods.js';
import { add } from './operators.js';
import { callFilter, callTest, defineFilter } from './registry.js';
import { Undef, fail, isMapping, norm, pyCmp, pyEq, pyRepr, pyStr, pyTruthy, setKey, toNum, tuple, typeName } from './pyvalues.js';

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

/** itertools.product / combinations / permutations, as Ansible exposes them (lists of tuples). */
defineFilter('product', ['value', '*others', 'repeat'], ([v, others, repeat = 1]) => {
  const pools = Array.from({ length: toNum(repeat) }, () => [items(v), ...others.map(items)]).flat();
  return pools.reduce<unknown[][]>((acc, pool) => acc.flatMap((prefix) => pool.map((x: unknown) => [...prefix, x])), [[]]).map((t) => tuple(t));
});
function choose(pool: unknown[], r: number, ordered: boolean): unknown[][] {
  if (r === 0) return [[]];
  return pool.flatMap((x, i) => choose(ordered ? [...pool.slice(0, i), ...pool.slice(i + 1)] : pool.slice(i + 1), r - 1, ordered).map((rest) => [x, ...rest]));
}
defineFilter('combinations', ['value', 'r'], ([v, r]) => choose(items(v), toNum(r), false).map((t) => tuple(t)));
defineFilter('permutations', ['value', 'r'], ([v, r = null]) => choose(items(v), r === null ? items(v).length : toNum(r), true).map((t) => tuple(t)));

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
