/** Unified diffs of before/after pairs, as `--diff` prints them. */
import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../core/module.js';

export function unifiedDiff(d: FileDiff): string {
  if (d.before === d.after) return '';
  return createTwoFilesPatch(`before: ${d.path}`, `after: ${d.path}`, d.before, d.after, undefined, undefined, { context: 3 })
    .split('\n')
    .slice(1) // drop the "=====" separator line
    .join('\n');
}
