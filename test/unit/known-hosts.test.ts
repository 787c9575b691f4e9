import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certProblem, parseHostCert } from '../../src/transport/host-cert.js';
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

/** A CA and a host key made by ssh-keygen, the host key certified by `ssh-keygen -s`. */
function certified(kind: 'ed25519' | 'rsa' | 'ecdsa', signArgs: string[]) {
  const d = mkdtempSync(join(tmpdir(), 'tsplay-cert-'));
  const keygen = (args: string[]) => execFileSync('ssh-keygen', ['-q', ...args], { stdio: 'pipe' });
  keygen(['-t', kind, '-N', '', '-C', 'ca', '-f', join(d, 'ca')]);
  keygen(['-t', 'ed25519', '-N', '', '-C', 'host', '-f', join(d, 'host')]);
  keygen(['-s', join(d, 'ca'), '-I', 'web1-host', ...signArgs, join(d, 'host.pub')]);
  const field = (f: string) => Buffer.from(readFileSync(join(d, f), 'utf8').split(' ')[1]!, 'base64');
  return { ca: field('ca.pub'), host: field('host.pub'), cert: field('host-cert.pub'), caLine: readFileSync(join(d, 'ca.pub'), 'utf8').trim() };
}

test('@cert-authority: a host certificate signed by the CA is accepted, as OpenSSH accepts it', () => {
  for (const kind of ['ed25519', 'rsa', 'ecdsa'] as const) {
    const c = certified(kind, ['-h', '-n', 'web1,10.0.0.1']);
    const file = join(dir, `kh-ca-${kind}`);
    writeFileSync(file, `@cert-authority * ${c.caLine}\n`);
    const kh = new KnownHosts([file], false);
    assert.equal(kh.wantsCerts('web1', 22, c.host), true);
    assert.deepEqual(kh.verify('web1', 22, c.host, [c.cert]), { ok: true }, kind);
    assert.deepEqual(kh.verify('10.0.0.1', 22, c.host, [c.cert]), { ok: true }, kind);
    assert.equal(readFileSync(file, 'utf8'), `@cert-authority * ${c.caLine}\n`, 'nothing recorded');
    const cert = parseHostCert(c.cert);
    assert.deepEqual(cert.principals, ['web1', '10.0.0.1']);
    assert.equal(certProblem(cert, c.host, 'web1', [c.ca]), undefined);
    const tampered = Buffer.from(c.cert);
    tampered[tampered.length - 10]! ^= 1;
    assert.equal(certProblem(parseHostCert(tampered), c.host, 'web1', [c.ca]), 'its CA signature does not verify', kind);
  }
});

test('@cert-authority: plain keys of unlisted hosts are unknown (accept-new records them), never "changed"', () => {
  const c = certified('ed25519', ['-h', '-n', 'web1']);
  const file = join(dir, 'kh-ca-plain');
  writeFileSync(file, `@cert-authority *.lab,web1 ${c.caLine}\n`);
  const k = blob();
  const strict = new KnownHosts([file], false).verify('web1', 22, k);
  assert.equal(strict.ok, false);
  assert.match((strict as any).reason, /unknown .*offered no host certificate.*--accept-new-host-keys/);
  assert.doesNotMatch((strict as any).reason, /CHANGED/);
  assert.deepEqual(new KnownHosts([file], true).verify('web1', 22, k), { ok: true, recorded: true });
  assert.deepEqual(new KnownHosts([file], false).knownTypes('db9', 22), [], 'a CA line is no known key type');
});

test('@cert-authority: wrong principal, expired, user certificate, other CA, other key and revoked CA are refused with the reason', () => {
  const cases: [string[], RegExp][] = [
    [['-h', '-n', 'db1'], /principals \(db1\) do not name web1/],
    [['-h', '-n', 'web1', '-V', '20200101:20200102'], /not valid now/],
    [['-n', 'web1'], /not a host certificate/],
  ];
  for (const [args, reason] of cases) {
    const c = certified('ed25519', args);
    const file = join(dir, 'kh-ca-bad');
    writeFileSync(file, `@cert-authority * ${c.caLine}\n`);
    const v = new KnownHosts([file], false).verify('web1', 22, c.host, [c.cert]);
    assert.equal(v.ok, false);
    assert.match((v as any).reason, reason);
  }
  const c = certified('ed25519', ['-h', '-n', 'web1']);
  const other = certified('ed25519', ['-h', '-n', 'web1']);
  const file = join(dir, 'kh-ca-other');
  writeFileSync(file, `@cert-authority * ${other.caLine}\n`);
  assert.match((new KnownHosts([file], false).verify('web1', 22, c.host, [c.cert]) as any).reason, /signed by a CA no @cert-authority line lists/);
  writeFileSync(file, `@cert-authority * ${c.caLine}\n`);
  assert.match((new KnownHosts([file], false).verify('web1', 22, blob(), [c.cert]) as any).reason, /certifies a different key/);
  writeFileSync(file, `@cert-authority * ${c.caLine}\n@revoked * ${c.caLine}\n`);
  assert.equal(new KnownHosts([file], false).wantsCerts('web1', 22, c.host), false, 'a revoked CA vouches for nothing');
  assert.equal(new KnownHosts([file], false).verify('web1', 22, c.host, [c.cert]).ok, false);
});
