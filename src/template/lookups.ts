/**
 * What a lookup plugin is given, and the helpers the plugins share. A plugin receives the
 * positional arguments after the plugin's name as its terms, as Ansible's lookup() hands them
 * over (`lookup('file', 'a', 'b')` has two terms, `lookup('file', ['a', 'b'])` one, a list),
 * and the keyword arguments other than `wantlist` and `errors` as its options. It returns a
 * list; globals.ts turns that into lookup()'s or query()'s value and applies `errors=`.
 */
import { homedir } from 'node:os';
import { findSource, sourceCandidates } from '../playbook/files.js';
import type { Session } from './registry.js';
import { fail, pyRepr } from './pyvalues.js';

export interface LookupCall {
  /** The render that called lookup(): its variables, file rendering and warnings. */
  session: Session;
  /**
   * The playbook's folder (`playbook_dir`), where Ansible runs pipe commands and resolves a
   * relative password file; the working directory when the template is rendered outside a play.
   */
  dir: string;
  /** Where relative files are looked for, in order: the role's folder for a task of a role, then the playbook's. */
  search: string[];
}

export type Plugin = (terms: unknown[], options: Record<string, unknown>, call: LookupCall) => unknown[];

/** The folders a lookup works from, read from the task's variables (Ansible's own playbook_dir and role_path). */
export function lookupCall(session: Session): LookupCall {
  const dir = session.lookup('playbook_dir');
  const role = session.lookup('role_path');
  const playbook = typeof dir === 'string' ? dir : process.cwd();
  return { session, dir: playbook, search: typeof role === 'string' ? [role, playbook] : [playbook] };
}

/** A term that must be text (a file name, a command): Ansible fails on a list there rather than guessing. */
export function termText(plugin: string, term: unknown): string {
  if (typeof term !== 'string') fail(`the ${plugin} lookup expects strings, got ${pyRepr(term)}`);
  return term;
}

/** `~` and `~/...` as Python's expanduser reads them (Ansible expands them in every lookup path). */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/** A controller file as the file, template and first_found lookups find it: in files/ (or templates/) of each search folder, then in the folder. */
export function findFile(search: string[], kind: 'files' | 'templates', name: string): string | undefined {
  for (const dir of search) {
    const found = findSource(dir, kind, expandHome(name));
    if (found) return found;
  }
  return undefined;
}

/** Where findFile looked, for the error when nothing was there. */
export function searched(search: string[], kind: 'files' | 'templates', name: string): string {
  return [...new Set(search.flatMap((dir) => sourceCandidates(dir, kind, expandHome(name))))].join(', ');
}
