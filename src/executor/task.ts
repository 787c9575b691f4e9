/**
 * Running one task on one host: when, loop, templating of args, then either a local module or
 * probe -> plan -> (check mode stops here) -> apply, each a single round trip. Then
 * changed_when / failed_when, register, notify, and one event per result.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UserError, formatPos } from '../core/errors.js';
import type { ControllerContext, ExecResult, FileDiff, ModuleDef, Plan } from '../core/module.js';
import { compileSteps, withEnvironment } from '../core/script.js';
import type { Shell } from '../core/sh.js';
import { checkArgs } from '../playbook/args.js';
import type { Task } from '../playbook/types.js';
import { markUnsafe, truthy } from '../template/index.js';
import { CommandTimeoutError, UnreachableError } from '../transport/index.js';
import type { PlayContext } from './context.js';
import { taskVars } from './context.js';
import { ensureConnected } from './connect.js';
import type { HostState } from './host.js';
import { LOOKAHEAD, type ProbeRequest, batchScript, newNonce, splitBatch } from './probes.js';
import { dropOmitted, type Vars } from './vars.js';

const HIDDEN = 'the output has been hidden due to the fact that no_log: true was specified for this result';

export interface Outcome {
  status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';
  result: Record<string, unknown>;
  diff?: FileDiff[];
}

/** `{{ x }}` written around a condition is the same condition (Ansible warns and accepts it). */
export function conditionText(c: string): string {
  const m = /^\s*\{\{(.*)\}\}\s*$/s.exec(c);
  return m ? m[1]! : c;
}

/** Connection variables such as ansible_become=yes are booleans in Ansible's sense. */
function asBool(v: unknown): boolean {
  return typeof v === 'string' ? /^(yes|true|on|1)$/i.test(v.trim()) : Boolean(v);
}

/** An Ansible conditional: the expression's value by Python truthiness (`"False"` is true, `[]` is false). */
function condition(ctx: PlayContext, task: Task, c: string, vars: Vars): boolean {
  return truthy(ctx.templar.evaluate(conditionText(c), vars, task.pos));
}

function evalAll(ctx: PlayContext, task: Task, conds: string[], vars: Vars): { ok: boolean; failedOn?: string } {
  const failedOn = conds.find((c) => !condition(ctx, task, c, vars));
  return failedOn === undefined ? { ok: true } : { ok: false, failedOn };
}

function where(task: Task): string {
  return `${task.name ?? task.action} (${formatPos(task.pos)})`;
}

function failure(msg: string, extra: Record<string, unknown> = {}): Outcome {
  return { status: 'failed', result: { changed: false, failed: true, msg, ...extra } };
}

function controller(ctx: PlayContext, h: HostState, vars: Vars, task: Task): ControllerContext {
  return {
    findFile(kind, name) {
      if (isAbsolute(name)) return name;
      const candidates = [join(ctx.playbook.dir, kind, name), join(ctx.playbook.dir, name)];
      const found = candidates.find((p) => existsSync(p));
      if (!found) throw new UserError(`could not find '${name}' in ${candidates.join(' or ')}`, task.pos);
      return found;
    },
    readFile: (p) => readFile(p),
    render: (text) => ctx.templar.render(text, vars, task.pos),
    evaluate: (expr) => ctx.templar.evaluate(expr, vars, task.pos),
    condition: (expr) => condition(ctx, task, expr, vars),
    vars,
    check: effectiveCheck(ctx, task),
    inventoryHostname: h.name,
  };
}

function effectiveCheck(ctx: PlayContext, task: Task): boolean {
  return task.checkMode ?? ctx.play.checkMode ?? ctx.settings.check;
}

function becomeUser(ctx: PlayContext, task: Task, vars: Vars): string | false {
  const become = task.become ?? (vars.ansible_become === undefined ? ctx.play.become : asBool(vars.ansible_become));
  if (!become) return false;
  const user = task.becomeUser ?? (vars.ansible_become_user as string | undefined) ?? ctx.play.becomeUser;
  const login = ctx.play.remoteUser ?? (vars.ansible_user as string | undefined);
  // sudo to the user we already are is a no-op that costs a process and needs sudo installed.
  return user === login ? false : user;
}

interface ExecOptions {
  become: string | false;
  env?: Record<string, string>;
}

