/**
 * ansible.cfg and ANSIBLE_* as ansible-core 2.14 reads them (src/cli/config.ts), on the files of
 * test/fixtures/config: where the file is looked for, env over file over default, types, path
 * resolution and refusals. Each case runs with an environment of its own (HOME in a temporary
 * folder), never the caller's. Where ansible-config is installed, the same cases are compared
 * live with `ansible-config dump`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/cli/config.js';
import { UserError, UserErrors } from '../../src/core/errors.js';
import { ROOT } from '../helpers/cli.js';

const FIX = join(ROOT, 'test/fixtures/config');
const BASIC = join(FIX, 'basic');
/** What /etc/ansible/ansible.cfg gives on this machine: the last place looked, outside the test's control. */
const ETC = existsSync('/etc/ansible/ansible.cfg') ? '/etc/ansible/ansible.cfg' : undefined;

function tmp(name: string): string {
  return mkdtempSync(join(tmpdir(), `tsplay-config-${name}-`));
}

/** An environment with only a HOME of its own, plus `extra`. */
function envWith(extra: Record<string, string> = {}): { HOME: string } & Record<string, string> {
  return { HOME: tmp('home'), ...extra };
}

const DEFAULTS = (home: string): Omit<Config, 'file'> => ({
  inventory: undefined,
  rolesPath: [`${home}/.ansible/roles`, '/usr/share/ansible/roles', '/etc/ansible/roles'],
  forks: 50,
  remoteUser: undefined,
  privateKeyFile: undefined,
  hostKeyChecking: true,
  timeout: 10,
  become: false,
  becomeUser: 'root',
  becomeMethod: 'sudo',
  retryFilesEnabled: false,
  retryFilesSavePath: undefined,
  vaultPasswordFile: undefined,
  vaultIdentityList: [],
  vaultIdentity: 'default',
  vaultEncryptIdentity: undefined,
  vaultIdMatch: false,
  warnings: [],
});

test('every setting of ./ansible.cfg, typed and resolved as Ansible does; unknown ones are ignored', () => {
  const env = envWith({ TSPLAY_TEST_DIR: '/data' });
  assert.deepEqual(loadConfig(env, BASIC), {
    file: join(BASIC, 'ansible.cfg'),
    inventory: [join(BASIC, 'hosts.ini'), `${env.HOME}/inventory`, '/data/more'],
    rolesPath: [join(BASIC, 'roles'), `${env.HOME}/shared-roles`, '/srv/roles'],
    forks: 7,
    remoteUser: 'deploy',
    privateKeyFile: join(BASIC, 'keys/id_ed25519'),
    hostKeyChecking: false,
    timeout: 33,
    become: true,
    becomeUser: 'admin',
    becomeMethod: 'sudo',
    retryFilesEnabled: true,
    retryFilesSavePath: join(BASIC, 'retry'),
    vaultPasswordFile: `${env.HOME}/.vault_pass`,
    vaultIdentityList: ['dev@~/dev-pass', 'prod@prompt'],
    vaultIdentity: 'ops',
    vaultEncryptIdentity: 'prod',
    vaultIdMatch: true,
    warnings: [],
  });
});

test('no file anywhere: the defaults (roles_path under $HOME)', () => {
  const env = envWith();
  assert.deepEqual(loadConfig(env, tmp('empty')), { file: ETC, ...DEFAULTS(env.HOME) });
});

test('an ANSIBLE_* variable beats the file; its relative paths start from the working directory', () => {
  const cwd = BASIC;
  const c = loadConfig(envWith({ ANSIBLE_FORKS: '12', ANSIBLE_INVENTORY: 'a.ini,/abs/b.ini', ANSIBLE_ROLES_PATH: 'r1:/r2', ANSIBLE_BECOME: 'False', ANSIBLE_REMOTE_USER: 'ops', ANSIBLE_TIMEOUT: ' +1_0 ' }), cwd);
  assert.deepEqual([c.forks, c.inventory, c.rolesPath, c.become, c.remoteUser, c.timeout], [12, [join(cwd, 'a.ini'), '/abs/b.ini'], [join(cwd, 'r1'), '/r2'], false, 'ops', 10]);
  // Ansible takes an empty number variable for unset and uses the default, not the file's value.
  assert.equal(loadConfig(envWith({ ANSIBLE_FORKS: '' }), cwd).forks, 50);
  assert.equal(loadConfig(envWith({ ANSIBLE_REMOTE_USER: '' }), cwd).remoteUser, '');
});

