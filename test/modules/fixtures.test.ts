/**
 * One generic runner over test/modules/fixtures/<module>/<case>.{json,yml}. Two kinds of file:
 *
 * - plan fixtures `{ args, state, facts?, files?, vars?, expect }`: args are validated against the
 *   module's schema with ajv (defaults filled in, as the loader does); `files`/`vars` run
 *   prepare() with a fake controller; then plan(args, state, facts) is compared with `expect`:
 *   `error` (a schema problem or plan failure containing this text), `failed`, `steps`,
 *   `changed`, `diff`, `reason`, `result` (a subset), `unpredictable`, `guard`.
 * - parser fixtures `{ args, facts?, output, state }`: real captured probe output (see
 *   capture-probes.ts) must parse to `state`.
 * - local fixtures `{ args, vars?, check?, expect: { error? | local } }` for controller-only
 *   modules (debug, assert, set_fact, fail): local(args) runs with the real template engine over
 *   `vars` (for `that` and `var`; args arrive templated, as from the executor) and its result
 *   must contain `local`.
 *
 * YAML fixtures are read as YAML 1.1, like playbooks, so `mode: 0644` means what it means there.
 * Every probe script and every compiled plan also goes through `sh -n`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { ModuleDef, Plan, Step } from '../../src/core/module.js';
import { compileSteps } from '../../src/core/script.js';
import { Shell } from '../../src/core/sh.js';
import { findModule, modules } from '../../modules/index.js';
import { fakeController, templarController, validateArgs } from './harness.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

interface Expect {
  error?: string;
  failed?: string;
  steps?: unknown[];
  changed?: boolean;
  diff?: unknown[];
  reason?: string;
  result?: Record<string, unknown>;
  unpredictable?: boolean;
  /** Plan.guard: what a change may cut off, and how the host undoes it. */
  guard?: unknown;
  local?: Record<string, unknown>;
}

interface Fixture {
  args: Record<string, unknown>;
  state?: unknown;
  facts?: Record<string, unknown>;
  files?: Record<string, string>;
  vars?: Record<string, unknown>;
  check?: boolean;
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

/** A script is built with sh`` (a Shell, never a string) and is valid POSIX sh. */
function syntaxCheck(script: unknown, what: string): void {
  assert.ok(script instanceof Shell, `${what} is built with sh\`\` (src/core/sh.ts), not as a string`);
  if (!script.text) return;
  const r = spawnSync('/bin/sh', ['-n', '-c', script.text], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${what} is valid POSIX sh: ${r.stderr}\n${script.text}`);
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
  if (ex.guard !== undefined) assert.deepEqual(plan.guard, ex.guard);
  for (const [k, v] of Object.entries(ex.result ?? {})) assert.deepEqual(plan.result?.[k], v, `result.${k}`);
  if (plan.steps.length) syntaxCheck(compileSteps(plan.steps), 'compiled plan');
  // plan() is pure: the same inputs give the same plan.
  assert.deepEqual(m.plan!(args, structuredClone(fx.state), fx.facts ?? {}), plan);
}

async function runLocalFixture(m: ModuleDef, fx: Fixture): Promise<void> {
  const ex = fx.expect ?? {};
  const args: any = structuredClone(fx.args);
  const problems = validateArgs(m, args);
  if (ex.error !== undefined) {
    assert.ok(problems.some((p) => p.includes(ex.error!)), `a schema problem mentions ${JSON.stringify(ex.error)}: ${problems.join('; ') || 'none'}`);
    return;
  }
  assert.deepEqual(problems, [], 'fixture args are valid');
  assert.ok(ex.local, 'a local fixture expects a result (expect.local) or an error');
  const got = await m.local!(args, templarController(fx.vars ?? {}, fx.check));
  for (const [k, v] of Object.entries(ex.local)) assert.deepEqual(got[k], v, `result.${k}`);
}

function runParserFixture(m: ModuleDef, fx: Fixture): void {
  const args = structuredClone(fx.args);
  assert.deepEqual(validateArgs(m, structuredClone(args)), [], 'fixture args are valid');
  syntaxCheck(m.probe!(args, fx.facts ?? {}), 'probe');
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
        else if (m.local) await runLocalFixture(m, fx);
        else await runPlanFixture(m, fx);
      });
    }
  });
}

/** What a fixture proves: a module left alone, a change, a refused input, a failure, a probe parse. */
function kindOf(fx: Fixture): 'noop' | 'change' | 'invalid' | 'failure' | 'probe' | undefined {
  const ex = fx.expect ?? {};
  if (fx.output !== undefined) return 'probe';
  if (ex.error !== undefined) return 'invalid';
  if (ex.failed !== undefined || ex.local?.failed === true) return 'failure';
  if (ex.local) return ex.local.changed === false ? 'noop' : undefined;
  const changed = ex.changed ?? (ex.steps ? ex.steps.length > 0 : undefined);
  return changed === undefined ? undefined : changed ? 'change' : 'noop';
}

/**
 * What each module must show. Modules that never change anything show a failure instead of a
 * change (and assert both sides); controller-only modules have no probe.
 */
const NEEDS: Record<string, string[]> = {
  stat: ['noop', 'invalid', 'probe'],
  wait_for: ['noop', 'failure', 'invalid', 'probe'],
  debug: ['noop', 'invalid'],
  // meta's actions are the executor's (test/fixtures/lang); the module runs noop.
  meta: ['noop', 'invalid'],
  // Includes and imports are the parser's and the strategy's (test/fixtures/lang); their fixtures check the schema.
  include_tasks: ['invalid'],
  import_tasks: ['invalid'],
  include: ['invalid'],
  include_role: ['invalid'],
  import_role: ['invalid'],
  assert: ['noop', 'failure', 'invalid'],
  fail: ['failure', 'invalid'],
  set_fact: ['noop', 'invalid'],
  // apt is package with the manager fixed: its own noop, change and invalid cases; probes are package's.
  apt: ['noop', 'change', 'invalid'],
  // setup's probe is the fact script, whose output has its own parser tests (test/unit/facts*).
  setup: ['noop', 'failure', 'invalid'],
};

test('every module has noop, change (or failure), invalid-args and, with a probe, parser fixtures', () => {
  const missing: string[] = [];
  for (const m of modules) {
    const dir = join(FIXTURES, m.name);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f)) : [];
    const kinds = new Set<string | undefined>(files.map((f) => kindOf(load(join(dir, f)))));
    const need = NEEDS[m.name] ?? ['noop', 'change', 'invalid', ...(m.probe ? ['probe'] : [])];
    missing.push(...need.filter((k) => !kinds.has(k)).map((k) => `${m.name}: ${k}`));
  }
  assert.deepEqual(missing, [], 'fixtures missing');
});
