/**
 * Real runs of every module on this machine, without SSH: the real probe with /bin/sh, parse,
 * plan, the compiled steps with /bin/sh, then probe + plan again, which must be empty. Before
 * applying, a check-mode pass (probe + plan only) must leave every byte, mode and mtime of the
 * scenario's directory as it was.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ModuleDef } from '../../src/core/module.js';
import command from '../../modules/command/index.js';
import copy from '../../modules/copy/index.js';
import file from '../../modules/file/index.js';
import lineinfile from '../../modules/lineinfile/index.js';
import shell from '../../modules/shell/index.js';
import stat from '../../modules/stat/index.js';
import sysctl from '../../modules/sysctl/index.js';
import template from '../../modules/template/index.js';
import waitFor from '../../modules/wait_for/index.js';
import { apply, fakeController, probeAndPlan, type Round, treeHash, validateArgs } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'tsplay-local-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, String(++n));
  mkdirSync(d);
  return d;
};
const isRoot = process.getuid?.() === 0;

/** Checks args as the loader does (defaults filled in) and fails the test on a schema problem. */
function checked(m: ModuleDef, args: Record<string, unknown>): any {
  const problems = validateArgs(m, args);
  assert.deepEqual(problems, [], `args of ${m.name} are valid`);
  return args;
}

interface ConvergeOpts {
  /** More state to fingerprint than the directory (e.g. a live sysctl value). */
  extra?: () => string;
  /** touch: the second run is expected to change again. */
  alwaysChanges?: boolean;
}

/**
 * check mode (nothing moves, something to do) -> apply (rc 0) -> second plan empty.
 */
async function converge(m: ModuleDef, args: any, dir: string, opts: ConvergeOpts = {}): Promise<{ first: Round; second: Round }> {
  const fingerprint = () => treeHash(dir) + (opts.extra ? opts.extra() : '');
  const before = fingerprint();
  const first = await probeAndPlan(m, args);
  assert.equal(first.plan.failed, undefined, `plan failed: ${first.plan.failed}`);
  assert.ok(first.plan.steps.length > 0, `${m.name} has something to do on the first run (${first.plan.reason})`);
  assert.equal(fingerprint(), before, 'a check-mode pass (probe + plan) changed nothing');
  const applied = await apply(first.plan);
  assert.equal(applied.rc, 0, `apply failed: ${applied.stderr}`);
  const second = await probeAndPlan(m, args);
  assert.equal(second.plan.failed, undefined, `second plan failed: ${second.plan.failed}`);
  if (opts.alwaysChanges) assert.ok(second.plan.steps.length > 0);
  else assert.deepEqual(second.plan.steps, [], `second run is a no-op, got: ${second.plan.reason}`);
  return { first, second };
}

/** A check-mode pass on a drifted host: the plan sees the drift and nothing moves. */
async function checkOnly(m: ModuleDef, args: any, dir: string, extra?: () => string): Promise<Round> {
  const fingerprint = () => treeHash(dir) + (extra ? extra() : '');
  const before = fingerprint();
  const r = await probeAndPlan(m, args);
  assert.ok(r.plan.steps.length > 0, 'the drift is seen');
  assert.equal(fingerprint(), before, 'check mode changed nothing');
  return r;
}

const modeOf = (p: string) => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

