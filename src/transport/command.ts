/**
 * The remote command line for one script. Scripts up to INLINE_MAX bytes travel as one
 * argument of `sh -c` (the kernel limits a single argument to 128 KiB); larger ones (big file
 * contents) travel on standard input into a private temporary file that sh then runs.
 */
import { type Shell, sh } from '../core/sh.js';

const INLINE_MAX = 96 * 1024;

export interface RemoteCommand {
  command: string;
  stdin?: string;
}

function asUser(inner: Shell, become: string | false | undefined): Shell {
  return become ? sh`sudo -n -H -u ${become} -- ${inner}` : inner;
}

export function remoteCommand(script: string, become?: string | false): RemoteCommand {
  if (Buffer.byteLength(script) <= INLINE_MAX) return { command: asUser(sh`/bin/sh -c ${script}`, become).text };
  const runner = sh`t=$(mktemp) || exit 1; cat > "$t"; chmod 0644 "$t"; ${asUser(sh`/bin/sh "$t"`, become)} </dev/null; rc=$?; rm -f "$t"; exit $rc`;
  return { command: sh`/bin/sh -c ${runner.text}`.text, stdin: script };
}
