/**
 * include_tasks and include_role, decided per host when the task runs: the `when` and loop of
 * the include itself, the file or role named (templated for each host and item), then the hosts
 * that include the same thing with the same item grouped, in the order Ansible's
 * IncludedFile.process_include_results gives (host by host, item by item). What is included
 * is read here, with the keywords of the blocks around the include, its vars and loop variable,
 * and its `apply`; a problem in it fails the hosts that included it.
 */
import { UserError, UserErrors } from '../core/errors.js';
import { findTaskFile, type ParseCtx, parseFile, roleReader, taskFileCandidates } from '../playbook/entries.js';
import { loopItems } from '../playbook/loops.js';
import { readRoleNow } from '../playbook/roles.js';
import { asBool, Collector, inside, isObj, type Obj } from '../playbook/task.js';
import { displayName, type Entry, type Scope, type Task } from '../playbook/types.js';
import { dirname } from 'node:path';
import { loopVars } from './args.js';
import { evalAll } from './conditions.js';
import { type PlayContext, taskVars } from './context.js';
import type { HostState } from './host.js';
import { failed, type Outcome, skipped } from './result.js';
import { count } from './stats.js';
import { itemLabel } from './task.js';
import type { Vars } from './vars.js';

export interface Inclusion {
  /** The task file's path, or the role's name, as rendered. */
  what: string;
  hosts: HostState[];
  /** The loop variables of the item that included it (empty without a loop). */
  loop: Vars;
  label?: string;
  /** include_role's options, rendered. */
  args: Obj;
}

function report(ctx: PlayContext, h: HostState, task: Task, out: Outcome, item?: string): void {
  if (item === undefined) count(h, out, { errors: task.ignoreErrors === true, unreachable: false });
  if (h.failed && h.failedAt === undefined) h.failedAt = displayName(task);
  ctx.emit({
    kind: 'host_result', host: h.name, task: displayName(task), module: task.module.name, status: out.status, changed: false,
    ignored: out.status === 'failed' && task.ignoreErrors === true, item, msg: out.result.msg, durationMs: 0, result: out.result, noLog: false,
  });
}

/** What one host includes, item by item; skips and failures are reported (and counted) here. */
function forHost(ctx: PlayContext, h: HostState, task: Task): { what: string; loop: Vars; label?: string; args: Obj }[] {
  const out: { what: string; loop: Vars; label?: string; args: Obj }[] = [];
  const where = `${displayName(task)} (${task.pos.file}:${task.pos.line})`;
  try {
    const looped = task.loop !== undefined;
    const items = looped ? loopItems(task.loopWith, ctx.templar.template(task.loop, taskVars(ctx, h, task), task.pos), dirname(task.pos.file)) : [undefined];
    let skips = 0;
    for (const [i, item] of items.entries()) {
      const lv = looped ? loopVars(task, item, i, items) : {};
      const vars = taskVars(ctx, h, task, [lv]);
      const label = looped ? itemLabel(task, item, ctx, vars) : undefined;
      const when = evalAll(ctx, task, task.when, vars);
      if (!when.ok) {
        skips++;
        report(ctx, h, task, skipped({ skip_reason: 'Conditional result was False', false_condition: when.failedOn }), label);
        continue;
      }
      const args = ctx.templar.template(task.args, vars, task.pos) as Obj;
      if (task.module.name === 'include_role') out.push({ what: String(args.name), loop: lv, label, args });
      else {
        const name = String(args.file ?? args._raw_params);
        const path = findTaskFile(name, task.pos.file, task.scope, ctx.play.dir);
        if (!path) throw new UserError(`Could not find or access '${name}': looked for ${taskFileCandidates(name, task.pos.file, task.scope, ctx.play.dir).join(', ')}`, task.pos);
        out.push({ what: path, loop: lv, label, args });
      }
    }
    if (looped && (items.length === 0 || skips === items.length)) report(ctx, h, task, skipped({ skipped_reason: items.length ? 'All items skipped' : 'No items in the list' }));
  } catch (e) {
    report(ctx, h, task, failed(e instanceof UserError ? e.toString() : `${(e as Error).message} in ${where}`));
    return [];
  }
  return out;
}

/** The include's groups: the hosts that include the same file (or role) with the same item. */
export function inclusions(ctx: PlayContext, task: Task, hosts: HostState[]): Inclusion[] {
  const groups = new Map<string, Inclusion>();
  for (const h of hosts) {
    for (const one of forHost(ctx, h, task)) {
      const key = JSON.stringify([one.what, one.loop, one.args]);
      const g = groups.get(key);
      if (g) g.hosts.push(h);
      else groups.set(key, { ...one, hosts: [h] });
    }
  }
  return [...groups.values()];
}

/** The scope of what an include brings in: the blocks around it, its vars and item, its `apply`. */
function includedScope(task: Task, g: Inclusion): Scope {
  const base: Scope = { ...task.scope, vars: { ...task.vars, ...g.loop } };
  return isObj(g.args.apply) ? inside(base, g.args.apply) : base;
}

/** Reads what a group includes; a role's handlers join the play's, a public role's variables too. */
export function readIncluded(ctx: PlayContext, task: Task, g: Inclusion): Entry[] {
  const pc: ParseCtx = {
    c: new Collector(),
    pbDir: ctx.play.dir,
    rolesPath: ctx.playbook.rolesPath,
    stack: [],
    play: { handlers: [], defaults: {}, vars: {} },
    warnings: [],
  };
  const scope = includedScope(task, g);
  let entries: Entry[];
  if (task.module.name === 'include_tasks') entries = parseFile(g.what, pc, scope);
  else {
    const a = g.args;
    const str = (k: string) => (a[k] === undefined ? undefined : String(a[k]));
    const spec = {
      name: g.what, tasksFrom: str('tasks_from'), varsFrom: str('vars_from'), defaultsFrom: str('defaults_from'), handlersFrom: str('handlers_from'),
      // include_role runs its role again unless told not to (Ansible's default).
      allowDuplicates: asBool(a.allow_duplicates) ?? true,
      vars: {}, params: {}, pos: task.pos,
    };
    const role = readRoleNow(spec, roleReader(pc), scope);
    entries = role ? [role.block] : [];
    ctx.handlers.push(...pc.play.handlers);
    if (role && asBool(a.public)) {
      Object.assign(ctx.roleDefaults, role.loaded.exportDefaults);
      Object.assign(ctx.roleVars, role.loaded.exportVars);
    }
  }
  if (pc.c.errors.length) throw new UserErrors(pc.c.errors);
  return entries;
}