describe('copy (real)', () => {
  test('content, octal mode, then content drift seen in check mode and fixed', async () => {
    const d = freshDir();
    const dest = join(d, 'motd');
    const args = checked(copy, { dest, content: 'Managed by tsplay\n', mode: '0640' });
    const { first } = await converge(copy, args, d);
    assert.equal(readFileSync(dest, 'utf8'), 'Managed by tsplay\n');
    assert.equal(modeOf(dest), '0640');
    assert.deepEqual(first.plan.diff, [{ path: dest, before: '', after: 'Managed by tsplay\n' }]);
    writeFileSync(dest, 'edited by hand\n');
    const drift = await checkOnly(copy, args, d);
    assert.deepEqual(drift.plan.diff, [{ path: dest, before: 'edited by hand\n', after: 'Managed by tsplay\n' }]);
    await converge(copy, args, d);
    assert.equal(readFileSync(dest, 'utf8'), 'Managed by tsplay\n');
    assert.equal(modeOf(dest), '0640', 'mode kept when content is replaced');
  });

  test('only the mode differs: a chmod, no put; YAML 1.1 number 420 and symbolic modes', async () => {
    const d = freshDir();
    const dest = join(d, 'f');
    writeFileSync(dest, 'x\n');
    chmodSync(dest, 0o600);
    const { first } = await converge(copy, checked(copy, { dest, content: 'x\n', mode: 420 }), d);
    assert.deepEqual(first.plan.steps, [{ kind: 'exec', argv: ['chmod', '0644', '--', dest] }]);
    assert.equal(modeOf(dest), '0644');
    await converge(copy, checked(copy, { dest, content: 'x\n', mode: 'u+x,g-r,o=' }), d);
    assert.equal(modeOf(dest), '0700');
  });

  test('src from the controller into a directory dest, with backup, binary bytes', async () => {
    const d = freshDir();
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 0]);
    const ctx = fakeController({ 'blob.bin': bytes });
    const args = await copy.prepare!(checked(copy, { src: 'blob.bin', dest: d + '/', backup: true }), ctx);
    await converge(copy, args, d);
    assert.deepEqual(readFileSync(join(d, 'blob.bin')), bytes);
    writeFileSync(join(d, 'blob.bin'), 'old');
    const { first } = await converge(copy, args, d);
    assert.match(first.plan.diff![0]!.after, /binary file, 7 bytes/);
    const names = readdirSync(d);
    assert.equal(names.filter((x) => x.startsWith('blob.bin.') && x.endsWith('~')).length, 1, `one backup in ${names}`);
    // dest names an existing directory without the trailing slash: same file.
    const again = await probeAndPlan(copy, await copy.prepare!(checked(copy, { src: 'blob.bin', dest: d }), ctx));
    assert.deepEqual(again.plan.steps, []);
  });

  test('owner and group', { skip: !isRoot && 'needs root' }, async () => {
    const d = freshDir();
    const dest = join(d, 'owned');
    await converge(copy, checked(copy, { dest, content: 'o\n', owner: 'nobody', group: 'nogroup' }), d);
    assert.equal(statSync(dest).uid, 65534);
    assert.equal(statSync(dest).gid, 65534);
  });

  test('missing parent directory fails like Ansible', async () => {
    const d = freshDir();
    const r = await probeAndPlan(copy, checked(copy, { dest: join(d, 'no/such/f'), content: 'x' }));
    assert.match(r.plan.failed!, /^Destination directory .*no\/such does not exist$/);
  });
});

describe('template (real)', () => {
  test('renders on the controller, writes, then nothing to do', async () => {
    const d = freshDir();
    const ctx = fakeController({ 'motd.j2': 'Welcome to {{ host }}\n' }, { host: 'web1' });
    const args = await template.prepare!(checked(template, { src: 'motd.j2', dest: join(d, 'motd'), mode: '0644' }), ctx);
    await converge(template, args, d);
    assert.equal(readFileSync(join(d, 'motd'), 'utf8'), 'Welcome to web1\n');
    const other = await template.prepare!(checked(template, { src: 'motd.j2', dest: join(d, 'motd') }), fakeController({ 'motd.j2': 'Welcome to {{ host }}\n' }, { host: 'web2' }));
    const drift = await checkOnly(template, other, d);
    assert.deepEqual(drift.plan.diff, [{ path: join(d, 'motd'), before: 'Welcome to web1\n', after: 'Welcome to web2\n' }]);
  });
});

