/**
 * Python's json.dumps, byte for byte, for `to_json` and `to_nice_json`: `", "` and `": "`
 * separators (`","` with an indent), ensure_ascii escapes (`\u00e9`), floats as Python
 * prints them (`1.0`, `1e-05`), NaN/Infinity, and sort_keys by code point.
 */
import { Undef, fail, floatRepr, isFloat, isMapping, isNumber, norm, toNum, typeName } from './pyvalues.js';

export interface JsonOptions {
  indent?: number | null;
  sortKeys?: boolean;
  separators?: [string, string];
  ensureAscii?: boolean;
}

function quote(s: string, ascii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (code < 0x20 || (ascii && code > 0x7e)) {
      out += '\\u' + code.toString(16).padStart(4, '0');
    } else out += c;
  }
  return out + '"';
}

function num(v: unknown): string {
  const n = toNum(v);
  if (!isFloat(v)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return floatRepr(n);
}

/** json.dumps(value, indent=..., sort_keys=..., separators=..., ensure_ascii=...). */
export function jsonDumps(value: unknown, opts: JsonOptions = {}): string {
  const indent = opts.indent ?? null;
  const [itemSep, keySep] = opts.separators ?? (indent === null ? [', ', ': '] : [',', ': ']);
  const ascii = opts.ensureAscii ?? true;
  const enc = (v: unknown, level: number): string => {
    v = norm(v);
    if (v instanceof Undef) v.fail();
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (isNumber(v)) return num(v);
    if (typeof v === 'string') return quote(v, ascii);
    const nl = indent === null ? '' : '\n' + ' '.repeat(indent * (level + 1));
    const close = indent === null ? '' : '\n' + ' '.repeat(indent * level);
    if (Array.isArray(v)) {
      if (!v.length) return '[]';
      return '[' + nl + v.map((x) => enc(x, level + 1)).join(itemSep + nl) + close + ']';
    }
    if (isMapping(v)) {
      let keys = Object.keys(v);
      if (!keys.length) return '{}';
      if (opts.sortKeys) keys = keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return '{' + nl + keys.map((k) => quote(k, ascii) + keySep + enc(v[k], level + 1)).join(itemSep + nl) + close + '}';
    }
    fail(`Object of type ${typeName(v)} is not JSON serializable`);
  };
  return enc(value, 0);
}
