/**
 * lookup() and query() beyond what test/fixtures/local/lookups.yml compares with
 * ansible-playbook: how a plugin's list becomes lookup()'s value, errors=, and the edge cases
 * of each plugin. The expected values were checked against ansible-core 2.14.18 where Ansible
 * has an answer; the rest are tsplay's own errors for what it does not support.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Templar, TemplateError, UndefinedVariableError } from '../../src/template/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tsplay-lookups-'));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'files'));
mkdirSync(join(dir, 'templates'));
writeFileSync(join(dir, 'files', 'both.txt'), 'from files/\n');
writeFileSync(join(dir, 'both.txt'), 'from the playbook folder\n');
writeFileSync(join(dir, 'beside.txt'), '\t text \n\n');
writeFileSync(join(dir, 'vaulted.txt'), '$ANSIBLE_VAULT;1.1;AES256\n3132\n');
writeFileSync(join(dir, 'templates', 'list.j2'), "[{{ n }}, 'x']\n");
writeFileSync(join(dir, 'templates', 'bad.j2'), 'fine\n{{ nowhere }}\n');
writeFileSync(join(dir, 'templates', 'where.j2'), '{{ template_path }} {{ template_fullpath | basename }} {{ n }}\n');

const warnings: string[] = [];
const templar = new Templar({ warn: (m) => warnings.push(m) });
const vars = { playbook_dir: dir, n: 1, later: '{{ nowhere }}', users: { a: 1 } };
const value = (text: string, extra: Record<string, unknown> = {}) => templar.template(text, { ...vars, ...extra });
const failure = (text: string, extra: Record<string, unknown> = {}): string => {
  try {
    value(text, extra);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`no error from ${text}`);
};

describe('lookup() and query() values', () => {
  it('joins strings with commas, gives a lone other item as it is, and lists otherwise', () => {
    assert.equal(value("{{ lookup('list', 'a', 'b') }}"), 'a,b');
    assert.deepEqual(value("{{ lookup('list', 'a', 1) }}"), ['a', 1]);
    assert.deepEqual(value("{{ lookup('list', ['a', 'b']) }}"), ['a', 'b']);
    assert.equal(value("{{ lookup('vars', 'n') | type_debug }}"), 'int');
    assert.deepEqual(value("{{ lookup('fileglob', 'none*') }}"), []);
  });
  it('always gives the list with query, q and wantlist=True (query ignores wantlist=False)', () => {
    assert.deepEqual(value("{{ query('list', 'a') }}"), ['a']);
    assert.deepEqual(value("{{ q('list', 'a', wantlist=False) }}"), ['a']);
    assert.deepEqual(value("{{ lookup('list', 'a', wantlist=True) }}"), ['a']);
  });
  it('accepts the ansible.builtin. and ansible.legacy. names, and names the supported plugins for an unknown one', () => {
    assert.equal(value("{{ lookup('ansible.builtin.list', 'a') }}{{ lookup('ansible.legacy.list', 'b') }}"), 'ab');
    assert.match(failure("{{ lookup('community.general.dig', 'x') }}"), /^lookup plugin 'community.general.dig' not found: tsplay supports dict, env, file, fileglob, first_found, indexed_items, items, lines, list, nested, password, pipe, sequence, subelements, template, together, vars$/);
    assert.throws(() => value("{{ lookup('list', nowhere) }}"), UndefinedVariableError);
  });
  it("fails by default; errors='ignore' gives None (query: []), errors='warn' also warns", () => {
    assert.equal(failure("{{ lookup('first_found', 'missing') }}"), 'No file was found when using first_found.');
    assert.equal(failure("{{ lookup('first_found', 'missing', errors='strict') }}"), 'No file was found when using first_found.');
    assert.equal(value("{{ lookup('first_found', 'missing', errors='ignore') }}"), '');
    assert.equal(value("{{ lookup('first_found', 'missing', errors='ignore') is none }}"), true);
    warnings.length = 0;
    assert.deepEqual(value("{{ query('pipe', 'exit 3', errors='warn') }}"), []);
    assert.deepEqual(warnings, ['Lookup failed but the error is being ignored: lookup_plugin.pipe(exit 3) returned 3']);
  });
  it('never hides an undefined variable, as Ansible does not', () => {
    assert.throws(() => value("{{ lookup('vars', 'missing', errors='ignore') }}"), /No variable found with this name: missing/);
    assert.throws(() => value("{{ lookup('env', 'TSPLAY_UNSET_VAR', default=Undefined, errors='ignore') }}"), /The "env" lookup, found an undefined variable: TSPLAY_UNSET_VAR/);
  });
});

describe('file and template', () => {
  it('looks in files/ first, then beside the playbook; an absolute path as it is; outside a play, in the working directory', () => {
    assert.equal(value("{{ lookup('file', 'both.txt') }}"), 'from files/');
    assert.equal(value(`{{ lookup('file', '${dir}/both.txt') }}`), 'from the playbook folder');
    assert.match(failure("{{ lookup('file', 'missing.txt') }}"), new RegExp(`^could not locate file in lookup: missing.txt \\(looked for ${dir}/files/missing.txt, ${dir}/missing.txt\\)$`));
    assert.match(new Templar().render("{{ lookup('file', 'package.json') }}", {}), /"name": "tsplay"/);
  });
  it('strips the right end by default (Python whitespace), the left one only when asked', () => {
    assert.equal(value("{{ lookup('file', 'beside.txt') }}"), '\t text');
    assert.equal(value("{{ lookup('file', 'beside.txt', lstrip=True, rstrip='no') }}"), 'text \n\n');
  });
  it('refuses a list term, and a vaulted file without a vault password', () => {
    assert.equal(failure("{{ lookup('file', ['both.txt']) }}"), "the file lookup expects strings, got ['both.txt']");
    assert.match(failure("{{ lookup('file', 'vaulted.txt') }}"), /^cannot read \S+vaulted.txt: \S+vaulted.txt is vaulted \(vault id default\) and no vault password was given/);
  });
  it('renders a template with the variables, template_path and template_vars, to a native value as Ansible does', () => {
    assert.equal(value("{{ lookup('template', 'where.j2') }}"), 'where.j2 where.j2 1\n');
    assert.equal(value("{{ lookup('template', 'where.j2', template_vars={'n': 2}) }}"), 'where.j2 where.j2 2\n');
    assert.deepEqual(value("{{ lookup('template', 'list.j2') }}"), [1, 'x']);
    assert.match(failure("{{ lookup('template', 'missing.j2') }}"), /^the template file missing.j2 could not be found for the lookup \(looked for \S+templates\/missing.j2, /);
    assert.equal(failure("{{ lookup('template', 'where.j2', variable_start_string='[[') }}"), "the template lookup's variable_start_string option is not supported by tsplay");
  });
  it("places an error inside the template at the template file's line", () => {
    assert.throws(
      () => templar.template("{{ lookup('template', 'bad.j2') }}", vars, { file: 'site.yml', line: 9 }),
      (e: TemplateError) => e.message === "'nowhere' is undefined" && JSON.stringify(e.pos) === JSON.stringify({ file: join(dir, 'templates', 'bad.j2'), line: 2, col: 4 }),
    );
  });
});

describe("a role's task", () => {
  const role = join(dir, 'roles', 'r');
  mkdirSync(join(role, 'files'), { recursive: true });
  writeFileSync(join(role, 'files', 'both.txt'), 'from the role\n');
  writeFileSync(join(role, 'only-role.txt'), 'beside the role\n');
  writeFileSync(join(role, 'files', 'g-role.cfg'), '');
  writeFileSync(join(dir, 'g-play.cfg'), '');
  const inRole = { role_path: role };
  it("finds files in the role's files/ and folder first, then beside the playbook", () => {
    assert.equal(value("{{ lookup('file', 'both.txt', 'only-role.txt', 'beside.txt') }}", inRole), 'from the role,beside the role,\t text');
    assert.equal(value("{{ lookup('first_found', 'both.txt') }}", inRole), `${role}/files/both.txt`);
    assert.deepEqual(value("{{ query('fileglob', 'g-*.cfg') }}", inRole), [`${role}/files/g-role.cfg`]);
    assert.equal(
      failure("{{ lookup('file', 'missing.txt') }}", inRole),
      `could not locate file in lookup: missing.txt (looked for ${role}/files/missing.txt, ${role}/missing.txt, ${dir}/files/missing.txt, ${dir}/missing.txt)`,
    );
    assert.equal(value("{{ lookup('pipe', 'pwd') }}", inRole), dir, 'commands still run in the playbook folder');
  });
});

describe('pipe, lines, env and vars', () => {
  it('runs pipe and lines with /bin/sh in the playbook folder; a failure names the command and its status', () => {
    assert.equal(value("{{ lookup('pipe', 'pwd; echo \" x \"') }}"), `${dir}\n x`);
    assert.deepEqual(value("{{ query('lines', 'printf \"a\\\\r\\\\nb\\\\n\\\\nc\"') }}"), ['a', 'b', '', 'c']);
    assert.equal(failure("{{ lookup('lines', 'exit 2') }}"), 'lookup_plugin.lines(exit 2) returned 2');
    assert.equal(failure("{{ lookup('pipe', 'kill -9 $$') }}"), 'lookup_plugin.pipe(kill -9 $$) returned -9');
  });
  it('reads env by the first word of each term, with a default', () => {
    process.env.TSPLAY_LOOKUP_A = 'a';
    assert.equal(value("{{ lookup('env', 'TSPLAY_LOOKUP_A ignored', 'TSPLAY_UNSET_VAR') }}"), 'a,');
    assert.equal(value("{{ lookup('env', 'TSPLAY_UNSET_VAR', default=None) }}"), '');
    assert.equal(value("{{ lookup('env', 'TSPLAY_LOOKUP_A', default=Undefined) }}"), 'a');
  });
  it('templates vars, and takes a default that is not None', () => {
    assert.deepEqual(value("{{ query('vars', 'n', 'users') }}"), [1, { a: 1 }]);
    assert.equal(value("{{ lookup('vars', 'missing', default='d') }}"), 'd');
    assert.throws(() => value("{{ lookup('vars', 'missing', default=None) }}"), /No variable found with this name: missing/);
    assert.throws(() => value("{{ lookup('vars', 'later', default=None) }}"), /'nowhere' is undefined/);
    assert.equal(value("{{ lookup('vars', 'later', default='d') }}"), 'd');
    assert.equal(failure("{{ lookup('vars', 1) }}"), `Invalid setting identifier, "1" is not a string, its a <class 'int'>`);
  });
});

describe('first_found and fileglob', () => {
  it('tries names in order, flattening lists, and returns the path found', () => {
    assert.equal(value("{{ lookup('first_found', 'missing', ['nope', 'beside.txt'], 'both.txt') }}"), `${dir}/beside.txt`);
    assert.equal(value("{{ lookup('first_found', 'both.txt') }}"), `${dir}/files/both.txt`);
  });
  it('combines every path with every file, splitting strings at , ; (and : for paths)', () => {
    assert.equal(value("{{ lookup('first_found', {'files': 'nope;both.txt', 'paths': 'nowhere:files'}) }}"), `${dir}/files/both.txt`);
    assert.equal(value(`{{ lookup('first_found', {'files': ['nope', 'both.txt'], 'paths': ['x', '${dir}']}) }}`), `${dir}/both.txt`);
  });
  it('lets files= replace the names of string terms, as Ansible does, and skip=True give nothing', () => {
    assert.equal(value("{{ lookup('first_found', 'ignored', files='nope,beside.txt') }}"), `${dir}/beside.txt`);
    assert.equal(failure("{{ lookup('first_found', files=['beside.txt']) }}"), 'No file was found when using first_found.');
    assert.deepEqual(value("{{ lookup('first_found', 'missing', skip=True) }}"), []);
    assert.equal(failure("{{ lookup('first_found', 1) }}"), "Invalid term supplied, can handle string, mapping or list of strings but got: <class 'int'> for 1");
  });
  it('globs files in files/, then beside the playbook, or in an absolute folder', () => {
    assert.deepEqual(value("{{ query('fileglob', 'b*.txt') }}"), [`${dir}/files/both.txt`]);
    assert.deepEqual(value(`{{ query('fileglob', '${dir}/b*.txt') }}`), [`${dir}/beside.txt`, `${dir}/both.txt`]);
  });
});

describe('password', () => {
  const pw = (term: string, kw = '') => value(`{{ lookup('password', '${term}'${kw}) }}`) as string;
  it('saves a new password (private file and folder) and reads it back afterwards', () => {
    const first = pw('pw/a/one');
    assert.match(first, /^[A-Za-z0-9.,:_-]{20}$/);
    assert.equal(readFileSync(join(dir, 'pw/a/one'), 'utf8'), `${first}\n`);
    assert.equal(statSync(join(dir, 'pw/a/one')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'pw/a')).mode & 0o777, 0o700);
    assert.equal(pw('pw/a/one length=5'), first, 'a saved password is returned as it is');
    assert.equal(pw(`${dir}/pw/a/one`), first);
  });
  it("reads a file Ansible wrote for encrypt=, without its salt", () => {
    writeFileSync(join(dir, 'salted'), 'secret salt=abcdefgh\n');
    assert.equal(pw('salted'), 'secret');
  });
  it('gives a fresh password every time for /dev/null and saves nothing', () => {
    const a = pw('/dev/null length=40');
    assert.equal(a.length, 40);
    assert.notEqual(pw('/dev/null length=40'), a);
  });
  it('takes length and chars inline (`,,` is a comma) or as keywords, with Python string names', () => {
    assert.match(pw('/dev/null length=30 chars=digits,,'), /^[0-9,]{30}$/);
    assert.match(pw('/dev/null', ", length=30, chars=['ascii_uppercase', '#']"), /^[A-Z#]{30}$/);
    assert.match(pw('/dev/null', ", length=30, chars='hexdigits, ab'"), /^[0-9a-fA-F]{30}$/);
    assert.match(pw('/dev/null', `, length=30, chars=["a'", 'b"']`), /^[ab]{30}$/);
  });
  it('takes a path with spaces, and refuses unknown or unsupported parameters', () => {
    assert.equal(pw('pw/with space length=3').length, 3);
    assert.ok(existsSync(join(dir, 'pw/with space')));
    assert.equal(failure("{{ lookup('password', 'pw/x bogus=1') }}"), 'Unrecognized parameter(s) given to password lookup: bogus');
    assert.equal(failure("{{ lookup('password', 'pw/x length=3 oops') }}"), 'Unrecognized value after key=value parameters given to password lookup');
    assert.equal(failure("{{ lookup('password', 'pw/x length=three') }}"), "invalid literal for int() with base 10: 'three'");
    assert.equal(failure("{{ lookup('password', 'pw/x', encrypt='sha512_crypt') }}"), "the password lookup's encrypt option is not supported by tsplay");
    assert.equal(failure("{{ lookup('password', '/dev/null chars=\"\"') }}"), 'the password lookup was given no characters to use');
    assert.ok(!existsSync(join(dir, 'pw/x')));
  });
});

describe('the list lookups', () => {
  it('gives tuples where Ansible does (indexed_items, subelements), which print as tuples', () => {
    assert.equal(templar.render("{{ lookup('indexed_items', ['a', ['b']], 'c') }}", vars), "[(0, 'a'), (1, ['b']), (2, 'c')]");
    assert.equal(templar.render("{{ query('subelements', [{'k': [1, 2], 'n': 'x'}], 'k') }}", vars), "[({'n': 'x'}, 1), ({'n': 'x'}, 2)]");
  });
  it('flattens items one level, and reads dict pairs from each term', () => {
    assert.deepEqual(value("{{ query('items', [1, [2, [3]]], 4) }}"), [1, [2, [3]], 4]);
    assert.deepEqual(value("{{ query('dict', users, {'b': 2}) }}"), [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
    assert.equal(failure("{{ lookup('dict', ['a']) }}"), "with_dict expects a dict, got ['a']");
  });
  it('zips and combines lists, a string term counting as a list of one, and splices list elements', () => {
    assert.deepEqual(value("{{ query('together', 'ab', [1, 2]) }}"), [['ab', 1], [null, 2]]);
    assert.deepEqual(value("{{ query('together', [[1, 2]], ['x']) }}"), [[1, 2, 'x']]);
    assert.deepEqual(value("{{ query('nested', 'a', [1, 2]) }}"), [['a', 1], ['a', 2]]);
    assert.equal(failure("{{ lookup('nested') }}"), 'with_nested requires at least one element in the nested list');
  });
  it('makes sequences from each term', () => {
    assert.equal(value("{{ lookup('sequence', '3', 'start=0x0a count=2 format=%x') }}"), '1,2,3,a,b');
    assert.equal(failure("{{ lookup('sequence', 'end=3 bogus=1') }}"), "with_sequence: unrecognized argument 'bogus' (start, end, count, stride, format)");
  });
});
