/**
 * Recording a saved plan during a strict check-mode run: for each host, in run order, every
 * module run with its probe (script and a hash of its output) and the script apply would run.
 *
 * A plan must not guess. In check mode a task that would change something (or run a command)
 * registers a predicted result, not the real one; a later task that reads it (in its options,
 * its conditions, its loop, or the template file it renders) would be planned on a guess. Such
 * a task is marked unplannable on that host, and so is anything that reads what it sets in
 * turn. The same for what a saved plan cannot replay faithfully: delegated tasks, async tasks
 * and guarded network changes (their rollback is the executor's, not a script's).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { shownPath } from '../core/local-files.js';
import type { ModulePlan, PlanRecorder, PlayContext } from '../executor/context.js';
import { connectionVars } from '../executor/connect.js';
import type { HostState } from '../executor/host.js';
import type { Outcome } from '../executor/result.js';
import { compileSteps } from '../core/script.js';
import { findSource } from '../playbook/files.js';
import { displayName, type Task } from '../playbook/types.js';
import type { Entry, HostPlan } from './schema.js';

/** Connection variables that are secrets: never written to a plan (apply reads them from the inventory). */
export const SECRET = /pass(word)?$/;

export function probeHash(out: { rc: number; stdout: string }): string {
  return createHash('sha256').update(`${out.rc}\0${out.stdout}`).digest('hex');
}

/** The text inside `{{ }}` and `{% %}` of a string. */
function expressions(text: string): string {
  return [...text.matchAll(/\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g)].map((m) => m[1] ?? m[2]).join('\n');
}

/** Where a task can read a variable: its templated options, its conditions (bare expressions), its loop, its template file. */
function readsOf(ctx: PlayContext, task: Task): string {
  const templated = expressions(JSON.stringify([task.args, task.loop ?? null]));
  const bare = [task.when, task.until ?? [], Array.isArray(task.changedWhen) ? task.changedWhen : [], Array.isArray(task.failedWhen) ? task.failedWhen : []].flat().join('\n');
  let file = '';
  const src = task.args.src;
  if (task.module.name === 'template' && typeof src === 'string' && !src.includes('{{')) {
    const path = findSource(ctx.play.dir, 'templates', src, task.role?.path);
    if (path) file = expressions(readFileSync(path, 'utf8'));
  }
  return [templated, bare, file].join('\n');
}

interface HostRecord {
  plan: HostPlan;
  /** Variables whose value in check mode is a prediction: name -> the task that set it. */
  guessed: Map<string, string>;
  /** Entries before this index belong to tasks already settled. */
  settledAt: number;
}

export class Recorder implements PlanRecorder {
  readonly hosts = new Map<string, HostRecord>();

  private record(ctx: PlayContext, h: HostState): HostRecord {
    let r = this.hosts.get(h.name);
    if (!r) {
      const connection = Object.fromEntries(Object.entries(connectionVars(ctx, h)).filter(([k]) => !SECRET.test(k)));
      r = { plan: { reachable: true, reason: null, connection, would_fail: null, entries: [] }, guessed: new Map(), settledAt: 0 };
      this.hosts.set(h.name, r);
    }
    return r;
  }

  module(ctx: PlayContext, h: HostState, task: Task, run: ModulePlan): void {
    const { plan, opts, probe } = run;
    const r = this.record(ctx, h);
    const steps = plan.steps.length ? compileSteps(plan.steps).text : null;
    const unplannable =
      run.on !== h ? 'a delegated task (delegate_to) is not saved in plans; run it with tsplay run'
      : task.async !== undefined && steps ? 'an async task is not saved in plans; run it with tsplay run'
      : plan.detached && steps ? 'a detached long-running task (a disk image) is not saved in plans; run it with tsplay run'
      : plan.guard && steps ? `${plan.guard.what} changes under tsplay's rollback guard, which only tsplay run applies`
      : null;
    const entry: Entry = {
      task: displayName(task), module: task.module.name, file: task.pos.file, line: task.pos.line ?? 0,
      item: null, no_log: task.noLog === true, probe: probe ? { script: probe.script, sha256: probeHash(probe.out) } : null,
      apply: steps, unpredictable: Boolean(plan.unpredictable && steps), become: opts.become, env: opts.env ?? null, timeout_ms: opts.timeoutMs ?? null,
      diff: task.noLog === true ? [] : (plan.diff ?? []).filter((d) => d.before !== d.after).map(({ path, before, after }) => ({ path, before, after })),
      unplannable,
    };
    // Loop items run one after the other: their index is their place among this task's entries.
    const mine = r.plan.entries.slice(r.settledAt);
    if (task.loop !== undefined) entry.item = mine.length;
    r.plan.entries.push(entry);
  }

  settled(ctx: PlayContext, h: HostState, task: Task, out: Outcome): void {
    if (out.status === 'unreachable') return;
    const r = this.record(ctx, h);
    const mine = r.plan.entries.slice(r.settledAt);
    r.settledAt = r.plan.entries.length;
    // What the task reads (its template file included) matters only once something is a guess.
    const reads = r.guessed.size ? readsOf(ctx, task) : '';
    const guess = [...r.guessed].find(([name]) => new RegExp(`(?<![\\w.])${name}(?!\\w)`).test(reads));
    if (guess) {
      const why = `reads ${guess[0]}, which ${guess[1]} only predicts in check mode: plan again after applying that task`;
      for (const e of mine) e.unplannable ??= why;
      if (!mine.length) {
        r.plan.entries.push(this.bare(task, why));
        r.settledAt = r.plan.entries.length;
      }
    }
    const where = `${displayName(task)} (${shownPath(task.pos.file, process.cwd())}:${task.pos.line})`;
    // What this task sets is a prediction when it would change or run something, or was itself planned on one.
    if (guess || mine.some((e) => e.apply !== null || e.unplannable)) {
      if (task.register) r.guessed.set(task.register, where);
      if (task.module.name === 'set_fact') for (const k of Object.keys(task.args)) if (k !== 'cacheable') r.guessed.set(k, where);
    }
    // A task planned on a guess that fails says nothing of what a run would do: it is unplannable, not failing.
    if (out.status === 'failed' && !task.ignoreErrors && !guess && !r.plan.would_fail) {
      r.plan.would_fail = { task: displayName(task), file: task.pos.file, line: task.pos.line ?? 0, msg: task.noLog ? 'hidden (no_log)' : String(out.result.msg ?? 'failed') };
    }
  }

  /** An entry for a task that made no module run (a condition or a local module) but cannot be planned. */
  private bare(task: Task, why: string): Entry {
    return {
      task: displayName(task), module: task.module.name, file: task.pos.file, line: task.pos.line ?? 0, item: null,
      no_log: task.noLog === true, probe: null, apply: null, unpredictable: false, become: false, env: null, timeout_ms: null, diff: [], unplannable: why,
    };
  }
}
