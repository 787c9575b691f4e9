/**
 * Filters and tests beyond what the Ansible-captured cases exercise: behaviour that depends
 * on the controller (files, home directory), tsplay's additions, error messages, keyword
 * arguments and FQCN names. A coverage check makes sure every registered filter and test is
 * exercised somewhere in the template tests.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TemplateError, Templar } from '../../src/template/index.js';
import { FILTERS, TESTS } from '../../src/template/registry.js';

const templar = new Templar();
const r = (text: string, vars: Record<string, unknown> = {}) => templar.render(text, vars);

/** [template, expected output] pairs for this file; their texts count for the coverage check. */
const CASES: [string, string][] = [
  ["{{ [['a', 1], ['b', 2]] | dict }}", "{'a': 1, 'b': 2}"],
  ["{{ {'x': 1} | dict }}", "{'x': 1}"],
  ["{{ '~/x' | expanduser }} {{ 'a~/x' | expanduser }}", `${homedir()}/x a~/x`],
  ["{{ '101' | int(base=2) }} {{ '0b101' | int(0, 2) }} {{ ' 42 ' | int }} {{ '1_000' | int }}", '5 5 42 1000'],
  ["{{ 'Name=x' | regex_replace('(?P<k>\\\\w+)=(?P<v>\\\\w+)', '\\\\g<v>:\\\\g<k>') }}", 'x:Name'],
  ["{{ 'ABC' | regex_search('b', ignorecase=true) }}", 'B'],
  ["{{ users | selectattr('uid', 'defined') | map(attribute='name') | list }}", "['a']"],
  ["{{ [none, 'x'] | map('default', 'd', true) | list }}", "['d', 'x']"],
  ["{{ {'a': [1, 2]} | to_yaml(default_flow_style=false) }}", 'a:\n- 1\n- 2\n'],
  ["{{ {'b': 1, 'a': 2} | ansible.builtin.to_json }} {{ 'x' is ansible.builtin.match('x') }}", '{"b": 1, "a": 2} True'],
  ["{{ {'b': 'é'} | to_json(sort_keys=true, ensure_ascii=false) }}", '{"b": "é"}'],
  ["{{ {'b': 1} | to_nice_json(indent=2) }}", '{\n  "b": 1\n}'],
  ["{{ 'a b' | urlencode }} {{ 'a' | quote }} {{ 'x' | hash('blake2b') | length }}", 'a%20b a 128'],
  ['{{ 5 | pow(2) }} {{ 4 | root }} {{ 1 | log }}', '25.0 2.0 0.0'],
];

describe('filter results', () => {
  const vars = { users: [{ name: 'a', uid: 1 }, { name: 'b' }] };
  for (const [text, want] of CASES) it(text, () => assert.equal(templar.render(text, vars), want));
});

describe('filter and test errors', () => {
  const bad: [string, RegExp][] = [
    ["{{ 'x' | hash('nope') }}", /unsupported hash type nope/],
    ["{{ 'not json' | from_json }}", /from_json/],
    ["{{ {} | combine({}, deep=true) }}", /'recursive' and 'list_merge' are the only valid keyword arguments/],
    ["{{ [1, 'a'] | sort }}", /'<' not supported between instances of 'str' and 'int'/],
    ["{{ '/w==' | b64decode }}", /can't decode/],
    ['{{ 5 | dict2items }}', /dict2items requires a dictionary, got int instead/],
    ["{{ 'x' | default('a', 'b', 'c') }}", /default\(\) takes at most 3 positional arguments/],
    ["{{ 'x' | upper(nope=1) }}", /unexpected keyword argument 'nope'/],
    ["{{ 5 is failed }}", /The 'failed' test expects a dictionary/],
    ["{{ '1.0' is version('', '==') }}", /Version parameter to compare against cannot be empty/],
    ["{{ 'x' | regex_replace('(', '') }}", /invalid regular expression/],
    ['{{ 5 | length }}', /object of type 'int' has no len\(\)/],
  ];
  for (const [text, re] of bad) it(text, () => assert.throws(() => r(text), (e) => e instanceof TemplateError && re.test(e.message)));
});

describe('controller file tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-filters-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'f.txt'), 'x');
  symlinkSync(join(dir, 'f.txt'), join(dir, 'link'));
  it('see files, directories and links as they are', () => {
    const v = { d: dir };
    assert.equal(r("{{ (d ~ '/f.txt') is file }} {{ (d ~ '/f.txt') is is_file }} {{ (d ~ '/sub') is file }}", v), 'True True False');
    assert.equal(r("{{ (d ~ '/sub') is directory }} {{ (d ~ '/sub') is is_dir }} {{ (d ~ '/f.txt') is directory }}", v), 'True True False');
    assert.equal(r("{{ (d ~ '/link') is link }} {{ (d ~ '/link') is is_link }} {{ (d ~ '/f.txt') is link }}", v), 'True True False');
    assert.equal(r("{{ (d ~ '/f.txt') is exists }} {{ (d ~ '/nope') is exists }}", v), 'True False');
  });
});

describe('coverage', () => {
  const fixtures = join(import.meta.dirname, '../fixtures/template');
  const corpus = [
    ...JSON.parse(readFileSync(join(fixtures, 'cases.expected.json'), 'utf8')).cases.map((c: { text: string }) => c.text),
    ...['nginx.conf.j2', 'hosts.j2', 'sysctl.conf.j2', 'whitespace.j2'].map((f) => readFileSync(join(fixtures, 'files', f), 'utf8')),
    ...CASES.map(([t]) => t),
    readFileSync(new URL(import.meta.url), 'utf8'),
  ].join('\n');
  const esc = (n: string) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  it('exercises every registered filter', () => {
    const missing = [...FILTERS.keys()].filter((n) => !new RegExp(`\\|\\s*${esc(n)}\\b|['"]${esc(n)}['"]`).test(corpus));
    assert.deepEqual(missing, []);
  });
  it('exercises every registered test', () => {
    const missing = [...TESTS.keys()].filter((n) => !new RegExp(`\\bis\\s+(not\\s+)?${esc(n)}(\\b|\\s|\\()`).test(corpus));
    assert.deepEqual(missing, []);
  });
});
