/**
 * Every module option that reaches a shell or an argv, given hostile values (a leading `-`,
 * newlines, quotes, `$()`, backticks, `;`, control and non-ASCII bytes), on a real lab host: the
 * value arrives byte for byte, or the task is refused with a message naming the option. Nothing
 * injected ever runs (a marker file that any injected command would create never appears).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labDown, labUp, runOn } from '../../src/lab/index.js';
import { events, tsplay } from '../helpers/cli.js';

let lab: Lab;
let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'tsplay-inj-'));
  lab = await labUp(1, { dir: join(work, 'lab') });
});

after(async () => {
  if (lab) await labDown(lab.dir);
});

const MARK = '/tmp/INJECTED';
const VALUES = [
  '-rf',
  '--reference=/etc/shadow',
  '-',
  'two\nlines',
  "it's",
  'say "hi"',
  `$(touch ${MARK})`,
  `\`touch ${MARK}\``,
  `x; touch ${MARK}`,
  `x && touch ${MARK} #`,
  '${HOME}*?[a]~',
  '\\\\back\\slash',
  '\u0001\u007f\t\u00e9\u2603\ud83d\ude00',
  ' lead and trail ',
];

test('hostile values in every option that reaches a shell or an argv arrive byte for byte, or are refused naming the option', async () => {
  const vals = JSON.stringify(VALUES);
  const names = VALUES.map((_, i) => `v${i}`);
  const pb = join(work, 'inject.yml');
  // Each task loops over the values; `i` numbers them so each lands in its own file.
  const loop = `loop: "{{ vals }}"\n      loop_control: {index_var: i}\n      ignore_errors: true`;
  writeFileSync(
    pb,
    `- hosts: h1
  gather_facts: false
  vars:
    vals: ${vals}
  tasks:
    - file: {path: /srv/inj, state: directory}
    - name: copy content
      copy: {dest: "/srv/inj/content{{ i }}", content: "{{ item }}"}
      ${loop}
    - file: {path: /srv/inj/d, state: directory}
    - name: copy dest
      copy: {dest: "/srv/inj/d/{{ item | replace('/', '_') }}", content: "x"}
      ${loop}
    - name: file path
      file: {path: "/srv/inj/f/{{ item | replace('/', '_') }}", state: directory}
      ${loop}
    - name: file link src
      file: {src: "{{ item }}", dest: "/srv/inj/link{{ i }}", state: link, force: true}
      ${loop}
    - name: file owner
      file: {path: /srv/inj/content0, owner: "{{ item }}"}
      ${loop}
    - name: lineinfile line
      lineinfile: {path: "/srv/inj/line{{ i }}", line: "{{ item }}", create: true}
      ${loop}
    - name: command argv
      command: {argv: [printf, "%s", "{{ item }}"]}
      register: argv_out
      ${loop}
    - name: command chdir
      command: {cmd: pwd, chdir: "/srv/inj/f/{{ item | replace('/', '_') }}"}
      register: chdir_out
      ${loop}
    - name: shell environment
      shell: printf %s "$V"
      environment: {V: "{{ item }}"}
      register: env_out
      ${loop}
    - name: stat path
      stat: {path: "/srv/inj/f/{{ item | replace('/', '_') }}"}
      register: stat_out
      ${loop}
    - name: user comment
      user: {name: injuser, comment: "{{ item }}"}
      ${loop}
    - name: user shell
      user: {name: injuser, shell: "{{ item }}"}
      ${loop}
    - name: group name
      group: {name: "{{ item }}"}
      ${loop}
    - name: sysctl file
      sysctl: {name: net.core.somaxconn, value: "1024", sysctl_file: "/srv/inj/sysctl/{{ item | replace('/', '_') }}", reload: false}
      ${loop}
    - name: sysctl name
      sysctl: {name: "{{ item }}", value: "1", sysctl_file: /srv/inj/sysctl.conf, reload: false}
      ${loop}
    - name: service name
      service: {name: "{{ item }}", state: started}
      ${loop}
    - name: package name
      package: {name: "{{ item }}", state: absent, use: apt}
      ${loop}
    - name: wait_for path
      wait_for: {path: "/srv/inj/f/{{ item | replace('/', '_') }}", timeout: 1}
      ${loop}
`,
  );
  await runOn(lab, 'h1', ['mkdir', '-p', '/srv/inj/sysctl']);
  const r = await tsplay(['run', pb, '-i', lab.inventory, '--known-hosts', lab.knownHosts, '--json']);
  const items = events(r.stdout).filter((e) => e.kind === 'host_result');
  assert.ok(items.length > 0, r.stdout + r.stderr);
  // Each result is a success whose value is checked below, or a failure saying what is wrong.
  const flat = VALUES.map((v) => v.replaceAll('/', '_'));
  const byTask = new Map<string, any[]>();
  // A loop's closing result holds every item's result.
  for (const e of items.filter((x) => x.result.results)) {
    for (const res of e.result.results) {
      if (res.failed) assert.match(String(res.msg ?? ""), /\w.{8,}/, `${e.task}: a failure without a reason: ${JSON.stringify(res)}`);
      byTask.set(e.task, [...(byTask.get(e.task) ?? []), res]);
    }
  }
  const ok = (task: string) => (byTask.get(task) ?? []).map((res) => !res.failed);
  const everyOk = (task: string) => assert.deepEqual(ok(task), VALUES.map(() => true), `${task}: ${JSON.stringify(byTask.get(task))}`);
  const sh = async (script: string) => (await runOn(lab, 'h1', ['sh', '-c', script])).stdout;

  // Byte for byte: contents, file names, link targets, lines, argv, working directories, environment.
  everyOk('copy content');
  for (const [i, v] of VALUES.entries()) assert.equal(await sh(`cat /srv/inj/content${i}`), v, `content${i}`);
  everyOk('copy dest');
  const listed = (dir: string) => sh(`cd ${dir} && find . -mindepth 1 -maxdepth 1 -printf '%f\\0'`).then((s) => s.split('\0').filter(Boolean).sort());
  assert.deepEqual(await listed('/srv/inj/d'), [...flat].sort());
  everyOk('file path');
  assert.deepEqual(await listed('/srv/inj/f'), [...flat].sort());
  everyOk('file link src');
  for (const [i, v] of VALUES.entries()) assert.equal(await sh(`readlink /srv/inj/link${i}`), `${v}\n`, `link${i}`);
  // A line holding a newline is refused (the schema: a line is one line); every other one is written as given.
  assert.deepEqual(ok('lineinfile line'), VALUES.map((v) => !v.includes('\n')));
  for (const [i, v] of VALUES.entries()) if (!v.includes('\n')) assert.equal(await sh(`cat /srv/inj/line${i}`), `${v}\n`, `line${i}`);
  everyOk('command argv');
  everyOk('command chdir');
  everyOk('shell environment');
  everyOk('stat path');
  everyOk('wait_for path');
  everyOk('sysctl file');
  assert.deepEqual(await listed('/srv/inj/sysctl'), [...flat].sort());
  const last = (task: string) => items.find((e) => e.task === task && e.result.results)!.result.results;
  assert.deepEqual(last('command argv').map((x: any) => x.stdout), VALUES);
  assert.deepEqual(last('command chdir').map((x: any) => x.stdout), flat.map((v) => `/srv/inj/f/${v}`));
  assert.deepEqual(last('shell environment').map((x: any) => x.stdout), VALUES);
  assert.deepEqual(last('stat path').map((x: any) => x.stat.exists), VALUES.map(() => true));

  // Names: refused with a reason (the values are no user, group, sysctl, service or package names).
  for (const task of ['file owner', 'group name', 'sysctl name', 'service name', 'user shell']) {
    assert.deepEqual(ok(task), VALUES.map(() => false), `${task} accepted a hostile name: ${JSON.stringify(byTask.get(task))}`);
  }
  // Package names that could be names reach dpkg intact (not installed: nothing to remove); the rest are refused.
  const nameLike = ["it's", '${HOME}*?[a]~', '\\\\back\\slash'];
  assert.deepEqual(ok('package name'), VALUES.map((v) => nameLike.includes(v)));
  // passwd fields: a value arrives exactly or is refused, never altered.
  const comment = await sh('getent passwd injuser | cut -d: -f5');
  assert.ok(ok('user comment').some(Boolean));
  assert.ok(VALUES.includes(comment.replace(/\n$/, '')), `the comment arrived altered: ${JSON.stringify(comment)}`);
  assert.equal(await sh(`ls ${MARK} 2>/dev/null || :`), '', 'an injected command ran');
  assert.equal(await sh("find / -xdev -name 'INJECTED' 2>/dev/null || :"), '');
});
