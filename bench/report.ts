/**
 * RESULTS.md and chart.svg from every results/hosts-N.json: a table per host count (median and
 * spread of each figure, ratios against ansible-playbook and the OpenSSH baselines), the
 * targets with a verdict, round trips per task, and a chart of wall time against host count.
 * The analysis in findings.md (written by hand) is appended as it is.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HostCountResult, type RunRecord, select, summarize, type Summary } from './results.js';
import { TOOL_LABELS, type Phase, type ToolId } from './tools.js';

const PHASE_LABELS: Record<Phase, string> = {
  first: 'first run (everything changes)',
  second: 'second run (nothing changes, facts)',
  nofacts: 'second run without facts',
  check: '--check on the converged fleet',
  connect: 'connect only',
};
const PHASES: Phase[] = ['first', 'second', 'nofacts', 'check'];
const TOOLS: ToolId[] = ['ansible', 'tsplay', 'onetrip', 'floor'];

export function loadResults(dir: string): HostCountResult[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^hosts-\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as HostCountResult)
    .sort((a, b) => a.hosts - b.hosts);
}

const f2 = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : '–');

function cell(s: Summary | undefined): string {
  if (!s || s.n === 0) return '–';
  return s.n > 1 ? `${f2(s.median)} (${f2(s.min)}–${f2(s.max)})` : `${f2(s.median)} (n=1)`;
}

function stat(runs: RunRecord[], key: keyof RunRecord): Summary | undefined {
  const xs = runs.map((r) => r[key]).filter((x): x is number => typeof x === 'number');
  return xs.length ? summarize(xs) : undefined;
}

/** The runs of a tool in a phase; the floor's single phase stands for every phase. */
function runsOf(r: HostCountResult, tool: ToolId, phase: Phase): RunRecord[] {
  return select(r, tool, tool === 'floor' ? 'connect' : phase);
}

function medianOf(r: HostCountResult | undefined, tool: ToolId, phase: Phase, key: keyof RunRecord = 'wallS'): number {
  if (!r) return NaN;
  return stat(runsOf(r, tool, phase), key)?.median ?? NaN;
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}` : '–';
}

/** Machine CPU not used by the controller or the hosts: the kernel's share (network, process creation) and anything else running on the machine. */
function otherCpu(runs: RunRecord[]): Summary | undefined {
  return runs.length ? summarize(runs.map((x) => x.machineCpuS - x.cpuS - x.hostsCpuS)) : undefined;
}

function hostTable(r: HostCountResult, all: HostCountResult[]): string[] {
  const out: string[] = [];
  out.push(`### ${r.hosts} hosts`, '');
  const reps = Object.entries(r.reps)
    .map(([t, n]) => {
      const ph = r.phases?.[t as ToolId];
      const partial = ph && t !== 'floor' && ph.length < PHASES.length ? ` (${ph.join(' and ')} only, for the time budget)` : '';
      return `${TOOL_LABELS[t as ToolId]} ×${n}${partial}`;
    })
    .join(', ');
  const when = [r.date, ...(r.appended ?? [])].map((d) => d.replace('T', ' ').slice(0, 16)).join(', ');
  out.push(`Rounds: ${reps}. Measured ${when} UTC. Lab up in ${r.labUpS.toFixed(1)} s; the whole host count took ${(r.totalS / 60).toFixed(1)} min. Converged state digest \`${r.stateDigest ?? '–'}\` (every tool left the same files, modes and owners).`, '');
  out.push('Median (min–max) per phase. Wall and CPU in seconds; memory in MiB; trips = SSH round trips per host.', '');
  out.push('| phase | tool | wall s | controller CPU s | peak mem MiB | machine CPU s | hosts CPU s | other CPU s | trips/host |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const phase of PHASES) {
    for (const tool of TOOLS) {
      const runs = runsOf(r, tool, phase);
      if (!runs.length) continue;
      const trips = stat(runs, 'roundTripsMax');
      // ansible's trips per host do not depend on the host count: from whichever run was calibrated.
      const cal = tool === 'ansible' ? (r.calibration ?? all.find((x) => x.calibration?.ansible)?.calibration)?.ansible?.[phase]?.total : undefined;
      const tripText = trips ? f2(trips.median) : cal !== undefined ? `${cal} (-vvv)` : '–';
      out.push(
        `| ${phase} | ${TOOL_LABELS[tool]} | ${cell(stat(runs, 'wallS'))} | ${cell(stat(runs, 'cpuS'))} | ${cell(stat(runs, 'peakMemMiB'))} | ${cell(stat(runs, 'machineCpuS'))} | ${cell(stat(runs, 'hostsCpuS'))} | ${cell(otherCpu(runs))} | ${tripText} |`,
      );
    }
  }
  out.push('');
  out.push('Ratios of medians (wall time unless said otherwise; below 1 means tsplay is faster):', '');
  out.push('| phase | ansible / tsplay (speed-up) | tsplay / one trip | tsplay / floor | ansible / tsplay controller CPU | ansible / tsplay machine CPU |');
  out.push('|---|---|---|---|---|---|');
  for (const phase of PHASES) {
    const t = medianOf(r, 'tsplay', phase);
    out.push(
      `| ${phase} | ${ratio(medianOf(r, 'ansible', phase), t)} | ${ratio(t, medianOf(r, 'onetrip', phase))} | ${ratio(t, medianOf(r, 'floor', phase))} | ` +
        `${ratio(medianOf(r, 'ansible', phase, 'cpuS'), medianOf(r, 'tsplay', phase, 'cpuS'))} | ${ratio(medianOf(r, 'ansible', phase, 'machineCpuS'), medianOf(r, 'tsplay', phase, 'machineCpuS'))} |`,
    );
  }
  out.push('');
  return out;
}