function execOptions(ctx: PlayContext, task: Task, vars: Vars): ExecOptions {
  const env = { ...(ctx.play.environment ?? {}), ...(task.environment ?? {}) };
  const templated = Object.keys(env).length ? (ctx.templar.template(env, vars, task.pos) as Record<string, unknown>) : undefined;
  return { become: becomeUser(ctx, task, vars), env: templated && Object.fromEntries(Object.entries(templated).map(([k, v]) => [k, String(v)])) };
}

/** Probes that share a round trip must run as the same user with the same environment. */
function probeContext(o: ExecOptions): string {
  return JSON.stringify([o.become, o.env ?? {}]);
}

async function remote(ctx: PlayContext, h: HostState, task: Task, phase: 'probe' | 'apply', script: Shell, opts: ExecOptions): Promise<ExecResult> {
  const t = h.transport!;
  const full = withEnvironment(script, opts.env);
  const timeoutMs = task.timeout ? task.timeout * 1000 : ctx.settings.taskTimeoutMs;
  const res = await t.run(full.text, { become: opts.become, timeoutMs });
  if (ctx.settings.verbosity > 0 && !task.noLog) {
    ctx.emit({ kind: 'host_command', host: h.name, task: task.name ?? task.action, phase, script: script.text, rc: res.rc, stdout: res.stdout, stderr: res.stderr });
  }
  return res;
}

/** Args as the module sees them: templated, `omit` dropped, checked against the schema (defaults filled). */
function resolveArgs(ctx: PlayContext, task: Task, vars: Vars): { args: Record<string, unknown>; problem?: string } {
  const args = dropOmitted(ctx.templar.template(task.args, vars, task.pos)) as Record<string, unknown>;
  const problems = checkArgs(task.module, args);
  if (!problems.length) return { args };
  return { args, problem: `${problems.map((p) => p.message + (p.hint ? ` (${p.hint})` : '')).join('; ')} at ${formatPos(task.pos)}` };
}

/**
 * The probe requests of the tasks that follow (and of the current task's loop items), as
 * each will compute them, for one shared round trip. Anything that cannot be worked out yet
 * (a variable registered later, a false `when`) is simply left out: it will probe on its own.
 */
async function upcomingProbes(ctx: PlayContext, h: HostState, current: Task, context: string, from: { afterItem?: number; max?: number } = {}): Promise<ProbeRequest[]> {
  const out: ProbeRequest[] = [];
  const max = from.max ?? LOOKAHEAD;
  for (const t of ctx.following(current)) {
    if (out.length >= max) break;
    const m = t.module;
    if (m.local || !m.probe || m.prefetch === false) continue;
    // A no_log task's probe never rides in another task's round trip, whose -v output shows it.
    if (t.noLog && t !== current) continue;
    let items: unknown[] = [undefined];
    if (t.loop !== undefined) {
      try {
        const v = ctx.templar.template(t.loop, taskVars(ctx, h, [t.vars]), t.pos);
        if (!Array.isArray(v)) continue;
        items = v;
      } catch {
        continue;
      }
    }
    for (const [i, item] of items.entries()) {
      if (out.length >= max) break;
      // After an apply, the current task's own items up to the one just applied are done.
      if (t === current && from.afterItem !== undefined && i <= from.afterItem) continue;
      const vars = taskVars(ctx, h, t.loop === undefined ? [t.vars] : [t.vars, loopVars(t, item, i)]);
      try {
        if (!evalAll(ctx, t, t.when, vars).ok) continue;
        const resolved = resolveArgs(ctx, t, vars);
        if (resolved.problem) continue;
        const args = m.prepare ? await m.prepare(resolved.args, controller(ctx, h, vars, t)) : resolved.args;
        const script = m.probe(args, h.facts ?? {});
        if (script.text && probeContext(execOptions(ctx, t, vars)) === context) out.push({ script, context });
      } catch {
        continue;
      }
    }
  }
  return out;
}

/** Probe requests whose scripts are not in `seen` (which gains them), each once. */
function distinct(reqs: ProbeRequest[], seen = new Set<string>()): ProbeRequest[] {
  return reqs.filter((r) => !seen.has(r.script.text) && seen.add(r.script.text));
}