test('the file is the first found of $ANSIBLE_CONFIG (file or folder), ./ansible.cfg, ~/.ansible.cfg', () => {
  const home = tmp('home');
  const env = { HOME: home };
  const cwd = tmp('cwd');
  assert.equal(loadConfig(env, cwd).file, ETC);
  copyFileSync(join(FIX, 'dir/ansible.cfg'), join(home, '.ansible.cfg'));
  assert.deepEqual([loadConfig(env, cwd).file, loadConfig(env, cwd).forks], [join(home, '.ansible.cfg'), 4]);
  copyFileSync(join(FIX, 'file.cfg'), join(cwd, 'ansible.cfg'));
  assert.deepEqual([loadConfig(env, cwd).file, loadConfig(env, cwd).forks], [join(cwd, 'ansible.cfg'), 3]);
  assert.equal(loadConfig({ ...env, ANSIBLE_CONFIG: join(FIX, 'dir') }, cwd).file, join(FIX, 'dir/ansible.cfg'));
  assert.equal(loadConfig({ ...env, ANSIBLE_CONFIG: '../basic/ansible.cfg' }, join(FIX, 'dir')).file, join(BASIC, 'ansible.cfg'));
  // A variable naming no file is passed over, as Ansible passes it over.
  assert.equal(loadConfig({ ...env, ANSIBLE_CONFIG: join(FIX, 'missing.cfg') }, cwd).file, join(cwd, 'ansible.cfg'));
});

test('./ansible.cfg in a world-writable folder is ignored with Ansible\'s warning, unless ANSIBLE_CONFIG names it', () => {
  const cwd = tmp('public');
  chmodSync(cwd, 0o777);
  copyFileSync(join(FIX, 'file.cfg'), join(cwd, 'ansible.cfg'));
  const c = loadConfig(envWith(), cwd);
  assert.deepEqual([c.file, c.forks], [ETC, ETC ? c.forks : 50]);
  assert.match(c.warnings.join(), new RegExp(`Ansible is being run in a world writable directory \\(${cwd}\\), ignoring it as an ansible.cfg source`));
  const named = loadConfig(envWith({ ANSIBLE_CONFIG: join(cwd, 'ansible.cfg') }), cwd);
  assert.deepEqual([named.file, named.forks, named.warnings], [join(cwd, 'ansible.cfg'), 3, []]);
});

test('booleans as Ansible\'s boolean(): its spellings in any case, anything else false', () => {
  for (const [text, want] of [['yes', true], ['On', true], ['TRUE', true], ['1', true], ['y', true], ['t', true], ['no', false], ['OFF', false], ['false', false], ['0', false], ['maybe', false], ['', false]] as const) {
    assert.equal(loadConfig(envWith({ ANSIBLE_HOST_KEY_CHECKING: text }), tmp('b')).hostKeyChecking, want, `env ${JSON.stringify(text)}`);
    const dir = tmp('b');
    writeFileSync(join(dir, 'ansible.cfg'), `[privilege_escalation]\nbecome = ${text}\n`);
    assert.equal(loadConfig(envWith(), dir).become, want, `file ${JSON.stringify(text)}`);
  }
});

test('roles_path: ~ and $VAR expanded, relative parts from the file\'s folder, {{CWD}} the working directory', () => {
  const dir = tmp('roles');
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc/ansible.cfg'), '[defaults]\nroles_path = ~/r:$TSPLAY_TEST_DIR/r:../up:{{CWD}}/here:$UNSET_VAR/r\n');
  const env = envWith({ TSPLAY_TEST_DIR: '/data', ANSIBLE_CONFIG: join(dir, 'etc') });
  assert.deepEqual(loadConfig(env, '/work').rolesPath, [`${env.HOME}/r`, '/data/r', join(dir, 'up'), '/work/here', join(dir, 'etc/$UNSET_VAR/r')]);
});

/** The error loadConfig throws, as the CLI prints it. */
function refusal(env: Record<string, string>, cwd: string): string {
  try {
    loadConfig(env, cwd);
  } catch (e) {
    if (e instanceof UserError || e instanceof UserErrors) return e.toString();
    throw e;
  }
  assert.fail('no error');
}

test('a malformed file, a bad number or an unsupported become_method is an error naming the file:line or the variable', () => {
  const file = (name: string) => ({ ANSIBLE_CONFIG: join(FIX, name) });
  assert.match(refusal(envWith(file('malformed.cfg')), FIX), /malformed\.cfg:3: cannot read "timeout 10": expected 'key = value'/);
  assert.match(refusal(envWith(file('become-su.cfg')), FIX), /become-su\.cfg:3: become_method 'su' is not supported: tsplay becomes another user with sudo only/);
  assert.match(refusal(envWith({ ...file('file.cfg'), ANSIBLE_BECOME_METHOD: 'doas' }), FIX), /^ANSIBLE_BECOME_METHOD 'doas' is not supported/);
  assert.match(refusal(envWith({ ANSIBLE_FORKS: 'many' }), FIX), /^ANSIBLE_FORKS must be a whole number, got "many"/);
  assert.match(refusal(envWith({ ANSIBLE_TIMEOUT: '0' }), FIX), /^ANSIBLE_TIMEOUT must be at least 1, got 0/);
  const dir = tmp('bad');
  writeFileSync(join(dir, 'ansible.cfg'), 'forks = 5\n');
  assert.match(refusal(envWith(), dir), /ansible\.cfg:1: "forks = 5" comes before any \[section\] header/);
  writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\nforks = 5 # five\n');
  assert.match(refusal(envWith(), dir), /ansible\.cfg:2: forks must be a whole number, got "5 # five"/);
  writeFileSync(join(dir, 'settings.conf'), '[defaults]\n');
  assert.match(refusal(envWith({ ANSIBLE_CONFIG: join(dir, 'settings.conf') }), dir), /settings\.conf: unsupported configuration file extension '\.conf'/);
});

