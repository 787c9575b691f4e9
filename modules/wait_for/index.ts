/**
 * wait_for: waits until a TCP port is listening (or closed) or a file exists (or is gone, or
 * contains a pattern). The wait is a bounded polling loop inside the probe, so it costs one
 * round trip however long it lasts; plan() only reads how it ended.
 *
 * Ports on this host (127.0.0.0/8, ::1, localhost, 0.0.0.0) are checked in /proc/net/tcp and
 * /proc/net/tcp6, which needs no tool and opens no connection; other hosts, and any
 * search_regex on a port, connect with bash's /dev/tcp under `timeout`.
 */
import { type Static, Type } from '@sinclair/typebox';
import { absolutePath } from '../../src/core/schema.js';
import { defineModule, type ExecResult, type Plan } from '../../src/core/module.js';
import { probeOutput } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';

const schema = Type.Object(
  {
    host: Type.Optional(Type.String({ description: 'Host (name or address) whose port to wait for.', default: '127.0.0.1', minLength: 1 })),
    port: Type.Optional(Type.Integer({ description: 'TCP port to wait for.', minimum: 1, maximum: 65535 })),
    path: Type.Optional(absolutePath('File to wait for (mutually exclusive with port).')),
    state: Type.Optional(
      Type.Union([Type.Literal('started'), Type.Literal('stopped'), Type.Literal('present'), Type.Literal('absent')], {
        description: 'started/present: wait until the port listens or the file exists; stopped/absent: until the port is closed or the file is gone.',
        default: 'started',
      }),
    ),
    timeout: Type.Optional(Type.Number({ description: 'Seconds to wait in all (including delay) before failing.', minimum: 0, maximum: 604800, default: 300 })),
    delay: Type.Optional(Type.Number({ description: 'Seconds to wait before the first check.', minimum: 0, maximum: 604800, default: 0 })),
    sleep: Type.Optional(Type.Number({ description: 'Seconds between checks.', minimum: 0.1, maximum: 3600, default: 1 })),
    connect_timeout: Type.Optional(Type.Number({ description: 'Seconds allowed for one connection attempt (remote hosts, search_regex).', minimum: 1, maximum: 3600, default: 5 })),
    search_regex: Type.Optional(
      Type.String({ description: 'Extended regular expression (grep -E / bash =~, not Python re) that the file, or the data the port sends first, must match.', minLength: 1 }),
    ),
    msg: Type.Optional(Type.String({ description: 'Failure message instead of the default one.' })),
  },
  { additionalProperties: false },
);

type Args = Static<typeof schema>;

