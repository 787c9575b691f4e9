/**
 * The linear strategy's walk through a play's task lists, in the order ansible-core 2.14 runs
 * them: each task on every host that reached it, in parallel (bounded by forks), before the next.
 * A block runs its tasks, then its `rescue` for the hosts that failed in them, then its `always`
 * for every host that entered it; the order is the order of the tasks in the file, as Ansible's
 * lockstep over its flattened task list gives. `meta` tasks act on the run here.
 */
import pLimit from 'p-limit';
import type { MetaAction } from '../../modules/meta/index.js';
import { formatPos, UserError, UserErrors } from '../core/errors.js';
import { type Block, displayName, type Entry, type Task, taskId, tasksOf } from '../playbook/types.js';
import { evalAll } from './conditions.js';
import { type PlayContext, type RunSettings, taskVars } from './context.js';
import type { HostState } from './host.js';
import { inclusions, readIncluded } from './include.js';
import { failed } from './result.js';
import { count } from './stats.js';
import { runTask } from './task.js';
import { fnmatch } from '../core/fnmatch.js';
import { boolean } from '../py/bool.js';
import { markUnsafe } from '../template/index.js';

/**
 * The tags filter, as ansible-core 2.14's Taggable.evaluate_tags: an untagged task counts as
 * tagged `untagged`; `always` runs unless skipped by name (or `all` with `always`), `never`
 * only when asked for by name; `tagged` in --tags or --skip-tags means any tag but those.
 */
export function selected(s: RunSettings, taskTags: string[]): boolean {
  const untagged = taskTags.length === 0;
  const tags = new Set(untagged ? ['untagged'] : taskTags);
  const has = (t: string) => tags.has(t);
  const only = s.tags.length ? s.tags : ['all'];
  const run = has('always') || (only.includes('all') && !has('never')) || only.some(has) || (only.includes('tagged') && !untagged && !has('never'));
  if (!run || s.skipTags.length === 0) return run;
  if (s.skipTags.includes('all')) return has('always') && !s.skipTags.includes('always');
  return !s.skipTags.some(has) && !(s.skipTags.includes('tagged') && !untagged);
}

/** Includes nested deeper than this fail (a file including itself forever). */
const MAX_DEPTH = 64;

/** How long the hosts that finished a task wait before tsplay says which hosts they wait for. */
const WAIT_NOTICE_MS = 10_000;

/** Meta actions that act once for the play (the first host decides), as Ansible runs them. */
const ONCE: readonly MetaAction[] = ['end_play', 'end_batch', 'clear_host_errors', 'clear_facts', 'refresh_inventory'];

export class Linear {
  readonly limit: ReturnType<typeof pLimit>;
  /** A `meta: end_play` ran: nothing more of this play runs. */
  ended = false;
  /** Hosts a `meta: end_host` took out of the play (they did not fail). */
  endedHosts = 0;
  /** Why the batch stopped early: a failure under any_errors_fatal, or past max_fail_percentage (Ansible then says NO MORE HOSTS LEFT). */
  stop?: 'fatal' | 'budget';
  /** The keys of the role blocks being walked, innermost last. */
  private roles: string[] = [];
  /** How many includes deep the walk is. */
  private depth = 0;
  /** The task lists being walked (the section, then what includes brought), flattened: where look-ahead finds the tasks to come. */
  private lists: Task[][] = [];

  /** `limit`: the forks limiter, shared by the walks of strategy free (one per host). */
  constructor(
    private ctx: PlayContext,
    limit?: ReturnType<typeof pLimit>,
  ) {
    this.limit = limit ?? pLimit(Math.max(1, ctx.settings.forks));
  }

  /** Still running this play: not failed, not unreachable, not ended. */
  running(h: HostState): boolean {
    return !h.failed && !h.unreachable && this.ctx.active.includes(h);
  }

  /**
   * Drops the hosts that failed or became unreachable: all of them, once one failed, under
   * any_errors_fatal; and once more of the batch failed than max_fail_percentage allows (as
   * Ansible: failed > the percentage of the batch), the rest are failed too and the play stops.
   */
  prune(): void {
    const { ctx } = this;
    const fatal = ctx.play.anyErrorsFatal && ctx.active.some((h) => h.failed);
    ctx.active = fatal ? [] : ctx.active.filter((h) => !h.failed && !h.unreachable);
    if (fatal) this.stop ??= 'fatal';
    const pct = this.maxFail();
    if (pct === undefined || this.stop || ctx.batch.length === 0) return;
    if ((ctx.batch.filter((h) => h.failed).length / ctx.batch.length) * 100 > pct) {
      this.stop = 'budget';
      for (const h of ctx.active) h.failed = true;
      ctx.active = [];
      ctx.emit({ kind: 'no_hosts_left' });
    }
  }

