/**
 * What a task on one host comes to: a status and the result it registers, typed, so that every
 * layer (loops, changed_when/failed_when, stats, events) reads the same fields the same way.
 */
import type { Facts, FileDiff } from '../core/module.js';

/** The registered result, as Ansible registers it: these keys, plus the module's own (path, rc, stdout...). */
export interface TaskResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  unreachable?: boolean;
  msg?: string;
  rc?: number;
  /** A looped task's results, one per item. */
  results?: TaskResult[];
  ansible_facts?: Facts;
  [key: string]: unknown;
}

export type Status = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export type Outcome = (
  | { status: 'ok' | 'changed'; result: TaskResult; diff?: FileDiff[] }
  | { status: 'failed'; result: TaskResult & { failed: true; msg: string }; diff?: FileDiff[] }
  | { status: 'skipped'; result: TaskResult & { skipped: true }; diff?: undefined }
  | { status: 'unreachable'; result: TaskResult & { unreachable: true; msg: string }; diff?: undefined }
) & {
  /** Where a delegated task ran (the delegate's address, as Ansible shows `[host -> it]`). */
  delegate?: string;
  /** Check mode skipped it because what it would do cannot be known without running it (command, shell). */
  unpredictable?: boolean;
};

/** A task that failed before it changed anything (bad args, a failed plan, an exception). */
export function failed(msg: string, extra: Record<string, unknown> = {}): Outcome {
  return { status: 'failed', result: { changed: false, failed: true, msg, ...extra } as TaskResult & { failed: true; msg: string } };
}

export function skipped(extra: Record<string, unknown>): Outcome {
  return { status: 'skipped', result: { changed: false, skipped: true, ...extra } as TaskResult & { skipped: true } };
}

export function unreachable(msg: string): Outcome {
  return { status: 'unreachable', result: { unreachable: true, changed: false, msg } };
}

/** The outcome a result's own flags say (after changed_when/failed_when have set them). */
export function fromResult(result: TaskResult, diff?: FileDiff[]): Outcome {
  if (result.failed) return { status: 'failed', result: { ...result, failed: true, msg: result.msg ?? 'failed' }, diff };
  if (result.skipped) return { status: 'skipped', result: { ...result, skipped: true } };
  return { status: result.changed ? 'changed' : 'ok', result, diff };
}

const HIDDEN = 'the output has been hidden due to the fact that no_log: true was specified for this result';

/** A no_log task's result as events and -v output show it. */
export function hidden(result: TaskResult): TaskResult {
  return { censored: HIDDEN, changed: result.changed, failed: result.failed, skipped: result.skipped };
}
