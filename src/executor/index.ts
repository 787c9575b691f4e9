/**
 * A run: for each play of each playbook, its hosts, their facts, then its sections (pre_tasks,
 * roles and tasks, post_tasks) walked by the linear strategy (strategy.ts), each task on every
 * active host in parallel (bounded by forks), handlers at the end of each section. A failed or
 * unreachable host leaves the play; the others carry on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Sink } from '../output/events.js';
import { loadYamlFile } from '../playbook/yaml.js';
import { type Play, type Playbook, type Task, tasksOf } from '../playbook/types.js';
import type { Templar } from '../template/index.js';
import { UnreachableError } from '../transport/index.js';
import { gatherFacts } from './connect.js';
import { writeCachedFacts } from '../facts/cache.js';
import type { PlayContext, RunContext, RunSettings } from './context.js';
import { HostState } from './host.js';
import { failed, type Outcome, unreachable } from './result.js';
import { count } from './stats.js';
import { batches, hostCount, ordered } from './batches.js';
import { RolloutState } from './resume.js';
import { Linear } from './strategy.js';
import type { Vars } from './vars.js';

export type { RunSettings } from './context.js';

export interface RunSummary {
  exitCode: 0 | 2 | 4;
  hosts: Map<string, HostState>;
}

async function loadVarsFiles(play: Play, templar: Templar, extra: Vars): Promise<Vars> {
  const out: Vars = {};
  for (const f of play.varsFiles) {
    const name = String(templar.template(f, { ...play.vars, ...extra }, play.pos));
    const path = isAbsolute(name) ? name : join(play.dir, name);
    const data = loadYamlFile(path);
    if (data === null || data === undefined) continue;
    if (typeof data !== 'object' || Array.isArray(data)) throw new UserError(`vars_files entry ${path} must hold a mapping of variables`, { file: path, line: 1 });
    Object.assign(out, data);
  }
  return out;
}

/** max_fail_total as a number of hosts: N, or N% of the play's hosts (rounded down). */
function failBudget(play: Play, value: unknown, hosts: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  // A budget of none would stop every rollout after its first batch: at least one failure.
  return Math.max(1, hostCount(value, hosts, 'max_fail_total', play.pos));
}

export class Runner {
  private ctx: RunContext;
  private started = Date.now();

  /** Hosts a max_fail_total stop left unstarted: the retry file lists them. */
  private unstarted = new Set<string>();
  /** A batch failed whole, or past max_fail_percentage: the rest of the playbook does not run. */
  private stopped = false;
  /** Every host whose state was asked for: the run's, hostvars', delegates'. */
  private known = new Map<string, HostState>();

  constructor(inventory: Inventory, templar: Templar, settings: RunSettings, emit: Sink) {
    const known = this.known;
    this.ctx = {
      inventory,
      templar,
      settings,
      emit,
      hosts: new Map(),
      flow: { startAt: settings.startAtTask, step: settings.step },
      host: (name, vars) => {
        let h = known.get(name);
        if (!h) known.set(name, (h = new HostState(name, vars ?? inventory.hostVars(name))));
        return h;
      },
    };
  }

  /** A host the run works on: it appears in the recap. */
  private host(name: string): HostState {
    const h = this.ctx.host(name);
    this.ctx.hosts.set(name, h);
    return h;
  }

  async run(playbooks: Playbook[]): Promise<RunSummary> {
    try {
      for (const pb of playbooks) {
        this.ctx.emit({ kind: 'playbook_start', file: pb.file, check: this.ctx.settings.check });
        for (const msg of pb.warnings) this.ctx.emit({ kind: 'warning', msg, deprecation: true });
        this.stopped = false;
        // A rollout (a serial play) keeps its state for --resume; a render changes nothing to resume.
        const { resume, check, render } = this.ctx.settings;
        const rollout = pb.plays.some((p) => p.serial !== undefined);
        const state = (rollout && !check && !render) || resume ? RolloutState.open(pb.file, Boolean(resume), !check) : undefined;
        for (const [i, play] of pb.plays.entries()) {
          if (this.stopped) break;
          await this.runPlay(pb, play, i + 1, state);
        }
      }
    } finally {
      // Delegates too: they are known without being worked on.
      await Promise.all([...this.known.values()].map((h) => h.transport?.close()));
    }
    this.writeRetryFile();
    if (this.ctx.flow.startAt !== undefined) {
      this.ctx.emit({ kind: 'warning', error: true, msg: `No matching task "${this.ctx.flow.startAt}" found. Note: --start-at-task can only follow static includes.` });
    }
    // As Ansible's recap: the hosts something was counted for (not those that only met meta tasks, or nothing).
    const counted = [...this.ctx.hosts.values()].filter((h) => Object.values(h.stats).some((n) => n > 0));
    const stats = Object.fromEntries(counted.map((h) => [h.name, h.stats]));
    const roundTrips = Object.fromEntries([...this.ctx.hosts.values()].map((h) => [h.name, h.transport?.roundTrips ?? 0]));
    this.ctx.emit({ kind: 'recap', stats, roundTrips, durationMs: Date.now() - this.started });
    const hosts = [...this.ctx.hosts.values()];
    // From the hosts' state, not their counts: a failure that meta: clear_host_errors forgave is no failure, as in Ansible.
    const exitCode = hosts.some((h) => h.unreachable) ? 4 : hosts.some((h) => h.failed) ? 2 : 0;
    return { exitCode, hosts: this.ctx.hosts };
  }