  private maxFail(): number | undefined {
    const v = this.ctx.play.maxFailPercentage;
    if (v === undefined) return undefined;
    return Number(typeof v === 'string' ? this.ctx.templar.template(v, { ...this.ctx.playVars, ...this.ctx.settings.extraVars }, this.ctx.play.pos) : v);
  }

  /** The task and those after it in the innermost list being walked that holds it: the candidates for probe batching. */
  following(task: Task): Task[] {
    const t = task.parsed ?? task;
    for (let i = this.lists.length - 1; i >= 0; i--) {
      const at = this.lists[i]!.indexOf(t);
      if (at >= 0) return [task, ...this.lists[i]!.slice(at + 1)];
    }
    return [];
  }

  /** Walks `entries` with their tasks known to look-ahead. */
  private async walking<T>(entries: Entry[], fn: () => Promise<T>): Promise<T> {
    const { settings, play } = this.ctx;
    this.lists.push(tasksOf(entries).filter((t) => selected(settings, [...play.tags, ...t.tags])));
    try {
      return await fn();
    } finally {
      this.lists.pop();
    }
  }

  /** A section (pre_tasks, tasks, post_tasks): each top-level entry, then the handlers it notified. */
  async section(entries: Entry[], only?: HostState): Promise<void> {
    const hosts = () => (only ? this.ctx.active.filter((h) => h === only) : this.ctx.active);
    await this.walking(entries, async () => {
      for (const e of entries) {
        if (hosts().length === 0 || this.ended) break;
        await this.entries([e], hosts());
        this.prune();
      }
    });
    for (const h of hosts()) h.probes.clear();
    await this.flushHandlers(hosts());
    this.prune();
  }

  async entries(list: Entry[], hosts: HostState[]): Promise<void> {
    for (const e of list) {
      const live = hosts.filter((h) => this.running(h));
      if (live.length === 0 || this.ended) return;
      if (e.kind === 'block') await this.block(e, live);
      else if (selected(this.ctx.settings, [...this.ctx.play.tags, ...e.tags]) && (await this.wanted(e))) {
        if (e.module.name === 'meta') await this.meta(e, live);
        else if (e.module.name === 'include_tasks' || e.module.name === 'include_role') await this.include(e, live);
        else await this.task(e, live);
      }
    }
  }

  /**
   * --start-at-task and --step, as ansible-playbook has them: until a task's name matches the
   * glob, tasks are skipped without a word (for every play, the run's state); then each task is
   * asked for, unless the answer was `c`. Meta tasks are never asked for.
   */
  private async wanted(task: Task): Promise<boolean> {
    const { flow } = this.ctx;
    if (flow.startAt !== undefined) {
      // As Ansible: a task is found by its name (or `role : name`); an unnamed one never matches.
      const names = task.name === undefined ? [] : [task.name, displayName(task)];
      if (!names.some((n) => fnmatch(flow.startAt!, n))) return false;
      flow.startAt = undefined;
    }
    if (!flow.step || task.module.name === 'meta') return true;
    const answer = await flow.step(displayName(task));
    if (answer === 'c') flow.step = undefined;
    return answer !== 'n';
  }

  /** A block; a role's block (`once`) only for the hosts that did not run that role yet in this play. */
  private async block(b: Block, hosts: HostState[]): Promise<void> {
    if (b.once) {
      const key = b.once;
      hosts = hosts.filter((h) => !this.ctx.rolesRun.get(h)?.has(key));
      if (hosts.length === 0) return;
      this.roles.push(key);
      try {
        await this.blockFor(b, hosts);
      } finally {
        this.roles.pop();
      }
    } else await this.blockFor(b, hosts);
  }

  /**
   * A failure in the tasks of a block with a rescue counts as `rescued`, not `failed` (stats.ts,
   * as Ansible counts it when any enclosing block will rescue it); the host then runs the rescue.
   * `always` runs for every host that entered, failed or not; a host still failed after it
   * stays failed and leaves the enclosing lists.
   */
  private async blockFor(b: Block, hosts: HostState[]): Promise<void> {
    const rescues = b.rescue.length > 0;
    if (rescues) for (const h of hosts) h.rescuable++;
    try {
      await this.entries(b.block, hosts);
    } finally {
      if (rescues) for (const h of hosts) h.rescuable--;
    }
    const failedHere = hosts.filter((h) => h.failed && !h.unreachable);
    if (rescues && failedHere.length) {
      for (const h of failedHere) h.failed = false;
      await this.entries(b.rescue, failedHere);
    }
    if (b.always.length === 0) return;
    const stillFailed = hosts.filter((h) => h.failed);
    for (const h of stillFailed) h.failed = false;
    try {
      await this.entries(b.always, hosts);
    } finally {
      for (const h of stillFailed) h.failed = true;
    }
  }

