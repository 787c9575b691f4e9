/**
 * The one place where results are counted into a host's stats (the recap), as ansible-core's
 * strategy counts them: every success is ok, a changed one changed as well; an ignored failure
 * or unreachable is ok and ignored (and changed if it changed); a failure inside the tasks of a
 * block that has a rescue is rescued instead of failed. Fact gathering counts here too.
 */
import type { HostState } from './host.js';
import type { Outcome } from './result.js';

export interface Ignoring {
  errors: boolean;
  unreachable: boolean;
}

/** Counts one outcome; a host that fails or becomes unreachable is marked so and leaves the play. */
export function count(h: HostState, out: Outcome, ignoring: Ignoring): void {
  const s = h.stats;
  switch (out.status) {
    case 'unreachable':
      if (ignoring.unreachable) {
        s.ok++;
        s.ignored++;
      } else {
        s.unreachable++;
        h.unreachable = out.result.msg;
      }
      return;
    case 'failed':
      if (ignoring.errors) {
        s.ok++;
        s.ignored++;
        if (out.result.changed) s.changed++;
      } else {
        // A block will rescue it: Ansible counts it rescued, not failed.
        if (h.rescuable > 0) s.rescued++;
        else s.failed++;
        h.failed = true;
      }
      return;
    case 'skipped':
      s.skipped++;
      return;
    case 'changed':
      s.ok++;
      s.changed++;
      return;
    case 'ok':
      s.ok++;
  }
}
