/**
 * The `with_<lookup>` loops, as Ansible's lookup plugins turn their (templated) terms into
 * items: items (flattened one level), dict ({key, value} pairs), together (zipped, short lists
 * padded with None), nested (every combination), sequence (formatted numbers, as strings),
 * subelements (each parent with one of its sub-items) and fileglob (files on the controller).
 * `loop:` and `with_list` take the list as it is.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { pyRepr } from '../template/index.js';
import { parseKV } from './kv.js';
import { fnmatchRegex } from '../core/fnmatch.js';

export const LOOKUPS = ['list', 'items', 'dict', 'together', 'nested', 'sequence', 'subelements', 'fileglob'] as const;
export type Lookup = (typeof LOOKUPS)[number];

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const terms = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function lists(name: string, v: unknown): unknown[][] {
  const t = terms(v);
  if (!t.every(Array.isArray)) throw new Error(`with_${name} expects a list of lists, got ${pyRepr(v)}`);
  return t as unknown[][];
}

/** Python's %-formatting of one integer, for the forms sequence's `format` takes (%d %x %X %o, flags 0 and -, a width). */
function format(fmt: string, n: number): string {
  return fmt.replace(/%([-0]?)(\d*)([dixXo%s])/g, (_, flag: string, width: string, conv: string) => {
    if (conv === '%') return '%';
    let s = conv === 'x' ? n.toString(16) : conv === 'X' ? n.toString(16).toUpperCase() : conv === 'o' ? n.toString(8) : String(n);
    const w = Number(width || 0);
    if (flag === '-') s = s.padEnd(w);
    else if (flag === '0' && conv !== 's') s = n < 0 ? `-${s.slice(1).padStart(w - 1, '0')}` : s.padStart(w, '0');
    else s = s.padStart(w);
    return s;
  });
}

/** One sequence term: `start=1 end=5 stride=1 format=%d`, `count=N`, or the shortcut `[start-]end[/stride][:format]`. */
function sequence(term: unknown): string[] {
  const text = String(term).trim();
  let start = 1;
  let end: number | undefined;
  let count: number | undefined;
  let stride = 1;
  let fmt = '%d';
  const short = /^(?:(-?(?:0x)?[0-9a-f]+)-)?(-?(?:0x)?[0-9a-f]+)(?:\/(-?\d+))?(?::(.+))?$/i.exec(text);
  const num = (s: string) => {
    const n = /^-?0x/i.test(s) ? parseInt(s, 16) : /^-?0[0-7]+$/.test(s) ? parseInt(s, 8) : Number(s);
    if (!Number.isInteger(n)) throw new Error(`with_sequence: can't parse ${pyRepr(s)} as an integer`);
    return n;
  };
  if (short && !text.includes('=')) {
    if (short[1] !== undefined) start = num(short[1]);
    end = num(short[2]!);
    if (short[3] !== undefined) stride = num(short[3]);
    if (short[4] !== undefined) fmt = short[4];
  } else {
    const kv = parseKV(text);
    for (const [k, v] of Object.entries(kv)) {
      if (k === 'start') start = num(String(v));
      else if (k === 'end') end = num(String(v));
      else if (k === 'count') count = num(String(v));
      else if (k === 'stride') stride = num(String(v));
      else if (k === 'format') fmt = String(v);
      else throw new Error(`with_sequence: unrecognized argument '${k}' (start, end, count, stride, format)`);
    }
  }
  if (count !== undefined) {
    if (end !== undefined) throw new Error("with_sequence: can't specify both count and end");
    if (count === 0) return [];
    end = start + (count - 1) * stride;
  }
  if (end === undefined) throw new Error('with_sequence: must specify count or end');
  if (stride === 0) return [];
  if (stride > 0 && end < start) throw new Error('with_sequence: to count backwards make stride negative');
  if (stride < 0 && end > start) throw new Error('with_sequence: to count forward do not make stride negative');
  const out: string[] = [];
  for (let i = start; stride > 0 ? i <= end : i >= end; i += stride) out.push(format(fmt, i));
  return out;
}

