/**
 * The fuzz driver behind test/integration/fuzz.test.ts. It runs inside a network namespace of
 * its own where every IPv4 address is local (`ip route add local 0.0.0.0/0 dev lo`), so no
 * packet leaves the machine and every connection the CLI attempts, to any host, lands on the
 * listener below and is counted. Seeded mutations of the shipped playbooks and inventories go
 * through the real CLI in check mode; each case must end within 10 s, without a stack trace,
 * with one of tsplay's exit codes, and when it says the input is bad (exit 5) it must name a
 * file:line and must not have contacted any host. Prints one JSON report on stdout.
 *
 * Usage: node --import tsx test/fuzz/driver.ts SEED SECONDS
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { prng } from '../helpers/prng.js';

const seed = Number(process.argv[2] ?? 1);
const budgetMs = Number(process.argv[3] ?? 30) * 1000;
/** Cases run past the budget until this many (up to three budgets): a loaded machine still tries enough inputs for the test's counts to mean something. */
const MIN_CASES = 30;
const CASE_TIMEOUT_MS = 10_000;

const rand = prng(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const work = mkdtempSync(join(tmpdir(), 'tsplay-fuzz-'));
cpSync(join(ROOT, 'playbooks'), join(work, 'playbooks'), { recursive: true });
cpSync(join(ROOT, 'inventory'), join(work, 'inventory'), { recursive: true });
cpSync(join(ROOT, 'bench/playbook'), join(work, 'bench'), { recursive: true });

const TARGETS = [
  'playbooks/site.yml',
  'playbooks/group_vars/all.yml',
  'playbooks/templates/app.conf.j2',
  'inventory/hosts.ini',
  'inventory/fleet.yml',
  'inventory/group_vars/db.yml',
  'bench/site.yml',
  'bench/templates/app.conf.j2',
];

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const laughs = '\nlol0: &a0 [x, x, x, x, x, x, x, x, x]\n' + Array.from({ length: 9 }, (_, i) => `lol${i + 1}: &a${i + 1} [*a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}]`).join('\n') + '\n';
const VALUES = ['[1, 2]', '{a: 1}', '123', 'true', 'null', '"x"', "''", '*nope', '&anchor x', '"{{ nope_undefined }}"', '"{{ 1 +"', '"{% if %}"', deep(300), '!!binary AAAA', '- x'];

type Mutation = (lines: string[]) => { lines: string[]; bytes?: Buffer };
const MUTATIONS: Record<string, Mutation> = {
  delete: (ls) => {
    ls.splice(Math.floor(rand() * ls.length), 1);
    return { lines: ls };
  },
  duplicate: (ls) => {
    const i = Math.floor(rand() * ls.length);
    ls.splice(i, 0, ls[i]!);
    return { lines: ls };
  },
  reindent: (ls) => {
    const i = Math.floor(rand() * ls.length);
    ls[i] = rand() < 0.5 ? ' '.repeat(1 + Math.floor(rand() * 3)) + ls[i] : ls[i]!.replace(/^ {1,3}/, '');
    return { lines: ls };
  },
  typeSwap: (ls) => {
    const idx = ls.map((l, i) => (/:\s*\S/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (idx.length) {
      const i = pick(idx);
      ls[i] = ls[i]!.replace(/:\s*\S.*$/, `: ${pick(VALUES)}`);
    }
    return { lines: ls };
  },
  badJinja: (ls) => {
    const i = Math.floor(rand() * ls.length);
    ls[i] = ls[i] + pick([' {{ x ', ' {% for %}', ' {{ }}', ' {# open', ' {{ a | nofilter }}', ' {% endif %}']);
    return { lines: ls };
  },
  aliases: (ls) => {
    ls.push(pick([laughs, 'x: *nope', 'y: &s\n  z: *s', 'w: &w [*w]']));
    return { lines: ls };
  },
  nesting: (ls) => {
    const n = 150 + Math.floor(rand() * 2000);
    ls.push(pick([`deep: ${deep(n)}`, `deep: ${'{a: '.repeat(n)}1${'}'.repeat(n)}`]));
    return { lines: ls };
  },
  utf8: (ls) => {
    const i = Math.floor(rand() * ls.length);
    const text = ls.join('\n');
    const at = Buffer.byteLength(ls.slice(0, i).join('\n'));
    const buf = Buffer.from(text);
    return { lines: ls, bytes: Buffer.concat([buf.subarray(0, at), Buffer.from(pick([[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80]])), buf.subarray(at)]) };
  },
};

let contacts = 0;
const server = createServer((sock) => {
  contacts++;
  sock.destroy();
});
await new Promise<void>((ok) => server.listen(22, '0.0.0.0', ok));

interface Failure {
  seed: number;
  case: number;
  target: string;
  mutation: string;
  problem: string;
  output: string;
}
const failures: Failure[] = [];
const exits: Record<string, number> = {};

function runCli(args: string[]): Promise<{ code: number | null; out: string; hung: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tsplay.js'), ...args], { cwd: work, env: { ...process.env, CI: '1', HOME: work } });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, hung });
    });
  });
}

const start = Date.now();
let n = 0;
while (Date.now() - start < budgetMs || (n < MIN_CASES && Date.now() - start < 3 * budgetMs)) {
  n++;
  const target = pick(TARGETS);
  const name = pick(Object.keys(MUTATIONS));
  const original = readFileSync(join(work, target));
  const mutated = MUTATIONS[name]!(original.toString('utf8').split('\n'));
  writeFileSync(join(work, target), mutated.bytes ?? mutated.lines.join('\n'));
  const bench = target.startsWith('bench/');
  const inv = pick(['inventory/hosts.ini', 'inventory/fleet.yml']);
  const before = contacts;
  const r = await runCli(['run', bench ? 'bench/site.yml' : 'playbooks/site.yml', '-i', target.startsWith('inventory/') ? target.replace(/group_vars\/db\.yml$/, 'hosts.ini') : inv, '-C', '--connect-timeout', '2']);
  writeFileSync(join(work, target), original);
  exits[String(r.code)] = (exits[String(r.code)] ?? 0) + 1;
  const fail = (problem: string) => failures.push({ seed, case: n, target, mutation: name, problem, output: r.out.slice(0, 2000) });
  if (r.hung) fail(`no exit after ${CASE_TIMEOUT_MS / 1000} s`);
  else if (/^\s+at .+:\d+:\d+\)?$/m.test(r.out) || r.code === 1) fail('a stack trace or an internal error');
  else if (![0, 2, 4, 5].includes(r.code ?? -1)) fail(`exit code ${r.code}`);
  else if (r.code === 5) {
    if (contacts !== before) fail('bad input (exit 5), yet a host was contacted');
    if (!new RegExp(`(${TARGETS.map((t) => t.replace(/[.]/g, '\\.')).join('|')}):\\d+`).test(r.out)) fail('exit 5 without a file:line');
  }
}
server.close();
rmSync(work, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ seed, cases: n, exits, contacts, failures }) + '\n');
