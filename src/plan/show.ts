/**
 * `tsplay show plan.json`: a saved plan as `--diff` would print it: per host, each task that
 * would change something with its diff, what runs without a diff (commands), and why a host
 * would be refused; then a count per host.
 */
import { shownPath } from '../core/local-files.js';
import { unifiedDiff } from '../output/diff.js';
import type { PlanFile } from './schema.js';

const banner = (title: string) => `${title} ${'*'.repeat(Math.max(3, 79 - title.length))}\n`;

export function showPlan(plan: PlanFile, cwd: string): string {
  let out = `plan of ${plan.playbooks.map((p) => p.path).join(', ')}, made ${plan.created} by tsplay ${plan.tsplay_version}\n`;
  const recap: string[] = [];
  for (const [name, h] of Object.entries(plan.hosts)) {
    out += `\n${banner(`HOST [${name}]`)}`;
    if (!h.reachable) {
      out += `unreachable when planned: ${h.reason}\n`;
      recap.push(`${name.padEnd(26)} : unreachable`);
      continue;
    }
    let changes = 0;
    for (const e of h.entries) {
      const at = `${e.task} (${shownPath(e.file, cwd)}:${e.line})${e.item !== null ? ` item ${e.item}` : ''}`;
      if (e.unplannable) out += `unplannable: ${at}: ${e.unplannable}\n`;
      if (e.apply === null) continue;
      changes++;
      if (e.no_log) out += `changed: ${at} (no_log: what changes is hidden)\n`;
      else {
        for (const d of e.diff) out += unifiedDiff(d) + (unifiedDiff(d).endsWith('\n') ? '' : '\n');
        out += `${e.unpredictable ? 'will run' : 'changed'}: ${at}\n`;
      }
    }
    if (h.would_fail) out += `would fail: ${h.would_fail.task} (${shownPath(h.would_fail.file, cwd)}:${h.would_fail.line}): ${h.would_fail.msg}\n`;
    if (changes === 0 && !h.would_fail && !h.entries.some((e) => e.unplannable)) out += 'no changes\n';
    const blocked = h.would_fail ? '  (apply refuses it: a task would fail)' : h.entries.some((e) => e.unplannable) ? '  (apply refuses it: unplannable tasks)' : '';
    recap.push(`${name.padEnd(26)} : to change=${changes}${blocked}`);
  }
  return `${out}\n${banner('PLAN RECAP')}${recap.join('\n')}\n`;
}
