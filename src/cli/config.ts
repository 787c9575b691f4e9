/**
 * ansible.cfg and the ANSIBLE_* environment variables, read as ansible-core 2.14 reads them
 * (config/manager.py and config/base.yml): the one place in tsplay that knows them. A setting's
 * value is the environment variable's, else the file's, else the default; a command-line option
 * beats all three, which is main.ts's business. Values are typed as base.yml types them: strings
 * lose one pair of quotes, booleans are convert_bool's (anything unknown is false), paths expand
 * `$VAR` and `~` and are relative to the file's folder (to the working directory when they come
 * from a variable). Settings tsplay does not read are ignored, as unknown ones are.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { type SourcePos, UserError, UserErrors } from '../core/errors.js';
import { readTextFileSync } from '../core/text.js';
import { unfrackPath } from '../inventory/sources.js';
import { boolean } from '../py/bool.js';
import { ConfigParser, IniError } from '../py/configparser.js';
import { pyStrip } from '../py/re.js';

export interface Config {
  /** The ansible.cfg read, if one was found. */
  file?: string;
  /** `inventory`: the sources used when no -i is given (absolute paths); unset, tsplay asks for -i. */
  inventory?: string[];
  /** `roles_path`: where roles are searched, in order. */
  rolesPath: string[];
  /** `forks`: hosts worked on at once. tsplay's default is 50, not Ansible's 5: a host costs one connection and no Python. */
  forks: number;
  /** `remote_user`: the login user of hosts that set no ansible_user (and plays no remote_user). */
  remoteUser?: string;
  /** `private_key_file`: the key of hosts that set no ansible_ssh_private_key_file. */
  privateKeyFile?: string;
  /** `host_key_checking`: false accepts and records unknown host keys (--accept-new-host-keys); a changed key is refused regardless. */
  hostKeyChecking: boolean;
  /** `timeout`: the SSH connect timeout, in seconds (--connect-timeout). */
  timeout: number;
  /** [privilege_escalation] `become` and `become_user`: the defaults of plays that do not set them. */
  become: boolean;
  becomeUser: string;
  /** [privilege_escalation] `become_method`: tsplay runs sudo only, so any other is refused when read. */
  becomeMethod: 'sudo';
  /** `retry_files_enabled` and `retry_files_save_path`: whether and where the retry file is written (main.ts retryFile). */
  retryFilesEnabled: boolean;
  retryFilesSavePath?: string;
  /** `vault_password_file`, `vault_identity_list`, `vault_identity`, `vault_encrypt_identity`, `vault_id_match` (src/vault/secrets.ts). */
  vaultPasswordFile?: string;
  vaultIdentityList: string[];
  vaultIdentity: string;
  vaultEncryptIdentity?: string;
  vaultIdMatch: boolean;
  /** What Ansible warns about while looking for the file (an ansible.cfg skipped in a world-writable folder). */
  warnings: string[];
}

const PRIVILEGE = 'privilege_escalation';

/** Ansible's unquote(): one pair of matching quotes around a string value goes. */
function unquote(s: string): string {
  return s.length > 1 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") && s[s.length - 2] !== '\\' ? s.slice(1, -1) : s;
}

