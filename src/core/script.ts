/**
 * Turns a plan's typed steps into one POSIX shell script, so that applying a plan costs one
 * round trip. Every value goes through sh`` (quoted by construction); file contents travel
 * base64-encoded in a here-document whose delimiter cannot occur in base64 text.
 */
import { posix } from 'node:path';
import { chownSpec } from './attrs.js';
import type { ExecStep, PutStep, Step } from './module.js';
import { lines, raw, type Shell, sh } from './sh.js';

/** Ends the here-document opened in putLines(). */
const EOF_MARK = raw('TSPLAY_EOF');

/** A directory for cd: `cd -P` or `cd -` would be options, so a relative one is written ./DIR. */
export function cdOperand(dir: string): string {
  return dir.startsWith('/') ? dir : `./${dir}`;
}

function execLine(step: ExecStep): Shell {
  let cmd = sh`${step.argv}`;
  for (const [k, v] of Object.entries(step.env ?? {}).reverse()) cmd = sh`${envName(k)}=${v} ${cmd}`;
  if (step.stdin !== undefined) cmd = sh`printf '%s' ${step.stdin} | ${cmd}`;
  if (step.cwd) cmd = sh`cd ${cdOperand(step.cwd)} && ${cmd}`;
  const ok = step.okCodes ?? [0];
  if (ok.length === 1 && ok[0] === 0) return cmd;
  return sh`rc=0; { ${cmd}; } || rc=$?; case $rc in ${raw(ok.map((c) => String(Math.trunc(c))).join('|'))}) ;; *) exit $rc;; esac`;
}

/** base64 of the content in 76-column lines: only [A-Za-z0-9+/=], so it is safe unquoted. */
function base64Lines(content: string | Uint8Array): Shell {
  const b64 = Buffer.from(content).toString('base64');
  const out: string[] = [];
  for (let i = 0; i < b64.length; i += 76) out.push(b64.slice(i, i + 76));
  return raw(out.join('\n'));
}

function putLines(step: PutStep): Shell {
  const dest = step.path;
  return lines(
    sh`t=$(mktemp -- ${posix.dirname(dest)}/.tsplay.XXXXXX)`,
    sh`base64 -d > "$t" <<'TSPLAY_EOF'`,
    base64Lines(step.content),
    EOF_MARK,
    step.backup && sh`if [ -f ${dest} ]; then b=${dest}.$(date +%Y-%m-%d@%H:%M:%S)~; cp -p -- ${dest} "$b"; b=; fi`,
    // A new file gets 0666 less the umask, an existing one keeps its mode and owner, as Ansible does.
    step.mode
      ? sh`chmod -- ${step.mode} "$t"`
      : sh`if [ -e ${dest} ]; then chmod "$(stat -c %a ${dest})" "$t"; else chmod "$(printf '%o' $((0666 & ~0$(umask))))" "$t"; fi`,
    step.owner || step.group
      ? sh`chown -- ${chownSpec(step.owner, step.group)} "$t"`
      : sh`if [ -e ${dest} ]; then chown "$(stat -c %u:%g ${dest})" "$t" 2>/dev/null || true; fi`,
    sh`mv -f -- "$t" ${dest}`,
    raw('t='),
  );
}

/**
 * A put step's temporary file ($t), and a backup copy cut short ($b), are removed however the
 * script ends: a failed command (a full disk, an unknown owner), a signal, or the connection
 * lost (SIGPIPE on the next write). It holds on the host even when the controller is gone.
 */
const CLEANUP = lines(
  raw('t= b='),
  raw(`trap '[ -z "$t" ] || rm -f -- "$t"; [ -z "$b" ] || rm -f -- "$b"' EXIT`),
  raw(`trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM`),
);

/** One script applying every step in order; the first failing step ends it with its exit code. */
export function compileSteps(steps: readonly Step[]): Shell {
  const puts = steps.some((s) => s.kind === 'put');
  return lines(sh`set -e`, puts && CLEANUP, ...steps.map((s) => (s.kind === 'exec' ? execLine(s) : putLines(s))), raw(''));
}

/** An environment variable's name, checked: it goes into the script as it is. */
function envName(k: string): Shell {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name: ${k}`);
  return raw(k);
}

/** Prefixes a script with exported environment variables. */
export function withEnvironment(script: Shell, env: Record<string, string> | undefined): Shell {
  if (!env || Object.keys(env).length === 0) return script;
  const exports = Object.entries(env).map(([k, v]) => sh`export ${envName(k)}=${v}`);
  return lines(...exports, script);
}
