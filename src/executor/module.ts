/**
 * One module run for one host and loop item, with its args already chosen: a local module on
 * the controller, or probe -> plan -> (check mode stops here) -> apply, each one round trip
 * at most (probes usually arrive cached from a shared batch, lookahead.ts).
 */
import type { ControllerContext, ExecResult, Facts, ModuleDef, Plan } from '../core/module.js';
import { compileSteps } from '../core/script.js';
import { mask } from '../vault/taint.js';
import { raw } from '../core/sh.js';
import { factsScript, factVars, parseFacts } from '../facts/index.js';
import { refreshFacts } from '../facts/subsets.js';
import type { Task } from '../playbook/types.js';
import { markUnsafe } from '../template/index.js';
import { controller, resolveArgs } from './args.js';
import { ensureConnected } from './connect.js';
import type { PlayContext } from './context.js';
import type { HostState } from './host.js';
import { runAsync, runDetached } from './async.js';
import { applyWithNextProbes, probeHost } from './lookahead.js';
import { guardedApply, needsGuard } from './guard.js';
import { execOptions, remote } from './remote.js';
import { renderModule } from './render.js';
import { failed, fromResult, type Outcome, skipped, type TaskResult } from './result.js';
import type { Vars } from './vars.js';

/** The host's facts and ansible_* variables become `facts` (values from the host are never templated). */
function setFacts(h: HostState, facts: Facts): void {
  h.facts = markUnsafe(facts);
  h.factVars = factVars(h.facts);
}

/** A controller-only module; the facts it sets (set_fact) land on `factsTo`. */
export async function runLocal(module: ModuleDef, args: Record<string, unknown>, cc: ControllerContext, factsTo: HostState): Promise<Outcome> {
  const r = await module.local!(args, cc);
  const { facts, ...rest } = r;
  if (facts) Object.assign(factsTo.hostFacts, facts);
  return fromResult({ changed: Boolean(r.changed), failed: Boolean(r.failed), ...rest, ...(facts ? { ansible_facts: facts } : {}) });
}

/**
 * Runs the module for host `h` over the connection of `on`: `h` itself, or the host the task
 * delegates to (delegate_to), which the probe, the plan's facts and the apply are about. Facts
 * the task sets land on `h` unless delegate_facts sends them to `on`. A delegated run probes on
 * its own rather than with the delegate's look-ahead, which follows the delegate's own tasks.
 */
