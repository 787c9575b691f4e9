/**
 * The plain renderer: stable, line-oriented text in Ansible's shape (PLAY [...], TASK [...],
 * `ok: [host]`, PLAY RECAP), used off a TTY (CI, pipes) and by tests.
 */
import type { Event, EventKind, HostStats } from './events.js';
import { unifiedDiff } from './diff.js';
import { jsonDumps } from '../template/json.js';

export interface PlainOptions {
  verbosity: number;
  write: (text: string) => void;
  /** Where warnings go, if not with the rest (ansible-playbook prints them on stderr). */
  warn?: (text: string) => void;
}

function banner(title: string): string {
  return `\n${title} ${'*'.repeat(Math.max(3, 79 - title.length))}`;
}

/** A result as Ansible's default callback prints it: Python's json.dumps with sorted keys, without failed/skipped. */
function json(v: Record<string, unknown>): string {
  const { failed: _f, skipped: _s, ...rest } = JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
  return jsonDumps(rest, { sortKeys: true, ensureAscii: false });
}

/** The recap line exactly as Ansible prints it: host padded to 26, each count left-justified in 4. */
export function recapLine(host: string, s: HostStats): string {
  const f = (k: string, n: number) => `${k}=${String(n).padEnd(4)}`;
  return `${host.padEnd(26)} : ${f('ok', s.ok)} ${f('changed', s.changed)} ${f('unreachable', s.unreachable)} ${f('failed', s.failed)} ${f('skipped', s.skipped)} ${f('rescued', s.rescued)} ${f('ignored', s.ignored)}`;
}

type Formatter<K extends EventKind> = (e: Extract<Event, { kind: K }>, o: PlainOptions) => string | undefined;

const formatters: { [K in EventKind]: Formatter<K> } = {
  playbook_start: () => undefined,
  play_start: (e) => banner(`PLAY [${e.name}]`),
  task_start: (e) => banner(`${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.name}]`),
  host_result: (e, o) => {
    // A loop's summary line is only shown when it failed or was skipped whole, as Ansible does,
    // or when no_log hid its results (Ansible then shows it as a task without a loop).
    if (e.loop && e.status !== 'failed' && e.status !== 'skipped' && !e.noLog) return undefined;
    const item = e.item !== undefined ? ` => (item=${e.item})` : '';
    // A delegated result names where it ran, as Ansible's `[host -> delegate]` (not on skips).
    const who = e.delegate === undefined ? e.host : `${e.host} -> ${e.delegate}`;
    const lines = diffLines(e);
    const detail = (r: Record<string, unknown>) => (o.verbosity > 0 ? ` => ${json(r)}` : '');
    switch (e.status) {
      case 'failed':
        lines.push(`fatal: [${who}]${item}: FAILED! => ${json(e.noLog ? { msg: 'the output has been hidden due to the fact that no_log: true was specified for this result', changed: false } : { msg: e.msg, ...pick(e.result) })}`);
        if (e.ignored) lines.push('...ignoring');
        break;
      case 'unreachable':
        lines.push(`fatal: [${e.host}]: UNREACHABLE! => ${json({ changed: false, msg: e.msg, unreachable: true })}`);
        if (e.ignored) lines.push('...ignoring');
        break;
      case 'skipped':
        // Ansible's item line ends with a space: "skipping: [h] => (item=x) ".
        lines.push(`skipping: [${e.host}]${item}${item ? ' ' : ''}${detail(e.result)}`);
        break;
      default: {
        const showMsg = e.module === 'debug' && !e.noLog;
        // As Ansible's callback dumps it: sorted keys, four spaces, non-ASCII as it is.
        const body = showMsg ? ` => ${jsonDumps(JSON.parse(JSON.stringify(debugBody(e.result))), { indent: 4, sortKeys: true, ensureAscii: false })}` : detail(e.result);
        lines.push(`${e.status}: [${who}]${item}${body}`);
      }
    }
    return lines.join('\n');
  },
  host_command: (e, o) => {
    if (o.verbosity < 1) return undefined;
    const out = [`<${e.host}> ${e.phase} rc=${e.rc}`, ...e.script.trimEnd().split('\n').map((l) => `<${e.host}> $ ${l}`)];
    if (e.stdout) out.push(...e.stdout.trimEnd().split('\n').map((l) => `<${e.host}> ${l}`));
    if (e.stderr) out.push(...e.stderr.trimEnd().split('\n').map((l) => `<${e.host}> (stderr) ${l}`));
    return out.join('\n');
  },
  warning: (e) => `[${e.error ? 'ERROR' : e.deprecation ? 'DEPRECATION WARNING' : 'WARNING'}]: ${e.msg}`,
  included: (e) => `included: ${e.file} for ${e.hosts.join(', ')}${e.item === undefined ? '' : ` => (item=${e.item})`}`,
  async: (e) => (e.phase === 'poll' ? `ASYNC POLL on ${e.host}: jid=${e.jid} started=1 finished=0` : `ASYNC ${e.phase === 'ok' ? 'OK' : 'FAILED'} on ${e.host}: jid=${e.jid}`),
  progress: (e) => `PROGRESS [${e.host}]: ${e.task}: ${e.text ? `${e.text} ` : ''}${e.percent.toFixed(1)}%${e.rate ? ` at ${e.rate}` : ''}`,
  retry: (e) => `FAILED - RETRYING: [${e.host}]: ${e.task} (${e.left} retries left).`,
  no_hosts_left: () => banner('NO MORE HOSTS LEFT'),
  retry_file: (e) => `\tto retry, use: --limit @${e.path}`,
  // The PLAY banner says a batch started, as in Ansible; programs read these from --json.
  batch_start: () => undefined,
  batch_end: () => undefined,
  // Printed for tsplay's own budget; where Ansible stops, its output stays Ansible's (--json has the account).
  rollout_stop: (e) =>
    !e.budget ? undefined : [
      banner(`ROLLOUT STOPPED [${e.play}]`),
      e.reason,
      `done (${e.done.length}): ${e.done.join(', ') || '-'}`,
      `failed (${e.failed.length}): ${e.failed.map((f) => (f.task ? `${f.host} (at "${f.task}")` : f.host)).join(', ') || '-'}`,
      `not started (${e.notStarted.length}): ${e.notStarted.join(', ') || '-'}`,
      `${e.changed} host${e.changed === 1 ? '' : 's'} changed, ${e.failed.length} failed, ${e.notStarted.length} never touched`,
    ].join('\n'),
  recap: (e) => {
    const hosts = Object.keys(e.stats).sort();
    return [banner('PLAY RECAP'), ...hosts.map((h) => recapLine(h, e.stats[h]!)), ''].join('\n');
  },
};

