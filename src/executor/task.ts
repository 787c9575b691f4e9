/**
 * Running one task on one host: `when`, the loop, changed_when/failed_when, then what the
 * outcome leaves behind (register, notify, stats) and one event per result. The module run
 * itself is module.ts; look-ahead probing lookahead.ts; become and environment remote.ts.
 *
 * Where the next features enter: blocks, includes and roles are the strategy's walk
 * (strategy.ts), which picks the hosts, as serial batches and a failure budget will; a role's
 * variables come with its tasks (context.ts taskVars); delegation chooses the HostState whose
 * connection runModule uses.
 */
import { dirname } from 'node:path';
import { formatPos, UserError } from '../core/errors.js';
import type { FileDiff } from '../core/module.js';
import { HANDLER_NOT_FOUND } from '../playbook/parse.js';
import { loopItems } from '../playbook/loops.js';
import { displayName, handlerNames, type Task, taskId } from '../playbook/types.js';
import { boolean } from '../py/bool.js';
import { markUnsafe, pyStr, UndefinedVariableError } from '../template/index.js';
import { CommandTimeoutError, UnreachableError } from '../transport/index.js';
import { loopVars } from './args.js';
import { evalAll, judge } from './conditions.js';
import { delegateHost, type PlayContext, taskVars } from './context.js';
import type { HostState } from './host.js';
import { runModule } from './module.js';
import { failed, hidden, type Outcome, skipped, type TaskResult, unreachable } from './result.js';
import { count } from './stats.js';
import type { Vars } from './vars.js';

export type { Outcome } from './result.js';

function where(task: Task): string {
  return `${task.name ?? task.action} (${formatPos(task.pos)})`;
}

/**
 * One item, run again until `until` holds, as ansible-core 2.14's TaskExecutor does it: `retries`
 * (default 3) more attempts after the first, `delay` seconds apart (default 5); `retries: 0`
 * runs once and judges nothing. Each result carries `attempts`; when the condition never held
 * the last one fails, and says one attempt fewer than were made (Ansible's count).
 */
async function runItem(ctx: PlayContext, h: HostState, task: Task, layers: Vars[], item = 0): Promise<Outcome> {
  if (task.until === undefined) return runOnce(ctx, h, task, layers, item);
  const render = (v: unknown) => (v === undefined ? undefined : ctx.templar.template(v, taskVars(ctx, h, task, layers), task.pos));
  const [r, d] = [render(task.retries), render(task.delay)];
  const retries = r === undefined ? 3 : Number(r);
  const delay = d === undefined ? 5 : Number(d);
  if (!Number.isInteger(retries)) return failed(`retries must be a whole number, got ${pyStr(r)} in ${where(task)}`);
  if (!Number.isInteger(delay)) return failed(`delay must be a whole number of seconds, got ${pyStr(d)} in ${where(task)}`);
  const total = retries <= 0 ? 1 : retries + 1;
  const counted = (o: Outcome, n: number) => ({ ...o, result: { ...o.result, attempts: n } }) as Outcome;
  let out: Outcome = failed('no attempt');
  for (let attempt = 1; attempt <= total; attempt++) {
    out = await runOnce(ctx, h, task, layers, item);
    if (out.status === 'skipped' || out.status === 'unreachable') return out;
    out = counted(out, attempt);
    if (total === 1) return out;
    const vars = taskVars(ctx, h, task, [...layers, task.register ? { [task.register]: out.result } : {}]);
    try {
      if (evalAll(ctx, task, task.until, vars).ok) return out;
    } catch (e) {
      // As Ansible: a condition that cannot be judged fails the task, not the run.
      return failed(`The conditional check '${task.until.join(' and ')}' failed: ${e instanceof UserError ? e.message : (e as Error).message} in ${where(task)}`);
    }
    if (attempt < total) {
      ctx.emit({ kind: 'retry', host: h.name, task: displayName(task), left: total - attempt });
      // What the next attempt probes must be read again.
      h.probes.clear({ keepLookingAhead: false });
      await new Promise((r) => setTimeout(r, Math.max(0, delay) * 1000));
    }
  }
  const { msg, ...rest } = counted(out, total - 1).result;
  const last = failed(msg ?? '', rest);
  return last.status === 'failed' ? { ...last, diff: out.diff } : last;
}