// Live: what ansible-config itself reads from the same file and environment.
const skip = spawnSync('ansible-config', ['--version']).status === 0 ? false : 'ansible-core not installed';

/** Ansible's names of tsplay's settings, and tsplay's value where Ansible's default is not tsplay's. */
const ORACLE: Record<string, [keyof Config, unknown?] | [keyof Config, unknown, (v: unknown) => unknown]> = {
  CONFIG_FILE: ['file'],
  DEFAULT_HOST_LIST: ['inventory', undefined],
  DEFAULT_ROLES_PATH: ['rolesPath'],
  DEFAULT_FORKS: ['forks', 50],
  DEFAULT_REMOTE_USER: ['remoteUser'],
  DEFAULT_PRIVATE_KEY_FILE: ['privateKeyFile'],
  HOST_KEY_CHECKING: ['hostKeyChecking'],
  DEFAULT_TIMEOUT: ['timeout'],
  DEFAULT_BECOME: ['become'],
  DEFAULT_BECOME_USER: ['becomeUser'],
  DEFAULT_BECOME_METHOD: ['becomeMethod'],
  RETRY_FILES_ENABLED: ['retryFilesEnabled'],
  RETRY_FILES_SAVE_PATH: ['retryFilesSavePath'],
  DEFAULT_VAULT_PASSWORD_FILE: ['vaultPasswordFile'],
  DEFAULT_VAULT_IDENTITY_LIST: ['vaultIdentityList'],
  DEFAULT_VAULT_IDENTITY: ['vaultIdentity'],
  DEFAULT_VAULT_ENCRYPT_IDENTITY: ['vaultEncryptIdentity'],
  // Ansible keeps the string and tests its truth.
  DEFAULT_VAULT_ID_MATCH: ['vaultIdMatch', false, (v) => Boolean(v)],
};

function ansibleConfig(env: Record<string, string>, cwd: string): Record<string, unknown> {
  const r = spawnSync('ansible-config', ['dump', '--format', 'json'], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH!, ...env } });
  assert.equal(r.status, 0, r.stderr);
  const got: Record<string, unknown> = {};
  for (const { name, origin, value } of JSON.parse(r.stdout) as { name: string; origin: string; value: unknown }[]) {
    const map = ORACLE[name];
    if (map) got[map[0]] = map[2] ? map[2](value) : origin === 'default' && map.length > 1 ? map[1] : (value ?? undefined);
  }
  return got;
}

test('ansible-config dump reads the same values from the same files and variables', { skip }, () => {
  const cases: [string, Record<string, string>, string][] = [
    ['./ansible.cfg', { TSPLAY_TEST_DIR: '/data' }, BASIC],
    ['variables over the file', { TSPLAY_TEST_DIR: '/data', ANSIBLE_FORKS: '', ANSIBLE_INVENTORY: 'a.ini, b', ANSIBLE_ROLES_PATH: 'r1::~/r2', ANSIBLE_HOST_KEY_CHECKING: 'maybe', ANSIBLE_BECOME_USER: '"quoted"', ANSIBLE_VAULT_ID_MATCH: '', ANSIBLE_VAULT_IDENTITY_LIST: 'a@x, "b@y"' }, BASIC],
    ['ANSIBLE_CONFIG as a file', { ANSIBLE_CONFIG: join(FIX, 'file.cfg') }, BASIC],
    ['ANSIBLE_CONFIG as a folder', { ANSIBLE_CONFIG: 'dir' }, FIX],
    ['no file', {}, tmp('none')],
  ];
  const roles = tmp('roles');
  writeFileSync(join(roles, 'ansible.cfg'), '[defaults]\nroles_path = ~/r:$TSPLAY_TEST_DIR/r:../up:{{CWD}}/here:$UNSET_VAR/r\n');
  cases.push(['roles_path expansion', { TSPLAY_TEST_DIR: '/data', ANSIBLE_CONFIG: roles }, '/tmp']);
  const open = tmp('public');
  chmodSync(open, 0o777);
  copyFileSync(join(FIX, 'file.cfg'), join(open, 'ansible.cfg'));
  cases.push(['a world-writable working directory', {}, open]);
  for (const [name, extra, cwd] of cases) {
    const env = envWith(extra);
    const ours: Record<string, unknown> = { ...loadConfig(env, cwd) };
    delete ours.warnings;
    assert.deepEqual(ours, ansibleConfig(env, cwd), name);
  }
});
