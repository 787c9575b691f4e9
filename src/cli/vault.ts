/**
 * `tsplay vault ACTION`: ansible-vault's create, encrypt, decrypt, view, edit, rekey and
 * encrypt_string, with its options, its messages on stderr and its file format (src/vault).
 * What an editor sees lives in a private folder (mode 0700, the file 0600) that is removed
 * whatever the editor does; a file is replaced atomically, never half-written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type Command, Option } from 'commander';
import { UserError } from '../core/errors.js';
import { writeAtomic } from '../core/local-files.js';
import { setVault } from '../vault/context.js';
import { isVault } from '../vault/format.js';
import { maskStandardStreams } from '../vault/taint.js';
import { collect } from './options.js';
import { loadSecrets, type Prompter, Vault, type VaultConfig, type VaultOptions } from '../vault/secrets.js';


/**
 * A password read at the terminal with echo off (raw mode: the terminal shows nothing typed),
 * or a line of stdin when stdin is not a terminal.
 */
export const terminalPrompt: Prompter = (question) =>
  new Promise((resolvePrompt, reject) => {
    const input = process.stdin;
    const tty = input.isTTY === true;
    // Echo goes off before the question shows: an answer typed at once is not echoed either.
    if (tty) input.setRawMode(true);
    process.stderr.write(question);
    let typed = '';
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      if (tty) input.setRawMode(false);
      input.pause();
      if (tty) process.stderr.write('\n');
      if (err) reject(err);
      else resolvePrompt(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new UserError('interrupted at the vault password prompt'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    const onEnd = () => (typed ? finish() : finish(new UserError('no vault password was typed')));
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });

/** The options every action takes, as ansible-vault's (and run, audit, plan, render and validate). */
export function vaultOptions(cmd: Command): Command {
  return cmd
    .option('--vault-id <id>', 'a vault id: LABEL@FILE, LABEL@prompt, or FILE (repeatable)', collect, [])
    .option('--vault-password-file <file>', 'a vault password file, or an executable printing the password (repeatable)', collect, [])
    .addOption(new Option('--vault-pass-file <file>').hideHelp().argParser(collect).default([]))
    .option('-J, --ask-vault-password', 'ask for the vault password')
    .addOption(new Option('--ask-vault-pass').hideHelp());
}

interface Opts extends VaultOptions {
  askVaultPassword?: boolean;
  vaultPassFile?: string[];
  output?: string;
  encryptVaultId?: string;
  newVaultId?: string;
  newVaultPasswordFile?: string;
  name?: string[];
  stdinName?: string;
  prompt?: boolean;
}

/**
 * Before a run reads anything: the vault its loaders decrypt with (a password asked for, a
 * script run, now), and stdout and stderr masked for what they decrypt.
 */
export async function activateVault(o: Opts, config: VaultConfig, prompt: Prompter = terminalPrompt): Promise<void> {
  setVault(await openVault(o, config, prompt));
  maskStandardStreams();
}

async function openVault(o: Opts, config: VaultConfig, prompt: Prompter): Promise<Vault> {
  const files = [...(o.vaultPasswordFile ?? []), ...(o.vaultPassFile ?? [])];
  const secrets = await loadSecrets({ vaultId: o.vaultId, vaultPasswordFile: files, askVaultPass: o.askVaultPass || o.askVaultPassword }, config, prompt);
  return new Vault(secrets, config.vaultIdMatch, config.vaultEncryptIdentity);
}

function readInput(file: string): Buffer {
  if (file === '-') return readFileSync(0);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** Writes an action's result: stdout for `-`, else atomically with mode 0600, as ansible-vault does. */
function writeOutput(file: string, data: Buffer | string): void {
  if (file === '-') return void process.stdout.write(data);
  writeAtomic(file, data, 0o600);
}

/** Runs $EDITOR on a private copy of `plaintext`; its new content, or undefined when the editor failed. */
function editPrivately(plaintext: Buffer, name: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-'));
  const file = join(dir, basename(name));
  try {
    writeFileSync(file, plaintext, { mode: 0o600 });
    const editor = process.env.EDITOR || 'vi';
    // The editor command is the user's own, split by the shell as Ansible splits it; the file is "$1".
    const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' });
    if (r.status !== 0) throw new UserError(`the editor (${editor}) exited with ${r.status ?? r.signal}: ${name} is left as it was`);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const done = (what: string) => process.stderr.write(`${what} successful\n`);

/** `  name: !vault |` and the vault indented by 10, as ansible-vault encrypt_string prints it. */
function yamlVault(vault: string, name?: string): string {
  const body = vault.trimEnd().split('\n').map((l) => `          ${l}`).join('\n');
  return `${name !== undefined ? `${name}: ` : ''}!vault |\n${body}\n`;
}

export function registerVault(prog: Command, readConfig: () => VaultConfig, prompt: Prompter = terminalPrompt): void {
  const vault = prog.command('vault').description('ansible-vault\'s actions: encrypt, decrypt, view, edit, create, rekey files and encrypt_string');
  const action = (name: string, description: string) => vaultOptions(vault.command(name).description(description));

  action('create', 'make a new vault file with $EDITOR')
    .argument('<file>')
    .option('--encrypt-vault-id <label>', 'the vault id to encrypt with, when several are given')
    .action(async (file: string, o: Opts) => {
      if (existsSync(file)) throw new UserError(`${file} exists: use tsplay vault edit`);
      const v = await openVault(o, readConfig(), prompt);
      const secret = v.encryptSecret(o.encryptVaultId);
      writeAtomic(file, v.encrypt(editPrivately(Buffer.alloc(0), file), secret), 0o600);
    });

  action('encrypt', 'encrypt files in place (or stdin to stdout, or to --output)')
    .argument('[files...]')
    .option('--output <file>', 'write here instead (- for stdout)')
    .option('--encrypt-vault-id <label>', 'the vault id to encrypt with, when several are given')
    .action(async (files: string[], o: Opts) => {
      const v = await openVault(o, readConfig(), prompt);
      const secret = v.encryptSecret(o.encryptVaultId);
      const inputs = files.length ? files : ['-'];
      if (inputs.length > 1 && o.output) throw new UserError('--output takes one input file');
      for (const f of inputs) {
        const data = readInput(f);
        if (isVault(data)) throw new UserError(`${f === '-' ? 'stdin' : f} is already encrypted`);
        writeOutput(o.output ?? f, v.encrypt(data, secret));
      }
      done('Encryption');
    });

  action('decrypt', 'decrypt files in place (or stdin to stdout, or to --output)')
    .argument('[files...]')
    .option('--output <file>', 'write here instead (- for stdout)')
    .action(async (files: string[], o: Opts) => {
      const v = await openVault(o, readConfig(), prompt);
      const inputs = files.length ? files : ['-'];
      if (inputs.length > 1 && o.output) throw new UserError('--output takes one input file');
      for (const f of inputs) {
        const text = readInput(f).toString('utf8');
        if (!isVault(text)) throw new UserError(`${f === '-' ? 'stdin' : f} is not a vault`);
        writeOutput(o.output ?? f, v.decrypt(text, f === '-' ? 'stdin' : f));
      }
      done('Decryption');
    });

  action('view', 'print the plaintext of vault files')
    .argument('<files...>')
    .action(async (files: string[], o: Opts) => {
      const v = await openVault(o, readConfig(), prompt);
      for (const f of files) process.stdout.write(v.decrypt(readInput(f).toString('utf8'), f));
    });

  action('edit', 'edit a vault file with $EDITOR; nothing decrypted stays on disk')
    .argument('<file>')
    .option('--encrypt-vault-id <label>', 'the vault id to encrypt with, when several are given')
    .action(async (file: string, o: Opts) => {
      const v = await openVault(o, readConfig(), prompt);
      const text = readInput(file).toString('utf8');
      const plaintext = v.decrypt(text, file);
      const label = /^\$ANSIBLE_VAULT;1\.2;[^;]*;(.*)$/m.exec(text.split('\n')[0]!)?.[1]?.trim();
      const secret = v.encryptSecret(o.encryptVaultId ?? (label && v.secrets.some((s) => s.label === label) ? label : undefined));
      const edited = editPrivately(plaintext, file);
      if (!edited.equals(plaintext)) writeAtomic(file, v.encrypt(edited, secret), 0o600);
    });

  action('rekey', 'encrypt vault files again with a new password')
    .argument('<files...>')
    .option('--new-vault-id <id>', 'the new vault id: LABEL@FILE or LABEL@prompt')
    .option('--new-vault-password-file <file>', 'the new vault password file')
    .action(async (files: string[], o: Opts) => {
      const config = readConfig();
      const v = await openVault(o, config, prompt);
      if (!o.newVaultId && !o.newVaultPasswordFile) throw new UserError('rekey needs the new password', undefined, 'give --new-vault-password-file FILE or --new-vault-id LABEL@FILE');
      const fresh = await loadSecrets({ vaultId: o.newVaultId ? [o.newVaultId] : [], vaultPasswordFile: o.newVaultPasswordFile ? [o.newVaultPasswordFile] : [] }, { ...config, vaultIdentityList: [], vaultPasswordFile: undefined }, prompt);
      const secret = fresh[0]!;
      const plain = files.map((f) => v.decrypt(readInput(f).toString('utf8'), f));
      files.forEach((f, i) => writeAtomic(f, v.encrypt(plain[i]!, secret), 0o600));
      done('Rekey');
    });

  action('encrypt_string', 'encrypt strings as !vault YAML values')
    .argument('[strings...]')
    .option('-n, --name <name>', 'the variable name of each string, in order (repeatable)', collect, [])
    .option('--stdin-name <name>', 'the variable name of the string read from stdin')
    .option('-p, --prompt', 'ask for the string')
    .option('--encrypt-vault-id <label>', 'the vault id to encrypt with, when several are given')
    .action(async (strings: string[], o: Opts) => {
      const v = await openVault(o, readConfig(), prompt);
      const secret = v.encryptSecret(o.encryptVaultId);
      const items: [string, string | undefined][] = strings.filter((s) => s !== '-').map((s, i) => [s, o.name?.[i]]);
      if (o.prompt) items.push([await prompt('String to encrypt (hidden): '), o.name?.[0]]);
      if (!items.length || strings.includes('-')) {
        process.stderr.write('Reading plaintext input from stdin. (ctrl-d to end input, twice if your content does not already have a newline)\n');
        const text = readFileSync(0, 'utf8');
        if (text === '') throw new UserError('stdin was empty, not encrypting');
        items.push([text, o.stdinName]);
      }
      process.stdout.write(items.map(([s, name]) => yamlVault(v.encrypt(s, secret), name)).join('\n'));
      done('Encryption');
    });
}
