/**
 * Turns a plan's typed steps into one POSIX shell script, so that applying a plan costs one
 * round trip. Every value is quoted by quote(); file contents travel base64-encoded in a
 * here-document whose delimiter cannot occur in base64 text.
 */
import { posix } from 'node:path';
import { quote, quoteArgv } from './quote.js';
import type { ExecStep, PutStep, Step } from './module.js';

const EOF_MARK = 'TSPLAY_EOF';

function execLine(step: ExecStep): string {
  let cmd = quoteArgv(step.argv);
  if (step.stdin !== undefined) cmd = `printf '%s' ${quote(step.stdin)} | ${cmd}`;
  if (step.cwd) cmd = `cd ${quote(step.cwd)} && ${cmd}`;
  const ok = step.okCodes ?? [0];
  if (ok.length === 1 && ok[0] === 0) return cmd;
  return `rc=0; { ${cmd}; } || rc=$?; case $rc in ${ok.join('|')}) ;; *) exit $rc;; esac`;
}

function base64Lines(content: string | Uint8Array): string {
  const b64 = Buffer.from(content).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\n');
}

function putLines(step: PutStep): string[] {
  const dest = quote(step.path);
  const dir = quote(posix.dirname(step.path));
  const out = [`t=$(mktemp ${dir}/.tsplay.XXXXXX)`, `base64 -d > "$t" <<'${EOF_MARK}'`, base64Lines(step.content), EOF_MARK];
  if (step.backup) out.push(`if [ -f ${dest} ]; then cp -p ${dest} ${dest}.$(date +%Y-%m-%d@%H:%M:%S)~; fi`);
  // A new file gets 0666 less the umask, an existing one keeps its mode and owner, as Ansible does.
  if (step.mode) out.push(`chmod ${quote(step.mode)} "$t"`);
  else out.push(`if [ -e ${dest} ]; then chmod "$(stat -c %a ${dest})" "$t"; else chmod "$(printf '%o' $((0666 & ~0$(umask))))" "$t"; fi`);
  if (step.owner || step.group) out.push(`chown ${quote(`${step.owner ?? ''}${step.group ? ':' + step.group : ''}`)} "$t"`);
  else out.push(`if [ -e ${dest} ]; then chown "$(stat -c %u:%g ${dest})" "$t" 2>/dev/null || true; fi`);
  out.push(`mv -f "$t" ${dest}`);
  return out;
}

/** One script applying every step in order; the first failing step ends it with its exit code. */
export function compileSteps(steps: readonly Step[]): string {
  const lines = ['set -e'];
  for (const step of steps) {
    if (step.kind === 'exec') lines.push(execLine(step));
    else lines.push(...putLines(step));
  }
  return lines.join('\n') + '\n';
}

/** Prefixes a script with exported environment variables. */
export function withEnvironment(script: string, env: Record<string, string> | undefined): string {
  if (!env || Object.keys(env).length === 0) return script;
  const exports = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name: ${k}`);
    return `export ${k}=${quote(v)}`;
  });
  return exports.join('\n') + '\n' + script;
}

/** The command line that runs a script as another user through sudo, never prompting. */
export function becomeCommand(script: string, user: string): string {
  return `sudo -n -H -u ${quote(user)} -- /bin/sh -c ${quote(script)}`;
}

/** The command line that runs a script with the remote user's POSIX shell. */
export function shCommand(script: string): string {
  return `/bin/sh -c ${quote(script)}`;
}
