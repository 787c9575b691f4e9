/**
 * Installable as a package: `npm pack` from a clean copy of the checkout (no dist/; the
 * prepack/prepare scripts build it), then `npm install -g --prefix <tmp>` of that tarball as on
 * a fresh machine, then the installed `tsplay` from an unrelated folder: --version, modules, and
 * a playbook on the local connection, twice (changed=1, then changed=0).
 *
 * The install resolves the package's dependency ranges against a registry, as a real one does.
 * So that the test needs no network, that registry is a loopback HTTP server built from
 * package-lock.json: it offers exactly the locked production packages (devDependencies are not
 * there at all, so an install that needed one fails), and serves their tarballs from the npm
 * cache that `npm ci` filled. npm itself runs with an empty cache and config of its own.
 * Install scripts are off: tsplay has none, and the only ones among its dependencies build
 * ssh2's optional native addons (cpu-features, sshcrypto), which it works without, as on a
 * machine without a compiler; compiling them would double the test's time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { recap, ROOT } from '../helpers/cli.js';

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without npm's own variables (npm_config_*, npm_command... set by `npm test`). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return { ...env, CI: '1', NO_COLOR: '1', ...extra };
}

/** Asynchronous (the registry answers from this same process), with a time limit. */
function run(cmd: string, args: string[], cwd: string, env = cleanEnv(), timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}\n(killed: ${signal})` : stderr });
    });
  });
}

function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

/** Where the npm cache keeps a tarball with this sha512 integrity (cacache's content-v2 layout). */
function cachedTarball(cache: string, integrity: string): string | undefined {
  const m = /^sha512-(.+)$/.exec(integrity.split(/\s+/)[0] ?? '');
  if (!m) return undefined;
  const hex = Buffer.from(m[1]!, 'base64').toString('hex');
  return join(cache, '_cacache', 'content-v2', 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

const MANIFEST_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines', 'os', 'cpu', 'license', 'hasInstallScript'];

/** Packuments of the locked production packages, and the tarball files behind their URLs. */
function lockedRegistry(cache: string, base: string): { packuments: Map<string, any>; tarballs: Map<string, string>; missing: string[] } {
  const packuments = new Map<string, any>();
  const tarballs = new Map<string, string>();
  const missing: string[] = [];
  for (const [path, entry] of Object.entries<any>(LOCK.packages)) {
    if (!path || entry.dev || entry.link || !entry.version || !entry.integrity) continue;
    const name: string = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const file = cachedTarball(cache, entry.integrity);
    if (!file || !existsSync(file)) {
      missing.push(`${name}@${entry.version}`);
      continue;
    }
    const id = `${tarballs.size}.tgz`;
    tarballs.set(id, file);
    const doc = packuments.get(name) ?? { name, 'dist-tags': {}, versions: {} };
    const version: any = { name, version: entry.version, dist: { tarball: `${base}/-/${id}`, integrity: entry.integrity } };
    for (const f of MANIFEST_FIELDS) if (entry[f] !== undefined) version[f] = entry[f];
    doc.versions[entry.version] = version;
    packuments.set(name, doc);
  }
  for (const doc of packuments.values()) {
    const versions = Object.keys(doc.versions).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    doc['dist-tags'].latest = versions[versions.length - 1];
  }
  return { packuments, tarballs, missing };
}

/** The registry on a free loopback port; the packuments name their tarballs by its address. */
async function serve(cache: string): Promise<{ server: Server; base: string; missing: string[] }> {
  let reg: ReturnType<typeof lockedRegistry> | undefined;
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1));
    const file = path.startsWith('-/') ? reg!.tarballs.get(path.slice(2)) : undefined;
    if (file) return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
    const doc = reg!.packuments.get(path);
    if (doc) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  reg = lockedRegistry(cache, base);
  return { server, base, missing: reg.missing };
}

describe('npm pack, then npm install -g of the tarball', { timeout: 300_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tsplay-pack-'));
  const prefix = join(tmp, 'prefix');
  const work = join(tmp, 'work');
  const bin = join(prefix, 'bin', 'tsplay');
  let server: Server | undefined;
  let packed: { filename: string; files: { path: string }[]; size: number } | undefined;
  let skip: string | undefined;
  const took: string[] = [];
  async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    const r = await f();
    took.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return r;
  }

  before(async () => {
    // A clean checkout: the sources without dist/, with the dependencies `npm ci` installed.
    const checkout = join(tmp, 'checkout');
    const skipTop = new Set(['node_modules', 'dist', '.git', '.lab']);
    for (const name of readdirSync(ROOT)) {
      if (skipTop.has(name) || name.endsWith('.tgz')) continue;
      cpSync(join(ROOT, name), join(checkout, name), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');

    const pack = ok(await timed('npm pack', () => run('npm', ['pack', '--json', '--pack-destination', tmp], checkout)), 'npm pack');
    packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0];

    const cache = ok(await run('npm', ['config', 'get', 'cache'], tmp), 'npm config get cache').stdout.trim();
    const registry = await serve(cache);
    server = registry.server;
    const { base, missing } = registry;
    if (missing.length) {
      skip = `the npm cache (${cache}) lacks ${missing.length} locked tarballs (${missing.slice(0, 3).join(', ')}...): run npm ci first`;
      return;
    }

    writeFileSync(join(tmp, 'npmrc'), '');
    mkdirSync(work);
    const own = ['--registry', `${base}/`, '--cache', join(tmp, 'npm-cache'), '--userconfig', join(tmp, 'npmrc'), '--no-audit', '--no-fund', '--no-update-notifier'];
    const install = ['install', '-g', '--prefix', prefix, ...own, '--ignore-scripts', join(tmp, packed!.filename)];
    ok(await timed('npm install -g', () => run('npm', install, work)), 'npm install -g');
  });

  after(() => {
    server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds the built CLI and its runtime files, and no sources', (t) => {
    const files = packed!.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'bin/tsplay.js', 'dist/src/cli/main.js', 'dist/modules/index.js', 'dist/modules/copy/index.js', 'playbooks/site.yml']) {
      assert.ok(files.includes(f), `${f} is not in the tarball`);
    }
    const stray = files.filter((f) => !/^(bin|dist|playbooks)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
    assert.deepEqual(stray, [], 'files outside bin/, dist/, playbooks/');
    assert.deepEqual(files.filter((f) => /\.(ts|map)$/.test(f)), [], 'sources or source maps in the tarball');
    t.diagnostic(`${packed!.filename}: ${files.length} files, ${packed!.size} bytes; ${took.join(', ')}`);
  });

  test('no devDependency is installed or needed, and no install script', (t) => {
    if (skip) return t.skip(skip);
    for (const s of ['preinstall', 'install', 'postinstall']) assert.equal(PKG.scripts?.[s], undefined, `tsplay has a ${s} script`);
    const installed = join(prefix, 'lib', 'node_modules', PKG.name);
    assert.ok(existsSync(join(installed, 'dist', 'src', 'cli', 'main.js')));
    for (const dev of Object.keys(PKG.devDependencies)) {
      assert.ok(!existsSync(join(installed, 'node_modules', dev)), `${dev} (a devDependency) was installed`);
    }
    // Every package the built code imports (statically or not) is a runtime dependency.
    const js = (readdirSync(join(installed, 'dist'), { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
    const bare = new Set<string>();
    for (const f of js) {
      const text = readFileSync(join(installed, 'dist', f), 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
        bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    const notDeps = [...bare].filter((b) => !(b in PKG.dependencies));
    assert.deepEqual(notDeps, [], 'the built code imports packages that are not dependencies');
    assert.ok(bare.has('nunjucks') && bare.has('yaml'), `import scan found too little: ${[...bare]}`);
  });

  test('tsplay --version prints the package version, from any folder', async (t) => {
    if (skip) return t.skip(skip);
    const r = ok(await run(bin, ['--version'], work), 'tsplay --version');
    assert.equal(r.stdout.trim(), PKG.version);
  });

  test('tsplay modules lists the modules', async (t) => {
    if (skip) return t.skip(skip);
    const r = ok(await run(bin, ['modules'], work), 'tsplay modules');
    const names = r.stdout.split('\n').map((l) => l.split(/\s+/)[0]);
    for (const m of ['copy', 'sysctl', 'lineinfile', 'template']) assert.ok(names.includes(m), `${m} missing from:\n${r.stdout}`);
  });

  test('tsplay run on the local connection: changed=1, then changed=0', async (t) => {
    if (skip) return t.skip(skip);
    const dest = join(work, 'out', 'motd');
    mkdirSync(join(work, 'out'));
    writeFileSync(
      join(work, 'site.yml'),
      [
        '- hosts: localhost',
        '  connection: local',
        '  gather_facts: false',
        '  tasks:',
        '    - name: A file written by the installed tsplay',
        '      copy:',
        '        content: "installed from the tarball\\n"',
        `        dest: "{{ playbook_dir }}/out/${basename(dest)}"`,
        '        mode: "0644"',
        '',
      ].join('\n'),
    );
    const first = ok(await run(bin, ['run', 'site.yml', '-i', 'localhost,'], work), 'first tsplay run');
    assert.equal(recap(first.stdout).localhost?.changed, 1, first.stdout);
    assert.equal(recap(first.stdout).localhost?.failed, 0, first.stdout);
    assert.equal(readFileSync(dest, 'utf8'), 'installed from the tarball\n');
    const second = ok(await run(bin, ['run', 'site.yml', '-i', 'localhost,'], work), 'second tsplay run');
    assert.equal(recap(second.stdout).localhost?.changed, 0, second.stdout);
    assert.equal(recap(second.stdout).localhost?.ok, 1, second.stdout);
  });
});
