/** A task's arguments and controller services as its module sees them, for one host and loop item. */
import { readFile } from 'node:fs/promises';
import { formatPos, UserError } from '../core/errors.js';
import type { ControllerContext } from '../core/module.js';
import { checkArgs } from '../playbook/args.js';
import { findSource, sourceCandidates } from '../playbook/files.js';
import type { Task } from '../playbook/types.js';
import { openFileBytes } from '../vault/context.js';
import { condition } from './conditions.js';
import type { PlayContext } from './context.js';
import type { HostState } from './host.js';
import { dropOmitted, type Vars } from './vars.js';

/** Args as the module sees them: templated, `omit` dropped, checked against the schema (defaults filled). */
export function resolveArgs(ctx: PlayContext, task: Task, vars: Vars): { args: Record<string, unknown>; problem?: string } {
  const args = dropOmitted(ctx.templar.template(task.args, vars, task.pos)) as Record<string, unknown>;
  const problems = checkArgs(task.module, args);
  if (!problems.length) return { args };
  return { args, problem: `${problems.map((p) => p.message + (p.hint ? ` (${p.hint})` : '')).join('; ')} at ${formatPos(task.pos)}` };
}

/** Check mode for the task; a check_mode not yet rendered for the host (runTask renders it) counts as on: it never changes anything. */
export function effectiveCheck(ctx: PlayContext, task: Task): boolean {
  if (ctx.settings.strictCheck) return true;
  if (typeof task.checkMode === 'string') return true;
  return task.checkMode ?? ctx.play.checkMode ?? ctx.settings.check;
}

export function controller(ctx: PlayContext, h: HostState, vars: Vars, task: Task): ControllerContext {
  return {
    findFile(kind, name) {
      const found = findSource(ctx.play.dir, kind, name, task.role?.path);
      if (!found) throw new UserError(`could not find '${name}' in ${sourceCandidates(ctx.play.dir, kind, name, task.role?.path).join(' or ')}`, task.pos);
      return found;
    },
    // copy and template sources may be vaults (Ansible's decrypt: true): decrypted here, tainted.
    readFile: async (p) => openFileBytes(await readFile(p), p),
    render: (text, file) => ctx.templar.render(text, vars, file ? { file } : task.pos),
    evaluate: (expr) => ctx.templar.evaluate(expr, vars, task.pos),
    condition: (expr) => condition(ctx, task, expr, vars),
    vars,
    check: effectiveCheck(ctx, task),
    inventoryHostname: h.name,
  };
}

/**
 * The variables of one loop item, also recorded in its registered result, as Ansible does; with
 * loop_control.extended, `ansible_loop` as Ansible fills it.
 */
export function loopVars(task: Task, item: unknown, index: number, items: unknown[] = []): Vars {
  const { loop_var: v, index_var: iv, extended, allItems } = task.loopControl;
  const out: Vars = { [v]: item, ansible_loop_var: v, ...(iv ? { [iv]: index, ansible_index_var: iv } : {}) };
  if (!extended) return out;
  const n = items.length;
  out.ansible_loop = {
    ...(allItems === false ? {} : { allitems: items }),
    index: index + 1,
    index0: index,
    revindex: n - index,
    revindex0: n - index - 1,
    first: index === 0,
    last: index === n - 1,
    length: n,
    ...(index > 0 ? { previtem: items[index - 1] } : {}),
    ...(index < n - 1 ? { nextitem: items[index + 1] } : {}),
  };
  return out;
}