  /**
   * The retry file, as ansible-playbook writes it: the hosts that failed or were unreachable,
   * sorted, one a line, for `--limit @FILE`; tsplay adds those a max_fail_total stop left
   * unstarted, which a retry must reach too.
   */
  private writeRetryFile(): void {
    const file = this.ctx.settings.retryFile;
    if (!file) return;
    const hosts = new Set([...this.ctx.hosts.values()].filter((h) => h.failed || h.unreachable).map((h) => h.name));
    for (const n of this.unstarted) hosts.add(n);
    if (hosts.size === 0) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, [...hosts].sort().map((h) => `${h}\n`).join(''));
    this.ctx.emit({ kind: 'retry_file', path: file });
  }

  /**
   * A play: its hosts in `order`, cut into `serial` batches, each run as Ansible runs one (its
   * PLAY banner, facts, sections and handlers). A batch whose hosts all failed, or one past
   * max_fail_percentage, stops the playbook: later batches and plays do not start.
   */
  private async runPlay(pb: Playbook, play: Play, n: number, state?: RolloutState): Promise<void> {
    const { inventory, settings, templar } = this.ctx;
    const early = { ...play.vars, ...settings.extraVars };
    const pattern = String(templar.template(play.hosts, early, play.pos));
    let names = inventory.select(pattern, play.dir);
    if (settings.limit) {
      const allowed = new Set(inventory.select(settings.limit, process.cwd()));
      names = names.filter((n) => allowed.has(n));
    }
    const playName = play.name ?? pattern;
    if (names.length === 0) {
      this.ctx.emit({ kind: 'play_start', name: playName, hosts: [] });
      this.ctx.emit({ kind: 'warning', msg: `no hosts matched '${pattern}'${settings.limit ? ` with --limit ${settings.limit}` : ''}: skipping play` });
      return;
    }
    names = ordered(names, play.order);
    const playHosts = names.map((n) => this.ctx.host(n));
    // Resumed: the batches as they were cut, without the hosts that finished the play.
    const finished = settings.resume && state ? state.done(n) : new Set<string>();
    const cuts = batches(names, play.serial === undefined ? undefined : templar.template(play.serial, early, play.pos), play.pos)
      .map((c) => c.filter((h) => !finished.has(h)))
      .filter((c) => c.length > 0);
    if (cuts.length === 0) {
      this.ctx.emit({ kind: 'warning', msg: `--resume: every host finished play ${n} (${playName}) in the run resumed` });
      return;
    }
    const playVars = { ...play.vars, ...(await loadVarsFiles(play, templar, settings.extraVars)) };
    const shared = {
      roleDefaults: { ...play.roleDefaults },
      roleVars: { ...play.roleVars },
      roleNames: [...new Set(tasksOf(play.tasks).flatMap((t) => (t.role ? [basename(t.role.path)] : [])))],
      handlers: [...play.handlers],
      removed: new Set<HostState>(),
      rolesRun: new Map<HostState, Set<string>>(),
    };
    const failedBefore = new Set(playHosts.filter((h) => h.failed || h.unreachable));
    const changedBefore = new Map(playHosts.map((h) => [h.name, h.stats.changed]));
    const budget = failBudget(play, templar.template(play.maxFailTotal, early, play.pos), names.length);
    const failedHere = () => playHosts.filter((h) => (h.failed || h.unreachable) && !failedBefore.has(h));
    const pause = play.batchPause === undefined ? 0 : Number(templar.template(play.batchPause, early, play.pos));
    for (const [i, cut] of cuts.entries()) {
      if (i > 0 && pause > 0) await new Promise((r) => setTimeout(r, pause * 1000));
      const batch = cut.map((n) => this.host(n)).filter((h) => !h.failed && !h.unreachable);
      // Look-ahead follows the walk of the host: the batch's, or under strategy free its own.
      const walks = new Map<HostState, Linear>();
      const following = (task: Task, h: HostState) => (walks.get(h) ?? linear).following(task);
      const ctx: PlayContext = { ...this.ctx, ...shared, playbook: pb, play, playVars, playHosts, batch, active: batch, following };
      const linear = new Linear(ctx);
      if (play.strategy === 'free') for (const h of batch) walks.set(h, new Linear(ctx, linear.limit));
      this.ctx.emit({ kind: 'play_start', name: playName, hosts: batch.map((h) => h.name), free: play.strategy === 'free' || undefined });
      const left = budget === undefined ? undefined : Math.max(0, budget - failedHere().length);
      if (cuts.length > 1) this.ctx.emit({ kind: 'batch_start', play: playName, batch: i + 1, of: cuts.length, hosts: batch.map((h) => h.name), budgetLeft: left });
      const go = await this.runBatch(pb, ctx, linear, walks);
      state?.record(n, batch.filter((h) => !h.failed && !h.unreachable).map((h) => h.name), batch.filter((h) => h.failed || h.unreachable).map((h) => h.name));
      const spent = failedHere().length;
      const budgetLeft = budget === undefined ? undefined : Math.max(0, budget - spent);
      if (cuts.length > 1) this.ctx.emit({ kind: 'batch_end', play: playName, batch: i + 1, failed: batch.filter((h) => h.failed || h.unreachable).map((h) => h.name), budgetLeft });
      const overBudget = budget !== undefined && spent >= budget;
      if (go && !overBudget) continue;
      const rest = cuts.slice(i + 1).flat();
      if (rest.length) {
        const reason = overBudget
          ? `max_fail_total ${String(play.maxFailTotal)} reached: ${spent} of the play's ${names.length} hosts failed; no further batch starts`
          : `batch ${i + 1} of ${cuts.length} stopped the play; no further batch starts`;
        const failedHosts = failedHere().map((h) => ({ host: h.name, task: h.failedAt }));
        const done = cuts.slice(0, i + 1).flat().filter((n) => !failedHosts.some((f) => f.host === n) && !failedBefore.has(this.ctx.host(n)));
        const changed = cuts.slice(0, i + 1).flat().filter((n) => this.ctx.host(n).stats.changed > changedBefore.get(n)!).length;
        this.ctx.emit({ kind: 'rollout_stop', play: playName, reason, done, failed: failedHosts, notStarted: rest, changed, budget: overBudget });
        if (overBudget) rest.forEach((n) => this.unstarted.add(n));
      }
      this.stopped = true;
      return;
    }
  }

  /** A host's facts: gathered (and kept in the --facts-cache), or under tsplay render read from its cache. */
  private async gather(ctx: PlayContext, h: HostState): Promise<void> {
    const { render, factsCache } = ctx.settings;
    if (render) return render.factsFor(h);
    await gatherFacts(ctx, h);
    if (factsCache) writeCachedFacts(factsCache, h.name, h.facts!);
  }

  /** One batch; false when the playbook must stop (all its hosts failed, or too many). */
  private async runBatch(pb: Playbook, ctx: PlayContext, linear: Linear, walks: Map<HostState, Linear>): Promise<boolean> {
    const { play } = ctx;
    if (play.gatherFacts && ctx.active.length) {
      this.ctx.emit({ kind: 'task_start', name: 'Gathering Facts', module: 'setup', handler: false, file: pb.file, line: play.pos.line });
      await linear.onAll(ctx.active, async (h) => {
        const started = Date.now();
        let out: Outcome = { status: 'ok', result: { changed: false } };
        try {
          if (!h.facts) await this.gather(ctx, h);
        } catch (e) {
          const msg = (e as Error).message;
          out = e instanceof UnreachableError ? unreachable(msg) : failed(msg);
        }
        const ignored = out.status === 'unreachable' && Boolean(play.ignoreUnreachable);
        count(h, out, { errors: false, unreachable: ignored });
        this.ctx.emit({
          kind: 'host_result', host: h.name, task: 'Gathering Facts', module: 'setup', status: out.status, changed: false, ignored,
          msg: out.result.msg, durationMs: Date.now() - started, result: out.status === 'ok' ? out.result : { changed: false, msg: out.result.msg }, noLog: false,
        });
      });
      linear.prune();
    }
    // The health gate (tsplay's batch_check) runs last, on what the batch's tasks and handlers left.
    // strategy free: a walk of its own for each host, as fast as it goes (forks shared).
    for (const entries of [play.preTasks, play.tasks, play.postTasks, play.batchCheck]) {
      if (walks.size) await Promise.all([...walks].map(([h, walk]) => walk.section(entries, h)));
      else if (ctx.active.length) await linear.section(entries);
      if (walks.size) {
        const all = [...walks.values()];
        linear.ended = all.some((w) => w.ended);
        linear.endedHosts = all.reduce((n, w) => n + w.endedHosts, 0);
        linear.stop = all.find((w) => w.stop)?.stop;
      }
      // Hosts that a meta task ended did not fail: Ansible says nothing.
      if (linear.ended || (ctx.active.length === 0 && linear.endedHosts > 0)) return true;
      // No host left: the playbook stops. Ansible says so only when the stop was any_errors_fatal
      // or max_fail_percentage, not when each host failed on its own.
      if (ctx.active.length === 0) {
        if (linear.stop) this.ctx.emit({ kind: 'no_hosts_left' });
        return false;
      }
    }
    return true;
  }
}
