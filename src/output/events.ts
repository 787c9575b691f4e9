/**
 * Everything the executor reports is one of these events, discriminated by `kind`. Renderers
 * map every kind through an exhaustive table, so a new kind cannot be forgotten by one of them.
 */
import type { FileDiff } from '../core/module.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type Event =
  | { kind: 'playbook_start'; file: string; check: boolean }
  /** A play (or one of its serial batches) starts; under strategy free, results name their task as they come. */
  | { kind: 'play_start'; name: string; hosts: string[]; free?: boolean }
  | { kind: 'task_start'; name: string; module: string; handler: boolean; file: string; line?: number; taskId?: number }
  | {
      kind: 'host_result';
      host: string;
      task: string;
      /** The task_start this result belongs to (its taskId). */
      taskId?: number;
      module: string;
      status: HostStatus;
      changed: boolean;
      /** The failure was ignored (ignore_errors / ignore_unreachable). */
      ignored: boolean;
      item?: string;
      /** The task ran on this delegate (delegate_to): shown as `[host -> delegate]`. */
      delegate?: string;
      /** Check mode skipped it: what it would do cannot be known without running it (command, shell). */
      unpredictable?: boolean;
      /** The summary of a looped task (its items were reported one by one before it). */
      loop?: boolean;
      msg?: string;
      diff?: FileDiff[];
      durationMs: number;
      /** The registered result, with no_log values already hidden. */
      result: Record<string, unknown>;
      noLog: boolean;
    }
  | { kind: 'host_command'; host: string; task: string; phase: 'probe' | 'apply'; script: string; rc: number; stdout: string; stderr: string }
  | { kind: 'warning'; msg: string; deprecation?: boolean; error?: boolean }
  /** include_tasks brought a file in for these hosts (one loop item's, with `item`). */
  | { kind: 'included'; file: string; hosts: string[]; item?: string }
  /** An async job polled (still running), done, or failed (Ansible's ASYNC POLL / OK / FAILED lines). */
  | { kind: 'async'; host: string; jid: string; phase: 'poll' | 'ok' | 'failed' }
  /** How far a detached task's job got (a disk image: partclone's percent and rate), as its host reports it while it runs. */
  | { kind: 'progress'; host: string; task: string; percent: number; rate?: string; text?: string }
  /** A task's `until` did not hold yet: it runs again (Ansible's FAILED - RETRYING line). */
  | { kind: 'retry'; host: string; task: string; left: number }
  | { kind: 'no_hosts_left' }
  /** The hosts to retry were written there (ansible-playbook's "to retry, use: --limit @FILE"). */
  | { kind: 'retry_file'; path: string }
  /** A serial batch starts (its PLAY banner is a play_start), and ends with the hosts that failed in it. */
  | { kind: 'batch_start'; play: string; batch: number; of: number; hosts: string[]; budgetLeft?: number }
  | { kind: 'batch_end'; play: string; batch: number; failed: string[]; budgetLeft?: number }
  /**
   * A rollout stopped before its last batch (`budget`: tsplay's max_fail_total spent; else a
   * batch that failed whole or past max_fail_percentage, as Ansible stops): which hosts were
   * done, which failed and where, which never started, and how many hosts it changed.
   */
  | { kind: 'rollout_stop'; play: string; reason: string; done: string[]; failed: { host: string; task?: string }[]; notStarted: string[]; changed: number; budget: boolean }
  | { kind: 'recap'; stats: Record<string, HostStats>; roundTrips: Record<string, number>; durationMs: number };

export type EventKind = Event['kind'];

export type Sink = (event: Event) => void;

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