/** Runs `script` and then the probes `along` in one round trip (probes.ts); one result per script, `script`'s first. */
async function withProbes(ctx: PlayContext, h: HostState, task: Task, phase: 'probe' | 'apply', script: Shell, along: ProbeRequest[], opts: ExecOptions): Promise<ExecResult[]> {
  if (along.length === 0) return [await remote(ctx, h, task, phase, script, opts)];
  const nonce = newNonce();
  const out = await remote(ctx, h, task, phase, batchScript([script, ...along.map((r) => r.script)], nonce), opts);
  return splitBatch(out, nonce, along.length + 1);
}

/** One probe, from the host's cache or in a round trip that also probes the tasks ahead (probes.ts). */
async function probeHost(ctx: PlayContext, h: HostState, task: Task, script: Shell, opts: ExecOptions): Promise<{ out: ExecResult; cached: boolean }> {
  // A probe that must run at its task's own time (wait_for polls) is never cached nor batched.
  if (task.module.prefetch === false) return { out: await remote(ctx, h, task, 'probe', script, opts), cached: false };
  const req = { script, context: probeContext(opts) };
  const cached = h.probes.get(req);
  if (cached) return { out: cached, cached: h.probes.lookedAhead(req) };
  const ahead = h.probes.lookAhead ? distinct(await upcomingProbes(ctx, h, task, req.context), new Set([script.text])) : [];
  const results = await withProbes(ctx, h, task, 'probe', script, ahead, opts);
  [req, ...ahead].forEach((r, i) => h.probes.put(r, results[i]!));
  return { out: results[0]!, cached: false };
}

/**
 * Applies a plan, taking the next probes along in the same round trip (probes.ts): one while
 * tasks keep changing, the batch ahead while looking ahead. The probes run after the apply, so
 * they read what it left; they are cached for the tasks that will compute the same scripts.
 */
async function applyWithNextProbes(ctx: PlayContext, h: HostState, task: Task, item: number, script: Shell, opts: ExecOptions): Promise<ExecResult> {
  const lookedAhead = h.probes.lookAhead;
  const next = distinct(await upcomingProbes(ctx, h, task, probeContext(opts), { afterItem: item, max: lookedAhead ? LOOKAHEAD : 1 }));
  const results = await withProbes(ctx, h, task, 'apply', script, next, opts);
  next.forEach((r, i) => h.probes.put(r, results[i + 1]!, lookedAhead));
  return results[0]!;
}

/** Runs the module once with templated args (item: the loop index, 0 without a loop); no when/loop handling here. */
async function runModule(ctx: PlayContext, h: HostState, task: Task, vars: Vars, item: number): Promise<Outcome> {
  const module: ModuleDef = task.module;
  const resolved = resolveArgs(ctx, task, vars);
  if (resolved.problem) return failure(resolved.problem);
  let args = resolved.args;
  const cc = controller(ctx, h, vars, task);
  if (module.local) {
    const r = await module.local(args, cc);
    const { facts, ...rest } = r;
    if (facts) Object.assign(h.hostFacts, facts);
    const status = r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok';
    return { status, result: { changed: Boolean(r.changed), failed: Boolean(r.failed), ...rest, ...(facts ? { ansible_facts: facts } : {}) } };
  }
  if (module.prepare) args = await module.prepare(args, cc);
  await ensureConnected(ctx, h);
  const opts = execOptions(ctx, task, vars);
  let state: unknown;
  let servedFromCache = false;
  // An empty probe script (command without creates/removes) costs no round trip: parse() sees empty output.
  const probe = module.probe?.(args, h.facts ?? {});
  if (probe !== undefined) {
    const probed = probe.text ? await probeHost(ctx, h, task, probe, opts) : { out: { rc: 0, stdout: '', stderr: '' }, cached: false };
    servedFromCache = probed.cached;
    state = module.parse ? module.parse(probed.out, args) : probed.out;
  }
  const plan: Plan = module.plan ? module.plan(args, state, h.facts ?? {}) : { steps: [] };
  const base: Record<string, unknown> = { ...(plan.result ?? {}) };
  // Registered as Ansible registers it, so `result.diff` can be tested.
  if (plan.diff?.length) base.diff = plan.diff.map((d) => ({ before: d.before, after: d.after, before_header: d.path, after_header: d.path }));
  if (plan.failed) return failure(plan.failed, base);
  const willChange = plan.changed ?? plan.steps.length > 0;
  if (plan.steps.length === 0 && probe?.text) h.probes.lookAhead = true;
  if (plan.steps.length === 0 || cc.check) {
    if (cc.check && plan.unpredictable && plan.steps.length > 0) {
      return { status: 'skipped', result: { changed: false, skipped: true, msg: 'skipped, running in check mode' } };
    }
    const extra = module.result ? module.result(args, state, undefined) : {};
    return { status: willChange ? 'changed' : 'ok', result: { changed: willChange, ...base, ...extra, ...(plan.reason ? { msg: plan.reason } : {}) }, diff: plan.diff };
  }
  // Whatever was probed ahead may be stale once anything is applied.
  h.probes.clear({ keepLookingAhead: servedFromCache || !probe?.text });
  const applied = await applyWithNextProbes(ctx, h, task, item, compileSteps(plan.steps), opts);
  const extra = module.result ? module.result(args, state, applied) : {};
  const result: Record<string, unknown> = { changed: willChange, ...base, ...extra };
  if (applied.rc !== 0) {
    result.failed = true;
    result.msg = 'rc' in extra ? 'non-zero return code' : applied.stderr.trim() || `exit code ${applied.rc}`;
    if (!('rc' in extra)) result.rc = applied.rc;
    return { status: 'failed', result, diff: plan.diff };
  }
  return { status: willChange ? 'changed' : 'ok', result, diff: plan.diff };
}

