/**
 * The vault of this run: set once by the command line from its options before anything is
 * read, then used by the loaders wherever Ansible accepts vaulted content (whole YAML files,
 * `!vault` values, copy and template sources). What they decrypt is tainted (taint.ts).
 */
import { type SourcePos, UserError } from '../core/errors.js';
import { isVault } from './format.js';
import type { Vault as VaultT } from './secrets.js';
import { Vault } from './secrets.js';
import { taint } from './taint.js';

let current: VaultT = new Vault([]);
const opened = new Map<string, string>();

export function setVault(v: VaultT): void {
  current = v;
  opened.clear();
}

/** Decrypts with the run's vault; errors point at `pos` (a vaulted file's first line). */
function decrypt(text: string, where: string, pos?: SourcePos): Buffer {
  try {
    return current.decrypt(text, where);
  } catch (e) {
    if (e instanceof UserError && !e.pos && pos) e.pos = pos;
    throw e;
  }
}

/** The plaintext of a `!vault` value or a vaulted file's text; `where` names it in errors. Tainted. */
export function openVaulted(text: string, where: string, pos?: SourcePos): string {
  // A file is read more than once (checks, then the run): PBKDF2 runs once per vault text.
  let plain = opened.get(text);
  if (plain === undefined) {
    plain = decrypt(text, where, pos).toString('utf8');
    opened.set(text, plain);
  }
  taint(plain);
  return plain;
}

/** A file's bytes, decrypted when it is a vault (copy and template sources). */
export function openFileBytes(data: Buffer, file: string): Buffer {
  if (!isVault(data)) return data;
  const plain = decrypt(data.toString('utf8'), file, { file, line: 1 });
  taint(plain.toString('utf8'));
  return plain;
}
