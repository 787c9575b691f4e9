/**
 * What the module tests share: running a script with the real /bin/sh, checking args the way
 * the playbook loader does (ajv, defaults, Ansible's coercions), a fake controller context for
 * prepare(), and a fingerprint of a directory tree to prove that a check-mode pass moved nothing.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ControllerContext, ExecResult, Facts, ModuleDef, Plan } from '../../src/core/module.js';
import { compileSteps } from '../../src/core/script.js';
import type { Shell } from '../../src/core/sh.js';
import { checkArgs } from '../../src/playbook/args.js';
import { Templar, truthy } from '../../src/template/index.js';
import { conditionText } from '../../src/executor/conditions.js';

/** Runs a script with /bin/sh -c (dash on Debian), as a transport would on a host. */
export function sh(script: Shell, stdin?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script.text], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    // A script that never reads its input may exit before it is written.
    child.stdin.on('error', () => {});
    child.on('close', (code) => resolve({ rc: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * Validates (and completes with defaults and Ansible's coercions, in place) module args exactly
 * as the executor does (src/playbook/args.ts); returns each problem as the run would print it.
 */
export function validateArgs(m: ModuleDef, args: Record<string, unknown>): string[] {
  return checkArgs(m, args).map((p) => p.message + (p.hint ? ` (${p.hint})` : ''));
}

/** A controller context whose files come from a map (name -> text) and whose render() substitutes {{ var }}. */
export function fakeController(files: Record<string, string | Uint8Array>, vars: Record<string, unknown> = {}): ControllerContext {
  return {
    findFile: (kind, name) => `${kind}/${name}`,
    readFile: async (path) => {
      const name = path.replace(/^(files|templates)\//, '');
      const f = files[name];
      if (f === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return Buffer.from(f);
    },
    render: (text) => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => String(vars[k] ?? '')),
    evaluate: () => undefined,
    condition: () => false,
    vars,
    check: false,
    inventoryHostname: 'localhost',
  };
}

/** A controller context for local modules: the real template engine over `vars`, conditionals judged as `when:` is. */
export function templarController(vars: Record<string, unknown>, check = false): ControllerContext {
  const templar = new Templar();
  return {
    ...fakeController({}, vars),
    render: (text) => templar.render(text, vars),
    evaluate: (expr) => templar.evaluate(expr, vars),
    condition: (expr) => truthy(templar.evaluate(conditionText(expr), vars)),
    check,
  };
}

export interface Round {
  script: Shell | undefined;
  out: ExecResult;
  state: unknown;
  plan: Plan;
}

/** Probe (for real, with /bin/sh) then plan: exactly what check mode does. */
export async function probeAndPlan(m: ModuleDef, args: any, facts: Facts = {}): Promise<Round> {
  const script = m.probe?.(args, facts);
  const out = script?.text ? await sh(script) : { rc: 0, stdout: '', stderr: '' };
  const state = m.parse ? m.parse(out, args) : out;
  const plan = m.plan!(args, state, facts);
  return { script, out, state, plan };
}

/** Applies a plan's steps with /bin/sh in one script, as the executor does. */
export function apply(plan: Plan): Promise<ExecResult> {
  return sh(compileSteps(plan.steps));
}

/** A fingerprint of everything under a directory: names, kinds, modes, owners, mtimes, bytes, link targets. */
export function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (p: string) => {
    const st = lstatSync(p);
    h.update(`${p}\0${st.mode}\0${st.uid}\0${st.gid}\0${st.mtimeMs}\0${st.size}\0`);
    if (st.isSymbolicLink()) h.update(readlinkSync(p));
    else if (st.isFile()) h.update(readFileSync(p));
    else if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  };
  walk(dir);
  return h.digest('hex');
}
