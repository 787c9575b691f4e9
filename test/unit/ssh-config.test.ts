/** Connection parameters as ssh reads them: -o options (the first value wins), ansible.cfg's defaults and ~/.ssh/config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport, KnownHosts } from '../../src/transport/index.js';
import { aliveOptions, resolveTarget, type SshTarget } from '../../src/transport/ssh-config.js';

test('ServerAliveInterval and ServerAliveCountMax from ssh arguments, in both spellings; the first value wins', () => {
  assert.deepEqual(aliveOptions('-C -o ServerAliveInterval=5 -oServerAliveCountMax 2 -o ServerAliveInterval=9'), { aliveInterval: 5, aliveCountMax: 2 });
  assert.deepEqual(aliveOptions(undefined), {});
  assert.throws(() => aliveOptions('-o ServerAliveInterval=often'), /ServerAliveInterval must be a whole number, got "often"/);
});

test('~/.ssh/config keepalives apply unless the inventory sets them', () => {
  const cfg = join(mkdtempSync(join(tmpdir(), 'tsplay-sshcfg-')), 'config');
  writeFileSync(cfg, 'Host web*\n  ServerAliveInterval 7\n  ServerAliveCountMax 4\n');
  assert.deepEqual([resolveTarget({ host: 'web1' }, cfg).aliveInterval, resolveTarget({ host: 'web1' }, cfg).aliveCountMax], [7, 4]);
  assert.equal(resolveTarget({ host: 'web1', aliveInterval: 2 }, cfg).aliveInterval, 2);
  assert.equal(resolveTarget({ host: 'db1' }, cfg).aliveInterval, undefined);
});

test('ansible.cfg remote_user and private_key_file come after the host\'s variables and before ~/.ssh/config', () => {
  const cfg = join(mkdtempSync(join(tmpdir(), 'tsplay-sshcfg-')), 'config');
  writeFileSync(cfg, 'Host *\n  User fromsshconfig\n  IdentityFile /keys/sshconfig\n');
  const base = { knownHosts: new KnownHosts([], false), connectTimeoutMs: 1000, keepaliveMs: 1000, sshConfig: cfg };
  const target = (vars: Record<string, unknown>, settings: object): SshTarget =>
    (createTransport('web1', vars, { ...base, ...settings }) as unknown as { target: SshTarget }).target;
  const fromCfg = { remoteUser: 'fromcfg', privateKeyFile: '/keys/cfg' };
  assert.deepEqual([target({}, {}).user, target({}, {}).keyFiles], ['fromsshconfig', ['/keys/sshconfig']]);
  assert.deepEqual([target({}, fromCfg).user, target({}, fromCfg).keyFiles], ['fromcfg', ['/keys/cfg']]);
  const vars = { ansible_user: 'fromvars', ansible_ssh_private_key_file: '/keys/vars' };
  assert.deepEqual([target(vars, fromCfg).user, target(vars, fromCfg).keyFiles], ['fromvars', ['/keys/vars']]);
});
