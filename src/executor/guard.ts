/**
 * Safe apply: a change that may cut tsplay off a host (Plan.guard, e.g. the interface carrying
 * tsplay's own connection) is kept only once the controller has reconnected.
 *
 * 1. One round trip arms it: the files the change writes are saved in a private folder on the
 *    host, a restore script is written there, and a detached timer (systemd-run where systemd
 *    runs, else setsid) will run that script after `timeout` seconds unless disarmed. The change
 *    itself then runs detached too, its output kept in the folder: a session that drops halfway
 *    cannot kill a half-done change (openshift-kni/baremetal-deploy#108).
 * 2. A new connection (to `confirmAddress` when the change moves the address) disarms the timer
 *    and reads the change's result: only the controller getting back in confirms (deploy-rs'
 *    magic rollback, with the new address nmstate and deploy-rs users lacked).
 * 3. No way back in before the deadline: the host rolls back by itself; tsplay waits for it,
 *    reconnects to the old address, probes again and says whether the old state is back
 *    (netplan's revert once silently did nothing, canonical/netplan#548). A change that failed
 *    on the host is rolled back at once. Either way the task fails with "rolled back".
 *
 * Whether the rollback or the confirmation wins is settled on the host by one rename of the
 * `armed` file, so the two can never both happen.
 */
import { randomBytes } from 'node:crypto';
import type { ExecResult, Guard, Plan } from '../core/module.js';
import { lines, raw, type Shell, sh } from '../core/sh.js';
import { keyValues, unbase64 } from '../core/probe.js';
import type { Task } from '../playbook/types.js';
import { CommandTimeoutError, type Transport, UnreachableError } from '../transport/index.js';
import { openTransport } from './connect.js';
import type { PlayContext } from './context.js';
import type { HostState } from './host.js';
import { type ExecOptions, remote } from './remote.js';

export type GuardedResult = { confirmed: ExecResult; note: string } | { rolledBack: string } | { failed: string };

/** Seconds the first connection waits for the detached change before the controller tries a new one. */
const APPLY_WAIT = 20;
/** Each attempt at a new connection gives up after this long, so attempts repeat until the deadline. */
const ATTEMPT_MS = 4000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The host address tsplay's current connection arrives at ($SSH_CONNECTION's third word), asked once per connection. */
async function connectedAddress(h: HostState): Promise<string | undefined> {
  if (h.connectedAddress === undefined) {
    const line = (await h.transport!.run(`printf '%s' "$SSH_CONNECTION"`)).stdout;
    h.connectedAddress = line.trim().split(/\s+/)[2] ?? '';
  }
  return h.connectedAddress || undefined;
}

/** Whether a plan must run guarded on this host (see the header). */
export async function needsGuard(ctx: PlayContext, h: HostState, plan: Plan): Promise<Guard | undefined> {
  const g = plan.guard;
  if (!g || ctx.settings.rollback === false || !h.transport?.hostKey) return undefined;
  if (g.confirmAddress !== undefined || g.anyAddress) return g;
  const addr = await connectedAddress(h);
  return addr !== undefined && g.addresses.includes(addr) ? g : undefined;
}

/** Polls for a file for at most `seconds` (a fifth of a second at a time where sleep takes fractions). */
function waitFor(file: Shell, seconds: number): Shell {
  return sh`n=0; while [ ! -e ${file} ] && [ $n -lt ${seconds * 5} ]; do sleep 0.2 2>/dev/null || sleep 1; n=$((n+1)); done`;
}

/** Prints the change's exit code and output once it has ended, and who won: the confirmation or the rollback. */
const REPORT = lines(
  raw(`if [ -e "$d/apply.rc" ]; then printf 'rc=%s\\n' "$(cat "$d/apply.rc")"; fi`),
  raw(`printf 'out=%s\\nerr=%s\\n' "$(base64 -w0 < "$d/apply.out" 2>/dev/null)" "$(base64 -w0 < "$d/apply.err" 2>/dev/null)"`),
  raw(`if [ -e "$d/confirmed" ]; then echo confirmed=1; fi`),
  raw(`if [ -e "$d/rolledback" ]; then echo rolledback=1; printf 'log=%s\\n' "$(base64 -w0 < "$d/restore.log" 2>/dev/null)"; fi`),
);

