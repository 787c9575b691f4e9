/**
 * The vault format against vectors ansible-vault 2.14 wrote (test/fixtures/vault), round trips
 * of random plaintexts, refusals (a wrong password, a damaged payload), and where passwords come
 * from (files with Windows line endings, scripts, `-client` scripts with their label).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decrypt, encrypt, isVault, parseEnvelope, VaultError } from '../../src/vault/format.js';
import { loadSecrets, Vault } from '../../src/vault/secrets.js';
import { ROOT } from '../helpers/cli.js';

const V = join(ROOT, 'test/fixtures/vault');
const read = (f: string) => readFileSync(join(V, f), 'utf8');
const PASSWORD = 'tsplay-vectors';
const config = { vaultIdentityList: [], vaultIdentity: 'default', vaultIdMatch: false };
const noPrompt = async (): Promise<string> => assert.fail('no prompt expected');

test('vaults ansible-vault wrote decrypt: 1.1, 1.2 with a vault id, an empty plaintext, all 256 byte values', () => {
  assert.equal(decrypt(read('v11.vault'), PASSWORD).toString('utf8'), read('vars.yml'));
  assert.equal(decrypt(read('v12-prod.vault'), PASSWORD).toString('utf8'), read('vars.yml'));
  assert.equal(parseEnvelope(read('v12-prod.vault')).label, 'prod');
  assert.equal(parseEnvelope(read('v11.vault')).label, undefined);
  assert.equal(decrypt(read('empty.vault'), PASSWORD).length, 0);
  assert.deepEqual([...decrypt(read('binary.vault'), PASSWORD)], [...Array(256).keys()]);
  assert.ok(isVault(read('v11.vault')) && !isVault(read('vars.yml')));
});

test('what tsplay encrypts, tsplay decrypts: random bytes and passwords; the header is 1.1 without a label, 1.2 with one', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.string({ minLength: 1, maxLength: 20 }), fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), { nil: undefined }), (data, password, label) => {
      const v = encrypt(Buffer.from(data), password, label);
      assert.deepEqual([...decrypt(v, password)], [...data]);
      assert.equal(v.split('\n')[0], label && label !== 'default' ? `$ANSIBLE_VAULT;1.2;AES256;${label}` : '$ANSIBLE_VAULT;1.1;AES256');
      assert.ok(v.split('\n').slice(1, -1).every((l) => l.length <= 80 && /^[0-9a-f]+$/.test(l)), 'hex lines of 80');
    }),
    { numRuns: 25 },
  );
});

test('a wrong password and a damaged payload are refused, nothing decrypted', () => {
  assert.throws(() => decrypt(read('v11.vault'), 'wrong'), (e) => e instanceof VaultError && /HMAC mismatch/.test(e.message));
  const damaged = read('v11.vault').replace(/\n3/, '\nz');
  assert.throws(() => decrypt(damaged, PASSWORD), /not hex: the file is damaged/);
  assert.throws(() => decrypt('$ANSIBLE_VAULT;1.3;AES256\n00\n', PASSWORD), /vault format 1.3 is not supported/);
});

test('Vault tries the secret of the vault\'s own id first, then the others, and names the file and id when none opens it', () => {
  const s = (label: string, password: string) => ({ label, password: Buffer.from(password), source: `${label}.txt` });
  const v = new Vault([s('dev', 'nope'), s('prod', PASSWORD)]);
  assert.equal(v.decrypt(read('v11.vault'), 'v11.vault').toString(), read('vars.yml'), 'a 1.1 vault is tried with every secret');
  assert.equal(new Vault([s('dev', 'nope'), s('other', PASSWORD)]).decrypt(read('v12-prod.vault'), 'x').toString(), read('vars.yml'));
  assert.throws(() => new Vault([s('dev', 'nope'), s('other', PASSWORD)], true).decrypt(read('v12-prod.vault'), 'group_vars/db.yml'), /group_vars\/db\.yml: no vault password opens it \(vault id prod; tried none\)/);
  assert.throws(() => new Vault([]).decrypt(read('v12-prod.vault'), 'group_vars/db.yml'), /group_vars\/db\.yml is vaulted \(vault id prod\) and no vault password was given/);
  assert.throws(() => new Vault([s('dev', 'a'), s('prod', 'b')]).encryptSecret(), /several vault ids were given \(dev, prod\): say which encrypts/);
});

test('passwords: a file loses its Windows line ending, a script\'s output is used, a -client script is asked for its label', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-unit-'));
  const script = join(dir, 'pass.sh');
  writeFileSync(script, `#!/bin/sh\nprintf '${PASSWORD}\\r\\n'\n`);
  chmodSync(script, 0o755);
  const client = join(dir, 'vault-client');
  writeFileSync(client, '#!/bin/sh\n[ "$1" = --vault-id ] && printf \'%s-pw\\n\' "$2"\n');
  chmodSync(client, 0o755);
  const secrets = await loadSecrets({ vaultPasswordFile: [join(V, 'password-crlf')], vaultId: [`prod@${script}`, `stage@${client}`] }, config, noPrompt);
  assert.deepEqual(secrets.map((s) => [s.label, s.password.toString()]), [['prod', PASSWORD], ['stage', 'stage-pw'], ['default', PASSWORD]]);
  assert.equal(new Vault(secrets).decrypt(read('v12-prod.vault'), 'x').toString(), read('vars.yml'));
  const asked: string[] = [];
  const prompted = await loadSecrets({ vaultId: ['dev@prompt'], askVaultPass: true }, config, async (q) => (asked.push(q), 'typed'));
  assert.deepEqual(asked, ['Vault password (dev): ', 'Vault password: ']);
  assert.deepEqual(prompted.map((s) => s.label), ['dev', 'default']);
  await assert.rejects(loadSecrets({ vaultPasswordFile: [join(dir, 'missing')] }, config, noPrompt), /vault password file .*missing \(vault id default\): no such file/);
  writeFileSync(join(dir, 'blank'), ' \n');
  await assert.rejects(loadSecrets({ vaultPasswordFile: [join(dir, 'blank')] }, config, noPrompt), /is empty/);
  // ANSIBLE_VAULT_PASSWORD_FILE (or vault_password_file) comes after the files named, always (Ansible's order).
  const fromConfig = await loadSecrets({ vaultPasswordFile: [script], vaultId: [`dev@${client}`] }, { ...config, vaultIdentityList: [`ops@${script}`], vaultPasswordFile: join(V, 'password') }, noPrompt);
  assert.deepEqual(fromConfig.map((s) => [s.label, s.source]), [['ops', script], ['dev', client], ['default', script], ['default', join(V, 'password')]]);
});
