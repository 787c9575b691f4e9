/**
 * One generic runner over test/modules/fixtures/<module>/<case>.{json,yml}. Two kinds of file:
 *
 * - plan fixtures `{ args, state, facts?, files?, vars?, expect }`: args are validated against the
 *   module's schema with ajv (defaults filled in, as the loader does); `files`/`vars` run
 *   prepare() with a fake controller; then plan(args, state, facts) is compared with `expect`:
 *   `error` (a schema problem or plan failure containing this text), `failed`, `steps`,
 *   `changed`, `diff`, `reason`, `result` (a subset), `unpredictable`.
 * - parser fixtures `{ args, output, state }`: real captured probe output (see
 *   capture-probes.ts) must parse to `state`.
 *
 * YAML fixtures are read as YAML 1.1, like playbooks, so `mode: 0644` means what it means there.
 * Every probe script and every compiled plan also goes through `sh -n`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { ModuleDef, Plan, Step } from '../../src/core/module.js';
import { compileSteps } from '../../src/core/script.js';
import { findModule } from '../../modules/index.js';
import { fakeController, validateArgs } from './harness.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
/** The modules whose fixtures live here; each needs noop, change and invalid-args cases and a parser case. */
const COVERED = ['command', 'shell', 'copy', 'template', 'file', 'lineinfile', 'stat', 'wait_for', 'sysctl'];

interface Expect {
  error?: string;
  failed?: string;
  steps?: unknown[];
  changed?: boolean;
  diff?: unknown[];
  reason?: string;
  result?: Record<string, unknown>;
  unpredictable?: boolean;
}

interface Fixture {
  args: Record<string, unknown>;
  state?: unknown;
  facts?: Record<string, unknown>;
  files?: Record<string, string>;
  vars?: Record<string, unknown>;
  output?: { rc: number; stdout: string; stderr: string };
  expect?: Expect;
}

function load(path: string): Fixture {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { version: '1.1' });
}

/** Steps as plain data: binary put content as { base64 }. */
function plainSteps(steps: Step[]): unknown[] {
  return steps.map((s) => (s.kind === 'put' && typeof s.content !== 'string' ? { ...s, content: { base64: Buffer.from(s.content).toString('base64') } } : s));
}

function syntaxCheck(script: string, what: string): void {
  if (!script) return;
  const r = spawnSync('/bin/sh', ['-n', '-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${what} is valid POSIX sh: ${r.stderr}\n${script}`);
}

async function runPlanFixture(m: ModuleDef, fx: Fixture): Promise<void> {
  const ex = fx.expect ?? {};
  let args: any = structuredClone(fx.args);
  const problems = validateArgs(m, args);
  if (problems.length) {
    assert.ok(ex.error !== undefined, `unexpected schema problems: ${problems.join('; ')}`);
    assert.ok(problems.some((p) => p.includes(ex.error!)), `a schema problem mentions ${JSON.stringify(ex.error)}: ${problems.join('; ')}`);
    return;
  }
  if (fx.files || fx.vars) args = await m.prepare!(args, fakeController(fx.files ?? {}, fx.vars ?? {}));
  if (m.probe) syntaxCheck(m.probe(args, fx.facts ?? {}), 'probe');
  let plan: Plan;
  try {
    plan = m.plan!(args, fx.state, fx.facts ?? {});
  } catch (e) {
    assert.ok(ex.error !== undefined, `plan threw: ${(e as Error).message}`);
    assert.match((e as Error).message, new RegExp(escape(ex.error!)));
    return;
  }
  if (ex.error !== undefined) {
    assert.ok(plan.failed !== undefined, `expected an error mentioning ${JSON.stringify(ex.error)}, got a plan: ${plan.reason}`);
    assert.ok(plan.failed.includes(ex.error), `failure ${JSON.stringify(plan.failed)} mentions ${JSON.stringify(ex.error)}`);
  }
  if (ex.failed !== undefined) assert.equal(plan.failed, ex.failed);
  else if (ex.error === undefined) assert.equal(plan.failed, undefined, `plan failed: ${plan.failed}`);
  if (ex.steps !== undefined) assert.deepEqual(plainSteps(plan.steps), ex.steps);
  if (ex.changed !== undefined) assert.equal(plan.changed ?? plan.steps.length > 0, ex.changed, 'changed');
  if (ex.diff !== undefined) assert.deepEqual(plan.diff ?? [], ex.diff);
  if (ex.reason !== undefined) assert.equal(plan.reason, ex.reason);
  if (ex.unpredictable !== undefined) assert.equal(plan.unpredictable ?? false, ex.unpredictable);
  for (const [k, v] of Object.entries(ex.result ?? {})) assert.deepEqual(plan.result?.[k], v, `result.${k}`);
  syntaxCheck(plan.steps.length ? compileSteps(plan.steps) : '', 'compiled plan');
  // plan() is pure: the same inputs give the same plan.
  assert.deepEqual(m.plan!(args, structuredClone(fx.state), fx.facts ?? {}), plan);
}

function runParserFixture(m: ModuleDef, fx: Fixture): void {
  const args = structuredClone(fx.args);
  assert.deepEqual(validateArgs(m, structuredClone(args)), [], 'fixture args are valid');
  syntaxCheck(m.probe!(args, {}), 'probe');
  const state = JSON.parse(JSON.stringify(m.parse!(fx.output!, args)));
  assert.deepEqual(state, fx.state);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const dirs = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/**
 * The module a fixture folder is named after: from the registry, or straight from
 * modules/<dir>/index.ts for a module written but not registered yet.
 */
async function moduleFor(dir: string): Promise<ModuleDef | undefined> {
  const found = findModule(dir);
  if (found) return found;
  try {
    return (await import(`../../modules/${dir}/index.js`)).default as ModuleDef;
  } catch {
    return undefined;
  }
}

for (const dir of dirs) {
  const m = await moduleFor(dir);
  describe(`fixtures: ${dir}`, () => {
    test('names a module', () => assert.ok(m, `modules/${dir} exists`));
    if (!m) return;
    const files = readdirSync(join(FIXTURES, dir)).filter((f) => /\.(json|ya?ml)$/.test(f)).sort();
    for (const f of files) {
      const fx = load(join(FIXTURES, dir, f));
      test(f, async () => {
        if (fx.output !== undefined) runParserFixture(m, fx);
        else await runPlanFixture(m, fx);
      });
    }
  });
}

/** Modules that never change anything: their counterpart of a change case is a failure case. */
const NEVER_CHANGES: Record<string, string> = { stat: 'noop', wait_for: 'error' };

test('every covered module has noop, change, invalid-args and parser fixtures', () => {
  for (const name of COVERED) {
    const files = readdirSync(join(FIXTURES, name));
    for (const kind of ['noop', NEVER_CHANGES[name] ?? 'change', 'invalid', 'probe']) {
      assert.ok(files.some((f) => f.startsWith(kind)), `${name} has a ${kind}* fixture`);
    }
  }
});
