/**
 * tsplay render through the real CLI. Without hosts: the fixture playbook's files, what it
 * cannot render and why, with and without a facts cache, and not one connection to the hosts
 * of the inventory (a TCP listener counts them). On a lab: the facts cache written by `tsplay
 * facts --cache`, a render from it, then a real run, and every file the render wrote equals
 * what the run wrote on each host, byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copy } from '../../modules/copy/index.js';
import type { RenderedFile } from '../../src/core/module.js';
import { sysctl } from '../../modules/sysctl/index.js';
import { type Lab, labDown, labUp, runOn } from '../../src/lab/index.js';
import { ROOT, tsplay } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'tsplay-render-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FIXTURE = join(ROOT, 'test/fixtures/render/render.yml');
const none = () => undefined;

describe('renders functions', () => {
  test('sysctl edits what an earlier task of the render wrote; removing a key from no file renders nothing', () => {
    const first = sysctl.renders!({ name: 'vm.swappiness', value: 10, sysctl_file: '/etc/sysctl.d/x.conf' }, {}, none);
    assert.deepEqual(first, [{ path: '/etc/sysctl.d/x.conf', content: 'vm.swappiness = 10\n', mode: undefined }]);
    const at = (f: RenderedFile) => (path: string) => (path === f.path ? f : undefined);
    const second = sysctl.renders!({ name: 'vm.dirty_ratio', value: 'on', sysctl_file: '/etc/sysctl.d/x.conf', mode: '0600' }, {}, at(first[0]!));
    assert.deepEqual(second, [{ path: '/etc/sysctl.d/x.conf', content: 'vm.swappiness = 10\nvm.dirty_ratio = 1\n', mode: '0600' }]);
    const removed = sysctl.renders!({ name: 'vm.swappiness', state: 'absent', sysctl_file: '/etc/sysctl.d/x.conf' }, {}, at(second[0]!));
    assert.deepEqual(removed, [{ path: '/etc/sysctl.d/x.conf', content: 'vm.dirty_ratio = 1\n', mode: '0600' }]);
    assert.deepEqual(sysctl.renders!({ name: 'vm.swappiness', state: 'absent' }, {}, none), []);
    assert.throws(() => sysctl.renders!({ name: 'vm.swappiness', value: ' ' }, {}, none), /value cannot be blank/);
  });

  test('copy: dest ending with / takes the name of src; force=no keeps a file an earlier task wrote', () => {
    const args = { src: 'a.txt', dest: '/etc/app/', content: 'x\n' };
    assert.deepEqual(copy.renders!(args, {}, none), [{ path: '/etc/app/a.txt', content: 'x\n', mode: undefined }]);
    const earlier = { path: '/etc/motd', content: 'first\n' };
    assert.deepEqual(copy.renders!({ dest: '/etc/motd', content: 'second\n', force: false }, {}, () => earlier), []);
    assert.throws(() => copy.renders!({ dest: '/etc/app/', content: 'x\n' }, {}, none), /can not use content with a dir as dest/);
  });
});

describe('render without hosts', () => {
  let server: Server;
  let connections = 0;
  let inventory: string;

  before(async () => {
    // The inventory's hosts are this listener: any connection tsplay makes is counted.
    server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    inventory = join(tmp, 'hosts.ini');
    writeFileSync(inventory, `h1 ansible_host=127.0.0.1 ansible_port=${port}\nh2 ansible_host=127.0.0.1 ansible_port=${port}\n`);
  });

  after(() => new Promise<void>((ok) => server.close(() => ok())));

  test('without a facts cache: the files that need no host, the tasks that lack a variable, exit 2, no connection', async () => {
    const out = join(tmp, 'nocache');
    // A file a previous render wrote that no task writes any more is gone.
    mkdirSync(join(out, 'h1'), { recursive: true });
    writeFileSync(join(out, 'h1/stale'), 'old\n');
    writeFileSync(join(out, '.tsplay-render'), 'written by tsplay render\n');
    const r = await tsplay(['render', FIXTURE, '-i', inventory, '-o', out]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(connections, 0, 'render connected to a host');
    assert.ok(!existsSync(join(out, 'h1/stale')));
    for (const h of ['h1', 'h2']) {
      assert.equal(readFileSync(join(out, h, 'etc/render-test/static.txt'), 'utf8'), 'the same on every host\n');
      assert.equal(statSync(join(out, h, 'etc/render-test/static.txt')).mode & 0o7777, 0o640);
      // Three tasks edit one file: the render carries each task's result to the next.
      assert.equal(readFileSync(join(out, h, 'etc/render-test/sysctl.conf'), 'utf8'), 'net.core.somaxconn = 4096\nnet.ipv4.ip_forward = 1\n');
      assert.ok(!existsSync(join(out, h, 'etc/render-test/host.conf')));
      assert.ok(!existsSync(join(out, h, 'etc/render-test/release')));
    }
    assert.match(r.stdout, /not renderable: test\/fixtures\/render\/render\.yml:6 Host file from facts \(template\): 'ansible_hostname' is undefined \(test\/fixtures\/render\/templates\/host\.conf\.j2:2/);
    // stat is left to the host, so what it registers is unknown to the tasks that read it.
    assert.match(r.stdout, /not renderable: test\/fixtures\/render\/render\.yml:31 Release note \(copy\): 'release' is undefined/);
    assert.match(r.stdout, /left to the host: Look at the release file, Release fact \(lacks release\)/);
    // A condition that reads it leaves its task out, not the host.
    assert.match(r.stdout, /not renderable: test\/fixtures\/render\/render\.yml:40 Only where the release file is \(copy\): 'release' is undefined/);
    assert.doesNotMatch(r.stdout, /stopped at/);
    assert.match(r.stdout, /rendered 4 files for 2 hosts into .*; 6 tasks not renderable\n/);
  });

  test('with a facts cache: the template renders from it for the host it holds; the other host lacks the fact still', async () => {
    const cache = join(tmp, 'cache');
    mkdirSync(cache);
    // As Ansible's jsonfile cache holds them: ansible_-prefixed keys, and some without the prefix.
    writeFileSync(join(cache, 'h1'), JSON.stringify({ ansible_hostname: 'alpha', gather_subset: ['all'] }));
    const out = join(tmp, 'cached');
    const r = await tsplay(['render', FIXTURE, '-i', inventory, '-o', out, '--facts-cache', cache]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(connections, 0, 'render connected to a host');
    assert.equal(readFileSync(join(out, 'h1/etc/render-test/host.conf'), 'utf8'), '# h1\nhostname = alpha\n');
    assert.equal(statSync(join(out, 'h1/etc/render-test/host.conf')).mode & 0o7777, 0o600);
    assert.ok(!existsSync(join(out, 'h2/etc/render-test/host.conf')));
    const [h1, h2] = r.stdout.split(/^h2:$/m);
    assert.doesNotMatch(h1!, /Host file from facts/);
    assert.match(h2!, /not renderable: .* Host file from facts \(template\): 'ansible_hostname' is undefined/);
    assert.match(h2!, /no facts cached in /);
  });

  test('a cache file that is not JSON is bad input: exit 5, naming the file', async () => {
    const cache = join(tmp, 'badcache');
    mkdirSync(cache);
    writeFileSync(join(cache, 'h2'), '{"ansible_hostname": ');
    const r = await tsplay(['render', FIXTURE, '-i', inventory, '-o', join(tmp, 'bad'), '--facts-cache', cache]);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /badcache\/h2: cached facts of h2 are not JSON/);
  });

  test('a folder a render did not write is refused (host folders are replaced whole): exit 5, nothing removed', async () => {
    const foreign = join(tmp, 'foreign');
    mkdirSync(join(foreign, 'h1'), { recursive: true });
    writeFileSync(join(foreign, 'h1', 'keep'), 'mine\n');
    const r = await tsplay(['render', FIXTURE, '-i', inventory, '-o', foreign]);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /foreign is not empty and was not written by tsplay render/);
    assert.equal(readFileSync(join(foreign, 'h1', 'keep'), 'utf8'), 'mine\n');
  });

  test('the listener does count connections: a run against the same inventory connects', async () => {
    const before = connections;
    const r = await tsplay(['run', FIXTURE, '-i', inventory, '--connect-timeout', '3']);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.ok(connections > before, 'a run made no connection the listener saw');
  });
});

// The lab needs root (namespaces, veths, mounts): elsewhere these tests are skipped, loudly.
const skip = process.getuid?.() !== 0 ? 'the lab needs root' : false;
if (skip) console.log(`# render lab tests skipped: ${skip}`);

describe('render on a lab: what a run writes, byte for byte', { skip }, () => {
  let lab: Lab;
  const HOSTS = ['h1', 'h2', 'h3'];
  const SITE = join(ROOT, 'playbooks/site.yml');
  const FILES = ['/etc/tsplay-demo/app.conf', '/etc/motd', '/etc/sysctl.d/60-tsplay-demo.conf'];
  const MODES: Record<string, number> = { '/etc/tsplay-demo/app.conf': 0o640, '/etc/motd': 0o644 };

  before(async () => {
    lab = await labUp(3, { dir: mkdtempSync(join(tmpdir(), 'tsplay-render-lab-')) });
  });

  after(async () => {
    if (lab) await labDown(lab.dir);
  });

  test('facts --cache, render from it, then a real run: every rendered file is the one on the host', async () => {
    const cache = join(tmp, 'lab-cache');
    const facts = await tsplay(['facts', 'lab', '-i', lab.inventory, '--known-hosts', lab.knownHosts, '--cache', cache]);
    assert.equal(facts.code, 0, facts.stdout + facts.stderr);
    const cached: Record<string, Record<string, any>> = {};
    for (const [i, h] of HOSTS.entries()) {
      cached[h] = JSON.parse(readFileSync(join(cache, h), 'utf8'));
      assert.ok(Object.keys(cached[h]!).every((k) => k.startsWith('ansible_')), `${h}: a cached fact without the ansible_ prefix`);
      assert.ok(cached[h]!.ansible_all_ipv4_addresses.includes(lab.hosts[i]!.ip), `${h}: the cache holds another host's facts`);
    }

    // No --known-hosts: a render connects to nothing, so it checks no host key.
    const out = join(tmp, 'lab-out');
    const render = await tsplay(['render', SITE, '-i', lab.inventory, '--facts-cache', cache, '-o', out]);
    assert.equal(render.code, 0, render.stdout + render.stderr);
    assert.match(render.stdout, /rendered 9 files for 3 hosts/);
    for (const h of HOSTS) {
      // The workers line comes from the cached facts (the template's default is 1).
      assert.match(readFileSync(join(out, h, 'etc/tsplay-demo/app.conf'), 'utf8'), new RegExp(`^workers = ${cached[h]!.ansible_processor_vcpus}$`, 'm'));
    }

    const runCache = join(tmp, 'lab-run-cache');
    const run = await tsplay(['run', SITE, '-i', lab.inventory, '--known-hosts', lab.knownHosts, '--facts-cache', runCache]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const h of HOSTS) {
      const written = JSON.parse(readFileSync(join(runCache, h), 'utf8'));
      assert.deepEqual(written.ansible_all_ipv4_addresses, cached[h]!.ansible_all_ipv4_addresses, `${h}: the run cached other facts`);
      for (const path of FILES) {
        const onHost = await runOn(lab, h, ['sh', '-c', `base64 -w0 ${path}; echo; stat -c %a ${path}`]);
        assert.equal(onHost.rc, 0, onHost.stderr);
        const [b64, mode] = onHost.stdout.split('\n');
        const rendered = join(out, h, path);
        assert.deepEqual(readFileSync(rendered), Buffer.from(b64!, 'base64'), `${h}:${path} differs from the rendered file`);
        if (MODES[path] !== undefined) {
          assert.equal(parseInt(mode!, 8), MODES[path]);
          assert.equal(statSync(rendered).mode & 0o7777, MODES[path], `${h}:${path}: rendered with another mode`);
        }
      }
    }
  });
});
