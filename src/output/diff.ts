/** Unified diffs of before/after pairs, as `--diff` prints them. */
import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../core/module.js';

/** GNU diff and Python's difflib (so Ansible) write a one-line range as `-5`, not `-5,1`. */
function gnuHunkHeader(line: string): string {
  return line.startsWith('@@ ') ? line.replace(/^@@ -(\d+),1 /, '@@ -$1 ').replace(/ \+(\d+),1 @@/, ' +$1 @@') : line;
}

export function unifiedDiff(d: FileDiff): string {
  if (d.before === d.after) return '';
  return createTwoFilesPatch(`before: ${d.path}`, `after: ${d.path}`, d.before, d.after, undefined, undefined, { context: 3 })
    .split('\n')
    .slice(1) // drop the "=====" separator line
    .map(gnuHunkHeader)
    .join('\n');
}
