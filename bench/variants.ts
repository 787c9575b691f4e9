/**
 * Compares builds of tsplay on the same lab, interleaved: for executor/transport changes.
 *
 *   node --import tsx bench/variants.ts --hosts 100 --reps 3 NAME=DIR NAME=DIR...
 *
 * DIR is a folder holding bin/tsplay.js and dist/ (the repo, or a copy made with
 * bench/snapshot.sh). Every round starts each variant from clean hosts and runs the four
 * phases; the order of the variants rotates from round to round, so a burst of load elsewhere
 * on the machine does not land on one variant only. Every variant must leave the same state.
 * Prints a markdown table (medians, min–max) and per-phase round trips and processes started
 * on one host; writes the raw runs to --out (default: a temporary folder).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { labDown, labUp, runOn, type Lab } from '../src/lab/index.js';
import { checkState, freshFleet, makeEnv, measured } from './run.js';
import { summarize, type RunRecord } from './results.js';
import type { FleetState } from './state.js';
import { PLAYBOOK_PHASES, tsplayRoundTrips, type Phase } from './tools.js';

interface VariantRun extends RunRecord {
  variant: string;
}

const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

async function lastPid(lab: Lab, host: string): Promise<number> {
  return Number((await runOn(lab, host, ['/bin/sh', '-c', 'echo $$'])).stdout.trim());
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      hosts: { type: 'string', default: '100' },
      reps: { type: 'string', default: '3' },
      out: { type: 'string' },
    },
  });
  const variants = positionals.map((p) => {
    const i = p.indexOf('=');
    if (i < 1) throw new Error(`want NAME=DIR, got ${p}`);
    return { name: p.slice(0, i), root: resolve(p.slice(i + 1)) };
  });
  if (variants.length === 0) throw new Error('name at least one variant: NAME=DIR');
  const n = Number(values.hosts);
  const reps = Number(values.reps);
  const log = (l: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`);
  const work = mkdtempSync(join(tmpdir(), 'tsplay-variants-'));
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => (stopping = true));
  let lab: Lab | undefined;
  const runs: VariantRun[] = [];
  const calibration: Record<string, Record<string, { trips: number; processes: number }>> = {};
  try {
    lab = await labUp(n, { dir: join(work, 'lab') });
    const base = makeEnv(lab, work);
    const ref: { state?: FleetState; label?: string } = {};
    for (let rep = 1; rep <= reps; rep++) {
      const order = variants.map((_, i) => variants[(i + rep - 1) % variants.length]!);
      for (const v of order) {
        const env = { ...base, tsplayRoot: v.root };
        await freshFleet(lab);
        for (const phase of PLAYBOOK_PHASES) {
          if (stopping) throw new Error('interrupted');
          const { record } = await measured('tsplay', phase, env, rep);
          runs.push({ ...record, variant: v.name });
          log(`round ${rep}/${reps} ${v.name.padEnd(10)} ${phase.padEnd(7)} wall ${f(record.wallS)} s  cpu ${f(record.cpuS)} s  mem ${f(record.peakMemMiB)} MiB  machine ${f(record.machineCpuS)} s  hosts ${f(record.hostsCpuS)} s  trips ${record.roundTripsMax}`);
        }
        await checkState(lab, v.name, ref);
      }
    }
    // Round trips and processes started on one host, per phase (the host's PID namespace counts them).
    const host = lab.hosts[0]!.name;
    const one: Lab = { ...lab, hosts: lab.hosts.filter((h) => h.name === host) };
    for (const v of variants) {
      const env = { ...base, tsplayRoot: v.root };
      await freshFleet(one);
      calibration[v.name] = {};
      for (const phase of PLAYBOOK_PHASES) {
        const before = await lastPid(lab, host);
        const { stdout } = await measured('tsplay', phase, env, 0, true, host);
        calibration[v.name]![phase] = { trips: tsplayRoundTrips(stdout, host).total, processes: (await lastPid(lab, host)) - before - 1 };
      }
    }
  } finally {
    if (lab) await labDown(lab.dir).catch((e) => log(`lab down failed: ${(e as Error).message}`));
    rmSync(work, { recursive: true, force: true });
  }

  const out: string[] = [`${n} hosts, ${reps} rounds, variants interleaved. Median (min–max).`, ''];
  out.push('| phase | variant | wall s | controller CPU s | peak mem MiB | machine CPU s | hosts CPU s | trips/host | processes on a host |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  const cell = (xs: number[]) => {
    const s = summarize(xs);
    return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
  };
  for (const phase of PLAYBOOK_PHASES as Phase[]) {
    for (const v of variants) {
      const rs = runs.filter((r) => r.variant === v.name && r.phase === phase);
      const c = calibration[v.name]?.[phase];
      out.push(
        `| ${phase} | ${v.name} | ${cell(rs.map((r) => r.wallS))} | ${cell(rs.map((r) => r.cpuS))} | ${cell(rs.map((r) => r.peakMemMiB))} | ${cell(rs.map((r) => r.machineCpuS))} | ${cell(rs.map((r) => r.hostsCpuS))} | ${c?.trips ?? '–'} | ${c?.processes ?? '–'} |`,
      );
    }
  }
  const table = out.join('\n') + '\n';
  process.stdout.write(table);
  if (values.out) writeFileSync(values.out, JSON.stringify({ hosts: n, reps, variants, runs, calibration, table }, null, 1) + '\n');
}

main().catch((e) => {
  process.stderr.write(`variants failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