interface Target {
  what: string;
  goal: string;
  value: string;
  ok: boolean | undefined;
}

function targets(results: HostCountResult[]): Target[] {
  const at = (n: number) => results.find((r) => r.hosts === n);
  const r100 = at(100);
  const r500 = at(500);
  const t: Target[] = [];
  const speed = (phase: Phase, goal: number): Target => {
    const v = medianOf(r100, 'ansible', phase) / medianOf(r100, 'tsplay', phase);
    return { what: `${PHASE_LABELS[phase]}, 100 hosts: ansible / tsplay wall`, goal: `≥ ${goal}`, value: Number.isFinite(v) ? v.toFixed(1) : 'not measured', ok: Number.isFinite(v) ? v >= goal : undefined };
  };
  t.push(speed('second', 20));
  {
    const v = medianOf(r100, 'tsplay', 'second') / medianOf(r100, 'onetrip', 'second');
    t.push({ what: 'second run with facts, 100 hosts: tsplay / OpenSSH one trip wall', goal: '≤ 1.5', value: Number.isFinite(v) ? v.toFixed(2) : 'not measured', ok: Number.isFinite(v) ? v <= 1.5 : undefined });
  }
  t.push(speed('first', 10));
  {
    const v = Math.max(...PHASES.map((p) => medianOf(r100, 'tsplay', p, 'peakMemMiB')).filter(Number.isFinite));
    t.push({ what: 'tsplay controller peak memory, 100 hosts (worst phase)', goal: '≤ 150 MiB', value: Number.isFinite(v) ? `${v.toFixed(0)} MiB` : 'not measured', ok: Number.isFinite(v) ? v <= 150 : undefined });
  }
  {
    const v = Math.max(...PHASES.map((p) => medianOf(r500, 'tsplay', p, 'peakMemMiB')).filter(Number.isFinite));
    t.push({ what: 'tsplay controller peak memory, 500 hosts (worst phase)', goal: '≤ 400 MiB', value: Number.isFinite(v) ? `${v.toFixed(0)} MiB` : 'not measured', ok: Number.isFinite(v) ? v <= 400 : undefined });
  }
  // For reference beside each growth: how the plain `ssh true` floor grew between the same runs,
  // since the lab hosts share this machine's cores and their own cost need not grow linearly.
  const floor = medianOf(r500, 'floor', 'first') / medianOf(r100, 'floor', 'first');
  const floorNote = Number.isFinite(floor) ? ` (ssh true floor: ${floor.toFixed(2)})` : '';
  for (const phase of PHASES) {
    const v = medianOf(r500, 'tsplay', phase) / medianOf(r100, 'tsplay', phase);
    t.push({ what: `tsplay ${PHASE_LABELS[phase]}: wall at 500 / wall at 100 hosts`, goal: '≤ 5 (linear)', value: Number.isFinite(v) ? `${v.toFixed(2)}${floorNote}` : 'not measured', ok: Number.isFinite(v) ? v <= 5 : undefined });
  }
  const cal = newestCalibration(results)?.calibration?.tsplay;
  if (cal) {
    const facts = (cal.second?.total ?? NaN) - (cal.nofacts?.total ?? NaN);
    t.push({ what: 'tsplay round trips for facts (second − nofacts)', goal: '1 per host', value: String(facts), ok: facts === 1 });
    const unchanged = cal.nofacts?.perTask ?? [];
    const worst = Math.max(0, ...unchanged.map((x) => x.trips));
    t.push({ what: 'tsplay round trips per unchanged task (nofacts run, worst task)', goal: '≤ 1', value: `${worst} (total ${cal.nofacts?.total} for ${unchanged.length} tasks)`, ok: worst <= 1 });
    const changedTasks = (cal.first?.perTask ?? []).filter((x) => x.task !== 'Gathering Facts');
    const worstChanged = Math.max(0, ...changedTasks.map((x) => x.trips));
    t.push({ what: 'tsplay round trips per changed task (first run, worst task)', goal: '≤ 2', value: `${worstChanged} (total ${cal.first?.total})`, ok: worstChanged <= 2 });
  }
  return t;
}

