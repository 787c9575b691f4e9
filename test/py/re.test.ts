/**
 * src/py/re.ts against Python's `re` on generated patterns and subjects: whether the pattern
 * compiles, and for each subject search, match, finditer spans with groups, and sub with a
 * generated template. Patterns come from a grammar of the constructs playbooks use (classes,
 * anchors, groups, back-references, look-arounds, quantifiers, inline and argument flags) plus
 * random metacharacter soup for the error paths.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PyReError, type ReFlags, pyRegExp, reExec, reFinditer, reSub } from '../../src/py/re.js';
import { python, rng } from './oracle.js';

const r = rng(0x5eed_0e);
const CHARS = ['a', 'b', 'A', 'B', 'z', '0', '7', ' ', '_', '-', '.', 'é', 'É', '٣', 'ſ', 'K'];
const SUBJECT = ['a', 'b', 'A', 'B', 'ab', '0', '7', ' ', '\n', '\r', '\t', '\u2028', '\x1c', '\ufeff', '_', '-', '.', 'é', 'É', '٣', '½', 'ſ', 'k', '😀', '[', ']', '\\', '$'];

/**
 * Groups so far; `certain` are those sure to take part in any match (not under a quantifier, an
 * alternative or a negative look-ahead): JavaScript lets a back-reference to a group that did not
 * take part match the empty string, where Python fails, and no translation can express that.
 */
interface Ctx {
  groups: number;
  names: string[];
  open: number[];
  certain: number[];
  optional: number;
}

function literal(): string {
  const c = r.pick(CHARS);
  return c === '.' || c === '-' ? '\\' + c : c;
}

function classBody(): string {
  const items = ['a-c', 'A-Z', '0-9', '\\d', '\\w', '\\s', '\\D', '\\W', '\\S', '_', '-', ']', '^', 'é', '\\n', '\\x41', '\\101', '\\\\', '\\]', '.', '$', '\\b', 'ſ', '\\u00e9', '😀'];
  let body = r.chance(0.3) ? '^' : '';
  if (r.chance(0.1)) body += ']';
  for (let n = 1 + r.int(3); n > 0; n--) body += r.pick(items);
  return body;
}

/** A fixed-width piece, for look-behinds (Python requires them). */
function fixed(): string {
  return r.pick(['a', 'ab', '\\d', '[ab]', '.', 'é', '\\s', 'a|b', '(?:ab|ba)']);
}

function atom(ctx: Ctx, depth: number): string {
  const k = r.int(depth > 2 ? 6 : 12);
  switch (k) {
    case 0:
    case 1:
    case 2:
      return literal();
    case 3:
      return r.pick(['.', '\\d', '\\w', '\\s', '\\D', '\\W', '\\S', '\\n', '\\t', '\\x61', '\\0', '\\u00e9', '\\-', '\\.', '\\{', '\\$']);
    case 4:
      return r.pick(['^', '$', '\\A', '\\Z', '\\b', '\\B']);
    case 5:
      return `[${classBody()}]`;
    case 6:
    case 7: {
      const id = ++ctx.groups;
      ctx.open.push(id);
      const named = r.chance(0.4);
      const name = `g${id}`;
      const inner = seq(ctx, depth + 1);
      ctx.open.pop();
      if (ctx.optional === 0) {
        ctx.certain.push(id);
        if (named) ctx.names.push(name);
      }
      return named ? `(?P<${name}>${inner})` : `(${inner})`;
    }
    case 8:
      return `(?:${seq(ctx, depth + 1)})`;
    case 9: {
      const negative = r.chance(0.5);
      ctx.optional += negative ? 1 : 0;
      const inner = seq(ctx, depth + 1);
      ctx.optional -= negative ? 1 : 0;
      return (negative ? '(?!' : '(?=') + inner + ')';
    }
    case 10:
      return r.pick(['(?<=', '(?<!']) + fixed() + ')';
    default: {
      const closed = ctx.certain.filter((g) => !ctx.open.includes(g));
      if (!closed.length) return literal();
      if (ctx.names.length && r.chance(0.3)) return `(?P=${r.pick(ctx.names)})`;
      return `\\${r.pick(closed)}`;
    }
  }
}

function piece(ctx: Ctx, depth: number): string {
  const q = r.chance(0.35) ? r.pick(['*', '+', '?', '{2}', '{1,2}', '{,2}', '{2,}', '{0}']) + (r.chance(0.3) ? '?' : '') : '';
  ctx.optional += q ? 1 : 0;
  const a = atom(ctx, depth);
  ctx.optional -= q ? 1 : 0;
  return /^(\^|\$|\\[AZbB])$/.test(a) ? a : a + q;
}

function seq(ctx: Ctx, depth: number): string {
  const alternatives = depth < 2 && r.chance(0.15);
  ctx.optional += alternatives ? 1 : 0;
  let s = '';
  for (let n = r.int(4); n >= 0; n--) s += piece(ctx, depth);
  if (alternatives) s += '|' + seq(ctx, depth + 1);
  ctx.optional -= alternatives ? 1 : 0;
  return s;
}