/** Applies changed_when / failed_when / ignore_errors to one outcome. */
function judge(ctx: PlayContext, task: Task, out: Outcome, vars: Vars): Outcome {
  if (out.status === 'skipped' || out.status === 'unreachable') return out;
  const withResult = task.register ? { ...vars, [task.register]: out.result } : vars;
  const r = { ...out.result };
  const merged = new Proxy(withResult as object, { get: (t, k) => (typeof k === 'string' && k in r && !(k in (t as any)) ? (r as any)[k] : (t as any)[k]) }) as Vars;
  if (task.changedWhen !== undefined) {
    r.changed = typeof task.changedWhen === 'boolean' ? task.changedWhen : evalAll(ctx, task, task.changedWhen, merged).ok;
  }
  if (task.failedWhen !== undefined) {
    const failed = typeof task.failedWhen === 'boolean' ? task.failedWhen : task.failedWhen.some((c) => condition(ctx, task, c, merged));
    r.failed = failed;
    r.failed_when_result = failed;
    if (failed && !r.msg) r.msg = 'failed_when condition met';
  }
  const status = r.failed ? 'failed' : r.changed ? 'changed' : 'ok';
  return { ...out, status, result: r };
}

async function runItem(ctx: PlayContext, h: HostState, task: Task, layers: Vars[], item = 0): Promise<Outcome> {
  const vars = taskVars(ctx, h, layers);
  try {
    const when = evalAll(ctx, task, task.when, vars);
    if (!when.ok) {
      return { status: 'skipped', result: { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: when.failedOn } };
    }
    return judge(ctx, task, await runModule(ctx, h, task, vars, item), vars);
  } catch (e) {
    if (e instanceof UnreachableError) return { status: 'unreachable', result: { unreachable: true, changed: false, msg: e.message } };
    if (e instanceof CommandTimeoutError) return failure(`${e.message} in ${where(task)}`);
    if (e instanceof UserError) return failure(e.toString());
    return failure(`${(e as Error).message} in ${where(task)}`);
  }
}

/** The variables of one loop item, also recorded in its registered result, as Ansible does. */
function loopVars(task: Task, item: unknown, index: number): Vars {
  const { loop_var: v, index_var: iv } = task.loopControl;
  return { [v]: item, ansible_loop_var: v, ...(iv ? { [iv]: index, ansible_index_var: iv } : {}) };
}

function itemLabel(task: Task, item: unknown, ctx: PlayContext, vars: Vars): string {
  if (task.loopControl.label) return String(ctx.templar.template(task.loopControl.label, vars, task.pos));
  return typeof item === 'string' ? item : JSON.stringify(item);
}

