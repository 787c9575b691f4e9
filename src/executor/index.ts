/**
 * The linear strategy: for each play, facts then each task on every active host in parallel
 * (bounded by forks), in order; handlers at the end of each section (pre_tasks, tasks,
 * post_tasks) that notified them, in handler definition order. A failed or unreachable host
 * leaves the play; the others carry on.
 */
import pLimit from 'p-limit';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Sink } from '../output/events.js';
import { loadYamlFile } from '../playbook/yaml.js';
import type { Play, Playbook, Task } from '../playbook/types.js';
import type { Templar } from '../template/index.js';
import { UnreachableError } from '../transport/index.js';
import { gatherFacts } from './connect.js';
import type { PlayContext, RunContext, RunSettings } from './context.js';
import { HostState } from './host.js';
import { failed, type Outcome, unreachable } from './result.js';
import { count } from './stats.js';
import { runTask } from './task.js';
import type { Vars } from './vars.js';

export type { RunSettings } from './context.js';

export interface RunSummary {
  exitCode: 0 | 2 | 4;
  hosts: Map<string, HostState>;
}

/** Tags filter as Ansible's: `always` runs unless skipped by name, `never` only when asked for. */
function selected(s: RunSettings, tags: string[]): boolean {
  const has = (t: string) => tags.includes(t);
  if (s.skipTags.some((t) => has(t) || (t === 'all' && !has('always')))) return false;
  if (has('always')) return true;
  if (s.tags.length === 0 || s.tags.includes('all')) return !has('never');
  if (s.tags.includes('tagged') && tags.length > 0) return true;
  if (s.tags.includes('untagged') && tags.length === 0) return true;
  return s.tags.some(has);
}

async function loadVarsFiles(play: Play, pb: Playbook, templar: Templar, extra: Vars): Promise<Vars> {
  const out: Vars = {};
  for (const f of play.varsFiles) {
    const name = String(templar.template(f, { ...play.vars, ...extra }, play.pos));
    const path = isAbsolute(name) ? name : join(pb.dir, name);
    const data = loadYamlFile(path);
    if (data === null || data === undefined) continue;
    if (typeof data !== 'object' || Array.isArray(data)) throw new UserError(`vars_files entry ${path} must hold a mapping of variables`, { file: path, line: 1 });
    Object.assign(out, data);
  }
  return out;
}

/** How long the hosts that finished a task wait before tsplay says which hosts they wait for. */
const WAIT_NOTICE_MS = 10_000;

export class Runner {
  private ctx: RunContext;
  private started = Date.now();

  constructor(inventory: Inventory, templar: Templar, settings: RunSettings, emit: Sink) {
    const known = new Map<string, HostState>();
    this.ctx = {
      inventory,
      templar,
      settings,
      emit,
      hosts: new Map(),
      host: (name) => {
        let h = known.get(name);
        if (!h) known.set(name, (h = new HostState(name, inventory.hostVars(name))));
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
        for (const play of pb.plays) await this.runPlay(pb, play);
      }
    } finally {
      await Promise.all([...this.ctx.hosts.values()].map((h) => h.transport?.close()));
    }
    const stats = Object.fromEntries([...this.ctx.hosts.values()].map((h) => [h.name, h.stats]));
    const roundTrips = Object.fromEntries([...this.ctx.hosts.values()].map((h) => [h.name, h.transport?.roundTrips ?? 0]));
    this.ctx.emit({ kind: 'recap', stats, roundTrips, durationMs: Date.now() - this.started });
    const hosts = [...this.ctx.hosts.values()];
    const exitCode = hosts.some((h) => h.stats.unreachable > 0) ? 4 : hosts.some((h) => h.stats.failed > 0) ? 2 : 0;
    return { exitCode, hosts: this.ctx.hosts };
  }