/** Python's int() of a string: surrounding whitespace, a sign, digits with single underscores between. */
function pyInt(s: string): number | undefined {
  const t = pyStrip(s);
  return /^[+-]?\d+(?:_\d+)*$/.test(t) ? Number(t.replace(/_/g, '')) : undefined;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * find_ini_config_file: the first readable of $ANSIBLE_CONFIG (a file, or a folder holding
 * ansible.cfg), ./ansible.cfg, ~/.ansible.cfg and /etc/ansible/ansible.cfg. The working
 * directory's file is skipped when anyone may write that directory: anyone could then choose
 * the settings (and so the hosts and users) of whoever runs there.
 */
function findConfigFile(env: NodeJS.ProcessEnv, cwd: string): { file?: string; warnings: string[] } {
  const candidates: string[] = [];
  let fromEnv: string | undefined;
  if (env.ANSIBLE_CONFIG !== undefined) {
    fromEnv = unfrackPath(env.ANSIBLE_CONFIG, cwd, env);
    if (existsSync(fromEnv) && statSync(fromEnv).isDirectory()) fromEnv = join(fromEnv, 'ansible.cfg');
    candidates.push(fromEnv);
  }
  const here = join(cwd, 'ansible.cfg');
  let skippedHere = false;
  try {
    if (statSync(cwd).mode & 0o002) skippedHere = existsSync(here);
    else candidates.push(here);
  } catch {
    // As Ansible: a working directory that cannot be examined is no source.
  }
  candidates.push(unfrackPath('~/.ansible.cfg', cwd, env), '/etc/ansible/ansible.cfg');
  const file = candidates.find(readable);
  const warnings =
    skippedHere && !(fromEnv !== undefined && file === fromEnv)
      ? [`Ansible is being run in a world writable directory (${cwd}), ignoring it as an ansible.cfg source. For more information see https://docs.ansible.com/ansible/devel/reference_appendices/config.html#cfg-in-world-writable-dir`]
      : [];
  return { file, warnings };
}

function parseConfigFile(file: string): ConfigParser {
  if (!['.cfg', '.ini'].includes(extname(file))) {
    throw new UserError(`unsupported configuration file extension '${extname(file)}'`, { file }, 'Ansible reads ansible.cfg-style files named *.cfg or *.ini');
  }
  const text = readTextFileSync(file);
  try {
    return new ConfigParser(text);
  } catch (e) {
    if (e instanceof IniError) throw new UserErrors(e.problems.map((p) => new UserError(p.message, { file, line: p.line })));
    throw e;
  }
}

/** A setting's text and where it came from: the variable's name, or the key and its file:line. */
interface Raw {
  text: string;
  name: string;
  pos?: SourcePos;
  /** The folder relative paths start from (resolve_path's basedir). */
  base: string;
  fromEnv: boolean;
}

/** The settings of one file and environment, each read with its base.yml type. */
class Settings {
  private readonly ini?: ConfigParser;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd: string,
    private readonly file?: string,
  ) {
    this.ini = file === undefined ? undefined : parseConfigFile(file);
  }

  private raw(key: string, envName: string, section: string): Raw | undefined {
    const fromEnv = this.env[envName];
    if (fromEnv !== undefined) return { text: fromEnv, name: envName, base: this.cwd, fromEnv: true };
    const v = this.ini?.get(section, key);
    return v && { text: v.value, name: key, pos: { file: this.file!, line: v.line }, base: dirname(this.file!), fromEnv: false };
  }

  /** resolve_path: `{{CWD}}`, then $VAR and ~, then relative to the base. */
  resolve(path: string, base: string): string {
    return unfrackPath(path.replaceAll('{{CWD}}', this.cwd), base, this.env);
  }

  string(key: string, envName: string, section = 'defaults'): string | undefined {
    const r = this.raw(key, envName, section);
    return r && unquote(r.text);
  }

  boolean(key: string, envName: string, section = 'defaults'): boolean | undefined {
    const r = this.raw(key, envName, section);
    return r && boolean(r.text, false);
  }

  /** A whole number of at least `min`. An empty variable means the default, as Ansible takes it for a type error it forgives. */
  integer(key: string, envName: string, min: number): number | undefined {
    const r = this.raw(key, envName, 'defaults');
    if (!r || (r.fromEnv && r.text === '')) return undefined;
    const n = pyInt(r.text);
    if (n === undefined) throw new UserError(`${r.name} must be a whole number, got ${JSON.stringify(r.text)}`, r.pos);
    if (n < min) throw new UserError(`${r.name} must be at least ${min}, got ${n}`, r.pos);
    return n;
  }

  path(key: string, envName: string): string | undefined {
    const r = this.raw(key, envName, 'defaults');
    return r && this.resolve(r.text, r.base);
  }

  /** type list: comma-separated, each part stripped and unquoted. */
  list(key: string, envName: string): string[] | undefined {
    const r = this.raw(key, envName, 'defaults');
    return r?.text.split(',').map((p) => unquote(pyStrip(p)));
  }

  /** type pathlist: comma-separated, each part stripped. */
  pathList(key: string, envName: string): string[] | undefined {
    const r = this.raw(key, envName, 'defaults');
    return r?.text.split(',').map((p) => this.resolve(pyStrip(p), r.base));
  }

  /** type pathspec: colon-separated, parts as they are. */
  pathSpec(key: string, envName: string): string[] | undefined {
    const r = this.raw(key, envName, 'defaults');
    return r?.text.split(':').map((p) => this.resolve(p, r.base));
  }

  /** An error that names where a setting came from (file:line, or the variable). */
  refuse(key: string, envName: string, section: string, message: string, hint?: string): UserError {
    const r = this.raw(key, envName, section)!;
    return new UserError(`${r.name} ${message}`, r.pos, hint);
  }
}

