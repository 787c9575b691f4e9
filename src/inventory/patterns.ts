/**
 * Host patterns, as `hosts:` and `--limit` use them, ported from Ansible's InventoryManager:
 * `a:b` / `a,b` unions, `&` intersections and `!` exclusions (applied in that order whatever
 * their position), shell globs and `~regex` over group and host names, `[i]` / `[i:j]`
 * subscripts and `@file` lists. Results keep Ansible's inventory order.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { pyRegExp, reExec } from '../py/re.js';
import { parseAddress } from './addresses.js';
import { type Host, type InventoryData, LOCALHOST_NAMES } from './model.js';

/** Splits `a,b` or the legacy `a:b:&c` into single patterns, leaving IPv6 addresses and ranges whole. */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern, true)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p);
}

/** Python's fnmatch.translate, producing an anchored JavaScript regular expression. */
export function fnmatchToRegExp(pat: string): RegExp {
  let res = '';
  const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  for (let i = 0; i < pat.length; ) {
    const c = pat[i++]!;
    if (c === '*') {
      if (!res.endsWith('.*')) res += '.*';
    } else if (c === '?') res += '.';
    else if (c === '[') {
      let j = i;
      if (j < pat.length && pat[j] === '!') j++;
      if (j < pat.length && pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) {
        res += '\\[';
        continue;
      }
      let stuff = pat.slice(i, j);
      i = j + 1;
      const negate = stuff.startsWith('!');
      if (negate) stuff = stuff.slice(1);
      // Ranges written backwards (z-a) match nothing in Python; JavaScript would refuse them.
      let cls = '';
      for (let k = 0; k < stuff.length; k++) {
        if (stuff[k + 1] === '-' && k + 2 < stuff.length) {
          if (stuff[k]! <= stuff[k + 2]!) cls += `${esc(stuff[k]!)}-${esc(stuff[k + 2]!)}`;
          k += 2;
        } else cls += esc(stuff[k]!);
      }
      if (!cls) res += negate ? '.' : '(?!)';
      else res += `[${negate ? '^' : ''}${cls}]`;
    } else res += esc(c);
  }
  return new RegExp(`^(?:${res})$`, 's');
}

/** Names matching a glob, or with `~` a Python regular expression applied like re.match (anchored at the start only). */
function matchList(items: Iterable<string>, pattern: string): string[] {
  let matches: (name: string) => boolean;
  try {
    const re = pattern[0] === '~' ? pyRegExp(pattern.slice(1)) : fnmatchToRegExp(pattern);
    matches = pattern[0] === '~' ? (name) => reExec(re, name, true) !== null : (name) => re.test(name);
  } catch (e) {
    throw new UserError(`Invalid host list pattern: ${pattern} (${(e as Error).message})`);
  }
  return [...items].filter(matches);
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

export interface SelectOptions {
  /** Folder against which `@file` patterns are resolved (default: the current directory). */
  baseDir?: string;
  /** Told about each pattern that matched no host and no group, as Ansible warns. */
  warn?: (message: string) => void;
}

/**
 * Resolves a host pattern to host names in inventory order. A pattern that matches nothing
 * contributes nothing; `localhost` resolves to the implicit localhost when not in the inventory.
 */
export function selectHosts(data: InventoryData, pattern: string | string[], opts: SelectOptions = {}): Host[] {
  const raw = (Array.isArray(pattern) ? pattern : [pattern]).flatMap(splitHostPattern);
  const patterns: string[] = [];
  for (const p of raw) {
    if (p[0] !== '@') {
      patterns.push(p);
      continue;
    }
    const file = resolve(opts.baseDir ?? process.cwd(), p.slice(1));
    let st;
    try {
      st = statSync(file);
    } catch {
      throw new UserError(`Unable to find limit file ${file}`, undefined, 'an @ pattern names a file of host names, one per line (a .retry file)');
    }
    if (!st.isFile()) throw new UserError(`Limit starting with "@" must be a file, not a directory: ${file}`);
    patterns.push(...readFileSync(file, 'utf8').split('\n').map((l) => l.trim()));
  }

  const regular = patterns.filter((p) => p && p[0] !== '!' && p[0] !== '&');
  const ordered = [...(regular.length ? regular : ['all']), ...patterns.filter((p) => p[0] === '&'), ...patterns.filter((p) => p[0] === '!')];

  const enumerate = (expr: string): Host[] => {
    const results: Host[] = [];
    const groups = matchList(data.groups.keys(), expr);
    for (const g of groups) results.push(...data.groups.get(g)!.getHosts());
    if (groups.length === 0 || expr[0] === '~' || /[.?*[]/.test(expr)) {
      for (const h of matchList(data.hosts.keys(), expr)) results.push(data.hosts.get(h)!);
    }
    if (results.length === 0 && LOCALHOST_NAMES.includes(expr)) results.push(data.getHost(expr)!);
    if (results.length === 0 && groups.length === 0 && expr !== 'all') opts.warn?.(`Could not match supplied host pattern, ignoring: ${expr}`);
    return results;
  };

  const matchOne = (p: string): Host[] => {
    const pat = p[0] === '&' || p[0] === '!' ? p.slice(1) : p;
    const m = pat[0] === '~' ? null : SUBSCRIPT.exec(pat);
    if (!m) return enumerate(pat);
    const hosts = enumerate(m[1]!);
    if (hosts.length === 0) return hosts;
    let start: number;
    let end: number | null = null;
    if (m[2] !== undefined) start = parseInt(m[2], 10);
    else {
      start = parseInt(m[3]!, 10);
      end = m[5] ? parseInt(m[5], 10) : -1;
      if (m[4] === '-') opts.warn?.('Use [x:y] inclusive subscripts instead of [x-y] which has been removed');
    }
    // Python treats an end of 0 as "no end": web[2:0] selects the single host web[2].
    if (end) return hosts.slice(start, (end === -1 ? hosts.length - 1 : end) + 1);
    const h = hosts[start < 0 ? hosts.length + start : start];
    if (!h) throw new UserError(`No hosts matched the subscripted pattern '${pat}'`, undefined, `the pattern matches ${hosts.length} host(s), numbered from 0`);
    return [h];
  };

  let hosts: Host[] = [];
  for (const p of ordered) {
    const direct = data.hosts.get(p);
    if (direct) {
      hosts.push(direct);
      continue;
    }
    const that = matchOne(p);
    if (p[0] === '!') {
      const set = new Set(that);
      hosts = hosts.filter((h) => !set.has(h));
    } else if (p[0] === '&') {
      const set = new Set(that);
      hosts = hosts.filter((h) => set.has(h));
    } else {
      const existing = new Set(hosts.map((h) => h.name));
      hosts.push(...that.filter((h) => !existing.has(h.name)));
    }
  }
  return [...new Set(hosts)];
}
