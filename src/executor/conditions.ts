/** Ansible conditionals: `when`, and `changed_when`/`failed_when` judging a result. */
import type { Task } from '../playbook/types.js';
import { truthy } from '../template/index.js';
import type { PlayContext } from './context.js';
import { fromResult, type Outcome, type TaskResult } from './result.js';
import type { Vars } from './vars.js';

/** `{{ x }}` written around a condition is the same condition (Ansible warns and accepts it). */
export function conditionText(c: string): string {
  const m = /^\s*\{\{(.*)\}\}\s*$/s.exec(c);
  return m ? m[1]! : c;
}

/** An Ansible conditional: the expression's value by Python truthiness (`"False"` is true, `[]` is false). */
export function condition(ctx: PlayContext, task: Task, c: string, vars: Vars): boolean {
  return truthy(ctx.templar.evaluate(conditionText(c), vars, task.pos));
}

/** All conditions hold, or the first that does not. */
export function evalAll(ctx: PlayContext, task: Task, conds: string[], vars: Vars): { ok: boolean; failedOn?: string } {
  const failedOn = conds.find((c) => !condition(ctx, task, c, vars));
  return failedOn === undefined ? { ok: true } : { ok: false, failedOn };
}

/** Applies changed_when / failed_when to one outcome; the result's own keys are visible to them. */
export function judge(ctx: PlayContext, task: Task, out: Outcome, vars: Vars): Outcome {
  if (out.status === 'skipped' || out.status === 'unreachable') return out;
  if (task.changedWhen === undefined && task.failedWhen === undefined) return out;
  const withResult = task.register ? { ...vars, [task.register]: out.result } : vars;
  const r: TaskResult = { ...out.result };
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
  return fromResult(r, out.diff);
}