/** The unified diffs of a result (the executor attaches them only in diff mode, never with no_log). */
export function diffLines(e: Extract<Event, { kind: 'host_result' }>): string[] {
  if (!e.diff) return [];
  return e.diff.map(unifiedDiff).filter(Boolean).map((t) => t.trimEnd());
}

/** The keys Ansible shows with a failure, without the bulky ones. */
function pick(r: Record<string, unknown>): Record<string, unknown> {
  const { diff: _d, stdout_lines: _o, stderr_lines: _e, msg: _m, ...rest } = r;
  return rest;
}

function debugBody(r: Record<string, unknown>): Record<string, unknown> {
  const { changed: _c, failed: _f, skipped: _s, ...rest } = r;
  return rest;
}

/**
 * Under strategy free, hosts run different tasks at once: as Ansible's default callback, a
 * task's banner is printed before a result whenever the last one printed was another task's.
 */
function freeBanners(): (e: Event) => string | undefined | false {
  let free = false;
  let last: number | undefined;
  const banners = new Map<number, string>();
  return (e) => {
    if (e.kind === 'play_start') {
      free = Boolean(e.free);
      last = undefined;
    } else if (free && e.kind === 'task_start' && e.taskId !== undefined) {
      banners.set(e.taskId, formatters.task_start(e, { verbosity: 0, write: () => {} })!);
      return false;
    } else if (free && e.kind === 'host_result' && e.taskId !== undefined && e.taskId !== last) {
      last = e.taskId;
      return banners.get(e.taskId);
    }
    return undefined;
  };
}

export function plainRenderer(o: PlainOptions): (e: Event) => void {
  const free = freeBanners();
  return (e) => {
    const before = free(e);
    if (before === false) return;
    if (before) o.write(before + '\n');
    const text = (formatters[e.kind] as Formatter<typeof e.kind>)(e as never, o);
    if (text !== undefined) (e.kind === 'warning' && o.warn ? o.warn : o.write)(text + '\n');
  };
}
