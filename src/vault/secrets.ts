/**
 * Vault passwords, from where ansible-vault and ansible-playbook take them: --vault-id
 * label@source (several; a source is a file, an executable whose output is the password, or
 * `prompt`), --vault-password-file, --ask-vault-pass, $ANSIBLE_VAULT_PASSWORD_FILE and
 * ansible.cfg's vault_password_file and vault_identity_list. A password file's content and a
 * script's output lose surrounding whitespace (Windows line endings included), as Ansible
 * strips them. An executable named `*-client` is asked for its label with `--vault-id LABEL`.
 *
 * A vault is opened with the secret whose label its 1.2 header names first, then with the
 * others (unless vault_id_match): what Ansible does.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { decrypt, encrypt, parseEnvelope, VaultError } from './format.js';

export interface VaultSecret {
  label: string;
  password: Buffer;
  /** Where it came from, for messages: a file, `prompt`, a script. */
  source: string;
}

export interface VaultOptions {
  vaultId?: string[];
  vaultPasswordFile?: string[];
  askVaultPass?: boolean;
}

/** ansible.cfg's vault settings (src/cli/config.ts). */
export interface VaultConfig {
  vaultPasswordFile?: string;
  vaultIdentityList: string[];
  vaultIdentity: string;
  vaultEncryptIdentity?: string;
  vaultIdMatch: boolean;
}

/** Reads a password at a prompt: the caller's terminal, echo off. */
export type Prompter = (question: string) => Promise<string>;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Python's bytes.strip(): ASCII whitespace off both ends. */
function strip(b: Buffer): Buffer {
  let start = 0;
  let end = b.length;
  const ws = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  while (start < end && ws(b[start]!)) start++;
  while (end > start && ws(b[end - 1]!)) end--;
  return b.subarray(start, end);
}

async function readSource(label: string, source: string, prompt: Prompter): Promise<VaultSecret> {
  if (source === 'prompt' || source === 'prompt_ask_vault_pass') {
    const question = label === 'default' ? 'Vault password: ' : `Vault password (${label}): `;
    return { label, password: Buffer.from(await prompt(question)), source: 'prompt' };
  }
  let password: Buffer;
  source = resolve(source);
  try {
    if (executable(source)) {
      const args = basename(source).replace(/\.[^.]*$/, '').endsWith('-client') ? ['--vault-id', label] : [];
      password = execFileSync(source, args, { stdio: ['inherit', 'pipe', 'inherit'] });
    } else password = readFileSync(source);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { status?: number };
    const why = err.code === 'ENOENT' ? 'no such file' : err.status !== undefined ? `the script exited with ${err.status}` : err.message;
    throw new UserError(`vault password file ${source} (vault id ${label}): ${why}`);
  }
  const stripped = strip(password);
  if (!stripped.length) throw new UserError(`vault password file ${source} (vault id ${label}) is empty`, undefined, 'a vault password cannot be empty');
  return { label, password: Buffer.from(stripped), source };
}

/** `label@source`, or a bare source for the default label. */
function splitId(id: string, defaultLabel: string): [string, string] {
  const at = id.indexOf('@');
  return at < 0 ? [defaultLabel, id] : [id.slice(0, at), id.slice(at + 1)];
}

/** Every secret the options, the environment and ansible.cfg give, in Ansible's order. */
export async function loadSecrets(o: VaultOptions, config: VaultConfig, prompt: Prompter): Promise<VaultSecret[]> {
  const def = config.vaultIdentity;
  // As ansible-core 2.14's CLI.setup_vault_secrets orders them: ansible.cfg's identities, the
  // --vault-id ones, the password files (ANSIBLE_VAULT_PASSWORD_FILE or vault_password_file
  // last, always), then the --ask-vault-pass prompt.
  const ids: [string, string][] = [
    ...config.vaultIdentityList.map((i) => splitId(i, def)),
    ...(o.vaultId ?? []).map((i) => splitId(i, def)),
    ...[...(o.vaultPasswordFile ?? []), ...(config.vaultPasswordFile ? [config.vaultPasswordFile] : [])].map((f): [string, string] => [def, f]),
  ];
  if (o.askVaultPass) ids.push([def, 'prompt_ask_vault_pass']);
  const out: VaultSecret[] = [];
  for (const [label, source] of ids) out.push(await readSource(label, source, prompt));
  return out;
}

/** Opens and makes vaults with a set of secrets. */
export class Vault {
  constructor(
    readonly secrets: VaultSecret[],
    private readonly idMatch = false,
    private readonly encryptIdentity?: string,
  ) {}

  /** The plaintext of a vault; `where` (a file, file:line) names it in errors. */
  decrypt(text: string, where: string): Buffer {
    const env = parseEnvelope(text);
    const label = env.label ?? 'default';
    if (!this.secrets.length) throw new UserError(`${where} is vaulted (vault id ${label}) and no vault password was given`, undefined, 'give --vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass');
    const matching = this.secrets.filter((s) => s.label === label);
    const order = this.idMatch ? matching : [...matching, ...this.secrets.filter((s) => s.label !== label)];
    for (const s of order) {
      try {
        return decrypt(text, s.password);
      } catch (e) {
        if (!(e instanceof VaultError) || /damaged|not supported|not a vault/.test(e.message)) throw new UserError(`${where}: ${(e as Error).message}`);
      }
    }
    const tried = order.map((s) => `${s.label} (${s.source})`).join(', ') || 'none';
    throw new UserError(`${where}: no vault password opens it (vault id ${label}; tried ${tried})`, undefined, 'check the password, or give the one of this vault id with --vault-id');
  }

  /** The secret new vaults are made with: --encrypt-vault-id (or vault_encrypt_identity), else the only one. */
  encryptSecret(label?: string): VaultSecret {
    const want = label ?? this.encryptIdentity;
    if (want !== undefined) {
      const s = this.secrets.find((x) => x.label === want);
      if (!s) throw new UserError(`no vault password has the vault id ${want}`, undefined, `give --vault-id ${want}@FILE`);
      return s;
    }
    if (!this.secrets.length) throw new UserError('no vault password was given', undefined, 'give --vault-password-file FILE, --vault-id LABEL@FILE or --ask-vault-pass');
    const labels = new Set(this.secrets.map((s) => s.label));
    if (labels.size > 1) throw new UserError(`several vault ids were given (${[...labels].join(', ')}): say which encrypts`, undefined, 'give --encrypt-vault-id LABEL');
    return this.secrets[0]!;
  }

  encrypt(plaintext: Buffer | string, secret: VaultSecret): string {
    return encrypt(plaintext, secret.password, secret.label);
  }
}
