/**
 * Probe look-ahead (see probes.ts for the why): which probes the tasks ahead will ask for, and
 * the two places they ride along, a probe's round trip and an apply's. Results wait in the
 * host's ProbeCache for the tasks that compute the same scripts.
 */
import { dirname } from 'node:path';
import type { ExecResult } from '../core/module.js';
import type { Shell } from '../core/sh.js';
import { loopItems } from '../playbook/loops.js';
import type { Task } from '../playbook/types.js';
import { controller, loopVars, resolveArgs } from './args.js';
import { evalAll } from './conditions.js';
import { type PlayContext, taskVars } from './context.js';
import type { HostState } from './host.js';
import { LOOKAHEAD, type ProbeRequest } from './probes.js';
import { type ExecOptions, execOptions, probeContext, remote, withProbes } from './remote.js';

/**
 * The probe requests of the tasks that follow (and of the current task's loop items), as
 * each will compute them, for one shared round trip. Anything that cannot be worked out yet
 * (a variable registered later, a false `when`) is simply left out: it will probe on its own.
 */
async function upcomingProbes(ctx: PlayContext, h: HostState, current: Task, context: string, from: { afterItem?: number; max?: number } = {}): Promise<ProbeRequest[]> {
  const out: ProbeRequest[] = [];
  const max = from.max ?? LOOKAHEAD;
  for (const t of ctx.following(current, h)) {
    if (out.length >= max) break;
    const m = t.module;
    if (m.local || !m.probe || m.prefetch === false) continue;
    // A no_log task's probe never rides in another task's round trip, whose -v output shows it.
    if (t.noLog && t !== current) continue;
    let items: unknown[] = [undefined];
    if (t.loop !== undefined) {
      try {
        items = loopItems(t.loopWith, ctx.templar.template(t.loop, taskVars(ctx, h, t), t.pos), dirname(t.pos.file));
      } catch {
        continue;
      }
    }
    for (const [i, item] of items.entries()) {
      if (out.length >= max) break;
      // After an apply, the current task's own items up to the one just applied are done.
      if (t === current && from.afterItem !== undefined && i <= from.afterItem) continue;
      const vars = taskVars(ctx, h, t, t.loop === undefined ? [] : [loopVars(t, item, i, items)]);
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

/** One probe, from the host's cache or in a round trip that also probes the tasks ahead. */
export async function probeHost(ctx: PlayContext, h: HostState, task: Task, script: Shell, opts: ExecOptions): Promise<{ out: ExecResult; cached: boolean }> {
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
 * Applies a plan, taking the next probes along in the same round trip: one while tasks keep
 * changing, the batch ahead while looking ahead. The probes run after the apply, so they read
 * what it left; they are cached for the tasks that will compute the same scripts. `refresh`
 * (the fact script, when the apply leaves facts stale) runs right after the apply.
 */
export async function applyWithNextProbes(
  ctx: PlayContext,
  h: HostState,
  task: Task,
  item: number,
  script: Shell,
  opts: ExecOptions,
  refresh?: Shell,
): Promise<{ applied: ExecResult; refreshed?: ExecResult }> {
  const lookedAhead = h.probes.lookAhead;
  const next = distinct(await upcomingProbes(ctx, h, task, probeContext(opts), { afterItem: item, max: lookedAhead ? LOOKAHEAD : 1 }));
  const first = refresh ? [{ script: refresh, context: probeContext(opts) }] : [];
  const results = await withProbes(ctx, h, task, 'apply', script, [...first, ...next], opts);
  next.forEach((r, i) => h.probes.put(r, results[i + 1 + first.length]!, lookedAhead));
  return { applied: results[0]!, refreshed: refresh ? results[1] : undefined };
}