function pattern(): { pattern: string; flags: ReFlags } {
  const flags: ReFlags = {};
  if (r.chance(0.2)) flags.ignorecase = true;
  if (r.chance(0.2)) flags.multiline = true;
  if (r.chance(0.1)) flags.dotall = true;
  if (r.chance(0.1)) flags.ascii = true;
  if (r.chance(0.12)) {
    // Metacharacter soup: mostly errors, which both sides must agree on.
    return { pattern: r.str(['(', ')', '[', ']', '{', '}', '?', '*', '+', '\\', 'a', '1', ',', '^', '$', '|', 'P', '<', '>', '=', ':', '#', 'i', 'x', 'q', '-'], 8), flags };
  }
  let p = seq({ groups: 0, names: [], open: [], certain: [], optional: 0 }, 0);
  if (r.chance(0.15)) p = `(?${r.pick(['i', 'm', 's', 'ms', 'a', 'x'])})` + p;
  if (r.chance(0.05)) p = `(?s:${p})`;
  if (r.chance(0.05)) {
    flags.verbose = true;
    p = ` ${p} # comment\n`;
  }
  return { pattern: p, flags };
}

function template(groups: number): string {
  let t = '';
  for (let n = r.int(4); n >= 0; n--) t += r.pick(['-', 'x', '\\n', '\\\\', '\\g<0>', '\\0', '$1', '\\-', `\\${1 + r.int(groups + 1)}`, `\\g<${r.int(groups + 2)}>`, '\\101', '\\q']);
  return t;
}

const SCRIPT = String.raw`
import json, re, sys
out = []
for c in json.load(sys.stdin):
    f = c['flags']
    flags = (re.I if f.get('ignorecase') else 0) | (re.M if f.get('multiline') else 0) | (re.S if f.get('dotall') else 0) | (re.X if f.get('verbose') else 0) | (re.A if f.get('ascii') else 0)
    try:
        rx = re.compile(c['pattern'], flags)
    except Exception as e:
        out.append({'error': str(e)})
        continue
    span = lambda m: None if m is None else [m.start(), m.end(), list(m.groups())]
    res = []
    for s in c['subjects']:
        try:
            sub = rx.sub(c['template'], s)
        except Exception as e:
            sub = {'error': type(e).__name__}
        res.append({'search': span(rx.search(s)), 'match': span(rx.match(s)), 'iter': [span(m) for m in rx.finditer(s)], 'sub': sub})
    out.append({'results': res})
print(json.dumps(out))
`;

/**
 * The one known difference: a group whose last iteration under `*` or `{m,n}` matched empty is
 * '' in Python and unset in JavaScript, which skips empty iterations (captures included).
 */
const emptyIteration = (k: string, v: unknown) => (k === '' || !Array.isArray(v) || v.length !== 3 || !Array.isArray(v[2]) ? v : [v[0], v[1], v[2].map((g: unknown) => (g === '' ? null : g))]);

/** A JS match as Python reports it: code-point offsets and groups with None for unmatched. */
function span(text: string, m: RegExpExecArray | null): unknown {
  if (!m) return null;
  const cp = (i: number) => [...text.slice(0, i)].length;
  return [cp(m.index), cp(m.index + m[0].length), m.slice(1).map((g) => g ?? null)];
}

test('re: translated patterns match as Python re does', (t) => {
  const cases = Array.from({ length: 2000 }, () => {
    const { pattern: p, flags } = pattern();
    return { pattern: p, flags, template: template(3), subjects: Array.from({ length: 3 }, () => r.str(SUBJECT, 8)) };
  });
  const expected = python<({ error: string } | { results: { search: unknown; match: unknown; iter: unknown[]; sub: unknown }[] })[]>(SCRIPT, cases);
  let compared = 0;
  let unsupported = 0;
  let emptyIterations = 0;
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const want = expected[i]!;
    const where = `pattern ${JSON.stringify(c.pattern)} flags ${JSON.stringify(c.flags)}`;
    let re: RegExp;
    try {
      re = pyRegExp(c.pattern, c.flags);
    } catch (e) {
      if (!(e instanceof PyReError)) throw e;
      if (/not supported/.test(e.message)) unsupported++;
      else if (!('error' in want)) failures.push(`${where}: tsplay refused (${e.message}), Python compiled it`);
      return;
    }
    if ('error' in want) {
      failures.push(`${where}: Python refused (${want.error}), tsplay compiled /${re.source}/${re.flags}`);
      return;
    }
    c.subjects.forEach((s, j) => {
      const w = want.results[j]!;
      let sub: unknown;
      try {
        sub = reSub(re, c.template, s);
      } catch (e) {
        sub = { error: e instanceof PyReError ? 'error' : String(e) };
      }
      const got = { search: span(s, reExec(re, s, false)), match: span(s, reExec(re, s, true)), iter: [...reFinditer(re, s)].map((m) => span(s, m)), sub };
      const norm = { ...w, sub: typeof w.sub === 'object' ? { error: 'error' } : w.sub };
      compared++;
      try {
        assert.deepEqual(got, norm);
      } catch {
        if (JSON.stringify(got) === JSON.stringify(norm, emptyIteration)) {
          emptyIterations++;
          return;
        }
        failures.push(`${where} subject ${JSON.stringify(s)} template ${JSON.stringify(c.template)}: got ${JSON.stringify(got)}, Python ${JSON.stringify(norm)} (js /${re.source}/${re.flags})`);
      }
    });
  });
  t.diagnostic(`${cases.length} patterns, ${compared} pattern/subject comparisons, ${unsupported} unsupported, ${emptyIterations} empty-iteration differences`);
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failures`);
  assert.ok(compared > 3000, `only ${compared} comparisons`);
  assert.ok(unsupported < 20, `${unsupported} unsupported patterns`);
  assert.ok(emptyIterations < compared / 100, `${emptyIterations} empty-iteration differences`);
});