function hide(result: Record<string, unknown>): Record<string, unknown> {
  return { censored: HIDDEN, changed: result.changed, failed: result.failed, skipped: result.skipped };
}

/** Runs a task on a host with loop and when, records stats, registers, notifies, emits events. */
export async function runTask(ctx: PlayContext, h: HostState, task: Task): Promise<Outcome> {
  const started = Date.now();
  const name = task.name ?? task.action;
  const emit = (out: Outcome, item?: string, loop?: boolean) =>
    ctx.emit({
      kind: 'host_result', host: h.name, task: name, module: task.module.name, status: out.status, changed: Boolean(out.result.changed),
      ignored: (out.status === 'failed' && task.ignoreErrors) || (out.status === 'unreachable' && ctx.play.ignoreUnreachable),
      item, loop, msg: task.noLog ? undefined : (out.result.msg as string | undefined),
      diff: task.noLog || !(task.diff ?? ctx.play.diff ?? ctx.settings.diff) ? undefined : out.diff, durationMs: Date.now() - started,
      result: task.noLog ? hide(out.result) : out.result, noLog: task.noLog,
    });
  let out: Outcome;
  if (task.loop === undefined) {
    out = await runItem(ctx, h, task, [task.vars]);
    emit(out);
  } else {
    const outer = taskVars(ctx, h, [task.vars]);
    let items: unknown;
    try {
      items = ctx.templar.template(task.loop, outer, task.pos);
    } catch (e) {
      items = e;
    }
    if (!Array.isArray(items)) {
      out = failure(items instanceof Error ? (items instanceof UserError ? items.toString() : items.message) : `loop must be a list, got ${JSON.stringify(items)} in ${where(task)}`);
      emit(out);
    } else {
      const results: Record<string, unknown>[] = [];
      const diffs: FileDiff[] = [];
      let unreachable: Outcome | undefined;
      for (const [i, item] of items.entries()) {
        const lv = loopVars(task, item, i);
        const o = await runItem(ctx, h, task, [task.vars, lv], i);
        results.push({ ...o.result, ...lv });
        if (o.diff) diffs.push(...o.diff);
        emit(o, itemLabel(task, item, ctx, taskVars(ctx, h, [task.vars, lv])));
        if (o.status === 'unreachable') {
          unreachable = o;
          break;
        }
      }
      const anyFailed = results.some((r) => r.failed);
      const anyChanged = results.some((r) => r.changed);
      // An empty loop is skipped, as in Ansible ("No items in the list").
      const allSkipped = results.every((r) => r.skipped);
      const result: Record<string, unknown> =
        results.length === 0
          ? { changed: false, skipped: true, skipped_reason: 'No items in the list', results }
          : { changed: anyChanged, failed: anyFailed, skipped: allSkipped, msg: anyFailed ? 'One or more items failed' : 'All items completed', results };
      out = unreachable ?? { status: anyFailed ? 'failed' : allSkipped ? 'skipped' : anyChanged ? 'changed' : 'ok', result, diff: diffs };
      emit(out, undefined, true);
    }
  }
  record(ctx, h, task, out);
  return out;
}

function record(ctx: PlayContext, h: HostState, task: Task, out: Outcome): void {
  const s = h.stats;
  // Ignored failures and unreachables count as ok and ignored (and changed if they changed), as
  // ansible-core's strategy counts them; they notify no handler.
  if (out.status === 'unreachable') {
    if (ctx.play.ignoreUnreachable) {
      s.ok++;
      s.ignored++;
    } else {
      s.unreachable++;
      h.unreachable = String(out.result.msg);
    }
    return;
  }
  // Results are data: a registered stdout containing `{{` is never templated.
  if (task.register) h.hostFacts[task.register] = markUnsafe(out.result);
  if (out.status === 'failed') {
    if (task.ignoreErrors) {
      s.ok++;
      s.ignored++;
      if (out.result.changed) s.changed++;
    } else {
      s.failed++;
      h.failed = true;
    }
    return;
  }
  if (out.status === 'skipped') {
    s.skipped++;
    return;
  }
  // Ansible counts every successful result as ok, and a changed one under changed as well.
  s.ok++;
  if (out.status !== 'changed') return;
  s.changed++;
  for (const n of task.notify) h.notified.add(n);
}