function hereDoc(path: Shell, text: string): Shell {
  const b64 = Buffer.from(text).toString('base64').replace(/.{76}/g, '$&\n');
  return lines(sh`base64 -d > ${path} <<'TSPLAY_EOF'`, raw(b64), raw('TSPLAY_EOF'));
}

/** The restore script: files back as they were (or gone again), then each command, whatever the others do. */
function restoreScript(g: Guard): Shell {
  return lines(
    raw('d=$(dirname -- "$0")'),
    ...g.files.map((f, i) => sh`if [ -e "$d/save/"${String(i)} ]; then cp -p -- "$d/save/"${String(i)} ${f}; else rm -f -- ${f}; fi`),
    ...g.restore.map((s) => sh`${s.argv} || :`),
  );
}

/**
 * The rollback: whoever renames `armed` first (this, or the confirmation) wins. A change still
 * running is stopped first (its process group), so the restore never races it.
 */
const ROLLBACK = `d=$(dirname -- "$0")
mv -- "$d/armed" "$d/rolling" 2>/dev/null || exit 0
if [ ! -e "$d/apply.rc" ] && [ -s "$d/apply.pid" ]; then kill -s TERM -- "-$(cat "$d/apply.pid")" 2>/dev/null; sleep 1; fi
sh "$d/restore" > "$d/restore.log" 2>&1
: > "$d/rolledback"
`;

/** Arms the rollback and starts the change, both detached; waits a little for the change to end. */
function armScript(dir: string, unit: string, g: Guard, apply: Shell): Shell {
  return lines(
    sh`set -e`,
    sh`d=${dir}`,
    raw('mkdir -m 700 -- "$d"; mkdir -- "$d/save"'),
    ...g.files.map((f, i) => sh`if [ -e ${f} ]; then cp -p -- ${f} "$d/save/"${String(i)}; fi`),
    hereDoc(raw('"$d/restore"'), restoreScript(g).text + '\n'),
    hereDoc(raw('"$d/rollback"'), ROLLBACK),
    hereDoc(raw('"$d/apply"'), apply.text + '\n'),
    raw(': > "$d/armed"'),
    // systemd's timers fire up to a minute late unless told otherwise.
    sh`if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then systemd-run --quiet --collect --unit=${unit} --timer-property=AccuracySec=100ms --on-active=${`${g.timeout}s`} /bin/sh "$d/rollback"; echo systemd > "$d/timer"`,
    sh`else setsid sh -c 'sleep "$1"; exec sh "$2/rollback"' sh ${g.timeout} "$d" </dev/null >/dev/null 2>&1 & echo $! > "$d/timer"; fi`,
    raw('echo armed=1'),
    raw(`setsid sh -c 'sh "$1/apply" > "$1/apply.out" 2> "$1/apply.err"; echo $? > "$1/apply.rc.t"; mv "$1/apply.rc.t" "$1/apply.rc"' sh "$d" </dev/null >/dev/null 2>&1 & echo $! > "$d/apply.pid"`),
    raw('set +e'),
    waitFor(raw('"$d/apply.rc"'), APPLY_WAIT),
    REPORT,
  );
}

/**
 * Over the new connection: waits for the change to end, and keeps it (disarms the timer) only
 * when it succeeded and the rollback has not started. A failed change is left to the rollback.
 */
function confirmScript(dir: string, unit: string): Shell {
  return lines(
    sh`d=${dir}`,
    waitFor(raw('"$d/apply.rc"'), 30),
    raw('if [ "$(cat "$d/apply.rc" 2>/dev/null)" = 0 ] && mv -- "$d/armed" "$d/confirmed" 2>/dev/null; then'),
    sh`  if [ "$(cat "$d/timer")" = systemd ]; then systemctl stop ${`${unit}.timer`} 2>/dev/null || :; else kill "$(cat "$d/timer")" 2>/dev/null || :; fi`,
    raw('fi'),
    REPORT,
  );
}

