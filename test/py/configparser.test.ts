/**
 * src/py/configparser.ts against Python's configparser built as Ansible builds it for
 * ansible.cfg (`ConfigParser(inline_comment_prefixes=(';',))`, `read_string`, `get(raw=True)`),
 * on generated files: section headers (indented, with trailing text, [DEFAULT], repeated), `=`
 * and `:` keys in mixed case, both comment styles at any indent, `;` and `#` after values,
 * continuation lines with comments and blank lines among them, CRLF endings, Python-only
 * whitespace, and lines configparser refuses. Both sides must give the same value for every
 * section and key asked, or fail on the same lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigParser, IniError } from '../../src/py/configparser.js';
import { python, rng } from './oracle.js';

const r = rng(0xc0f16);
const SECTIONS = ['defaults', 'privilege_escalation', 'Defaults', 'a', 'x]y'];
const KEYS = ['forks', 'FORKS', 'Timeout', 'a b', 'x.y', 'k', 'inventory', 'roles_path', 'become', 'become_user', 'remote_user', 'host_key_checking'];
const VALUES = ['5', 'a = b', 'x:y', '"quoted"', 'a ; comment', 'a;not', 'a # not a comment', '', '  spaced  ', 'v\r', 'tail\x1c', '%(k)s', ';lead'];
const INDENT = ['', '', '', ' ', '  ', '\t', '\xa0'];

/** A line of one kind; a line configparser refuses one time in twenty, so that most files are read. */
function line(): string {
  if (r.chance(0.05)) return r.pick(['just words', '= novalue', '  : x', '[]', '[unclosed']);
  return r.pick([
    () => `${r.pick(['', '', ' '])}[${r.pick([...SECTIONS, 'DEFAULT'])}]${r.pick(['', '', ' trailing', ' ; c'])}`,
    () => `${r.pick(INDENT)}${r.pick(KEYS)}${r.pick(['', ' ', '\t'])}${r.pick(['=', ':'])}${r.pick(['', ' ', '\t'])}${r.pick(VALUES)}`,
    () => `${r.pick(INDENT)}${r.pick(KEYS)}${r.pick(['', ' ', '\t'])}${r.pick(['=', ':'])}${r.pick(['', ' ', '\t'])}${r.pick(VALUES)}`,
    () => `${r.pick(INDENT)}${r.pick(['#', ';'])} comment`,
    () => r.pick(['', '   ', '\t', '\r']),
    () => `${r.pick(['  ', '\t', '    '])}${r.pick(VALUES)}`,
  ])();
}

function file(): string {
  const lines = Array.from({ length: 1 + r.int(9) }, line);
  if (r.chance(0.8)) lines.unshift(`[${r.pick(SECTIONS)}]`);
  return lines.join(r.chance(0.2) ? '\r\n' : '\n');
}

const SCRIPT = String.raw`
import configparser, json, sys
out = []
for case in json.load(sys.stdin):
    p = configparser.ConfigParser(inline_comment_prefixes=(';',))
    try:
        p.read_string(case['text'])
    except configparser.Error as e:
        out.append({'error': [n for n, _ in e.errors] if hasattr(e, 'errors') else [e.lineno]})
        continue
    out.append({'values': [p.get(s, k, raw=True) if p.has_option(s, k) else None for s, k in case['queries']]})
print(json.dumps(out))
`;

test('ConfigParser reads generated ansible.cfg text as Python configparser does', (t) => {
  const queries = SECTIONS.flatMap((s) => KEYS.map((k) => [s, k] as const));
  const cases = Array.from({ length: 3000 }, () => ({ text: file(), queries }));
  const expected = python<({ values: (string | null)[] } | { error: number[] })[]>(SCRIPT, cases);
  let errors = 0;
  cases.forEach((c, i) => {
    let got: { values: (string | null)[] } | { error: number[] };
    try {
      const p = new ConfigParser(c.text);
      got = { values: queries.map(([s, k]) => p.get(s, k)?.value ?? null) };
    } catch (e) {
      if (!(e instanceof IniError)) throw e;
      got = { error: e.problems.map((p) => p.line) };
      errors++;
    }
    assert.deepEqual(got, expected[i], JSON.stringify(c.text));
  });
  t.diagnostic(`${cases.length} files, ${errors} of them refused on both sides`);
});

test('ConfigParser gives the line of each key, and says what is wrong with a line', () => {
  const p = new ConfigParser('# top\n[defaults]\nforks = 5\nroles_path = a:\n  b\n');
  assert.deepEqual(p.get('defaults', 'roles_path'), { value: 'a:\nb', line: 4 });
  assert.throws(
    () => new ConfigParser('[defaults]\nforks 5\nok = 1\nstill bad\n'),
    (e: IniError) => e.problems.map((x) => x.line).join() === '2,4' && /cannot read "forks 5": expected 'key = value'/.test(e.message),
  );
  assert.throws(() => new ConfigParser('forks = 5\n'), /line 1: "forks = 5" comes before any \[section\] header/);
  assert.throws(() => new ConfigParser('[a]\nk=1\n[a]\n'), /line 3: section \[a\] is given twice/);
  assert.throws(() => new ConfigParser('[a]\nk=1\nK: 2\n'), /line 3: 'k' is given twice in \[a\]/);
});
