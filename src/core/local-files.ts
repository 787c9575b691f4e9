/**
 * Files on the controller that tsplay writes and reads back (reports, plans, the rollout state,
 * the facts cache): written whole or not at all, read back checked against their schema, and
 * named in messages as the user would type them.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mask } from '../vault/taint.js';
import { dirname, isAbsolute, relative } from 'node:path';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UserError } from './errors.js';

/** Written beside (a name of this process's own), then renamed: a reader never sees half a file. `mode` is set whatever the umask. */
export function writeAtomic(path: string, text: string | Uint8Array, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  // Reports, state and cache files show no vaulted value, as the output does not.
  writeFileSync(tmp, typeof text === 'string' ? mask(text) : text, mode === undefined ? undefined : { mode });
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/**
 * A JSON file that must match `schema`; else bad input naming `label` (the file, or the option
 * that gave it), saying it is not `what`, with `hint`.
 */
export function readChecked<S extends TSchema>(file: string, schema: S, o: { label: string; what: string; hint: string }): Static<S> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${o.label}: ${(e as Error).message}`, undefined, o.hint);
  }
  if (!Value.Check(schema, data)) {
    const first = [...Value.Errors(schema, data)][0];
    throw new UserError(`${o.label} is not ${o.what}: ${first?.path || '/'} ${first?.message ?? ''}`.trim(), undefined, o.hint);
  }
  return data;
}

/** A path as the user would type it: relative to `cwd` when inside it ('.' for cwd itself). */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
