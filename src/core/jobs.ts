/**
 * Background jobs on a host, for async tasks, with nothing installed there: the apply script is
 * written to a job folder and started detached (nohup, stdin and outputs off the SSH channel),
 * so it outlives the connection; a watchdog in the same detached shell ends it after its time.
 * The folder then holds the script's stdout, stderr and exit code. Read by the executor when it
 * polls (src/executor/async.ts) and by the async_status module.
 */
import type { ExecResult } from './module.js';
import { lines, raw, type Shell, sh } from './sh.js';

/** Where jobs live: the (become) user's home, as Ansible's ~/.ansible_async. */
const DIR = raw('"${HOME:-/tmp}/.tsplay_async"');

/** A job id is `j` and digits: safe as a folder name, checked where one is read from a playbook. */
export const JOB_ID = /^j[0-9]{6,30}$/;

export function newJobId(): string {
  return `j${Date.now()}${Math.floor(Math.random() * 1e6).toString().padStart(6, '0')}`;
}

/**
 * The detached shell: runs the script in a session of its own where setsid exists (so the whole
 * process group goes when its time is up; else the script's shell alone), writes rc last (its
 * presence means done).
 */
const JOB = [
  'd=$1; t=$2',
  'if command -v setsid >/dev/null 2>&1; then run=setsid; else run=; fi',
  '$run sh "$d/script" >"$d/stdout" 2>"$d/stderr" </dev/null & pid=$!',
  'i=0',
  'while kill -0 "$pid" 2>/dev/null; do',
  '  if [ "$i" -ge "$t" ]; then kill -TERM "-$pid" 2>/dev/null || kill "$pid"; : >"$d/timedout"; break; fi',
  '  sleep 1; i=$((i+1))',
  'done',
  'wait "$pid"; rc=$?',
  'echo "$rc" >"$d/rc.tmp" && mv "$d/rc.tmp" "$d/rc"',
].join('\n');

/** Starts `script` as job `id`, ended after `seconds`; prints the job folder. */
export function launchJob(id: string, script: Shell, seconds: number): Shell {
  return lines(
    sh`d=${DIR}/${id}`,
    sh`mkdir -p ${DIR} && chmod 700 ${DIR} && mkdir "$d" || exit 1`,
    sh`printf '%s' ${script.text} >"$d/script"`,
    sh`nohup sh -c ${JOB} sh "$d" ${seconds} >/dev/null 2>&1 </dev/null &`,
    sh`echo "$d"`,
  );
}

/**
 * Prints the job's state: `missing`, `running DIR` (then, with `tail`, the last `tail` bytes of
 * its stderr and of its stdout: how a long job shows its progress), or `finished RC [timedout]
 * DIR` then stdout, the marker, stderr.
 */
export function jobStatus(id: string, marker: string, removeWhenDone = false, tail = 0): Shell {
  return lines(
    sh`d=${DIR}/${id}`,
    sh`if [ ! -d "$d" ]; then echo missing; exit 0; fi`,
    tail > 0 ? sh`if [ ! -f "$d/rc" ]; then echo "running $d"; tail -c ${tail} "$d/stderr"; echo; tail -c ${tail} "$d/stdout"; exit 0; fi` : sh`if [ ! -f "$d/rc" ]; then echo "running $d"; exit 0; fi`,
    sh`if [ -f "$d/timedout" ]; then to=timedout; else to=-; fi`,
    sh`echo "finished $(cat "$d/rc") $to $d"`,
    sh`cat "$d/stdout"; printf '\n%s\n' ${marker}; cat "$d/stderr"`,
    removeWhenDone ? sh`rm -rf "$d"` : sh`:`,
  );
}

export type JobState =
  | { state: 'missing' }
  | { state: 'running'; dir: string; tail?: string }
  | { state: 'finished'; dir: string; timedOut: boolean; result: ExecResult };

export function parseJobStatus(out: string, marker: string): JobState {
  const nl = out.indexOf('\n');
  const head = (nl < 0 ? out : out.slice(0, nl)).trim();
  const m = /^(missing|running|finished)(?: (-?\d+) (timedout|-))?(?: (.*))?$/.exec(head);
  if (!m || m[1] === 'missing') return { state: 'missing' };
  if (m[1] === 'running') return nl < 0 || nl === out.length - 1 ? { state: 'running', dir: m[4] ?? '' } : { state: 'running', dir: m[4] ?? '', tail: out.slice(nl + 1) };
  const body = out.slice(nl + 1);
  const at = body.lastIndexOf(`\n${marker}\n`);
  const stdout = at < 0 ? body : body.slice(0, at);
  const stderr = at < 0 ? '' : body.slice(at + marker.length + 2);
  return { state: 'finished', dir: m[4] ?? '', timedOut: m[3] === 'timedout', result: { rc: Number(m[2]), stdout: stdout.replace(/\n$/, ''), stderr: stderr.replace(/\n$/, '') } };
}
