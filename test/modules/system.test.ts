/**
 * Real runs of the system modules on this machine (root, Debian): probe with /bin/sh -> parse
 * -> plan -> compileSteps -> /bin/sh, then probe and plan again and expect nothing to do.
 * Every account, group, init script and package made here has a throwaway name and is removed
 * in after(), whatever happened. The local modules (debug, assert, set_fact, fail) run local()
 * with a small controller context.
 */
import { truthy } from '../../src/template/index.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControllerContext, ExecResult, Facts, ModuleDef, Plan } from '../../src/core/module.js';
import { quote } from '../../src/core/quote.js';
import { apply, probeAndPlan, type Round, validateArgs } from './harness.js';
import { service } from '../../modules/service/index.js';
import { packageModule, apt } from '../../modules/package/index.js';
import { user } from '../../modules/user/index.js';
import { group } from '../../modules/group/index.js';
import { debug, NOT_DEFINED } from '../../modules/debug/index.js';
import { assert as assertModule } from '../../modules/assert/index.js';
import { setFact } from '../../modules/set_fact/index.js';
import { fail } from '../../modules/fail/index.js';

const FACTS: Facts = { os_family: 'Debian', pkg_mgr: 'apt', service_mgr: 'sysvinit' };
const isRoot = process.getuid?.() === 0;
const suffix = randomBytes(3).toString('hex');

