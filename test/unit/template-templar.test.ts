/**
 * The Templar API as the executor uses it: native results of playbook values, conditions,
 * undefined-variable errors that name the variable, error positions, syntax checks,
 * lazily templated variables, includes, lookups, and the compile cache.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OMIT, TemplateError, Templar, UndefinedVariableError, markUnsafe, truthy } from '../../src/template/index.js';
import { UserError } from '../../src/core/errors.js';

const vars = {
  n: 5,
  f: 2.5,
  s: 'web01',
  l: [1, 2, 3],
  d: { a: 1, nested: { x: 'y' } },
  users: [
    { name: 'alice', admin: true },
    { name: 'bob', admin: false },
  ],
  nothing: null,
  flag: false,
};
const templar = new Templar();

describe('template(): playbook values keep native types as Ansible does', () => {
  it('returns a lone variable of number, bool or None as that value', () => {
    assert.equal(templar.template('{{ n }}', vars), 5);
    assert.equal(templar.template('{{ f }}', vars), 2.5);
    assert.equal(templar.template('{{ flag }}', vars), false);
    assert.equal(templar.template('{{ nothing }}', vars), null);
  });
  it('returns lists, dicts and booleans from expressions natively, other results as text', () => {
    assert.deepEqual(templar.template("{{ users | map(attribute='name') | list }}", vars), ['alice', 'bob']);
    assert.deepEqual(templar.template('{{ d.nested }}', vars), { x: 'y' });
    assert.equal(templar.template('{{ n > 3 }}', vars), true);
    assert.equal(templar.template('{{ n + 1 }}', vars), '6');
    assert.equal(templar.template('{{ 4 / 2 }}', vars), '2.0');
    assert.equal(templar.template('port {{ n }}', vars), 'port 5');
  });
  it('parses results that look like a Python list or dict back into data', () => {
    assert.deepEqual(templar.template('[{{ n }}, "{{ s }}"]', vars), [5, 'web01']);
    assert.deepEqual(templar.template("{{ '{\"k\": [1, true]}' }}", vars), { k: [1, true] });
    assert.equal(templar.template('{{ l | to_json }}', vars), '[1, 2, 3]');
  });
  it('recurses into lists and dict values, leaving keys and non-strings alone', () => {
    const out = templar.template({ '{{ s }}': '{{ s }}', list: ['{{ n }}', 7, null], deep: { x: '{{ l }}' } }, vars);
    assert.deepEqual(out, { '{{ s }}': 'web01', list: [5, 7, null], deep: { x: [1, 2, 3] } });
  });
  it('returns plain data: no wrapper objects leak out', () => {
    const out = templar.template('{{ [1.0, 2] }}', vars) as unknown[];
    assert.equal(typeof out[0], 'number');
    assert.equal(JSON.stringify(out), '[1,2]');
  });
  it('keeps trailing newlines of the source', () => {
    assert.equal(templar.template('{{ s }}\n\n', vars), 'web01\n\n');
  });
  it('supplies omit, and leaves strings without template markers untouched', () => {
    assert.equal(templar.template('{{ missing | default(omit) }}', vars), OMIT);
    assert.equal(templar.template('plain {text}', vars), 'plain {text}');
  });
});

describe('evaluate(): conditions', () => {
  it('returns the native value of the expression', () => {
    assert.equal(templar.evaluate('n == 5', vars), true);
    assert.equal(templar.evaluate("n == '5'", vars), false);
    assert.deepEqual(templar.evaluate('l', vars), [1, 2, 3]);
    assert.equal(templar.evaluate('missing is not defined and s is match("web")', vars), true);
  });
  it('applies Python truthiness through truthy()', () => {
    assert.equal(truthy(templar.evaluate('[]', vars)), false);
    assert.equal(truthy(templar.evaluate('{}', vars)), false);
    assert.equal(truthy(templar.evaluate("'False'", vars)), true);
    assert.equal(truthy(templar.evaluate('users | selectattr("admin") | list', vars)), true);
  });
  it('templates first when the condition contains {{ }}, as Ansible does', () => {
    assert.equal(templar.evaluate('{{ n > 1 }}', vars), true);
  });
});

describe('undefined variables', () => {
  it('name the variable, as a UserError subclass', () => {
    const err = catchError(() => templar.render('x {{ foo }} y', vars));
    assert.ok(err instanceof UndefinedVariableError && err instanceof UserError);
    assert.equal(err.message, "'foo' is undefined");
    assert.equal(err.variable, 'foo');
  });
  it('name the root for attributes of an undefined variable', () => {
    assert.equal(catchError(() => templar.template('{{ foo.bar.baz }}', vars)).message, "'foo' is undefined");
  });
  it('name the full path for a missing key of a defined dict', () => {
    const err = catchError(() => templar.template('{{ d.nested.missing }}', vars));
    assert.ok(err instanceof UndefinedVariableError);
    assert.equal(err.variable, 'd.nested.missing');
    assert.match(err.message, /'d\.nested\.missing' is undefined \('dict object' has no attribute 'missing'\)/);
  });
  it('are fine under default, is defined and is undefined', () => {
    assert.equal(templar.render("{{ foo | default('x') }}{{ foo.bar | default('y') }}{{ d.q | d('z') }}", vars), 'xyz');
    assert.equal(templar.evaluate('foo is undefined and d.q is not defined and d.a is defined', vars), true);
  });
  it('fail in conditions, loops, comparisons and filters', () => {
    for (const expr of ['foo', 'foo == 1', 'foo | length', 'not foo', '1 in foo']) {
      assert.throws(() => templar.evaluate(expr, vars), UndefinedVariableError, expr);
    }
    assert.throws(() => templar.render('{% for x in foo %}{% endfor %}', vars), UndefinedVariableError);
  });
  it('report mandatory with its own message', () => {
    assert.throws(() => templar.template('{{ foo | mandatory }}', vars), /Mandatory variable 'foo' not defined/);
    assert.throws(() => templar.template("{{ foo | mandatory('set foo') }}", vars), /set foo/);
  });
});

describe('error positions', () => {
  it('gives the template line and column of a runtime error in a template file', () => {
    const err = catchError(() => templar.render('line 1\n\n  {{ missing }}\n', vars, { file: 'templates/x.j2' }));
    assert.deepEqual(err.pos, { file: 'templates/x.j2', line: 3, col: 6 });
    assert.equal(String(err), "templates/x.j2:3:6: 'missing' is undefined");
  });
  it('gives the line of a syntax error', () => {
    const err = catchError(() => templar.render('a\nb\n{% if x %}\n{{ foo bar }}\n{% endif %}', vars, { file: 'x.j2' }));
    assert.ok(err instanceof TemplateError);
    assert.equal(err.pos?.line, 4);
    assert.match(err.message, /template syntax error/);
  });
  it('offsets lines of a multi-line playbook value from where the value starts', () => {
    const err = catchError(() => templar.template('a\n{{ nope }}', vars, { file: 'site.yml', line: 10, col: 12 }));
    assert.deepEqual(err.pos, { file: 'site.yml', line: 11, col: 4 });
    const one = catchError(() => templar.template('{{ nope }}', vars, { file: 'site.yml', line: 10, col: 12 }));
    assert.deepEqual(one.pos, { file: 'site.yml', line: 10, col: 12 });
  });
  it('reports Python type errors with Python messages', () => {
    assert.throws(() => templar.render("{{ 'a' + 1 }}", vars), /can only concatenate str \(not "int"\) to str/);
    assert.throws(() => templar.render('{{ 1 < "a" }}', vars), /'<' not supported between instances of 'int' and 'str'/);
  });
});

describe('compileCheck()', () => {
  it('accepts valid templates and expressions without rendering them', () => {
    templar.compileCheck('{% for x in undefined_thing %}{{ x.y | default(1) }}{% endfor %}');
    templar.compileCheck('a is defined and b | int > 3', undefined, 'expression');
  });
  it('rejects syntax errors, unknown filters and tests with a position', () => {
    for (const bad of ['{{ x', '{% if x %}', '{{ x | nosuch }}', '{{ x is nosuch }}', '{% endfor %}', '{{ a b }}']) {
      const err = catchError(() => templar.compileCheck(bad, { file: 'site.yml', line: 4, col: 3 }));
      assert.ok(err instanceof TemplateError, bad);
      assert.equal(err.pos?.line, 4, bad);
    }
    assert.throws(() => templar.compileCheck('x ==', undefined, 'expression'), /unexpected end of expression/);
  });
});

describe('variables that contain templates', () => {
  it('are templated when used, recursively, with their own native types', () => {
    const v = { ...vars, a: '{{ b }}-x', b: '{{ n * 2 }}', lst: ['{{ n }}', '{{ s }}'] };
    assert.equal(templar.render('{{ a }} {{ lst }}', v), "10-x [5, 'web01']");
  });
  it('are undefined (not fatal) when their template uses an undefined name', () => {
    const v = { bad: '{{ nope }}' };
    assert.equal(templar.render("{{ bad | default('fallback') }} {{ bad is defined }}", v), 'fallback False');
    assert.throws(() => templar.render('{{ bad }}', v), /'bad' is undefined .*'nope' is undefined/);
  });
  it('detect recursion', () => {
    assert.throws(() => templar.render('{{ a }}', { a: '{{ b }}', b: '{{ a }}' }), /recursive loop detected/);
  });
  it('are left alone when marked unsafe, like registered results', () => {
    const result = markUnsafe({ stdout: 'literal {{ braces }}' });
    assert.equal(templar.render('{{ r.stdout }}', { r: result }), 'literal {{ braces }}');
  });
  it('see `vars` raw and keep template-local {% set %} separate from them', () => {
    assert.equal(templar.render("{% set n = 7 %}{{ n }} {{ vars['n'] }}", vars), '7 5');
    assert.equal(vars.n, 5);
  });
});

describe('untrusted keys', () => {
  it('treat __proto__ as an ordinary dict key and never pollute Object.prototype', () => {
    const v = { d: JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') };
    assert.equal(templar.render("{{ {'__proto__': 1} }} {{ d }} {{ d['__proto__'].polluted }}", v), "{'__proto__': 1} {'__proto__': {'polluted': 1}, 'a': 1} 1");
    const merged = templar.template("{{ {} | combine(d, recursive=true) | combine({'__proto__': {'x': 2}}) }}", v) as Record<string, unknown>;
    assert.deepEqual(Object.keys(merged), ['__proto__', 'a']);
    templar.render("{% set e = {} %}{% set _ = e.update({'__proto__': {'polluted': 1}}) %}{{ e }}", {});
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  });
});

describe('includes and lookups', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-templar-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'part.j2'), 'part {{ item }}\n');
  writeFileSync(join(dir, 'key.pub'), 'ssh-ed25519 AAAA key\n\n');
  const withFiles = new Templar({ loadTemplate: (name) => (name === 'part.j2' ? { text: 'part {{ item }}\n' } : undefined) });
  // Lookups find relative files beside the playbook, which every task's playbook_dir names.
  const inDir = { playbook_dir: dir };
  it('includes a template with the loop variables in scope', () => {
    assert.equal(withFiles.render("{% for item in [1, 2] %}{% include 'part.j2' %}|{% endfor %}", {}), 'part 1|part 2|');
    assert.equal(withFiles.render("{% include 'none.j2' ignore missing %}ok", {}), 'ok');
    assert.throws(() => withFiles.render("{% include 'none.j2' %}", {}), /template not found: none.j2/);
    assert.equal(withFiles.render("{{ lookup('template', 'part.j2') }}|", { item: 'x', ...inDir }), 'part x\n|');
  });
  it("reads lookup('file') stripped, lookup('env') and lookup('vars')", () => {
    assert.equal(templar.render("{{ lookup('file', 'key.pub') }}|", inDir), 'ssh-ed25519 AAAA key|');
    process.env.TSPLAY_TEMPLAR_TEST = 'from-env';
    assert.equal(templar.render("{{ lookup('env', 'TSPLAY_TEMPLAR_TEST') }} {{ lookup('ansible.builtin.env', 'TSPLAY_UNSET_X') }}|", {}), 'from-env |');
    assert.equal(templar.render("{{ lookup('vars', 'a') }} {{ query('vars', 'a') }}", { a: '{{ 1 + 1 }}' }), "2 ['2']");
    assert.throws(() => templar.render("{{ lookup('nosuch', 'ls') }}", {}), /lookup plugin 'nosuch' not found: tsplay supports dict, env, file/);
    const real = new Templar();
    assert.equal(real.render(`{{ lookup('file', '${join(dir, 'key.pub')}') }}`, {}), 'ssh-ed25519 AAAA key');
  });
});

describe('compile cache', () => {
  it('compiles each distinct text once', () => {
    const t = new Templar();
    for (let i = 0; i < 500; i++) t.template(`{{ n + ${i % 5} }}`, vars);
    for (let i = 0; i < 500; i++) t.evaluate('n > 1', vars);
    assert.equal(t.compiledCount, 6);
  });
  it('keeps at most cacheSize templates', () => {
    const t = new Templar({ cacheSize: 10 });
    for (let i = 0; i < 50; i++) t.template(`{{ ${i} }}`, {});
    assert.equal(t.compiledCount, 10);
  });
  it('renders thousands of cached strings quickly', () => {
    const t = new Templar();
    const start = performance.now();
    for (let i = 0; i < 5000; i++) t.template(`{{ s }}-{{ l | length }}-{{ d.a + ${i % 10} }}`, vars);
    assert.ok(performance.now() - start < 3000, 'rendering 5000 strings took over 3s');
  });
});

function catchError(fn: () => unknown): UserError & { variable?: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  assert.fail('expected an error');
}