/** Rolls back now (the change failed, or never ended), detached: the restore may move the address in use. */
function abortScript(dir: string): Shell {
  return lines(sh`d=${dir}`, raw(`setsid sh "$d/rollback" </dev/null >/dev/null 2>&1 &`));
}

/** After the deadline: the rollback's report, running it here and now if the timer has not (yet). */
function settleScript(dir: string): Shell {
  return lines(sh`d=${dir}`, waitFor(raw('"$d/rolledback"'), 10), raw('[ -e "$d/rolledback" ] || [ -e "$d/confirmed" ] || sh "$d/rollback"'), REPORT);
}

function cleanupScript(dir: string): Shell {
  return sh`rm -rf -- ${dir}`;
}

interface Report {
  rc?: number;
  stdout: string;
  stderr: string;
  armed: boolean;
  confirmed: boolean;
  rolledBack: boolean;
  log: string;
}

function report(out: ExecResult): Report {
  const kv = keyValues(out.stdout);
  const rc = kv.get('rc');
  return {
    rc: rc === undefined || rc === '' ? undefined : Number(rc),
    stdout: unbase64(kv.get('out') ?? ''),
    stderr: unbase64(kv.get('err') ?? ''),
    armed: kv.get('armed') === '1',
    confirmed: kv.get('confirmed') === '1',
    rolledBack: kv.get('rolledback') === '1',
    log: unbase64(kv.get('log') ?? ''),
  };
}

/** New connections until one works or the deadline passes; else the last attempt's error. */
async function reconnect(ctx: PlayContext, h: HostState, address: string | undefined, deadline: number): Promise<Transport | string> {
  let last = 'no attempt in time';
  while (Date.now() < deadline) {
    const started = Date.now();
    try {
      return await openTransport(ctx, h, { address, connectTimeoutMs: Math.max(1000, Math.min(ATTEMPT_MS, deadline - Date.now())) });
    } catch (e) {
      last = (e as Error).message;
      await sleep(Math.max(0, 1000 - (Date.now() - started)));
    }
  }
  return last;
}

/**
 * Makes `t` the host's connection from now on (the old one may be dead, or on an address that is
 * gone); `address` is where it goes when that is not the inventory's.
 */
function adopt(h: HostState, t: Transport, address?: string): void {
  const old = h.transport;
  h.transport = t;
  h.connectedAddress = undefined;
  if (address !== undefined) h.address = address;
  if (old && old !== t) void old.close().catch(() => {});
}

/** Runs a script on a connection that is not (yet) the host's; any failure is an answer of its own. */
async function tryRun(t: Transport, script: Shell, opts: ExecOptions, timeoutMs: number): Promise<ExecResult | Error> {
  const run = t.run(script.text, { become: opts.become, timeoutMs }).catch((e: Error) => e);
  return Promise.race([run, sleep(timeoutMs + 5000).then(() => new Error(`no answer within ${timeoutMs / 1000} s`))]);
}

/**
 * Runs `apply` under the guard (see the header). `reprobe` probes and plans again on the host's
 * current connection: after a rollback its diff's "before" sides must be those of `plan`.
 */