export interface WaitState {
  /** The condition was met before the timeout. */
  ok: boolean;
  elapsed: number;
  /** Set when the check could not be made at all (e.g. no bash for a remote port). */
  error?: string;
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** An IPv4 address as /proc/net/tcp prints it: the 32-bit word in little-endian hex. */
function v4hex(addr: string): string {
  return addr
    .split('.')
    .map((o) => hex2(Number(o)))
    .reverse()
    .join('');
}

const V4_ANY = '00000000';
const V6_ANY = '0'.repeat(32);
const V6_LOOPBACK = '00000000000000000000000001000000';
const v4mapped = (addr: string) => `0000000000000000FFFF0000${v4hex(addr)}`;

/**
 * The /proc/net/tcp{,6} local addresses a listener may have to accept a connection to `host`,
 * or undefined when host is not this machine's loopback (then a real connection is needed).
 * '*' means any address.
 */
export function localAddresses(host: string): string[] | undefined {
  if (host === '0.0.0.0' || host === '::') return ['*'];
  if (host === '::1') return [V6_LOOPBACK, V6_ANY];
  const loop4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (loop4 && loop4.slice(1).every((o) => Number(o) <= 255)) return [v4hex(host), V4_ANY, v4mapped(host), V6_ANY];
  if (host === 'localhost') return [v4hex('127.0.0.1'), V4_ANY, v4mapped('127.0.0.1'), V6_LOOPBACK, V6_ANY];
  return undefined;
}

function portCheck(args: Args): Shell {
  const host = args.host ?? '127.0.0.1';
  const port = args.port!;
  const addrs = localAddresses(host);
  const ct = args.connect_timeout ?? 5;
  if (addrs && args.search_regex === undefined) {
    const portHex = port.toString(16).toUpperCase().padStart(4, '0');
    // Each listener's address is matched against every wanted one; '*:PORT' is a glob for any address.
    const wanted = addrs.map((a) => `${a}:${portHex}`);
    return lines(
      sh`check() {`,
      sh`  for f in /proc/net/tcp /proc/net/tcp6; do`,
      sh`    [ -r "$f" ] || continue`,
      sh`    while read -r _sl laddr _rem st _rest; do`,
      sh`      [ "$st" = 0A ] || continue`,
      sh`      for a in ${wanted}; do case "$laddr" in $a) return 0;; esac; done`,
      sh`    done < "$f"`,
      sh`  done`,
      sh`  return 1`,
      sh`}`,
    );
  }
  // A real connection: bash's /dev/tcp, bounded by timeout(1); host, port and regex are arguments.
  const connect =
    args.search_regex === undefined
      ? 'exec 3<>"/dev/tcp/$0/$1"'
      : 'exec 3<>"/dev/tcp/$0/$1" || exit 1; while IFS= read -r line <&3 || [ -n "$line" ]; do [[ $line =~ $2 ]] && exit 0; line=; done; exit 1';
  return lines(
    sh`command -v bash >/dev/null 2>&1 || { echo "error=bash is needed to connect to a remote port"; exit 0; }`,
    sh`check() { timeout ${ct} bash -c ${connect} ${host} ${port} ${args.search_regex ?? ''} 2>/dev/null; }`,
  );
}

function pathCheck(args: Args): Shell {
  const p = args.path!;
  if (args.search_regex !== undefined) return sh`check() { [ -f ${p} ] && grep -Eq -- ${args.search_regex} ${p}; }`;
  return sh`check() { [ -e ${p} ]; }`;
}

function waitsForAbsence(args: Args): boolean {
  return args.state === 'stopped' || args.state === 'absent';
}

function probe(args: Args): Shell {
  if (args.port !== undefined && args.path !== undefined) return lines();
  const timeout = args.timeout ?? 300;
  const start = lines(sh`start=$(date +%s)`, !!args.delay && sh`sleep ${args.delay!}`);
  if (args.port === undefined && args.path === undefined) {
    // Nothing to watch: Ansible then simply sleeps for the timeout.
    return lines(start, sh`sleep ${timeout}`, sh`echo result=ok`, sh`echo elapsed=$(( $(date +%s) - start ))`);
  }
  const cond = waitsForAbsence(args) ? sh`! check` : sh`check`;
  return lines(
    start,
    args.port !== undefined ? portCheck(args) : pathCheck(args),
    sh`end=$(( start + ${Math.ceil(timeout)} ))`,
    sh`while :; do`,
    sh`  if ${cond}; then echo result=ok; echo elapsed=$(( $(date +%s) - start )); exit 0; fi`,
    sh`  now=$(date +%s)`,
    sh`  if [ "$now" -ge "$end" ]; then echo result=timeout; echo elapsed=$(( now - start )); exit 0; fi`,
    sh`  sleep ${args.sleep ?? 1}`,
    sh`done`,
  );
}

function parse(out: ExecResult, args: Args): WaitState {
  if (args.port !== undefined && args.path !== undefined) return { ok: false, elapsed: 0 };
  const kv = probeOutput(out, 'wait_for');
  if (kv.has('error')) return { ok: false, elapsed: 0, error: kv.get('error') };
  const result = kv.get('result');
  if (result !== 'ok' && result !== 'timeout') throw new Error(`wait_for: unexpected probe output: ${out.stdout.trim()}`);
  return { ok: result === 'ok', elapsed: Number(kv.get('elapsed') ?? 0) };
}

/** Ansible's timeout messages, word for word. */
export function timeoutMessage(args: Args): string {
  const absent = waitsForAbsence(args);
  if (args.port !== undefined) {
    const where = `${args.host ?? '127.0.0.1'}:${args.port}`;
    if (absent) return `Timeout when waiting for ${where} to stop.`;
    if (args.search_regex !== undefined) return `Timeout when waiting for search string ${args.search_regex} in ${where}`;
    return `Timeout when waiting for ${where}`;
  }
  if (absent) return `Timeout when waiting for ${args.path} to be absent.`;
  if (args.search_regex !== undefined) return `Timeout when waiting for search string ${args.search_regex} in ${args.path}`;
  return `Timeout when waiting for file ${args.path}`;
}

function plan(args: Args, state: WaitState): Plan {
  if (args.port !== undefined && args.path !== undefined) return { steps: [], failed: 'port and path parameter can not both be passed to wait_for' };
  const result: Record<string, unknown> = { elapsed: state.elapsed, state: args.state ?? 'started' };
  if (args.port !== undefined) Object.assign(result, { port: args.port, host: args.host ?? '127.0.0.1' });
  if (args.path !== undefined) result.path = args.path;
  if (args.search_regex !== undefined) result.search_regex = args.search_regex;
  if (state.error) return { steps: [], failed: state.error, result };
  if (!state.ok) return { steps: [], changed: false, failed: args.msg ?? timeoutMessage(args), result };
  return { steps: [], changed: false, reason: `condition met after ${state.elapsed}s`, result };
}

export const waitFor = defineModule({
  // The probe is the wait itself: it must run when the task runs, never batched ahead.
  prefetch: false,
  name: 'wait_for',
  description:
    'Waits until a TCP port listens (or closes) or a file appears (or disappears, or matches search_regex), polling on the host ' +
    'for up to timeout seconds in one round trip. Never changed; fails with Ansible\'s message on timeout.',
  schema,
  examples: `- wait_for: port=8080 timeout=60
- wait_for:
    path: /var/run/app.pid
    state: absent
- wait_for: host=db.example.com port=5432 delay=5`,
  probe: (args) => probe(args),
  parse: (out, args) => parse(out, args),
  plan: (args, state: WaitState) => plan(args, state),
});

export default waitFor;