function subelements(v: unknown): unknown[] {
  const t = terms(v);
  if (t.length < 2 || t.length > 3) throw new Error('with_subelements expects a list of two or three items: a list (or dict), a key, and optionally {skip_missing: true}');
  const [parents, key, flags] = t;
  if (typeof key !== 'string') throw new Error('with_subelements: the second item should be a string, the key to the sub-list');
  const skipMissing = isMap(flags) && (flags.skip_missing === true || flags.skip_missing === 'yes' || flags.skip_missing === 'True');
  const list = isMap(parents) ? Object.values(parents) : parents;
  if (!Array.isArray(list)) throw new Error('with_subelements: the first item should be a list or a dict');
  const out: unknown[] = [];
  for (const p of list) {
    if (!isMap(p)) throw new Error(`with_subelements: the items of the list should be mappings, got ${pyRepr(p)}`);
    // Ansible's lookup hands out the parent without the sub-list it iterates.
    const parent = structuredClone(p);
    const path = key.split('.');
    let holder: Record<string, unknown> = parent;
    for (const seg of path.slice(0, -1)) holder = isMap(holder[seg]) ? (holder[seg] as Record<string, unknown>) : {};
    const last = path[path.length - 1]!;
    if (!(last in holder)) {
      if (skipMissing) continue;
      throw new Error(`with_subelements: could not find '${key}' key in iterated item ${pyRepr(p)}`);
    }
    const sub = holder[last];
    delete holder[last];
    if (!Array.isArray(sub)) throw new Error(`with_subelements: the key ${key} should point to a list, got ${pyRepr(sub)}`);
    for (const s of sub) out.push([parent, s]);
  }
  return out;
}

/** Files (not folders) matching each pattern, in one folder; a relative pattern is looked for in files/ beside the playbook, then beside it. */
function fileglob(v: unknown, base: string): string[] {
  const out: string[] = [];
  for (const term of terms(v)) {
    const pattern = String(term);
    const dirs = isAbsolute(pattern) ? [dirname(pattern)] : [join(base, 'files', dirname(pattern)), join(base, dirname(pattern))];
    const name = pattern.slice(pattern.lastIndexOf('/') + 1);
    const re = fnmatchRegex(name);
    for (const dir of dirs) {
      let found: string[];
      try {
        found = readdirSync(dir).filter((f) => re.test(f) && !f.startsWith('.') && statSync(join(dir, f)).isFile());
      } catch {
        continue;
      }
      if (found.length) {
        out.push(...found.sort().map((f) => join(dir, f)));
        break;
      }
    }
  }
  return out;
}

/** The items of a loop: the templated value of `loop:` or `with_<lookup>:` as that lookup gives them; `base` is the playbook's folder. */
export function loopItems(lookup: Lookup, value: unknown, base: string): unknown[] {
  switch (lookup) {
    case 'list':
      if (!Array.isArray(value)) throw new Error(`loop must be a list, got ${pyRepr(value)}`);
      return value;
    case 'items':
      return terms(value).flatMap((x) => (Array.isArray(x) ? x : [x]));
    case 'dict':
      if (!isMap(value)) throw new Error(`with_dict expects a dict, got ${pyRepr(value)}`);
      return Object.entries(value).map(([key, v]) => ({ key, value: v }));
    case 'together': {
      const ls = lists('together', value);
      const n = Math.max(0, ...ls.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => ls.map((l) => (i < l.length ? l[i] : null)));
    }
    case 'nested': {
      const ls = lists('nested', value);
      if (ls.length === 0) return [];
      return ls.reduce<unknown[][]>((acc, l) => acc.flatMap((a) => l.map((x) => [...a, x])), [[]]);
    }
    case 'sequence':
      return terms(value).flatMap(sequence);
    case 'subelements':
      return subelements(value);
    case 'fileglob':
      return fileglob(value, base);
  }
}
