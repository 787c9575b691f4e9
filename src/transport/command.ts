/**
 * How a script reaches a host. Every round trip runs the same fixed program (RUNNER below, under
 * sudo with become) and the script itself travels on standard input: nothing a script holds
 * (file contents, environment values, passwords) is ever part of a command line, where any user
 * of the host could read it in /proc/PID/cmdline and sudo would log it.
 *
 * Delivery is all or nothing. The script arrives framed by one marker line, random for each
 * round trip, before and after it; the runner reads all of standard input, and runs it only if
 * it ends with the marker it started with. A script cut short (connection lost, controller
 * killed) runs no command at all. No temporary file is involved, so a full /tmp changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { sh } from '../core/sh.js';

/** Exit code of a script that arrived incomplete (nothing ran). */
export const INCOMPLETE_RC = 125;

const RUNNER = `s=$(cat) || exit ${INCOMPLETE_RC}
m=\${s%%
*}
case $s in
*"
$m") eval "$s" ;;
*) echo 'tsplay: the script arrived incomplete: nothing ran' >&2; exit ${INCOMPLETE_RC} ;;
esac`;

export interface RemoteCommand {
  /** The program and its fixed arguments (the same for every script). */
  argv: string[];
  /** argv as one command line for the remote login shell. */
  command: string;
  /** The framed script, for standard input. */
  stdin: string;
}

export function remoteCommand(script: string, become?: string | false): RemoteCommand {
  const argv = ['/bin/sh', '-c', RUNNER];
  if (become) argv.unshift('sudo', '-n', '-H', '-u', become, '--');
  const marker = `#tsplay:${randomBytes(8).toString('hex')}`;
  return { argv, command: sh`${argv}`.text, stdin: `${marker}\n${script}\n${marker}\n` };
}