  /**
   * The banner's name: a templated name rendered with the first host's variables, as Ansible
   * does (left as written when it cannot be), `role : name` in a role.
   */
  private banner(task: Task, h: HostState | undefined, name = task.name): string {
    let shown = name ?? task.action;
    if (name !== undefined && h && this.ctx.templar.isTemplated(name)) {
      try {
        shown = String(this.ctx.templar.template(name, taskVars(this.ctx, h, task), task.pos));
      } catch {
        shown = name;
      }
    }
    return task.role ? `${task.role.name} : ${shown}` : shown;
  }

  private async task(task: Task, hosts: HostState[], handler = false): Promise<void> {
    // The host ran a task of this role: it will not run the role again in this play.
    const role = this.roles.at(-1);
    if (role && !handler) for (const h of hosts) this.ctx.rolesRun.set(h, (this.ctx.rolesRun.get(h) ?? new Set()).add(role));
    this.ctx.emit({ kind: 'task_start', name: this.banner(task, hosts[0]), module: task.module.name, handler, file: task.pos.file, line: task.pos.line, taskId: taskId(task) });
    if (!this.once(task, hosts[0]!)) {
      await this.onAll(hosts, (h) => runTask(this.ctx, h, task).then(() => undefined), this.throttle(task, hosts[0]!));
      return;
    }
    // run_once, as ansible-core 2.14: the first host runs it; its result is registered (and a
    // set_fact's facts set) on every host, and its failure fails them all (counted on it only)
    // and stops the play as any_errors_fatal does.
    const [first, ...others] = hosts;
    const out = await runTask(this.ctx, first!, task);
    if (first!.failed && out.status === 'failed') this.stop ??= 'fatal';
    for (const h of others) {
      if (task.register && out.status !== 'unreachable') h.hostFacts[task.register] = markUnsafe(out.result);
      if (task.module.name === 'set_fact' && out.result.ansible_facts) Object.assign(h.hostFacts, out.result.ansible_facts);
      if (first!.failed && out.status === 'failed') h.failed = true;
    }
  }

  /** throttle: at most that many hosts at once (within forks); 0 or none is forks alone. */
  private throttle(task: Task, h: HostState): ReturnType<typeof pLimit> | undefined {
    if (task.throttle === undefined) return undefined;
    const n = Number(typeof task.throttle === 'string' ? this.ctx.templar.template(task.throttle, taskVars(this.ctx, h, task), task.pos) : task.throttle);
    return Number.isInteger(n) && n > 0 && n < this.ctx.settings.forks ? pLimit(n) : undefined;
  }

  /** Whether run_once holds (a template is rendered with the first host's variables). */
  private once(task: Task, h: HostState): boolean {
    if (typeof task.runOnce === 'boolean') return task.runOnce;
    return boolean(this.ctx.templar.template(task.runOnce, taskVars(this.ctx, h, task), task.pos), false);
  }

  /**
   * include_tasks and include_role: what each host includes is decided first (include.ts), then
   * each group's tasks run on its hosts, one group after the other. include_tasks says
   * `included: FILE for HOSTS` for each group, counted ok, as Ansible does; include_role says
   * nothing. An include nested deeper than MAX_DEPTH fails: a file that includes itself
   * without end would otherwise never stop.
   */
  private async include(task: Task, hosts: HostState[]): Promise<void> {
    const { ctx } = this;
    const name = task.name ?? (task.module.name === 'include_role' ? `${task.action} : ${String(task.args.name)}` : task.action);
    ctx.emit({ kind: 'task_start', name: this.banner(task, hosts[0], name), module: task.module.name, handler: false, file: task.pos.file, line: task.pos.line });
    const groups = inclusions(ctx, task, hosts);
    if (task.module.name === 'include_tasks') {
      for (const g of groups) {
        ctx.emit({ kind: 'included', file: g.what, hosts: g.hosts.map((h) => h.name), item: g.label });
        for (const h of g.hosts) count(h, { status: 'ok', result: { changed: false } }, { errors: false, unreachable: false });
      }
    }
    for (const g of groups) {
      let entries: Entry[];
      try {
        if (this.depth >= MAX_DEPTH) throw new Error(`includes nested more than ${MAX_DEPTH} deep at ${formatPos(task.pos)}: does '${g.what}' include itself without end?`);
        entries = readIncluded(ctx, task, g);
      } catch (e) {
        const msg = e instanceof UserErrors || e instanceof UserError ? e.toString() : (e as Error).message;
        for (const h of g.hosts) this.fail(task, h, msg);
        continue;
      }
      this.depth++;
      try {
        await this.walking(entries, () => this.entries(entries, g.hosts));
      } finally {
        this.depth--;
      }
    }
  }

