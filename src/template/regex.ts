/**
 * Python `re` patterns and replacement strings on JavaScript RegExp. Playbooks are written for
 * Python's dialect, so patterns are translated: `(?P<name>...)`, `(?P=name)`, `\A`, `\Z`,
 * leading inline flags `(?i)`, and `$` matching before a final newline. Replacements use
 * Python's `\1` / `\g<name>` syntax (a `$` is literal), applied through a function so that
 * JavaScript's `$` substitutions never happen.
 */
import { fail, pyStr } from './pyvalues.js';

export interface ReFlags {
  ignorecase?: boolean;
  multiline?: boolean;
  dotall?: boolean;
}

const cache = new Map<string, RegExp>();

function translate(pattern: string, flags: ReFlags): { source: string; flags: string } {
  let f = '';
  let p = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(p);
  if (inline) {
    if (inline[1]!.includes('x')) fail("regex verbose flag (?x) is not supported");
    for (const c of inline[1]!) if ('ims'.includes(c) && !f.includes(c)) f += c;
    p = p.slice(inline[0].length);
  }
  if (flags.ignorecase && !f.includes('i')) f += 'i';
  if (flags.multiline && !f.includes('m')) f += 'm';
  if (flags.dotall && !f.includes('s')) f += 's';
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?![\\s\\S])';
      else out += c + n;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (p[i + 1] === '^') out += p[++i];
      if (p[i + 1] === ']') out += '\\' + p[++i];
    } else if (p.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (p.startsWith('(?P=', i)) {
      const end = p.indexOf(')', i);
      out += `\\k<${p.slice(i + 4, end)}>`;
      i = end;
    } else if (p.startsWith('(?#', i)) {
      i = p.indexOf(')', i);
    } else if (c === '$' && !f.includes('m')) {
      out += '(?=\\n?(?![\\s\\S]))';
    } else out += c;
  }
  return { source: out, flags: f };
}

/** A compiled JavaScript RegExp for a Python pattern (cached); `extra` adds JS flags such as g or y. */
export function pyRegex(pattern: unknown, flags: ReFlags = {}, extra = ''): RegExp {
  const text = pyStr(pattern);
  const key = `${extra}:${flags.ignorecase ? 1 : 0}${flags.multiline ? 1 : 0}${flags.dotall ? 1 : 0}:${text}`;
  let re = cache.get(key);
  if (!re) {
    const t = translate(text, flags);
    try {
      re = new RegExp(t.source, t.flags + extra);
    } catch (e) {
      fail(`invalid regular expression ${JSON.stringify(text)}: ${(e as Error).message}`);
    }
    if (cache.size > 2000) cache.clear();
    cache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

type Part = string | number | { name: string };

/** Parses a Python replacement template (`\1`, `\g<1>`, `\g<name>`, escapes) into parts. */
function parseReplacement(repl: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c !== '\\' || i + 1 >= repl.length) {
      lit += c;
      continue;
    }
    const n = repl[i + 1]!;
    let ref: Part | undefined;
    const g = /^g<([^>]+)>/.exec(repl.slice(i + 1));
    const d = /^\d{1,2}/.exec(repl.slice(i + 1));
    if (g) {
      ref = /^\d+$/.test(g[1]!) ? Number(g[1]) : { name: g[1]! };
      i += g[0].length;
    } else if (d && d[0] !== '0') {
      ref = Number(d[0]);
      i += d[0].length;
    } else if (n in simple) {
      lit += simple[n];
      i++;
    } else if (/[A-Za-z]/.test(n)) {
      fail(`bad escape \\${n} in replacement`);
    } else {
      lit += c + n;
      i++;
    }
    if (ref !== undefined) {
      if (lit) parts.push(lit);
      lit = '';
      parts.push(ref);
    }
  }
  if (lit) parts.push(lit);
  return parts;
}

/** Python's re.sub(pattern, repl, text, count). */
export function regexSub(re: RegExp, repl: string, text: string, count = 0): string {
  const parts = parseReplacement(repl);
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  let n = 0;
  return text.replace(g, (...m: unknown[]) => {
    if (count > 0 && n >= count) return m[0] as string;
    n++;
    const hasGroups = typeof m[m.length - 1] === 'object';
    const groups = (hasGroups ? m[m.length - 1] : undefined) as Record<string, string | undefined> | undefined;
    return parts
      .map((p) => {
        if (typeof p === 'string') return p;
        if (typeof p === 'number') {
          if (p >= m.length - (hasGroups ? 3 : 2)) fail(`invalid group reference ${p}`);
          return (m[p] as string | undefined) ?? '';
        }
        if (!groups || !(p.name in groups)) fail(`unknown group name '${p.name}'`);
        return groups[p.name] ?? '';
      })
      .join('');
  });
}

/** Python's re.match (anchored at the start) or re.search. */
export function regexExec(re: RegExp, text: string, anchored: boolean): RegExpExecArray | null {
  const r = anchored ? new RegExp(re.source, re.flags.replace('g', '') + 'y') : re;
  r.lastIndex = 0;
  return r.exec(text);
}
