import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnownHosts, keyType } from '../../src/transport/known-hosts.js';

/** An ssh-ed25519 public key blob, as a server presents it. */
function blob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const name = Buffer.from('ssh-ed25519');
  const len = (b: Buffer) => Buffer.from([0, 0, 0, b.length]);
  return Buffer.concat([len(name), name, len(raw), raw]);
}

const dir = mkdtempSync(join(tmpdir(), 'tsplay-kh-'));

test('a known key passes, a changed key of the same type is refused with the file:line', () => {
  const k1 = blob();
  const file = join(dir, 'kh1');
  writeFileSync(file, `# comment\n10.0.0.1,web1 ssh-ed25519 ${k1.toString('base64')}\n`);
  const kh = new KnownHosts([file], true);
  assert.equal(keyType(k1), 'ssh-ed25519');
  assert.deepEqual(kh.verify('web1', 22, k1), { ok: true });
  assert.deepEqual(kh.verify('10.0.0.1', 22, k1), { ok: true });
  const v = kh.verify('web1', 22, blob());
  assert.equal(v.ok, false);
  assert.match((v as any).reason, /HAS CHANGED.*kh1:2/);
});

test('an unknown key is refused unless accept-new, which records it', () => {
  const file = join(dir, 'kh2');
  writeFileSync(file, '');
  const k = blob();
  const strict = new KnownHosts([file], false).verify('10.1.1.1', 2222, k);
  assert.equal(strict.ok, false);
  assert.match((strict as any).reason, /unknown.*--accept-new-host-keys/);
  assert.deepEqual(new KnownHosts([file], true).verify('10.1.1.1', 2222, k), { ok: true, recorded: true });
  assert.equal(readFileSync(file, 'utf8'), `[10.1.1.1]:2222 ssh-ed25519 ${k.toString('base64')}\n`);
  assert.deepEqual(new KnownHosts([file], false).verify('10.1.1.1', 2222, k), { ok: true });
});

test('hashed host names and @revoked entries are understood', () => {
  const k = blob();
  const salt = Buffer.from('0123456789abcdef0123');
  const hash = createHmac('sha1', salt).update('db1').digest('base64');
  const file = join(dir, 'kh3');
  const revoked = blob();
  writeFileSync(file, `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${k.toString('base64')}\n@revoked * ssh-ed25519 ${revoked.toString('base64')}\n`);
  const kh = new KnownHosts([file], true);
  assert.deepEqual(kh.verify('db1', 22, k), { ok: true });
  assert.deepEqual(kh.knownTypes('db1', 22), ['ssh-ed25519']);
  const r = kh.verify('db1', 22, revoked);
  assert.equal(r.ok, false);
  assert.match((r as any).reason, /@revoked/);
});
