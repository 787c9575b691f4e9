/**
 * Ansible's booleans. Two spellings lists exist in Ansible itself and they disagree on purpose:
 * module arguments and connection variables go through module_utils/parsing/convert_bool.py
 * (`y`, `t` and `n`, `f` count), while the Jinja `bool` filter of ansible-core 2.14 has its own
 * shorter list. Both are here so that every caller picks one by name.
 */
import { pyStrip } from './re.js';

/** convert_bool's BOOLEANS_TRUE and BOOLEANS_FALSE, string members (lowercase). */
export const BOOLEANS_TRUE: ReadonlySet<string> = new Set(['y', 'yes', 'on', '1', 'true', 't']);
export const BOOLEANS_FALSE: ReadonlySet<string> = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/**
 * convert_bool's lookup: booleans as they are, strings lowercased and stripped (Python's
 * whitespace), the numbers 1 and 0 (1.0 and 0.0 are the same numbers to Python's sets).
 * Undefined when the value is none of these spellings.
 */
export function booleanOf(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const key = typeof v === 'string' ? pyStrip(v.toLowerCase()) : typeof v === 'number' ? String(v) : undefined;
  if (key === undefined) return undefined;
  return BOOLEANS_TRUE.has(key) ? true : BOOLEANS_FALSE.has(key) ? false : undefined;
}

/** convert_bool.boolean(value, strict): anything unrecognised is false, or a TypeError when strict. */
export function boolean(v: unknown, strict = true): boolean {
  const b = booleanOf(v);
  if (b !== undefined) return b;
  if (!strict) return false;
  throw new TypeError(`The value '${String(v)}' is not a valid boolean. Valid booleans include: ${[...BOOLEANS_TRUE, ...BOOLEANS_FALSE].map((s) => `'${s}'`).join(', ')}, 1, 0`);
}

/** The Jinja `bool` filter (ansible-core 2.14 plugins/filter/core.py to_bool): None stays None, no strip, no y/t. */
export function jinjaBool(v: unknown): boolean | null {
  if (v === null || typeof v === 'boolean') return v;
  const x = typeof v === 'string' ? v.toLowerCase() : v;
  return x === 'yes' || x === 'on' || x === '1' || x === 'true' || x === 1;
}