  /** A host fails a task without running it (what it includes cannot be read). */
  private fail(task: Task, h: HostState, msg: string): void {
    const out = failed(msg);
    count(h, out, { errors: task.ignoreErrors === true, unreachable: false });
    if (h.failed && h.failedAt === undefined) h.failedAt = displayName(task);
    this.ctx.emit({
      kind: 'host_result', host: h.name, task: displayName(task), module: task.module.name, status: 'failed', changed: false,
      ignored: task.ignoreErrors === true, msg, durationMs: 0, result: out.result, noLog: false,
    });
  }

  /**
   * A meta task, as ansible-core 2.14's strategy runs it: its banner once per host it acts for
   * (once in all for those that act on the whole play), its `when` judged per host, a skip
   * shown but never counted.
   */
  private async meta(task: Task, hosts: HostState[]): Promise<void> {
    const { ctx } = this;
    const action = String(task.args.free_form) as MetaAction;
    if (['noop', 'refresh_inventory'].includes(action) && task.when.length) ctx.emit({ kind: 'warning', msg: `${action} task does not support when conditional` });
    const flush: HostState[] = [];
    for (const h of hosts) {
      ctx.emit({ kind: 'task_start', name: this.banner(task, h), module: 'meta', handler: false, file: task.pos.file, line: task.pos.line });
      let holds: boolean;
      try {
        holds = ['noop', 'refresh_inventory'].includes(action) || evalAll(ctx, task, task.when, taskVars(ctx, h, task)).ok;
      } catch (e) {
        const msg = e instanceof UserError ? e.toString() : (e as Error).message;
        ctx.emit({ kind: 'warning', msg: `meta: ${action} on ${h.name}: ${msg}` });
        holds = false;
      }
      if (!holds) {
        const result = { changed: false, skipped: true, skip_reason: `${action} conditional evaluated to False` };
        ctx.emit({ kind: 'host_result', host: h.name, task: displayName(task), module: 'meta', status: 'skipped', changed: false, ignored: false, durationMs: 0, result, noLog: false });
      } else if (action === 'flush_handlers') flush.push(h);
      else if (action === 'end_host') {
        ctx.active = ctx.active.filter((x) => x !== h);
        ctx.removed.add(h);
        this.endedHosts++;
      }
      else if (action === 'end_play' || action === 'end_batch') {
        ctx.active = [];
        this.ended = true;
      } else if (action === 'clear_host_errors') {
        for (const x of ctx.playHosts) x.failed = false;
      } else if (action === 'clear_facts') {
        for (const x of ctx.playHosts) {
          x.facts = undefined;
          x.factVars = {};
        }
      }
      if (ONCE.includes(action)) break;
    }
    if (flush.length) await this.flushHandlers(flush);
  }

  /** Runs the handlers notified on `hosts`, in definition order; a handler may notify a later one. */
  async flushHandlers(hosts: HostState[]): Promise<void> {
    for (const handler of this.ctx.handlers) {
      const notified = hosts.filter((h) => this.running(h) && h.notified.has(handler));
      if (notified.length === 0) continue;
      for (const h of notified) h.notified.delete(handler);
      await this.task(handler, notified, true);
    }
    for (const h of hosts) if (this.running(h)) h.notified.clear();
  }

  /**
   * Runs fn on every host, at most forks (and `throttle`) at once. Linear strategy: every host waits for the
   * slowest; say which ones, so a host timing out (an unreachable one takes its keepalive time)
   * does not look like a hung run.
   */
  async onAll(hosts: HostState[], fn: (h: HostState) => Promise<void>, throttle?: ReturnType<typeof pLimit>): Promise<void> {
    const pending = new Set(hosts.map((h) => h.name));
    const started = Date.now();
    const notice = setInterval(() => {
      if (pending.size === 0 || pending.size === hosts.length) return;
      const s = Math.round((Date.now() - started) / 1000);
      this.ctx.emit({ kind: 'warning', msg: `waiting for ${[...pending].join(', ')} (${s} s): the other hosts go on when it is done` });
    }, WAIT_NOTICE_MS);
    try {
      const run = (h: HostState) => this.limit(() => fn(h));
      await Promise.all(hosts.map((h) => (throttle ? throttle(() => run(h)) : run(h)).finally(() => pending.delete(h.name))));
    } finally {
      clearInterval(notice);
    }
  }
}