export async function runModule(ctx: PlayContext, h: HostState, task: Task, vars: Vars, item: number, on: HostState = h): Promise<Outcome> {
  const delegated = on !== h;
  const factsTo = delegated && task.delegateFacts ? on : h;
  // tsplay render contacts no host.
  if (ctx.settings.render) return renderModule(ctx, h, task, vars, on, factsTo);
  const module: ModuleDef = task.module;
  const resolved = resolveArgs(ctx, task, vars);
  if (resolved.problem) return failed(resolved.problem);
  let args = resolved.args;
  const cc = controller(ctx, h, vars, task);
  if (module.local) return runLocal(module, args, cc, factsTo);
  if (module.prepare) args = await module.prepare(args, cc);
  await ensureConnected(ctx, on);
  const secrets = (module.sensitive ?? []).map((k) => (args as Record<string, unknown>)[k]).filter((v): v is string => typeof v === 'string' && v !== '');
  const opts = { ...execOptions(ctx, task, vars), secrets };
  let state: unknown;
  let probeOut: ExecResult | undefined;
  let servedFromCache = false;
  // An empty probe script (command without creates/removes) costs no round trip: parse() sees empty output.
  const probe = module.probe?.(args, on.facts ?? {});
  if (probe !== undefined) {
    const empty = { out: { rc: 0, stdout: '', stderr: '' }, cached: false };
    const probed = !probe.text ? empty : delegated ? { out: await remote(ctx, on, task, 'probe', probe, opts), cached: false } : await probeHost(ctx, on, task, probe, opts);
    servedFromCache = probed.cached;
    probeOut = probed.out;
    state = module.parse ? module.parse(probed.out, args) : probed.out;
  }
  const plan: Plan = module.plan ? module.plan(args, state, on.facts ?? {}) : { steps: [] };
  if (cc.check) ctx.settings.planner?.module(ctx, h, task, { on, probe: probe?.text && probeOut ? { script: probe.text, out: probeOut } : undefined, plan, opts });
  const base: Record<string, unknown> = { ...(plan.result ?? {}) };
  // Registered as Ansible registers it, so `result.diff` can be tested.
  if (plan.diff?.length) base.diff = plan.diff.map((d) => ({ before: d.before, after: d.after, before_header: d.path, after_header: d.path }));
  if (plan.failed) return failed(plan.failed, base);
  if (plan.facts) setFacts(factsTo, { ...(factsTo.facts ?? {}), ...plan.facts });
  const willChange = plan.changed ?? plan.steps.length > 0;
  if (plan.steps.length === 0 && probe?.text && !delegated) on.probes.lookAhead = true;
  if (plan.steps.length === 0 || cc.check) {
    if (cc.check && plan.unpredictable && plan.steps.length > 0) return { ...skipped({ msg: 'skipped, running in check mode' }), unpredictable: true };
    const extra = module.result ? module.result(args, state, undefined) : {};
    return { status: willChange ? 'changed' : 'ok', result: { changed: willChange, ...base, ...extra, ...(plan.reason ? { msg: plan.reason } : {}) }, diff: plan.diff };
  }
  // Scripts travel on stdin, but a program's own arguments are readable by every user of the
  // host while it runs (/proc/PID/cmdline): say so when one holds a vaulted value.
  if (plan.steps.some((s) => s.kind === 'exec' && s.argv.some((a) => mask(a) !== a))) {
    ctx.emit({ kind: 'warning', msg: `${task.name ?? module.name} on ${h.name}: a program's arguments hold a vaulted value, which any user of the host can read while it runs; give it on stdin (the stdin option) or in the environment (environment:, or shell, whose command line travels there)` });
  }
  // Whatever was probed ahead may be stale once anything is applied.
  on.probes.clear({ keepLookingAhead: servedFromCache || !probe?.text });
  const stale = willChange && on.facts && module.staleFacts ? module.staleFacts(args, on.facts) : [];
  const refresh = stale.length > 0 ? raw(factsScript()) : undefined;
  const guard = await needsGuard(ctx, on, plan);
  let note: string | undefined;
  let applied: ExecResult;
  let refreshed: ExecResult | undefined;
  let job: Record<string, unknown> | undefined;
  if (task.async !== undefined) {
    const seconds = Number(ctx.templar.template(task.async, vars, task.pos));
    const poll = task.poll === undefined ? 10 : Number(ctx.templar.template(task.poll, vars, task.pos));
    if (!Number.isInteger(seconds) || seconds <= 0 || !Number.isInteger(poll) || poll < 0) {
      return failed(`async needs a whole number of seconds above 0 and poll one of 0 or more, got async=${String(task.async)} poll=${String(task.poll)}`);
    }
    const run = await runAsync(ctx, on, task, compileSteps(plan.steps), opts, seconds, poll);
    job = { ansible_job_id: run.jid, results_file: run.dir, started: 1, finished: run.done ? 1 : 0 };
    if (poll === 0) return { status: 'changed', result: { changed: true, ...base, ...job } };
    if (!run.done || run.timedOut) return failed(`async task did not complete within the requested time - ${seconds}s`, { ...job, finished: 0 });
    applied = run.done;
  } else if (plan.detached) {
    const run = await runDetached(ctx, on, task, module, plan.detached, compileSteps(plan.steps), opts);
    if ('failed' in run) return failed(run.failed, base);
    applied = run.applied;
    job = { elapsed: run.elapsed };
  } else if (guard) {
    on.probes.clear({ keepLookingAhead: false });
    const replan = async () => {
      const out = await remote(ctx, on, task, 'probe', probe!, opts);
      return module.plan!(args, module.parse ? module.parse(out, args) : out, on.facts ?? {});
    };
    const g = await guardedApply(ctx, on, task, guard, plan, compileSteps(plan.steps), opts, replan);
    if ('rolledBack' in g) return { status: 'failed', result: { ...base, changed: false, failed: true, rolled_back: true, msg: g.rolledBack }, diff: plan.diff };
    if ('failed' in g) return failed(g.failed, base);
    applied = g.confirmed;
    note = g.note;
    if (refresh) refreshed = await remote(ctx, on, task, 'probe', refresh, opts);
  } else if (delegated) {
    applied = await remote(ctx, on, task, 'apply', compileSteps(plan.steps), opts);
    if (refresh) refreshed = await remote(ctx, on, task, 'probe', refresh, opts);
  } else ({ applied, refreshed } = await applyWithNextProbes(ctx, on, task, item, compileSteps(plan.steps), opts, refresh));
  // Output cut short (the host went away) leaves the facts as they were: the next task fails on its own.
  if (refreshed?.stdout && on.facts) {
    try {
      setFacts(on, refreshFacts(on.facts, parseFacts(refreshed.stdout), stale));
    } catch {
      /* kept as they were */
    }
  }
  const extra = module.result ? module.result(args, state, applied) : {};
  const result: TaskResult = { changed: willChange, ...base, ...extra, ...job };
  if (applied.rc !== 0) {
    // A module that reports rc itself (command) explains it, and says changed as Ansible does.
    if (typeof extra.rc === 'number') return { status: 'failed', result: { ...result, failed: true, msg: 'non-zero return code' }, diff: plan.diff };
    // A failed change claims nothing of what it would have made (checksum, size): the error says why.
    const msg = applied.stderr.trim() || `exit code ${applied.rc}`;
    return { status: 'failed', result: { changed: false, failed: true, msg, rc: applied.rc } };
  }
  if (note) result.msg = plan.reason ? `${plan.reason}; ${note}` : note;
  return { status: willChange ? 'changed' : 'ok', result, diff: plan.diff };
}
