/**
 * `npm run bench:page`: how long drift.html takes to be usable in a real browser (Debian's
 * chromium) for a large fleet: 500 hosts x 50 tasks of generated drift by default. Measured
 * in the page: from navigation start to the matrix drawn (the page sets data-ready), then a
 * host filter and grouping hosts with identical drift, each redrawing the matrix. The target
 * is under 1 s to a drawn page. The median of `--reps` fresh loads is reported and written
 * to bench/results/drift-page.json.
 *
 *   node --import tsx bench/drift-page.ts [--hosts 500] [--tasks 50] [--reps 5] [--out bench/results]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { driftHtml } from '../src/audit/html.js';
import { buildReport } from '../src/audit/report.js';
import type { HostDrift, TaskDrift, TaskStatus } from '../src/audit/schema.js';
import { unifiedDiff } from '../src/output/diff.js';
import { launch } from '../test/helpers/browser.js';
import { prng } from '../test/helpers/prng.js';

/** A fleet's report: most results in sync, some drifted (a few changed lines of a config), a few failing, skipped, unpredictable or unreachable. */
export function generatedHosts(hosts: number, tasks: number): Record<string, HostDrift> {
  const rnd = prng(14);
  const out: Record<string, HostDrift> = {};
  for (let h = 0; h < hosts; h++) {
    const name = `web${String(h + 1).padStart(3, '0')}.example.test`;
    if (rnd() < 0.02) {
      out[name] = { reachable: false, reason: `ssh root@10.0.${h >> 8}.${h & 255}:22: connect ETIMEDOUT`, status: 'unreachable', facts: null, tasks: [] };
      continue;
    }
    const list: TaskDrift[] = [];
    for (let t = 0; t < tasks; t++) {
      const r = rnd();
      const status: TaskStatus = r < 0.85 ? 'in sync' : r < 0.93 ? 'drifted' : r < 0.95 ? 'would fail' : r < 0.98 ? 'skipped' : 'unpredictable';
      const path = `/etc/app/conf.d/${t}.conf`;
      const before = Array.from({ length: 30 }, (_, i) => `setting_${i} = ${i * t}`).join('\n') + '\n';
      const after = status === 'drifted' ? before.replace(`setting_${t % 30} = ${(t % 30) * t}`, `setting_${t % 30} = ${Math.floor(rnd() * 3)}`) : before;
      const diff = status === 'drifted' ? [{ path, before, after, unified: unifiedDiff({ path, before, after }) }] : [];
      list.push({
        name: `Configure part ${t + 1}`, module: 'template', file: 'site.yml', line: 10 + t * 4, play: 'fleet', handler: false, status, diff,
        msg: status === 'would fail' ? 'template error' : status === 'drifted' ? `${path}: content differs` : null, no_log: false, ignored: false, items: [],
      });
    }
    const drifted = list.some((t) => t.status === 'drifted' || t.status === 'would fail');
    out[name] = { reachable: true, reason: null, status: drifted ? 'drifted' : 'in sync', facts: { os: 'Debian 12', kernel: '6.1.0-28-amd64', arch: 'x86_64', hostname: name }, tasks: list };
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface PageTimes {
  hosts: number;
  tasks: number;
  bytes: number;
  /** Median ms from navigation start to a drawn matrix. */
  readyMs: number;
  filterMs: number;
  groupMs: number;
  rows: number;
}

export async function measurePage(hosts: number, tasks: number, reps: number): Promise<PageTimes> {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-page-'));
  const browser = await launch();
  try {
    const now = new Date();
    const report = buildReport({ started: now, finished: now, version: 'bench', cwd: '/', playbooks: [], inventory: [] }, generatedHosts(hosts, tasks));
    const html = driftHtml(report);
    const file = join(dir, 'drift.html');
    writeFileSync(file, html);
    const ready: number[] = [];
    const filter: number[] = [];
    const group: number[] = [];
    let rows = 0;
    for (let i = 0; i < reps; i++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-ready]');
      rows = await page.locator('#tbody tr').count();
      // Measured after the first paint of the matrix has been given a frame.
      ready.push(await page.evaluate(() => new Promise<number>((done) => requestAnimationFrame(() => done(performance.now())))));
      const redraw = (act: string) =>
        page.evaluate((a) => {
          const t = performance.now();
          if (a === 'filter') {
            const f = document.getElementById('filter') as HTMLInputElement;
            f.value = 'web1*';
            f.dispatchEvent(new Event('input'));
          } else {
            (document.getElementById('filter') as HTMLInputElement).value = '';
            const g = document.getElementById('group') as HTMLInputElement;
            g.checked = true;
            g.dispatchEvent(new Event('input'));
          }
          return performance.now() - t;
        }, act);
      filter.push(await redraw('filter'));
      group.push(await redraw('group'));
      await page.close();
    }
    return { hosts, tasks, bytes: Buffer.byteLength(html), readyMs: Math.round(median(ready)), filterMs: Math.round(median(filter)), groupMs: Math.round(median(group)), rows };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { hosts: { type: 'string', default: '500' }, tasks: { type: 'string', default: '50' }, reps: { type: 'string', default: '5' }, out: { type: 'string', default: 'bench/results' } } });
  const t = await measurePage(Number(values.hosts), Number(values.tasks), Number(values.reps));
  process.stdout.write(
    `drift.html, ${t.hosts} hosts x ${t.tasks} tasks (${(t.bytes / 1e6).toFixed(1)} MB): drawn in ${t.readyMs} ms (target < 1000), ` +
      `host filter ${t.filterMs} ms, grouping ${t.groupMs} ms; median of ${values.reps} loads in chromium\n`,
  );
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, 'drift-page.json'), JSON.stringify({ ...t, reps: Number(values.reps), date: new Date().toISOString() }, null, 2) + '\n');
}
