/** Opening a host's one connection (once, shared by all its tasks) and gathering its facts. */
import { factsScript, factVars, parseFacts } from '../facts/index.js';
import { markUnsafe } from '../template/index.js';
import { createTransport, type Transport, UnreachableError } from '../transport/index.js';
import type { PlayContext } from './context.js';
import type { HostState } from './host.js';

/** Connects on first use; concurrent callers share the attempt; failures are UnreachableError. */
export async function ensureConnected(ctx: PlayContext, h: HostState): Promise<void> {
  if (h.unreachable) throw new UnreachableError(h.unreachable);
  if (!h.connecting) {
    h.connecting = (async () => {
      h.transport = await openTransport(ctx, h);
    })();
  }
  await h.connecting;
}

/**
 * A new connection to the host, from its connection variables; `address` (or the one a confirmed
 * change moved the host to) replaces the one they give.
 */
export async function openTransport(ctx: PlayContext, h: HostState, opts: { address?: string; connectTimeoutMs?: number } = {}): Promise<Transport> {
  const connVars = connectionVars(ctx, h, opts.address);
  const settings = opts.connectTimeoutMs ? { ...ctx.settings.transport, connectTimeoutMs: opts.connectTimeoutMs } : ctx.settings.transport;
  let t;
  try {
    t = createTransport(h.name, connVars, settings);
  } catch (e) {
    throw new UnreachableError((e as Error).message);
  }
  await t.connect();
  return t;
}

/** The ansible_* variables a connection to the host is made from, the play's remote_user and connection applied. */
export function connectionVars(ctx: PlayContext, h: HostState, address = h.address): Record<string, unknown> {
  const vars = { ...h.inventoryVars, ...ctx.settings.extraVars };
  const connVars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) if (k.startsWith('ansible_')) connVars[k] = ctx.templar.template(v, vars);
  if (ctx.play.remoteUser && connVars.ansible_user === undefined) connVars.ansible_user = ctx.templar.template(ctx.play.remoteUser, vars);
  if (ctx.play.connection) connVars.ansible_connection = ctx.play.connection;
  if (address !== undefined) {
    connVars.ansible_host = address;
    delete connVars.ansible_ssh_host;
  }
  return connVars;
}

/** Facts in one round trip; they become ansible_facts and the ansible_* variables. */
export async function gatherFacts(ctx: PlayContext, h: HostState): Promise<void> {
  await ensureConnected(ctx, h);
  const out = await h.transport!.run(factsScript());
  if (out.rc !== 0 && !out.stdout) throw new Error(`fact gathering failed: ${out.stderr.trim()}`);
  h.facts = markUnsafe(parseFacts(out.stdout));
  h.factVars = factVars(h.facts);
}