  private async runPlay(pb: Playbook, play: Play): Promise<void> {
    const { inventory, settings, templar } = this.ctx;
    const pattern = String(templar.template(play.hosts, { ...play.vars, ...settings.extraVars }, play.pos));
    let names = inventory.select(pattern, pb.dir);
    if (settings.limit) {
      const allowed = new Set(inventory.select(settings.limit, process.cwd()));
      names = names.filter((n) => allowed.has(n));
    }
    const playName = play.name ?? pattern;
    const ctx: PlayContext = {
      ...this.ctx,
      playbook: pb,
      play,
      playVars: { ...play.vars, ...(await loadVarsFiles(play, pb, templar, settings.extraVars)) },
      active: names.map((n) => this.host(n)).filter((h) => !h.failed && !h.unreachable),
      following: (task) => {
        const i = section.indexOf(task.parsed ?? task);
        return i < 0 ? [] : [task, ...section.slice(i + 1)];
      },
    };
    let section: Task[] = [];
    this.ctx.emit({ kind: 'play_start', name: playName, hosts: ctx.active.map((h) => h.name) });
    if (names.length === 0) {
      this.ctx.emit({ kind: 'warning', msg: `no hosts matched '${pattern}'${settings.limit ? ` with --limit ${settings.limit}` : ''}: skipping play` });
      return;
    }
    const limit = pLimit(Math.max(1, settings.forks));
    const onAll = async (hosts: HostState[], fn: (h: HostState) => Promise<void>) => {
      // Linear strategy: every host waits for the slowest. Say which ones, so a host timing out
      // (an unreachable one takes its keepalive time) does not look like a hung run.
      const pending = new Set(hosts.map((h) => h.name));
      const started = Date.now();
      const notice = setInterval(() => {
        if (pending.size === 0 || pending.size === hosts.length) return;
        const s = Math.round((Date.now() - started) / 1000);
        this.ctx.emit({ kind: 'warning', msg: `waiting for ${[...pending].join(', ')} (${s} s): the other hosts go on when it is done` });
      }, WAIT_NOTICE_MS);
      try {
        await Promise.all(hosts.map((h) => limit(() => fn(h)).finally(() => pending.delete(h.name))));
      } finally {
        clearInterval(notice);
      }
    };
    const prune = () => {
      const anyFailed = ctx.active.some((h) => h.failed);
      ctx.active = play.anyErrorsFatal && anyFailed ? [] : ctx.active.filter((h) => !h.failed && !h.unreachable);
    };

    if (play.gatherFacts) {
      this.ctx.emit({ kind: 'task_start', name: 'Gathering Facts', module: 'setup', handler: false, file: pb.file, line: play.pos.line });
      await onAll(ctx.active, async (h) => {
        const started = Date.now();
        let out: Outcome = { status: 'ok', result: { changed: false } };
        try {
          if (!h.facts) await gatherFacts(ctx, h);
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
      prune();
    }

    for (const tasks of [play.preTasks, play.tasks, play.postTasks]) {
      section = tasks.filter((task) => selected(settings, [...play.tags, ...task.tags]));
      for (const task of section) {
        if (ctx.active.length === 0) break;
        await this.runOnActive(ctx, task, ctx.active, onAll);
        prune();
      }
      section = [];
      for (const h of ctx.active) h.probes.clear();
      await this.flushHandlers(ctx, onAll, prune);
      if (ctx.active.length === 0) {
        this.ctx.emit({ kind: 'no_hosts_left' });
        return;
      }
    }
  }

  private async runOnActive(ctx: PlayContext, task: Task, hosts: HostState[], onAll: (h: HostState[], fn: (h: HostState) => Promise<void>) => Promise<void>, handler = false): Promise<void> {
    this.ctx.emit({ kind: 'task_start', name: task.name ?? task.action, module: task.module.name, handler, file: task.pos.file, line: task.pos.line });
    await onAll(hosts, async (h) => {
      await runTask(ctx, h, task);
    });
  }

  /** Runs notified handlers in definition order; a handler may notify a later one. */
  private async flushHandlers(ctx: PlayContext, onAll: (h: HostState[], fn: (h: HostState) => Promise<void>) => Promise<void>, prune: () => void): Promise<void> {
    for (const handler of ctx.play.handlers) {
      const names = [handler.name, ...handler.listen].filter((n): n is string => Boolean(n));
      const hosts = ctx.active.filter((h) => names.some((n) => h.notified.has(n)));
      if (hosts.length === 0) continue;
      for (const h of hosts) for (const n of names) h.notified.delete(n);
      await this.runOnActive(ctx, handler, hosts, onAll, true);
      prune();
    }
    // Every name left was checked when notified (runTask), so none is unknown.
    for (const h of ctx.active) h.notified.clear();
  }
}