/** The configuration of a tsplay run started in `cwd` with the environment `env`. Throws UserError on a file or value Ansible would refuse. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const { file, warnings } = findConfigFile(env, cwd);
  const s = new Settings(env, cwd, file);
  const home = s.path('home', 'ANSIBLE_HOME') ?? s.resolve('~/.ansible', cwd);
  const becomeMethod = s.string('become_method', 'ANSIBLE_BECOME_METHOD', PRIVILEGE) ?? 'sudo';
  if (becomeMethod !== 'sudo') {
    throw s.refuse('become_method', 'ANSIBLE_BECOME_METHOD', PRIVILEGE, `'${becomeMethod}' is not supported: tsplay becomes another user with sudo only`, 'set become_method = sudo, or remove it');
  }
  return {
    file,
    inventory: s.pathList('inventory', 'ANSIBLE_INVENTORY'),
    rolesPath: s.pathSpec('roles_path', 'ANSIBLE_ROLES_PATH') ?? [join(home, 'roles'), '/usr/share/ansible/roles', '/etc/ansible/roles'],
    forks: s.integer('forks', 'ANSIBLE_FORKS', 1) ?? 50,
    remoteUser: s.string('remote_user', 'ANSIBLE_REMOTE_USER'),
    privateKeyFile: s.path('private_key_file', 'ANSIBLE_PRIVATE_KEY_FILE'),
    hostKeyChecking: s.boolean('host_key_checking', 'ANSIBLE_HOST_KEY_CHECKING') ?? true,
    timeout: s.integer('timeout', 'ANSIBLE_TIMEOUT', 1) ?? 10,
    become: s.boolean('become', 'ANSIBLE_BECOME', PRIVILEGE) ?? false,
    becomeUser: s.string('become_user', 'ANSIBLE_BECOME_USER', PRIVILEGE) ?? 'root',
    becomeMethod,
    retryFilesEnabled: s.boolean('retry_files_enabled', 'ANSIBLE_RETRY_FILES_ENABLED') ?? false,
    retryFilesSavePath: s.path('retry_files_save_path', 'ANSIBLE_RETRY_FILES_SAVE_PATH'),
    vaultPasswordFile: s.path('vault_password_file', 'ANSIBLE_VAULT_PASSWORD_FILE'),
    vaultIdentityList: s.list('vault_identity_list', 'ANSIBLE_VAULT_IDENTITY_LIST') ?? [],
    vaultIdentity: s.string('vault_identity', 'ANSIBLE_VAULT_IDENTITY') ?? 'default',
    vaultEncryptIdentity: s.string('vault_encrypt_identity', 'ANSIBLE_VAULT_ENCRYPT_IDENTITY'),
    // Untyped in base.yml: Ansible tests the string, so any non-empty value (even "no") means yes.
    vaultIdMatch: (s.string('vault_id_match', 'ANSIBLE_VAULT_ID_MATCH') ?? '') !== '',
    warnings,
  };
}
