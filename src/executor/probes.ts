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

/** How far ahead a batch looks, in task results (loop items count one each). */
export const LOOKAHEAD = 64;

export interface ProbeRequest {
  /** The probe script as the task will compute it. */
  script: string;
  /** Become user and environment: only probes sharing the current task's go in its batch. */
  context: string;
}

export class ProbeCache {
  private entries = new Map<string, ExecResult>();
  /** Keys of results fetched along with an apply while tasks kept changing: not "looked ahead". */
  private withApply = new Set<string>();
  /** Whether the next probe should take the probes ahead along (see the header). */
  lookAhead = true;

  private static key(r: ProbeRequest): string {
    return `${r.context}\0${r.script}`;
  }

  /** A cached result: valid until the next clear(), which every apply makes. */
  take(r: ProbeRequest): ExecResult | undefined {
    return this.entries.get(ProbeCache.key(r));
  }

  /** Stores a result; `lookedAhead: false` marks a probe that rode along with an apply (see the header). */
  put(r: ProbeRequest, res: ExecResult, lookedAhead = true): void {
    const k = ProbeCache.key(r);
    this.entries.set(k, res);
    if (lookedAhead) this.withApply.delete(k);
    else this.withApply.add(k);
  }

  /** Whether a cached result came from looking ahead (a batch, a converged task), not from an apply. */
  lookedAhead(r: ProbeRequest): boolean {
    return !this.withApply.has(ProbeCache.key(r));
  }

  /** Forgets every result; after a change, whether to go on looking ahead (see the header). */
  clear(afterChange?: { keepLookingAhead: boolean }): void {
    this.entries.clear();
    this.withApply.clear();
    if (afterChange) this.lookAhead = afterChange.keepLookingAhead;
  }
}

/** One script running every probe in its own subshell, output framed by a random marker. */
export function batchScript(scripts: string[], nonce: string): string {
  const lines = ['e=$(mktemp) || exit 1'];
  for (const s of scripts) {
    lines.push(`(\n${s}\n) 2>"$e"; r=$?`, `printf '\\n${nonce}:rc=%s\\n' "$r"`, `cat "$e"`, `printf '\\n${nonce}:end\\n'`);
  }
  lines.push('rm -f "$e"');
  return lines.join('\n') + '\n';
}

export function newNonce(): string {
  return `__tsplay_${randomBytes(8).toString('hex')}`;
}

/** Splits a batch's output back into one result per probe. */
export function splitBatch(stdout: string, nonce: string, count: number): ExecResult[] {
  const parts = stdout.split(`\n${nonce}:end\n`);
  if (parts.length < count + 1) throw new Error(`probe batch output is cut short (${parts.length - 1} of ${count} probes)`);
  return parts.slice(0, count).map((part) => {
    const m = new RegExp(`\\n${nonce}:rc=(\\d+)\\n`).exec(part);
    if (!m) throw new Error('probe batch output has no exit status');
    return { stdout: part.slice(0, m.index), rc: Number(m[1]), stderr: part.slice(m.index + m[0].length) };
  });
}