/** A setup or clean-up command on this machine (not a module's script). */
function run(script: string): ExecResult {
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', timeout: 300_000 });
  return { rc: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The module's own schema check (defaults filled in), as the executor runs it. */
function checked(mod: ModuleDef, args: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(args);
  assert.deepEqual(validateArgs(mod, copy), [], `args for ${mod.name} should be valid`);
  return copy;
}

/** Probe and plan only: what check mode does. */
function check(mod: ModuleDef, rawArgs: Record<string, unknown>, facts: Facts = FACTS): Promise<Round & { state: any }> {
  return probeAndPlan(mod, checked(mod, rawArgs), facts);
}

/** Probe, plan, apply: one converge as the executor does it. Returns the plan that was applied. */
async function converge(mod: ModuleDef, args: Record<string, unknown>, facts: Facts = FACTS): Promise<Plan> {
  const { plan } = await await check(mod, args, facts);
  assert.equal(plan.failed, undefined, `plan failed: ${plan.failed}`);
  if (plan.steps.length) {
    const r = await apply(plan);
    assert.equal(r.rc, 0, `apply failed (rc ${r.rc}): ${r.stderr}`);
  }
  return plan;
}

/** Converges and checks that a second run has nothing to do (Ansible's changed, then ok). */
async function convergeTwice(mod: ModuleDef, args: Record<string, unknown>, facts: Facts = FACTS): Promise<Plan> {
  const first = await await converge(mod, args, facts);
  const again = (await await check(mod, args, facts)).plan;
  assert.equal(again.failed, undefined);
  assert.deepEqual(again.steps, [], `second run should be ok, plan was ${JSON.stringify(again.steps)}`);
  assert.ok(again.reason, 'an ok plan says why');
  return first;
}

function argvs(plan: Plan): string[][] {
  return plan.steps.map((s) => (s.kind === 'exec' ? s.argv : ['put', s.path]));
}

describe('group (real, root)', { skip: !isRoot && 'needs root' }, () => {
  const name = `tsplay-test-${suffix}g`;
  after(() => {
    run(`getent group -- ${quote(name)} >/dev/null && groupdel ${quote(name)}`);
  });

  it('creates, renumbers and removes a group idempotently', async () => {
    const created = await convergeTwice(group, { name });
    assert.deepEqual(argvs(created), [['groupadd', name]]);
    const gid1 = Number(run(`getent group -- ${quote(name)} | cut -d: -f3`).stdout.trim());
    assert.ok(gid1 > 0);

    // A gid nobody uses, above the usual ranges.
    let gid = 42000 + Math.floor(Math.random() * 1000);
    while (run(`getent group ${gid}`).rc === 0) gid++;
    const renumbered = await convergeTwice(group, { name, gid });
    assert.deepEqual(argvs(renumbered), [['groupmod', '-g', String(gid), name]]);
    assert.equal(renumbered.diff?.[0]?.before, `state: present\ngid: ${gid1}\n`);
    assert.equal(run(`getent group -- ${quote(name)} | cut -d: -f3`).stdout.trim(), String(gid));

    const removed = await convergeTwice(group, { name, state: 'absent' });
    assert.deepEqual(argvs(removed), [['groupdel', name]]);
    assert.notEqual(run(`getent group -- ${quote(name)}`).rc, 0);
  });

  it('creates a system group below the normal gid range', async () => {
    const sys = `${name}s`;
    try {
      await convergeTwice(group, { name: sys, system: true });
      const gid = Number(run(`getent group -- ${quote(sys)} | cut -d: -f3`).stdout.trim());
      assert.ok(gid < 1000, `system gid ${gid}`);
    } finally {
      run(`getent group -- ${quote(sys)} >/dev/null && groupdel ${quote(sys)}`);
    }
  });
});

describe('user (real, root)', { skip: !isRoot && 'needs root' }, () => {
  const name = `tsplay-test-${suffix}u`;
  const extra = `tsplay-test-${suffix}x`;
  const home = `/home/${name}`;
  after(() => {
    run(`getent passwd -- ${quote(name)} >/dev/null && userdel -r ${quote(name)} 2>/dev/null`);
    run(`getent group -- ${quote(name)} >/dev/null && groupdel ${quote(name)}`);
    run(`getent group -- ${quote(extra)} >/dev/null && groupdel ${quote(extra)}`);
    rmSync(home, { recursive: true, force: true });
  });

  it('fails clearly when a named group does not exist, whatever its name holds', async () => {
    const { plan } = await check(user, { name, groups: [`${extra}-missing`] });
    assert.equal(plan.failed, `Group ${extra}-missing does not exist`);
    const odd = `it's $(touch /tmp/tsplay-pwned-${suffix}) -x`;
    assert.equal((await check(user, { name, group: odd })).plan.failed, `Group ${odd} does not exist`);
    assert.ok(!existsSync(`/tmp/tsplay-pwned-${suffix}`), 'the probe quoted the value');
    assert.notEqual(run(`getent passwd -- ${quote(name)}`).rc, 0, 'nothing was created');
  });

  it('creates, changes and removes an account idempotently', async () => {
    await converge(group, { name: extra });
    const args = { name, shell: '/bin/sh', comment: 'tsplay test', groups: extra };
    const created = await convergeTwice(user, args);
    assert.equal(argvs(created)[0]?.[0], 'useradd');
    assert.ok(argvs(created)[0]!.includes('-m'));
    const pw = run(`getent passwd -- ${quote(name)}`).stdout.trim().split(':');
    assert.equal(pw[4], 'tsplay test');
    assert.equal(pw[6], '/bin/sh');
    assert.ok(existsSync(home), 'home directory created');
    assert.ok(run(`id -Gn -- ${quote(name)}`).stdout.split(/\s+/).includes(extra));

    // Check mode on a drifted account: the plan sees the change, the host does not move.
    const drift = await check(user, { ...args, shell: '/bin/bash' });
    assert.deepEqual(argvs(drift.plan), [['usermod', '-s', '/bin/bash', name]]);
    assert.deepEqual(drift.plan.diff, [{ path: `user ${name}`, before: 'state: present\nshell: /bin/sh\n', after: 'state: present\nshell: /bin/bash\n' }]);
    assert.equal(run(`getent passwd -- ${quote(name)} | cut -d: -f7`).stdout.trim(), '/bin/sh');

    const reshelled = await convergeTwice(user, { ...args, shell: '/bin/bash' });
    assert.deepEqual(argvs(reshelled), [['usermod', '-s', '/bin/bash', name]]);
    assert.equal(run(`getent passwd -- ${quote(name)} | cut -d: -f7`).stdout.trim(), '/bin/bash');

    // append with no new group is ok; replacing with an empty list drops the group.
    assert.deepEqual((await check(user, { name, groups: [], append: true })).plan.steps, []);
    const dropped = await convergeTwice(user, { name, groups: '' });
    assert.deepEqual(argvs(dropped), [['usermod', '-G', '', name]]);
    assert.ok(!run(`id -Gn -- ${quote(name)}`).stdout.split(/\s+/).includes(extra));

    // A password hash is compared with /etc/shadow.
    const hash = '$6$tsplaysalt$Qx2QDQ2ad3/2o8qkCsQfRzGbkgyMnyc9J5oLGmNNVvE5a9ZvN0oeN4PoAeM0sIyVtx3nU.hFNnF1aHfnGsGNd1';
    const pass = await convergeTwice(user, { name, password: hash });
    // Set through chpasswd's standard input: never on a command line other users can read.
    assert.deepEqual(pass.steps, [{ kind: 'exec', argv: ['chpasswd', '-e'], stdin: `${name}:${hash}\n` }]);
    assert.equal(run(`getent shadow -- ${quote(name)} | cut -d: -f2`).stdout.trim(), hash);
    assert.deepEqual((await check(user, { name, password: 'other', update_password: 'on_create' })).plan.steps, []);

    // A missing home directory is made again from /etc/skel.
    rmSync(home, { recursive: true, force: true });
    const rehomed = await convergeTwice(user, { name });
    assert.deepEqual(argvs(rehomed), [['mkhomedir_helper', name]]);
    assert.ok(existsSync(home));
    assert.equal(run(`stat -c %U ${quote(home)}`).stdout.trim(), name);

    const removed = await convergeTwice(user, { name, state: 'absent', remove: true });
    assert.deepEqual(argvs(removed), [['userdel', '-r', name]]);
    assert.notEqual(run(`getent passwd -- ${quote(name)}`).rc, 0);
    assert.ok(!existsSync(home), 'home removed with remove: true');
  });

  it('puts a new account in an existing group named like it with -N (as Ansible)', async () => {
    const twin = `${name}t`;
    try {
      await converge(group, { name: twin });
      const plan = await convergeTwice(user, { name: twin, create_home: false });
      assert.deepEqual(argvs(plan), [['useradd', '-N', '-M', twin]]);
    } finally {
      run(`getent passwd -- ${quote(twin)} >/dev/null && userdel ${quote(twin)}`);
      run(`getent group -- ${quote(twin)} >/dev/null && groupdel ${quote(twin)}`);
    }
  });
});

describe('service, SysV backend (real init script, root)', { skip: !isRoot && 'needs root' }, () => {
  const name = `tsplay-test-${suffix}s`;
  const script = `/etc/init.d/${name}`;
  let dir = '';
  let log = '';
  let pidfile = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsplay-service-'));
    log = join(dir, 'log');
    pidfile = join(dir, 'pid');
    // A minimal LSB init script whose "daemon" is a sleep, with its output away from our pipes.
    writeFileSync(
      script,
      `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${name}
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: tsplay test service
### END INIT INFO
PIDFILE=${quote(pidfile)}
LOG=${quote(log)}
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
do_start() { running && return 0; sleep 1000 >/dev/null 2>&1 </dev/null & echo $! > "$PIDFILE"; echo start >> "$LOG"; }
do_stop() { if running; then kill "$(cat "$PIDFILE")"; fi; rm -f "$PIDFILE"; echo stop >> "$LOG"; }
case "$1" in
  start) do_start ;;
  stop) do_stop ;;
  restart) do_stop; do_start; echo restart >> "$LOG" ;;
  reload) running || exit 7; echo reload >> "$LOG" ;;
  status) running || exit 3 ;;
  *) echo "Usage: $0 {start|stop|restart|reload|status}" >&2; exit 2 ;;
esac
`,
      { mode: 0o755 },
    );
  });

  after(() => {
    // Stop our own sleep by the PID our script recorded, then remove every trace.
    if (pidfile && existsSync(pidfile)) {
      const pid = Number(readFileSync(pidfile, 'utf8').trim());
      if (pid > 1) {
        try {
          process.kill(pid);
        } catch {
          /* already gone */
        }
      }
    }
    run(`update-rc.d -f ${quote(name)} remove >/dev/null 2>&1`);
    rmSync(script, { force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const logLines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  const sLinks = () => run(`ls /etc/rc?.d/S??${quote(name)} 2>/dev/null`).stdout.trim();

  it('probes a stopped, never enabled script', async () => {
    const { state, plan } = await check(service, { name, state: 'started', enabled: true });
    assert.equal(state.backend, 'sysvinit');
    assert.equal(state.exists, true);
    assert.equal(state.running, false);
    assert.equal(state.enabled, false);
    assert.equal(state.rcTool, 'update-rc.d');
    assert.deepEqual(argvs(plan), [
      ['update-rc.d', name, 'defaults'],
      ['update-rc.d', name, 'enable'],
      [script, 'start'],
    ]);
    assert.deepEqual(logLines(), [], 'check mode did not start it');
  });

  it('starts and enables, then is idempotent', async () => {
    await convergeTwice(service, { name, state: 'started', enabled: true });
    assert.deepEqual(logLines(), ['start']);
    assert.match(sLinks(), new RegExp(`/etc/rc2\\.d/S\\d\\d${name}`));
    const { plan } = await check(service, { name, state: 'started', enabled: true });
    assert.equal(plan.reason, `${name} is running and enabled`);
    assert.deepEqual(plan.result, { name, state: 'started', enabled: true });
  });

  it('restarted and reloaded always act', async () => {
    const r1 = await converge(service, { name, state: 'restarted' });
    assert.deepEqual(argvs(r1), [[script, 'restart']]);
    const r2 = await converge(service, { name, state: 'reloaded' });
    assert.deepEqual(argvs(r2), [[script, 'reload']]);
    assert.deepEqual(logLines().slice(-2), ['restart', 'reload']);
    assert.equal((await check(service, { name, state: 'restarted' })).plan.steps.length, 1, 'still changed on a second run');
  });

  it('stops and disables, then is idempotent', async () => {
    const plan = await convergeTwice(service, { name, state: 'stopped', enabled: false });
    assert.deepEqual(argvs(plan), [
      ['update-rc.d', name, 'disable'],
      [script, 'stop'],
    ]);
    assert.equal(sLinks(), '');
    assert.equal(run(`${quote(script)} status`).rc, 3);
    assert.deepEqual(plan.diff, [{ path: `service ${name}`, before: 'state: started\nenabled: true\n', after: 'state: stopped\nenabled: false\n' }]);
  });

  it('reloaded on a stopped service starts it (as Ansible)', async () => {
    const plan = await converge(service, { name, state: 'reloaded' });
    assert.deepEqual(argvs(plan), [[script, 'start']]);
    assert.equal(run(`${quote(script)} status`).rc, 0);
    await converge(service, { name, state: 'stopped' });
  });

  it('fails clearly for an unknown service, and for systemctl without systemd', async () => {
    const { plan } = await check(service, { name: `${name}-nope`, state: 'started' });
    assert.equal(plan.failed, `Could not find the requested service ${name}-nope: host`);
    // This host does not run systemd as PID 1: systemctl cannot answer, and the plan says so.
    if (run('[ "$(ps -p 1 -o comm=)" = systemd ]').rc !== 0) {
      const sd = await check(service, { name, state: 'started', use: 'systemd' });
      assert.match(sd.plan.failed ?? '', /^cannot query .* with systemctl: /);
    }
  });
});

describe('package, apt backend (real, root)', { skip: !isRoot && 'needs root' }, () => {
  const tiny = 'sl';
  const wasInstalled = run(`dpkg-query -W -f='\${Status}' ${tiny} 2>/dev/null`).stdout.endsWith(' installed');
  after(() => {
    if (!wasInstalled && run(`dpkg-query -W -f='\${Status}' ${tiny} 2>/dev/null`).stdout.endsWith(' installed')) {
      run(`DEBIAN_FRONTEND=noninteractive apt-get remove -y -q ${tiny}`);
    }
  });

  it('probes an installed and an available package', async () => {
    const { state, plan } = await check(packageModule, { name: ['coreutils', 'cowsay'], state: 'present' });
    assert.equal(state.manager, 'apt');
    const version = run("dpkg-query -W -f='${Version}' coreutils").stdout;
    assert.equal(state.packages.coreutils.installed, true);
    assert.equal(state.packages.coreutils.version, version);
    assert.equal(state.packages.coreutils.known, true);
    assert.equal(state.packages.cowsay.installed, false);
    assert.equal(state.packages.cowsay.known, true);
    assert.equal(typeof state.packages.cowsay.candidate, 'string');
    if (!run("dpkg-query -W -f='${Status}' cowsay").stdout.endsWith(' installed')) {
      assert.equal(argvs(plan)[0]?.at(-1), 'cowsay');
    }
  });

  it('is ok for installed coreutils and absent nonsense; fails for an unknown name', async () => {
    const present = (await check(packageModule, { name: 'coreutils' })).plan;
    assert.deepEqual(present.steps, []);
    assert.equal(present.reason, 'coreutils is installed');
    assert.deepEqual((await check(packageModule, { name: 'tsplay-no-such-package', state: 'absent' })).plan.steps, []);
    assert.equal((await check(packageModule, { name: 'tsplay-no-such-package' })).plan.failed, "No package matching 'tsplay-no-such-package' is available");
  });

  it(`installs, upgrades to latest and removes ${tiny}`, { skip: wasInstalled && `${tiny} was installed before the test` }, async () => {
    const installed = await convergeTwice(apt, { name: tiny, state: 'present' });
    assert.deepEqual(argvs(installed), [
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', tiny],
    ]);
    assert.ok(run(`dpkg-query -W -f='\${Status}' ${tiny}`).stdout.endsWith(' installed'));
    assert.deepEqual((await check(packageModule, { name: tiny, state: 'latest' })).plan.steps, [], 'the candidate is what was installed');
    const removed = await convergeTwice(packageModule, { name: tiny, state: 'absent' });
    assert.deepEqual(argvs(removed), [['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'remove', '-y', '-q', tiny]]);
    assert.ok(!run(`dpkg-query -W -f='\${Status}' ${tiny} 2>/dev/null`).stdout.endsWith(' installed'));
  });
});

describe('probes and parsers for backends this host does not run', () => {
  it('every probe is valid sh for every backend', () => {
    const cases: [ModuleDef, Record<string, unknown>, Facts][] = [
      [service, { name: 'nginx', state: 'started' }, { service_mgr: 'systemd' }],
      [service, { name: 'nginx', enabled: true }, { service_mgr: 'sysvinit' }],
      [packageModule, { name: ['bash', 'nginx'], state: 'latest' }, { pkg_mgr: 'dnf' }],
      [packageModule, { name: 'bash', state: 'latest' }, { pkg_mgr: 'yum' }],
      [packageModule, { name: 'bash', state: 'latest' }, { pkg_mgr: 'apt' }],
      [packageModule, { name: 'bash' }, {}],
      [user, { name: 'alice', groups: "a'b,c", home: '/srv/a b', password: 'x' }, {}],
      [group, { name: 'deploy' }, {}],
    ];
    for (const [mod, args, facts] of cases) {
      const script = mod.probe!(checked(mod, args) as any, facts).text;
      const r = spawnSync('/bin/sh', ['-n', '-c', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${mod.name} probe: ${r.stderr}\n${script}`);
    }
  });

  it('parses rpm and dnf output', () => {
    const args = checked(packageModule, { name: ['bash', 'nginx'], state: 'latest' });
    const out = 'manager=dnf\n[rpm]\nbash 5.1.8-9.el9.x86_64\npackage nginx is not installed\n[upgrades]\nAvailable Upgrades\nbash.x86_64                5.1.8-10.el9                 baseos\n';
    const state = packageModule.parse!({ rc: 0, stdout: out, stderr: '' }, args as any);
    assert.deepEqual(state, {
      manager: 'dnf',
      packages: { bash: { installed: true, version: '5.1.8-9.el9.x86_64', upgradable: true }, nginx: { installed: false } },
    });
    assert.deepEqual(argvs(packageModule.plan!(args as any, state, { pkg_mgr: 'dnf' })), [
      ['dnf', 'install', '-y', 'nginx'],
      ['dnf', 'upgrade', '-y', 'bash'],
    ]);
  });

  it('parses systemctl answers', () => {
    const parse = (stdout: string) => service.parse!({ rc: 0, stdout, stderr: '' }, { name: 'x' } as any);
    assert.deepEqual(parse('backend=systemd\nload=loaded\nactive=active\nenabled=enabled\n'), {
      backend: 'systemd', exists: true, running: true, enabled: true, enabledWord: 'enabled', hasKLinks: false, rcTool: 'none',
    });
    const missing = parse('backend=systemd\nload=not-found\nactive=inactive\nenabled=\n');
    assert.equal(missing.exists, false);
    assert.equal(missing.error, undefined);
    const indirect = parse('backend=systemd\nload=loaded\nactive=inactive\nenabled=indirect\n');
    assert.equal(indirect.enabled, false, 'indirect counts as disabled, as in Ansible');
  });
});

/** A controller context whose evaluate() looks expressions up in a table (the template layer is tested on its own). */
function context(table: Record<string, unknown>, vars: Record<string, unknown> = {}): ControllerContext {
  return {
    findFile: (_k, n) => n,
    readFile: async () => Buffer.from(''),
    render: (t) => t,
    evaluate(expr) {
      const key = expr.trim();
      if (key in table) return table[key];
      const e = new Error(`'${key}' is undefined`);
      e.name = 'UndefinedError';
      throw e;
    },
    condition(expr) {
      return truthy(this.evaluate(expr.replace(/^\s*\{\{(.*)\}\}\s*$/s, '$1')));
    },
    vars,
    check: false,
    inventoryHostname: 'localhost',
  };
}

describe('local modules', () => {
  it('debug prints msg, var, an undefined var, and skips below its verbosity', async () => {
    const ctx = context({ answer: 42, 'items | length': 3 });
    assert.deepEqual(await debug.local!(checked(debug, {}) as any, ctx), { changed: false, msg: 'Hello world!' });
    assert.deepEqual(await debug.local!(checked(debug, { msg: ['a', 'b'] }) as any, ctx), { changed: false, msg: ['a', 'b'] });
    assert.deepEqual(await debug.local!(checked(debug, { var: 'answer' }) as any, ctx), { changed: false, answer: 42 });
    assert.deepEqual(await debug.local!(checked(debug, { var: 'items | length' }) as any, ctx), { changed: false, 'items | length': 3 });
    assert.deepEqual(await debug.local!(checked(debug, { var: 'nope' }) as any, ctx), { changed: false, nope: NOT_DEFINED });
    assert.equal((await debug.local!(checked(debug, { msg: 'x', verbosity: 1 }) as any, ctx)).skipped, true);
    assert.equal((await debug.local!(checked(debug, { msg: 'x', verbosity: 1 }) as any, context({}, { ansible_verbosity: 1 }))).msg, 'x');
    assert.equal((await debug.local!(checked(debug, { msg: 'x', var: 'answer' }) as any, ctx)).failed, true);
  });

  it('assert passes, fails on the first false condition, and reports evaluation errors', async () => {
    const ctx = context({ 'a == 1': true, 'b > 2': false, 'empty_list': [], 'word': 'false', 'ok_list': [1] });
    assert.deepEqual(await assertModule.local!(checked(assertModule, { that: ['a == 1', 'ok_list'] }) as any, ctx), { changed: false, msg: 'All assertions passed' });
    assert.deepEqual(await assertModule.local!(checked(assertModule, { that: '{{ a == 1 }}', success_msg: 'fine' }) as any, ctx), { changed: false, msg: 'fine' });
    assert.deepEqual(await assertModule.local!(checked(assertModule, { that: ['a == 1', 'b > 2', 'empty_list'] }) as any, ctx), {
      changed: false,
      failed: true,
      assertion: 'b > 2',
      evaluated_to: false,
      msg: 'Assertion failed',
    });
    assert.equal((await assertModule.local!(checked(assertModule, { that: 'empty_list', fail_msg: 'no items' }) as any, ctx)).msg, 'no items');
    // A non-empty string is true, whatever it says: ansible-core 2.14 runs `when: s` with s: "False".
    assert.equal((await assertModule.local!(checked(assertModule, { that: 'word', msg: 'as when:' }) as any, ctx)).failed, undefined);
    assert.equal((await assertModule.local!(checked(assertModule, { that: [true] }) as any, ctx)).failed, undefined);
    const broken = await assertModule.local!(checked(assertModule, { that: 'missing_var' }) as any, ctx);
    assert.equal(broken.failed, true);
    assert.match(String(broken.msg), /^The conditional check 'missing_var' failed\. The error was: 'missing_var' is undefined/);
  });

  it('set_fact returns facts, turns yes/no strings into booleans, refuses bad names', async () => {
    const ctx = context({});
    const ok = await setFact.local!(checked(setFact, { app_port: 8080, debug_on: 'Yes', off: 'no', label: 'yesterday', cacheable: true }) as any, ctx);
    assert.deepEqual(ok, { changed: false, facts: { app_port: 8080, debug_on: true, off: false, label: 'yesterday' } });
    assert.match(String((await setFact.local!(checked(setFact, { 'bad-name': 1 }) as any, ctx)).msg), /^The variable name 'bad-name' is not valid/);
    assert.equal((await setFact.local!(checked(setFact, { class: 1 }) as any, ctx)).failed, true);
    assert.match(String((await setFact.local!(checked(setFact, { cacheable: true }) as any, ctx)).msg), /^No key\/value pairs provided/);
  });

  it('fail fails with its message or the default', async () => {
    const ctx = context({});
    assert.deepEqual(await fail.local!(checked(fail, {}) as any, ctx), { changed: false, failed: true, msg: 'Failed as requested from task' });
    assert.deepEqual(await fail.local!(checked(fail, { msg: 'stop here' }) as any, ctx), { changed: false, failed: true, msg: 'stop here' });
  });
});