export async function guardedApply(
  ctx: PlayContext,
  h: HostState,
  task: Task,
  g: Guard,
  plan: Plan,
  apply: Shell,
  opts: ExecOptions,
  reprobe: () => Promise<Plan>,
): Promise<GuardedResult> {
  const nonce = randomBytes(6).toString('hex');
  const dir = `/tmp/tsplay-guard.${nonce}`;
  const unit = `tsplay-guard-${nonce}`;
  const key = h.transport!.hostKey!;
  if (g.confirmAddress !== undefined) ctx.settings.transport.knownHosts.remember(g.confirmAddress, key.port, key.blob);
  let deadline = Date.now() + g.timeout * 1000;
  let why: string;
  // A connection the change cut off may never answer again, not even to close a channel: it is
  // given up after a while rather than awaited.
  const waitMs = Math.min(APPLY_WAIT + 10, g.timeout / 2) * 1000;
  const first = remote(ctx, h, task, 'apply', armScript(dir, unit, g, apply), { ...opts, timeoutMs: undefined }).catch((e: Error) => e);
  const out = await Promise.race([first, sleep(waitMs).then(() => undefined)]);
  if (out === undefined) why = `the connection did not answer within ${waitMs / 1000} s of the change`;
  else if (out instanceof Error) {
    if (!(out instanceof UnreachableError || out instanceof CommandTimeoutError)) throw out;
    why = `the connection was lost during the change (${out.message})`;
  } else {
    const r = report(out);
    // Nothing was changed when the rollback could not even be armed.
    if (!r.armed) return { failed: `could not arm the rollback, nothing was changed: ${out.stderr.trim() || `exit code ${out.rc}`}` };
    why = r.rc === undefined ? 'the change did not finish in time' : '';
  }
  // Confirm over a new connection, whatever the first one says.
  const target = g.confirmAddress ?? h.address;
  const again = await reconnect(ctx, h, target, deadline - 2000);
  if (typeof again !== 'string') {
    const res = await tryRun(again, confirmScript(dir, unit), opts, 40_000);
    const r = res instanceof Error ? undefined : report(res);
    if (r?.confirmed && r.rc === 0) {
      await tryRun(again, cleanupScript(dir), opts, 20_000);
      adopt(h, again, g.confirmAddress);
      return { confirmed: { rc: 0, stdout: r.stdout, stderr: r.stderr }, note: `confirmed over a new connection to ${g.confirmAddress ?? 'the same address'}` };
    }
    if (res instanceof Error) why ||= `the new connection failed (${res.message})`;
    else if (r!.rc === undefined) why = 'the change did not finish';
    else if (r!.rc !== 0) why = `the change failed on the host (rc ${r!.rc}): ${r!.stderr.trim() || r!.stdout.trim() || 'no output'}`;
    else why ||= 'the host rolled back before tsplay could confirm';
    // Not kept: roll back now rather than at the deadline.
    if (!(res instanceof Error) && !r!.rolledBack) {
      const aborted = await tryRun(again, abortScript(dir), opts, 20_000);
      if (!(aborted instanceof Error)) deadline = Date.now();
    }
    void again.close().catch(() => {});
  } else {
    why = `tsplay could not reconnect to ${target ?? 'the host'} within ${g.timeout} s after the change${why ? `; ${why}` : ''} (${again})`;
  }
  // The host rolls back by itself at the deadline (or now, after an abort): wait, then come back in.
  await sleep(Math.max(0, deadline - Date.now()) + 1000);
  const back = await reconnect(ctx, h, h.address, Date.now() + 60_000);
  if (typeof back === 'string') throw new UnreachableError(`${h.name}: ${why}; the host did not answer after the rollback either (${back})`);
  adopt(h, back);
  const settled = await tryRun(back, settleScript(dir), opts, 60_000);
  if (settled instanceof Error) throw new UnreachableError(`${h.name}: ${why}; then ${settled.message}`);
  const r = report(settled);
  await tryRun(back, cleanupScript(dir), opts, 20_000);
  // The confirmation's answer was lost on the way, but it had won on the host.
  if (r.confirmed && r.rc === 0) return { confirmed: { rc: 0, stdout: r.stdout, stderr: r.stderr }, note: 'confirmed (its answer arrived on a later connection)' };
  h.probes.clear({ keepLookingAhead: false });
  const now = await reprobe();
  const before = (p: Plan) => JSON.stringify((p.diff ?? []).map((d) => [d.path, d.before]));
  const state = before(now) === before(plan) ? 'a new probe finds the state as it was before' : `a new probe finds a state that differs from before: ${now.reason ?? ''}`;
  return { rolledBack: `rolled back: ${why}; ${r.rolledBack ? `the host restored ${g.what}` : 'the rollback did not report back'}; ${state}` };
}
