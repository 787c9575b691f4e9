/**
 * The remote command line for one script. Scripts up to INLINE_MAX bytes travel as one
 * argument of `sh -c` (the kernel limits a single argument to 128 KiB); larger ones (big file
 * contents) travel on standard input into a private temporary file that sh then runs.
 */
import { quote } from '../core/quote.js';

const INLINE_MAX = 96 * 1024;

export interface RemoteCommand {
  command: string;
  stdin?: string;
}

function asUser(inner: string, become: string | false | undefined): string {
  return become ? `sudo -n -H -u ${quote(become)} -- ${inner}` : inner;
}

export function remoteCommand(script: string, become?: string | false): RemoteCommand {
  if (Buffer.byteLength(script) <= INLINE_MAX) return { command: asUser(`/bin/sh -c ${quote(script)}`, become) };
  const runner = [
    't=$(mktemp) || exit 1',
    'cat > "$t"',
    'chmod 0644 "$t"',
    `${asUser('/bin/sh "$t"', become)} </dev/null`,
    'rc=$?',
    'rm -f "$t"',
    'exit $rc',
  ].join('; ');
  return { command: `/bin/sh -c ${quote(runner)}`, stdin: script };
}