/**
 * The most recent calibration that has both tools (it describes the newest build measured side
 * by side; a run without ansible, such as the 500-host row, calibrates tsplay alone), else the
 * most recent one.
 */
function newestCalibration(results: HostCountResult[]): HostCountResult | undefined {
  const cals = results.filter((r) => r.calibration).sort((a, b) => b.date.localeCompare(a.date));
  return cals.find((r) => r.calibration?.ansible && r.calibration?.tsplay) ?? cals[0];
}

function tripsTable(results: HostCountResult[]): string[] {
  const r = newestCalibration(results);
  if (!r?.calibration) return [];
  const { ansible, tsplay } = r.calibration;
  const out = ['## Round trips per task (one host, from verbose runs)', ''];
  out.push(`From one \`ansible-playbook -vvv\` run (every \`SSH: EXEC\` line: ssh for a module, sftp for a file) and one \`tsplay run --json -v\` run per phase at ${r.hosts} hosts; tsplay's facts are its trips that no task's command event names. A task whose probe was fetched ahead (batched) costs 0.`, '');
  const phases = PHASES.filter((p) => ansible?.[p] || tsplay?.[p]);
  out.push(`| task | ${phases.map((p) => `ansible ${p} | tsplay ${p}`).join(' | ')} |`);
  out.push(`|---|${phases.map(() => '---|---').join('|')}|`);
  const names: string[] = [];
  for (const p of phases) for (const x of [...(ansible?.[p]?.perTask ?? []), ...(tsplay?.[p]?.perTask ?? [])]) if (!names.includes(x.task)) names.push(x.task);
  const get = (c: typeof ansible, p: Phase, name: string) => {
    const x = c?.[p]?.perTask.find((y) => y.task === name);
    return x ? String(x.trips) : '–';
  };
  for (const name of names) out.push(`| ${name} | ${phases.map((p) => `${get(ansible, p, name)} | ${get(tsplay, p, name)}`).join(' | ')} |`);
  out.push(`| **total** | ${phases.map((p) => `**${ansible?.[p]?.total ?? '–'}** | **${tsplay?.[p]?.total ?? '–'}**`).join(' | ')} |`);
  const procs = (c: typeof ansible, p: Phase) => (c?.[p]?.processes !== undefined ? String(c[p]!.processes) : '–');
  out.push(`| processes started on the host | ${phases.map((p) => `${procs(ansible, p)} | ${procs(tsplay, p)}`).join(' | ')} |`);
  out.push('');
  const onetrip = r.calibration.onetrip;
  if (onetrip) {
    out.push(`The OpenSSH one-trip script starts ${phases.map((p) => `${procs(onetrip, p)} (${p})`).join(', ')} processes on the host, the connection included (\`ssh HOST true\` alone: 3).`, '');
  }
  return out;
}