async function runOnce(ctx: PlayContext, h: HostState, task: Task, layers: Vars[], item = 0): Promise<Outcome> {
  const vars = taskVars(ctx, h, task, layers);
  try {
    const when = evalAll(ctx, task, task.when, vars);
    if (!when.ok) return skipped({ skip_reason: 'Conditional result was False', false_condition: when.failedOn });
    if (task.delegateTo === undefined) return judge(ctx, task, await runModule(ctx, h, task, vars, item), vars);
    const name = String(ctx.templar.template(task.delegateTo, vars, task.pos));
    if (name === h.name) return judge(ctx, task, await runModule(ctx, h, task, vars, item), vars);
    const on = delegateHost(ctx, name);
    return { ...judge(ctx, task, await runModule(ctx, h, task, vars, item, on), vars), delegate: String(on.inventoryVars.ansible_host ?? name) };
  } catch (e) {
    // tsplay render: a condition that reads what only the host gives leaves the task out, not the host.
    const render = ctx.settings.render;
    if (render && e instanceof UndefinedVariableError) return render.leave(task.module.renders ? render.notRenderable : render.leftToHost, h.name, task, e.message, e);
    if (e instanceof UnreachableError) return unreachable(e.message);
    if (e instanceof CommandTimeoutError) return failed(`${e.message} in ${where(task)}`);
    if (e instanceof UserError) return failed(e.toString());
    return failed(`${(e as Error).message} in ${where(task)}`);
  }
}

/** How a loop item is shown: `(item=...)`. */
export function itemLabel(task: Task, item: unknown, ctx: PlayContext, vars: Vars): string {
  // As Ansible: a no_log task's items (and their labels) are shown as None.
  if (task.noLog) return 'None';
  // As Ansible prints them: Python's str() of the item or label (['x', 1], True, None).
  if (task.loopControl.label) return pyStr(ctx.templar.template(task.loopControl.label, vars, task.pos));
  return pyStr(item);
}

type Emit = (out: Outcome, item?: string, loop?: boolean) => void;

/** A looped task: each item in turn (an unreachable host ends the loop), then the summary, each reported. */
async function runLoop(ctx: PlayContext, h: HostState, task: Task, emit: Emit): Promise<Outcome> {
  let items: unknown[];
  try {
    items = loopItems(task.loopWith, ctx.templar.template(task.loop, taskVars(ctx, h, task), task.pos), dirname(task.pos.file));
  } catch (e) {
    const out = failed(e instanceof UserError ? e.toString() : `${(e as Error).message} in ${where(task)}`);
    emit(out);
    return out;
  }
  const out = await runItems(ctx, h, task, items, emit);
  emit(out, undefined, true);
  return out;
}

async function runItems(ctx: PlayContext, h: HostState, task: Task, items: unknown[], emit: Emit): Promise<Outcome> {
  const results: TaskResult[] = [];
  const diffs: FileDiff[] = [];
  for (const [i, item] of items.entries()) {
    // loop_control.pause: a wait between two items, none after the last.
    if (i > 0 && task.loopControl.pause) await new Promise((r) => setTimeout(r, task.loopControl.pause! * 1000));
    const lv = loopVars(task, item, i, items);
    const o = await runItem(ctx, h, task, [lv], i);
    results.push({ ...o.result, ...lv });
    if (o.diff) diffs.push(...o.diff);
    emit(o, itemLabel(task, item, ctx, taskVars(ctx, h, task, [lv])));
    if (o.status === 'unreachable') return o;
  }
  // An empty loop is skipped, as in Ansible ("No items in the list").
  if (results.length === 0) return skipped({ skipped_reason: 'No items in the list', results });
  const anyFailed = results.some((r) => r.failed);
  const anyChanged = results.some((r) => r.changed);
  const allSkipped = results.every((r) => r.skipped);
  const result = { changed: anyChanged, failed: anyFailed, skipped: allSkipped, msg: anyFailed ? 'One or more items failed' : 'All items completed', results };
  if (anyFailed) return { status: 'failed', result: { ...result, failed: true }, diff: diffs };
  if (allSkipped) return { status: 'skipped', result: { ...result, skipped: true } };
  return { status: anyChanged ? 'changed' : 'ok', result, diff: diffs };
}

/** A task with its per-host keywords rendered: flags as booleans, notify as handler names. */
type Resolved = Task & { ignoreErrors: boolean; noLog: boolean; checkMode?: boolean };

/**
 * Renders the keywords Ansible templates per host before the task runs: ignore_errors,
 * check_mode, no_log, and notify. A notify name that no handler of the play has or listens to
 * fails the task before it runs, as ansible-playbook's error_on_missing_handler refuses it
 * (literal names are refused before the run, in parse.ts).
 */
