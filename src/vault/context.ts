/**
 * The vault of this run: set once by the command line from its options before anything is
 * read, then used by the loaders wherever Ansible accepts vaulted content (whole YAML files,
 * `!vault` values, copy and template sources). What they decrypt is tainted (taint.ts).
 */
import { type SourcePos, UserError } from '../core/errors.js';
import { isVault } from './format.js';
import { Vault } from './secrets.js';
import { taint } from './taint.js';

let current = new Vault([]);
const opened = new Map<string, Buffer>();

export function setVault(v: Vault): void {
  current = v;
  opened.clear();
}

/**
 * The plaintext of a vault, decrypted with the run's vault and tainted; errors point at `pos`
 * (a vaulted file's first line). A vault is read more than once (the checks, then the run, then
 * each host's copy of a template source): PBKDF2 runs once per vault text.
 */
function plaintext(text: string, where: string, pos?: SourcePos): Buffer {
  let plain = opened.get(text);
  if (plain === undefined) {
    try {
      plain = current.decrypt(text, where);
    } catch (e) {
      if (e instanceof UserError && !e.pos && pos) e.pos = pos;
      throw e;
    }
    opened.set(text, plain);
  }
  taint(plain.toString('utf8'));
  return plain;
}

/** The plaintext of a `!vault` value or a vaulted file's text; `where` names it in errors. */
export function openVaulted(text: string, where: string, pos?: SourcePos): string {
  return plaintext(text, where, pos).toString('utf8');
}

/** A file's bytes, decrypted when it is a vault (copy and template sources). */
export function openFileBytes(data: Buffer, file: string): Buffer {
  return isVault(data) ? plaintext(data.toString('utf8'), file, { file, line: 1 }) : data;
}