describe('file (real)', () => {
  test('directory with parents and mode, then a mode drift', async () => {
    const d = freshDir();
    const p = join(d, 'a/b/c');
    const args = checked(file, { path: p, state: 'directory', mode: '0750' });
    await converge(file, args, d);
    assert.ok(statSync(p).isDirectory());
    assert.equal(modeOf(p), '0750');
    chmodSync(p, 0o777);
    await checkOnly(file, args, d);
    await converge(file, args, d);
    assert.equal(modeOf(p), '0750');
  });

  test('recurse applies a symbolic mode below the directory', async () => {
    const d = freshDir();
    const top = join(d, 'tree');
    mkdirSync(join(top, 'sub'), { recursive: true });
    writeFileSync(join(top, 'sub/f'), 'x');
    chmodSync(join(top, 'sub/f'), 0o600);
    symlinkSync('sub/f', join(top, 'lnk'));
    const args = checked(file, { path: top, state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=rX' });
    await converge(file, args, d);
    assert.equal(modeOf(join(top, 'sub/f')), '0644');
    assert.equal(modeOf(join(top, 'sub')), '0755');
  });

  test('recurse with owner', { skip: !isRoot && 'needs root' }, async () => {
    const d = freshDir();
    const top = join(d, 'tree');
    mkdirSync(join(top, 'x'), { recursive: true });
    writeFileSync(join(top, 'x/f'), 'x');
    await converge(file, checked(file, { path: top, state: 'directory', recurse: true, owner: 'nobody' }), d);
    assert.equal(statSync(join(top, 'x/f')).uid, 65534);
  });

  test('symlink, retargeted symlink, hard link, absent', async () => {
    const d = freshDir();
    writeFileSync(join(d, 'target'), 't');
    writeFileSync(join(d, 'other'), 'o');
    const link = join(d, 'link');
    await converge(file, checked(file, { path: link, state: 'link', src: 'target' }), d);
    assert.equal(readlinkSync(link), 'target');
    await converge(file, checked(file, { dest: link, state: 'link', src: join(d, 'other') }), d);
    assert.equal(readlinkSync(link), join(d, 'other'));
    const hard = join(d, 'hard');
    await converge(file, checked(file, { name: hard, state: 'hard', src: join(d, 'target') }), d);
    assert.equal(statSync(hard).ino, statSync(join(d, 'target')).ino);
    await converge(file, checked(file, { path: link, state: 'absent' }), d);
    assert.throws(() => lstatSync(link), /ENOENT/);
  });

  test('touch is always changed; state=file on a missing path fails', async () => {
    const d = freshDir();
    const p = join(d, 'stamp');
    await converge(file, checked(file, { path: p, state: 'touch', mode: '0600' }), d, { alwaysChanges: true });
    assert.equal(modeOf(p), '0600');
    const r = await probeAndPlan(file, checked(file, { path: join(d, 'nope') }));
    assert.equal(r.plan.failed, `file (${join(d, 'nope')}) is absent, cannot continue`);
  });

  test('refuses to turn a file into a symlink without force', async () => {
    const d = freshDir();
    writeFileSync(join(d, 'f'), 'x');
    const r = await probeAndPlan(file, checked(file, { path: join(d, 'f'), state: 'link', src: '/etc/hostname' }));
    assert.match(r.plan.failed!, /refusing to convert from file to symlink/);
    await converge(file, checked(file, { path: join(d, 'f'), state: 'link', src: '/etc/hostname', force: true }), d);
    assert.equal(readlinkSync(join(d, 'f')), '/etc/hostname');
  });
});

describe('lineinfile (real)', () => {
  test('replace the last match, insert after a marker, remove', async () => {
    const d = freshDir();
    const p = join(d, 'sshd_config');
    writeFileSync(p, '# comment\n#PasswordAuthentication yes\nPort 22\nPasswordAuthentication yes\nUsePAM yes\n');
    await converge(lineinfile, checked(lineinfile, { path: p, regexp: '^#?PasswordAuthentication', line: 'PasswordAuthentication no' }), d);
    assert.equal(readFileSync(p, 'utf8'), '# comment\n#PasswordAuthentication yes\nPort 22\nPasswordAuthentication no\nUsePAM yes\n');
    await converge(lineinfile, checked(lineinfile, { path: p, line: 'AllowUsers admin', insertafter: '^Port ' }), d);
    assert.equal(readFileSync(p, 'utf8'), '# comment\n#PasswordAuthentication yes\nPort 22\nAllowUsers admin\nPasswordAuthentication no\nUsePAM yes\n');
    await converge(lineinfile, checked(lineinfile, { path: p, regexp: 'PasswordAuthentication', state: 'absent' }), d);
    assert.equal(readFileSync(p, 'utf8'), '# comment\nPort 22\nAllowUsers admin\nUsePAM yes\n');
  });

  test('create with mode in a missing directory; backrefs', async () => {
    const d = freshDir();
    const p = join(d, 'modprobe.d/bonding.conf');
    await converge(lineinfile, checked(lineinfile, { path: p, line: 'alias bond0 bonding', create: true, mode: '0644' }), d);
    assert.equal(readFileSync(p, 'utf8'), 'alias bond0 bonding\n');
    assert.equal(modeOf(p), '0644');
    writeFileSync(p, 'options bonding miimon=50 mode=1\n');
    await converge(lineinfile, checked(lineinfile, { path: p, regexp: '^(options bonding) miimon=\\d+ (.*)$', line: '\\1 miimon=100 \\2', backrefs: true }), d);
    assert.equal(readFileSync(p, 'utf8'), 'options bonding miimon=100 mode=1\n');
  });

  test('a symlinked file is edited through the link', async () => {
    const d = freshDir();
    writeFileSync(join(d, 'real.conf'), 'a=1\n');
    symlinkSync('real.conf', join(d, 'link.conf'));
    await converge(lineinfile, checked(lineinfile, { path: join(d, 'link.conf'), regexp: '^a=', line: 'a=2' }), d);
    assert.equal(readlinkSync(join(d, 'link.conf')), 'real.conf');
    assert.equal(readFileSync(join(d, 'real.conf'), 'utf8'), 'a=2\n');
  });
});

describe('stat (real)', () => {
  test('reports a file, a link and a missing path; never changes', async () => {
    const d = freshDir();
    const p = join(d, 'f');
    writeFileSync(p, 'hello\n');
    chmodSync(p, 0o640);
    symlinkSync('f', join(d, 'l'));
    const before = treeHash(d);
    const r = await probeAndPlan(stat, checked(stat, { path: p }));
    assert.deepEqual(r.plan.steps, []);
    assert.equal(r.plan.changed, false);
    const s = (r.plan.result as any).stat;
    assert.equal(s.exists, true);
    assert.equal(s.isreg, true);
    assert.equal(s.mode, '0640');
    assert.equal(s.size, 6);
    assert.equal(s.checksum, sha1(Buffer.from('hello\n')));
    assert.equal(s.uid, statSync(p).uid);
    const l = (await probeAndPlan(stat, checked(stat, { path: join(d, 'l') }))).plan.result as any;
    assert.equal(l.stat.islnk, true);
    assert.equal(l.stat.lnk_source, p);
    assert.equal(l.stat.checksum, undefined);
    const f = (await probeAndPlan(stat, checked(stat, { path: join(d, 'l'), follow: true }))).plan.result as any;
    assert.equal(f.stat.isreg, true);
    const m = (await probeAndPlan(stat, checked(stat, { path: join(d, 'missing') }))).plan.result as any;
    assert.deepEqual(m.stat, { exists: false });
    assert.equal(treeHash(d), before);
  });
});

describe('command and shell (real)', () => {
  test('command runs an argv (no shell), creates makes it idempotent', async () => {
    const d = freshDir();
    const args = checked(command, { cmd: `touch "${join(d, 'made by command')}"`, creates: join(d, 'made by command') });
    const { first, second } = await converge(command, args, d);
    assert.equal(first.plan.unpredictable, true);
    assert.ok(existsSync(join(d, 'made by command')));
    assert.equal(second.plan.reason, `skipped, since ${join(d, 'made by command')} exists`);
  });

  test('result has rc, stdout lines; non-zero rc and stdin', async () => {
    const args = checked(command, { argv: ['sh', '-c', 'cat; echo err >&2; exit 3'], stdin: 'in put' });
    const r = await probeAndPlan(command, args);
    const applied = await apply(r.plan);
    const res = command.result!(args, r.state as any, applied) as any;
    assert.equal(res.rc, 3);
    assert.equal(res.stdout, 'in put');
    assert.deepEqual(res.stdout_lines, ['in put']);
    assert.equal(res.stderr, 'err');
    assert.equal(res.msg, 'non-zero return code');
    const echoArgs = checked(command, { cmd: 'echo "a  b" $HOME ; ls', strip_empty_ends: false });
    const echo = await probeAndPlan(command, echoArgs);
    const out = command.result!(echoArgs, echo.state as any, await apply(echo.plan)) as any;
    assert.equal(out.stdout, 'a  b $HOME ; ls\n', 'no shell interprets the words; strip_empty_ends: false keeps the newline');
    assert.deepEqual(out.stdout_lines, ['a  b $HOME ; ls']);
  });

  test('shell with chdir, a pipe and a creates glob; removes', async () => {
    const d = freshDir();
    const args = checked(shell, { cmd: 'printf "one\\ntwo\\n" | wc -l > count.done', chdir: d, creates: '*.done' });
    await converge(shell, args, d);
    assert.equal(readFileSync(join(d, 'count.done'), 'utf8').trim(), '2');
    const r = await probeAndPlan(shell, checked(shell, { cmd: 'rm nothing', chdir: d, removes: 'nothing' }));
    assert.deepEqual(r.plan.steps, []);
    assert.equal(r.plan.reason, 'skipped, since nothing does not exist');
  });

  test('a glob in creates is never run as code', async () => {
    const d = freshDir();
    const marker = join(d, 'pwned');
    const r = await probeAndPlan(shell, checked(shell, { cmd: 'true', creates: `$(touch ${marker})*;touch ${marker}` }));
    assert.equal(existsSync(marker), false);
    assert.equal(r.plan.steps.length, 1);
  });
});

describe('wait_for (real)', () => {
  const listen = (onConn?: (s: import('node:net').Socket) => void) =>
    new Promise<Server>((resolve) => {
      const srv = createServer((s) => (onConn ? onConn(s) : s.end()));
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    });
  const portOf = (s: Server) => (s.address() as import('node:net').AddressInfo).port;

  test('a listening port is seen at once; a closed one times out with Ansible\'s message', async () => {
    const srv = await listen();
    const port = portOf(srv);
    try {
      const r = await probeAndPlan(waitFor, checked(waitFor, { port, timeout: 5 }));
      assert.equal(r.plan.failed, undefined);
      assert.deepEqual(r.plan.steps, []);
      assert.equal(r.plan.changed, false);
    } finally {
      await new Promise((r) => srv.close(r));
    }
    const t = await probeAndPlan(waitFor, checked(waitFor, { port, timeout: 1, sleep: 0.2 }));
    assert.equal(t.plan.failed, `Timeout when waiting for 127.0.0.1:${port}`);
    const stopped = await probeAndPlan(waitFor, checked(waitFor, { port, state: 'stopped', timeout: 2 }));
    assert.equal(stopped.plan.failed, undefined);
  });

  test('search_regex on a port reads what the server sends', async () => {
    const srv = await listen((s) => s.write('SSH-2.0-tsplay\r\n'));
    try {
      const ok = await probeAndPlan(waitFor, checked(waitFor, { port: portOf(srv), search_regex: '^SSH-2\\.0', timeout: 5 }));
      assert.equal(ok.plan.failed, undefined);
      const no = await probeAndPlan(waitFor, checked(waitFor, { port: portOf(srv), search_regex: 'HTTP', timeout: 1, connect_timeout: 1, sleep: 0.2 }));
      assert.equal(no.plan.failed, `Timeout when waiting for search string HTTP in 127.0.0.1:${portOf(srv)}`);
    } finally {
      srv.close();
    }
  });

  test('a file that appears during the wait, one that never does, absent', async () => {
    const d = freshDir();
    const p = join(d, 'ready');
    const timer = setTimeout(() => writeFileSync(p, 'state: ready\n'), 700);
    const r = await probeAndPlan(waitFor, checked(waitFor, { path: p, search_regex: 'ready$', timeout: 10, sleep: 0.2 }));
    clearTimeout(timer);
    assert.equal(r.plan.failed, undefined);
    assert.ok((r.plan.result as any).elapsed <= 3);
    const never = await probeAndPlan(waitFor, checked(waitFor, { path: join(d, 'never'), timeout: 1, sleep: 0.2 }));
    assert.equal(never.plan.failed, `Timeout when waiting for file ${join(d, 'never')}`);
    const gone = await probeAndPlan(waitFor, checked(waitFor, { path: join(d, 'never'), state: 'absent', timeout: 1 }));
    assert.equal(gone.plan.failed, undefined);
  });
});

describe('sysctl (real)', () => {
  const live = (key: string) => readFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8').trim();
  const canWrite = (() => {
    if (!isRoot) return false;
    const r = spawnSync('sysctl', ['-q', '-w', `vm.swappiness=${live('vm.swappiness')}`]);
    return r.status === 0;
  })();

  test('file only (reload=false): keeps other lines, replaces our key, settles', async () => {
    const d = freshDir();
    const f = join(d, '99-tsplay.conf');
    writeFileSync(f, '# tuning\nvm.dirty_ratio = 20\nvm.swappiness=60\nkernel.panic = 10\nvm.swappiness = 30\n');
    const args = checked(sysctl, { name: 'vm.swappiness', value: 10, sysctl_file: f, reload: false });
    const { first } = await converge(sysctl, args, d);
    assert.equal(first.plan.steps.length, 1, 'no live change with reload=false');
    assert.equal(readFileSync(f, 'utf8'), '# tuning\nvm.dirty_ratio = 20\nvm.swappiness = 10\nkernel.panic = 10\n');
    await converge(sysctl, checked(sysctl, { name: 'vm.swappiness', state: 'absent', sysctl_file: f }), d);
    assert.equal(readFileSync(f, 'utf8'), '# tuning\nvm.dirty_ratio = 20\nkernel.panic = 10\n');
  });

  test('a multi-word value equal to the live one (tabs vs spaces) needs no live change', async () => {
    const d = freshDir();
    const f = join(d, 'net.conf');
    const current = live('net.ipv4.tcp_rmem').split(/\s+/).join(' ');
    const { first } = await converge(sysctl, checked(sysctl, { name: 'net.ipv4.tcp_rmem', value: current, sysctl_file: f }), d);
    assert.deepEqual(first.plan.steps.map((s) => s.kind), ['put'], 'only the file is written');
    assert.equal(readFileSync(f, 'utf8'), `net.ipv4.tcp_rmem = ${current}\n`);
    const over = await probeAndPlan(sysctl, checked(sysctl, { name: 'vm.overcommit_memory', value: live('vm.overcommit_memory'), sysctl_file: f }));
    assert.deepEqual(over.plan.steps.map((s) => s.kind), ['put']);
  });

  test('live value: vm.swappiness set with sysctl -w, then changed=0, restored after', { skip: !canWrite && 'vm.swappiness is not writable here' }, async () => {
    const saved = live('vm.swappiness');
    const want = saved === '10' ? '11' : '10';
    const d = freshDir();
    const f = join(d, '99-tsplay.conf');
    try {
      const args = checked(sysctl, { name: 'vm.swappiness', value: want, sysctl_file: f });
      const { first } = await converge(sysctl, args, d, { extra: () => live('vm.swappiness') });
      assert.deepEqual(first.plan.steps[0], { kind: 'exec', argv: ['sysctl', '-q', '-w', `vm.swappiness=${want}`] });
      assert.ok(first.plan.diff!.some((x) => x.path === 'sysctl vm.swappiness' && x.before === `${saved}\n` && x.after === `${want}\n`));
      assert.equal(live('vm.swappiness'), want);
      // Drift the live value only: check mode sees it and moves nothing, apply fixes it.
      spawnSync('sysctl', ['-q', '-w', `vm.swappiness=${saved}`]);
      const drift = await checkOnly(sysctl, args, d, () => live('vm.swappiness'));
      assert.deepEqual(drift.plan.steps, [{ kind: 'exec', argv: ['sysctl', '-q', '-w', `vm.swappiness=${want}`] }]);
      await converge(sysctl, args, d, { extra: () => live('vm.swappiness') });
      assert.equal(live('vm.swappiness'), want);
    } finally {
      spawnSync('sysctl', ['-q', '-w', `vm.swappiness=${saved}`]);
      assert.equal(live('vm.swappiness'), saved, 'vm.swappiness restored');
    }
  });

  test('an unknown key fails unless ignoreerrors', async () => {
    const d = freshDir();
    const f = join(d, 'x.conf');
    const r = await probeAndPlan(sysctl, checked(sysctl, { name: 'vm.no_such_key', value: 1, sysctl_file: f }));
    assert.equal(r.plan.failed, 'Failed to reload sysctl: sysctl: cannot stat /proc/sys/vm/no_such_key: No such file or directory');
    await converge(sysctl, checked(sysctl, { name: 'vm.no_such_key', value: 1, sysctl_file: f, ignoreerrors: true }), d);
    assert.equal(readFileSync(f, 'utf8'), 'vm.no_such_key = 1\n');
  });

  test('a symlinked sysctl_file stays a link', async () => {
    const d = freshDir();
    writeFileSync(join(d, 'sysctl.conf'), 'kernel.panic = 10\n');
    symlinkSync('sysctl.conf', join(d, '99-sysctl.conf'));
    await converge(sysctl, checked(sysctl, { name: 'vm.dirty_ratio', value: 15, sysctl_file: join(d, '99-sysctl.conf'), reload: false }), d);
    assert.equal(readlinkSync(join(d, '99-sysctl.conf')), 'sysctl.conf');
    assert.equal(readFileSync(join(d, 'sysctl.conf'), 'utf8'), 'kernel.panic = 10\nvm.dirty_ratio = 15\n');
  });
});