const COLORS: Record<ToolId, string> = { ansible: '#d62728', tsplay: '#1f77b4', onetrip: '#2ca02c', floor: '#7f7f7f' };

/** Wall time (log scale) against host count, one panel per phase, one line per tool. */
export function chartSvg(results: HostCountResult[]): string {
  const W = 460;
  const H = 300;
  const M = { l: 58, r: 14, t: 30, b: 40 };
  const panels = PHASES.map((phase, i) => ({ phase, x: (i % 2) * W, y: Math.floor(i / 2) * H }));
  const all = results.flatMap((r) => r.runs.map((x) => x.wallS)).filter((x) => x > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all, 0.1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 1))));
  const hostsAll = results.map((r) => r.hosts);
  const xMax = Math.max(...hostsAll, 10);
  const parts: string[] = [];
  const legendH = 28;
  const totalW = W * 2;
  const totalH = H * 2 + legendH;
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${totalH}" viewBox="0 0 ${totalW} ${totalH}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  TOOLS.forEach((tool, i) => {
    const x = 20 + i * 220;
    parts.push(`<line x1="${x}" y1="14" x2="${x + 24}" y2="14" stroke="${COLORS[tool]}" stroke-width="2.5"${tool === 'floor' ? ' stroke-dasharray="5,3"' : ''}/>`);
    parts.push(`<text x="${x + 30}" y="18">${TOOL_LABELS[tool]}</text>`);
  });
  for (const p of panels) {
    const ox = p.x + M.l;
    const oy = legendH + p.y + M.t;
    const pw = W - M.l - M.r;
    const ph = H - M.t - M.b;
    const sx = (h: number) => ox + (h / xMax) * pw;
    const sy = (v: number) => oy + ph - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph;
    parts.push(`<text x="${ox + pw / 2}" y="${oy - 10}" text-anchor="middle" font-weight="bold">${PHASE_LABELS[p.phase]}</text>`);
    parts.push(`<rect x="${ox}" y="${oy}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (let d = lo; d <= hi * 1.0001; d *= 10) {
      const y = sy(d);
      parts.push(`<line x1="${ox}" y1="${y}" x2="${ox + pw}" y2="${y}" stroke="#ddd"/>`);
      parts.push(`<text x="${ox - 6}" y="${y + 4}" text-anchor="end">${d >= 1 ? d.toFixed(0) : d.toString()} s</text>`);
    }
    for (const h of hostsAll) {
      parts.push(`<line x1="${sx(h)}" y1="${oy + ph}" x2="${sx(h)}" y2="${oy + ph + 4}" stroke="#999"/>`);
      parts.push(`<text x="${sx(h)}" y="${oy + ph + 16}" text-anchor="middle">${h}</text>`);
    }
    parts.push(`<text x="${ox + pw / 2}" y="${oy + ph + 32}" text-anchor="middle">hosts</text>`);
    for (const tool of TOOLS) {
      const pts = results
        .map((r) => [r.hosts, medianOf(r, tool, p.phase)] as const)
        .filter(([, v]) => Number.isFinite(v) && v > 0);
      if (!pts.length) continue;
      const d = pts.map(([h, v]) => `${sx(h).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${d}" fill="none" stroke="${COLORS[tool]}" stroke-width="2"${tool === 'floor' ? ' stroke-dasharray="5,3"' : ''}/>`);
      for (const [h, v] of pts) parts.push(`<circle cx="${sx(h).toFixed(1)}" cy="${sy(v).toFixed(1)}" r="3" fill="${COLORS[tool]}"><title>${TOOL_LABELS[tool]}, ${h} hosts: ${v.toFixed(2)} s</title></circle>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export function renderMarkdown(results: HostCountResult[], findings: string): string {
  const out: string[] = ['# tsplay benchmark results', ''];
  out.push('Generated by `npm run bench` (bench/run.ts) from bench/results/hosts-*.json; the analysis at the end is bench/findings.md.', '');
  if (!results.length) return out.concat(['No results yet: run `npm run bench`.', '']).join('\n');
  const m = results[results.length - 1]!.machine;
  const dates = results.map((r) => r.date.slice(0, 10));
  out.push('## Machine and versions', '');
  out.push(`- ${m.cores} cores (${m.cpuModel}), ${m.memGiB} GiB memory, Linux ${m.kernel}; the lab hosts run on the same machine and share its cores.`);
  out.push(`- ${m.ansible}; ${m.openssh}; Node ${m.node}.`);
  for (const r of results) out.push(`- ${r.hosts} hosts: measured ${r.date.replace('T', ' ').slice(0, 16)} UTC, tsplay ${r.tsplay.commit}${r.tsplay.dirty ? ' + uncommitted changes' : ''}${r.tsplay.nodeArgs.length ? ` (node ${r.tsplay.nodeArgs.join(' ')})` : ''}.`);
  out.push(`- Dates: ${[...new Set(dates)].join(', ')}.`, '');
  out.push('## How it is measured', '');
  out.push(
    '- The playbook is bench/playbook/site.yml: 10 tasks (group, file ×2, copy with content ×2, template, lineinfile ×2 into /etc/sysctl.d, command with creates, stat + when) and a handler, ansible.builtin modules only; both tools run it unchanged. The no-facts phase runs a copy with `gather_facts: false`.',
    '- Every tool starts each round from clean hosts (the managed files and group removed through the lab, without SSH), then runs: **first** (everything changes), **second** (nothing changes), **nofacts** (second run without facts), **check** (`--check` on the converged fleet). The order of the tools rotates from round to round (A B C, B C A, ...), so their runs interleave.',
    '- After each tool\'s round every host\'s managed files (kind, mode, owner, group, size, SHA-256), stray files and the group are read through the lab and compared with what the first tool left: any difference fails the benchmark.',
    '- **ansible-playbook**: forks = hosts, pipelining on, ControlMaster/ControlPersist=60s (masters ended by PID after each run, so every run connects afresh as tsplay does), host keys checked against the lab known_hosts, `interpreter_python` fixed (no discovery), no -C compression.',
    '- **tsplay**: `node bin/tsplay.js run --json -f HOSTS`. **OpenSSH one trip**: bash starts one `ssh` per host at once (ControlMaster=yes, nothing else multiplexed), running one POSIX sh script that does the whole job (check, change what differs, count changes, handler); in the facts phases it also sends back uname, os-release, meminfo, nproc and addresses. **OpenSSH floor**: `ssh HOST true` to every host at once.',
    '- **wall**: from spawn to exit. **controller CPU**: user + sys of the controller process tree (/usr/bin/time, i.e. getrusage of waited children) plus ControlPersist masters (read from /proc before they are ended). **peak mem**: peak of the summed PSS of the controller tree, sampled every 100 ms from /proc (PSS counts pages shared by forked workers once), or ru_maxrss of the largest process if higher. **machine CPU**: busy time of all cores from /proc/stat. **hosts CPU**: CPU of every process of the lab hosts (sshd, shells, modules), from their /proc counters. **other CPU**: machine CPU less controller and hosts: the work of the kernel (network between the veths, process creation) and anything else running on the machine (a high value flags interference). **trips/host**: tsplay counts its own (recap); ansible from a `-vvv` run; the baselines do one exec per host.',
    '',
  );
  out.push('## Targets', '');
  out.push('| target | goal | measured | verdict |', '|---|---|---|---|');
  for (const t of targets(results)) out.push(`| ${t.what} | ${t.goal} | ${t.value} | ${t.ok === undefined ? 'not measured' : t.ok ? 'met' : '**missed**'} |`);
  out.push('');
  out.push('## Wall time against host count', '', '![wall time against host count](chart.svg)', '');
  out.push('## Results per host count', '');
  for (const r of results) out.push(...hostTable(r, results));
  out.push(...tripsTable(results));
  if (findings.trim()) out.push(findings.trim(), '');
  return out.join('\n');
}

/** Writes RESULTS.md and chart.svg into `benchDir` from the results in `resultsDir`. */
export function writeReport(resultsDir: string, benchDir: string): string[] {
  const results = loadResults(resultsDir);
  const findingsPath = join(benchDir, 'findings.md');
  const findings = existsSync(findingsPath) ? readFileSync(findingsPath, 'utf8') : '';
  const md = join(benchDir, 'RESULTS.md');
  const svg = join(benchDir, 'chart.svg');
  writeFileSync(md, renderMarkdown(results, findings));
  writeFileSync(svg, chartSvg(results));
  return [md, svg];
}
