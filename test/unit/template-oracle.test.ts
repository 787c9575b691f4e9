/**
 * tsplay's templates against Ansible's own output, captured once from ansible-core (see
 * test/fixtures/template/README.md): every case of cases.yml through render/template/
 * evaluate, generated values through to_yaml/to_nice_yaml/to_json/to_nice_json/repr, and
 * the realistic templates in files/ byte for byte as the template module wrote them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { TemplateError, Templar, pyRepr, truthy } from '../../src/template/index.js';

const dir = join(import.meta.dirname, '../fixtures/template');

interface Case {
  mode: 'file' | 'template' | 'cond';
  text: string;
  vars?: Record<string, unknown>;
  ok?: unknown;
  type?: string;
  error?: string;
}
const doc = JSON.parse(readFileSync(join(dir, 'cases.expected.json'), 'utf8')) as { ansible_core: string; vars: Record<string, unknown>; cases: Case[] };

/** Python floats were captured as {"__float__": "2.0"}; tsplay returns plain numbers. */
function unfloat(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unfloat);
  if (v && typeof v === 'object') {
    if ('__float__' in v) return Number((v as { __float__: string }).__float__);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unfloat(x)]));
  }
  return v;
}

describe(`template cases captured from ansible-core ${doc.ansible_core}`, () => {
  const templar = new Templar();
  doc.cases.forEach((c, i) => {
    it(`#${i} ${c.mode}: ${c.text.slice(0, 70).replace(/\n/g, '\\n')}`, () => {
      const vars = { ...doc.vars, ...c.vars };
      const run = () => (c.mode === 'file' ? templar.render(c.text, vars) : c.mode === 'template' ? templar.template(c.text, vars) : truthy(templar.evaluate(c.text, vars)));
      if (c.error !== undefined) {
        assert.throws(run, TemplateError, `Ansible failed with: ${c.error}`);
        return;
      }
      const got = run();
      assert.deepStrictEqual(got, unfloat(c.ok));
      if (c.type === 'str') assert.equal(typeof got, 'string');
    });
  });
});

describe('realistic templates, byte for byte as the template module wrote them', () => {
  const files = join(dir, 'files');
  const templar = new Templar();
  for (const name of readdirSync(files).filter((f) => f.endsWith('.j2'))) {
    it(name, () => {
      const base = name.slice(0, -3);
      const varsFile = join(files, `${base}.vars.yml`);
      const vars = { inventory_hostname: 'localhost', ...(existsSync(varsFile) ? parse(readFileSync(varsFile, 'utf8')) : {}) };
      const want = readFileSync(join(files, `${base}.expected`), 'utf8');
      assert.equal(templar.render(readFileSync(join(files, name), 'utf8'), vars, { file: name }), want);
    });
  }
});

describe('generated values through the dump filters and repr, as Ansible/PyYAML/Python print them', () => {
  const values = JSON.parse(readFileSync(join(dir, 'dumps.values.json'), 'utf8')) as unknown[];
  const expected = JSON.parse(readFileSync(join(dir, 'dumps.expected.json'), 'utf8')).dumps as Record<string, string>[];
  const templar = new Templar();
  for (const filter of ['to_yaml', 'to_nice_yaml', 'to_json', 'to_nice_json']) {
    it(`${filter} of ${values.length} values`, () => {
      values.forEach((v, i) => assert.equal(templar.render(`{{ v | ${filter} }}`, { v }), expected[i]![filter], `value #${i}: ${JSON.stringify(v)}`));
    });
  }
  it(`repr of ${values.length} values`, () => {
    values.forEach((v, i) => assert.equal(pyRepr(v), expected[i]!.repr, `value #${i}`));
  });
});
