/**
 * Running scripts on a host for a task: as which user (become) and with which environment, with
 * -v output of every script, and several scripts in one round trip (probes.ts).
 */
import type { ExecResult } from '../core/module.js';
import { withEnvironment } from '../core/script.js';
import type { Shell } from '../core/sh.js';
import type { Task } from '../playbook/types.js';
import { boolean } from '../py/bool.js';
import type { PlayContext } from './context.js';
import type { HostState } from './host.js';
import { batchScript, newNonce, type ProbeRequest, splitBatch } from './probes.js';
import type { Vars } from './vars.js';

/** Connection variables such as ansible_become=yes are booleans in Ansible's sense. */
function asBool(v: unknown): boolean {
  return boolean(v, false);
}

/** A keyword's value for this host: Ansible templates become, become_user, remote_user, timeout... per host. */
function keyword(ctx: PlayContext, task: Task, vars: Vars, value: unknown): unknown {
  return typeof value === 'string' && ctx.templar.isTemplated(value) ? ctx.templar.template(value, vars, task.pos) : value;
}

function becomeUser(ctx: PlayContext, task: Task, vars: Vars): string | false {
  const become = asBool(keyword(ctx, task, vars, task.become ?? (vars.ansible_become === undefined ? ctx.play.become : vars.ansible_become)));
  if (!become) return false;
  const user = String(keyword(ctx, task, vars, task.becomeUser ?? vars.ansible_become_user ?? ctx.play.becomeUser));
  // The user tsplay logs in as, in connect.ts's order: the host's ansible_user, the play's remote_user, ansible.cfg's.
  const login = keyword(ctx, task, vars, vars.ansible_user ?? ctx.play.remoteUser ?? ctx.settings.transport.remoteUser);
  // sudo to the user we already are is a no-op that costs a process and needs sudo installed.
  return user === login ? false : user;
}

export interface ExecOptions {
  become: string | false;
  env?: Record<string, string>;
  /** The task's own timeout (else --timeout). */
  timeoutMs?: number;
  /** Values of the task's sensitive options, masked in -v output. */
  secrets?: string[];
}

/** What Ansible prints in place of a no_log option's value. */
const MASK = '********';

function masked(text: string, secrets: string[] | undefined): string {
  return secrets?.length ? secrets.reduce((t, s) => t.split(s).join(MASK), text) : text;
}

export function execOptions(ctx: PlayContext, task: Task, vars: Vars): ExecOptions {
  const env = { ...(ctx.play.environment ?? {}), ...(task.environment ?? {}) };
  const templated = Object.keys(env).length ? (ctx.templar.template(env, vars, task.pos) as Record<string, unknown>) : undefined;
  return { become: becomeUser(ctx, task, vars), timeoutMs: taskTimeoutMs(ctx, task, vars), env: templated && Object.fromEntries(Object.entries(templated).map(([k, v]) => [k, String(v)])) };
}

/** Probes that share a round trip must run as the same user with the same environment. */
export function probeContext(o: ExecOptions): string {
  return JSON.stringify([o.become, o.env ?? {}]);
}

function taskTimeoutMs(ctx: PlayContext, task: Task, vars: Vars): number | undefined {
  if (task.timeout === undefined) return undefined;
  const s = Number(keyword(ctx, task, vars, task.timeout));
  if (!Number.isFinite(s) || s < 0) throw new Error(`timeout must be a number of seconds, got ${JSON.stringify(task.timeout)}`);
  return s > 0 ? s * 1000 : undefined;
}

/** One script in one round trip; -v shows it unless the task is no_log. */
export async function remote(ctx: PlayContext, h: HostState, task: Task, phase: 'probe' | 'apply', script: Shell, opts: ExecOptions): Promise<ExecResult> {
  const t = h.transport!;
  const full = withEnvironment(script, opts.env);
  const timeoutMs = opts.timeoutMs ?? ctx.settings.taskTimeoutMs;
  const res = await t.run(full.text, { become: opts.become, timeoutMs });
  if (ctx.settings.verbosity > 0 && !task.noLog) {
    const m = (t: string) => masked(t, opts.secrets);
    ctx.emit({ kind: 'host_command', host: h.name, task: task.name ?? task.action, phase, script: m(script.text), rc: res.rc, stdout: m(res.stdout), stderr: m(res.stderr) });
  }
  return res;
}

/** Runs `script` and then the probes `along` in one round trip (probes.ts); one result per script, `script`'s first. */
export async function withProbes(ctx: PlayContext, h: HostState, task: Task, phase: 'probe' | 'apply', script: Shell, along: ProbeRequest[], opts: ExecOptions): Promise<ExecResult[]> {
  if (along.length === 0) return [await remote(ctx, h, task, phase, script, opts)];
  const nonce = newNonce();
  const out = await remote(ctx, h, task, phase, batchScript([script, ...along.map((r) => r.script)], nonce), opts);
  return splitBatch(out, nonce, along.length + 1);
}
