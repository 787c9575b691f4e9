/**
 * Probe batching. When a task needs a probe, the probes of the tasks after it (and of every
 * loop item) are run in the same round trip: probing only reads, so doing it early is safe as
 * long as nothing on the host changes in between. Results are cached per host by the exact
 * probe script (with its become user and environment); a task whose script matches uses the
 * cached output (two tasks reading the same file share one probe), anything else probes as
 * usual. Every apply clears the host's cache, so a task after a change always sees fresh state.
 * A converged playbook then costs about two round trips per host: facts and one batch of probes.
 *
 * Probing ahead pays off while tasks find their state converged. On a host where tasks keep
 * changing (a first run), every batch would be thrown away by the next apply and each task
 * probed again in every batch before it: so after a change made by a task that was not served
 * from the cache, the next task probes alone, and looking ahead resumes once a task finds
 * nothing to do. A drift among converged tasks (served from the cache) keeps looking ahead, and
 * so does a task that probes nothing (a plain command says nothing about convergence).
 *
 * An apply takes the next probe along: the apply script and the probe of the task (or loop item)
 * after it run in one round trip, the probe after the apply, so what it reads is fresh. While
 * tasks keep changing that is one probe, so a first run costs about one round trip per task;
 * while looking ahead it is the whole batch. A probe that rode with an apply while tasks kept
 * changing does not count as looked ahead.
 */
import { randomBytes } from 'node:crypto';
import type { ExecResult } from '../core/module.js';
import { lines, raw, type Shell, sh } from '../core/sh.js';

/** How far ahead a batch looks, in task results (loop items count one each). */
export const LOOKAHEAD = 64;

export interface ProbeRequest {
  /** The probe script as the task will compute it. */
  script: Shell;
  /** Become user and environment: only probes sharing the current task's go in its batch. */
  context: string;
}

export class ProbeCache {
  /** lookedAhead false: fetched along with an apply while tasks kept changing (see the header). */
  private entries = new Map<string, { res: ExecResult; lookedAhead: boolean }>();
  /** Whether the next probe should take the probes ahead along (see the header). */
  lookAhead = true;

  private static key(r: ProbeRequest): string {
    return `${r.context}\0${r.script.text}`;
  }

  /** A cached result: valid until the next clear(), which every apply makes. */
  get(r: ProbeRequest): ExecResult | undefined {
    return this.entries.get(ProbeCache.key(r))?.res;
  }

  /** Stores a result; `lookedAhead: false` marks a probe that rode along with an apply (see the header). */
  put(r: ProbeRequest, res: ExecResult, lookedAhead = true): void {
    this.entries.set(ProbeCache.key(r), { res, lookedAhead });
  }

  /** Whether a cached result came from looking ahead (a batch, a converged task), not from an apply. */
  lookedAhead(r: ProbeRequest): boolean {
    return this.entries.get(ProbeCache.key(r))?.lookedAhead ?? true;
  }

  /** Forgets every result; after a change, whether to go on looking ahead (see the header). */
  clear(afterChange?: { keepLookingAhead: boolean }): void {
    this.entries.clear();
    if (afterChange) this.lookAhead = afterChange.keepLookingAhead;
  }
}

/**
 * One script running each given script in its own subshell, one after the other. Each stream is
 * framed on its own: stdout gets `<nonce>:rc=N` after a script's output, stderr `<nonce>:end`,
 * so the batch starts no process beyond the subshells (no temporary file, no cat).
 */
export function batchScript(scripts: Shell[], nonce: string): Shell {
  if (!/^\w+$/.test(nonce)) throw new Error(`invalid batch nonce: ${nonce}`);
  const rc = `\\n${nonce}:rc=%s\\n`;
  const end = `\\n${nonce}:end\\n`;
  return lines(...scripts.map((s) => sh`(\n${s}\n); r=$?\nprintf ${rc} "$r"\nprintf ${end} >&2`), raw(''));
}

export function newNonce(): string {
  return `__tsplay_${randomBytes(8).toString('hex')}`;
}

/** Splits a batch's output back into one result per script. */
export function splitBatch(out: { stdout: string; stderr: string }, nonce: string, count: number): ExecResult[] {
  const rcMark = new RegExp(`\\n${nonce}:rc=(\\d+)\\n`, 'g');
  const stdouts: string[] = [];
  const rcs: number[] = [];
  let start = 0;
  for (const m of out.stdout.matchAll(rcMark)) {
    stdouts.push(out.stdout.slice(start, m.index));
    rcs.push(Number(m[1]));
    start = m.index! + m[0].length;
  }
  const stderrs = out.stderr.split(`\n${nonce}:end\n`);
  if (rcs.length < count || stderrs.length < count + 1) throw new Error(`batch output is cut short (${Math.min(rcs.length, stderrs.length - 1)} of ${count} scripts)`);
  return stdouts.slice(0, count).map((stdout, i) => ({ stdout, rc: rcs[i]!, stderr: stderrs[i]! }));
}