function resolve(ctx: PlayContext, h: HostState, task: Task): { task: Resolved; notify: string[]; error?: string } {
  let vars: Vars | undefined;
  const render = (v: string) => ctx.templar.template(v, (vars ??= taskVars(ctx, h, task)), task.pos);
  const flag = (v: boolean | string | undefined) => (typeof v === 'string' ? boolean(render(v), false) : v);
  try {
    const resolved = { ...task, parsed: task, ignoreErrors: flag(task.ignoreErrors)!, noLog: flag(task.noLog)!, checkMode: flag(task.checkMode) };
    const templated = task.notify.map((n) => ctx.templar.isTemplated(n));
    const notify = task.notify.map((n, i) => (templated[i] ? String(render(n)) : n));
    // Literal names were checked before the run; only rendered ones are checked here.
    const unknown = notify.find((n, i) => templated[i] && !ctx.handlers.some((x) => handlerNames(x).includes(n)));
    if (unknown !== undefined) {
      return { task: resolved, notify: [], error: `${HANDLER_NOT_FOUND(unknown)} (notify of ${where(task)})` };
    }
    return { task: resolved, notify };
  } catch (e) {
    // What no_log was to hide stays hidden when it cannot be rendered.
    const error = e instanceof UserError ? e.toString() : `${(e as Error).message} in ${where(task)}`;
    return { task: { ...task, parsed: task, ignoreErrors: false, noLog: task.noLog !== false, checkMode: undefined }, notify: [], error };
  }
}

/** Runs a task on a host with loop and when, records stats, registers, notifies, emits events. */
export async function runTask(ctx: PlayContext, h: HostState, original: Task): Promise<Outcome> {
  const started = Date.now();
  const { task, notify, error } = resolve(ctx, h, original);
  const name = displayName(task);
  const emit: Emit = (out, item, loop) =>
    ctx.emit({
      kind: 'host_result', host: h.name, task: name, taskId: taskId(task), module: task.module.name, status: out.status, changed: Boolean(out.result.changed),
      ignored: (out.status === 'failed' && task.ignoreErrors) || (out.status === 'unreachable' && ctx.play.ignoreUnreachable),
      item, loop, delegate: out.delegate, unpredictable: out.unpredictable, msg: task.noLog ? undefined : out.result.msg,
      diff: task.noLog || !(task.diff ?? ctx.play.diff ?? ctx.settings.diff) ? undefined : out.diff, durationMs: Date.now() - started,
      result: task.noLog ? hidden(out.result) : out.result, noLog: task.noLog,
    });
  let out: Outcome;
  if (error !== undefined) {
    out = failed(error);
    emit(out);
  } else if (task.loop === undefined) {
    out = await runItem(ctx, h, task, []);
    emit(out);
  } else out = await runLoop(ctx, h, task, emit);
  settle(ctx, h, task, out, notify);
  return out;
}

/**
 * The handlers a notification reaches, as ansible-core 2.14 finds them: by name (or `role :
 * name`), the last handler loaded with that name; by topic, every handler that listens to it
 * (one per name).
 */
function notified(handlers: Task[], name: string): Task[] {
  const named = [...handlers].reverse().find((x) => x.name !== undefined && handlerNames(x).slice(0, x.role ? 2 : 1).includes(name));
  const seen = new Set<string | undefined>();
  const listening = handlers.filter((x) => x.listen.includes(name) && !(x.name !== undefined && seen.has(x.name)) && seen.add(x.name));
  return [...(named ? [named] : []), ...listening];
}

/** What an outcome leaves on the host: the registered result, the stats, the handlers notified. */
function settle(ctx: PlayContext, h: HostState, task: Resolved, out: Outcome, notify: string[]): void {
  // Results are data: a registered stdout containing `{{` is never templated. An unreachable host registers nothing.
  if (task.register && out.status !== 'unreachable') h.hostFacts[task.register] = markUnsafe(out.result);
  // What a rescue reads about the failure it handles, as Ansible sets it.
  if (out.status === 'failed' && !task.ignoreErrors && h.rescuable > 0) {
    h.hostFacts.ansible_failed_task = { name: task.name ?? '', action: task.action, args: task.args };
    h.hostFacts.ansible_failed_result = markUnsafe(out.result);
  }
  count(h, out, { errors: task.ignoreErrors, unreachable: ctx.play.ignoreUnreachable ?? false });
  ctx.settings.planner?.settled(ctx, h, task, out);
  if ((h.failed || h.unreachable) && h.failedAt === undefined) h.failedAt = displayName(task);
  // Ignored failures notify no handler.
  if (out.status === 'changed') for (const n of notify) for (const handler of notified(ctx.handlers, n)) h.notified.add(handler);
}
