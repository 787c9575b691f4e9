/** The shape of bench/results/hosts-N.json, and the statistics read from it. */
import type { Phase, ToolId } from './tools.js';

export interface RunRecord {
  tool: ToolId;
  phase: Phase;
  rep: number;
  wallS: number;
  cpuS: number;
  userS: number;
  sysS: number;
  peakMemMiB: number;
  maxRssMiB: number;
  peakProcesses: number;
  machineCpuS: number;
  hostsCpuS: number;
  /** Changed results over all hosts. */
  changed: number;
  /** Round trips per host (max over hosts), when the tool reports them. */
  roundTripsMax?: number;
  roundTripsMin?: number;
  /** The machine's 1-minute load average when the run started (other work on the machine shows here). */
  loadBefore?: number;
}

export interface TaskTrips {
  task: string;
  trips: number;
}

export interface Calibration {
  /** Round trips of one host per phase, in total and per task. */
  [phase: string]: { total: number; perTask: TaskTrips[]; processes?: number };
}

export interface MachineInfo {
  cores: number;
  memGiB: number;
  cpuModel: string;
  kernel: string;
  node: string;
  openssh: string;
  ansible: string;
}

export interface HostCountResult {
  version: 1;
  hosts: number;
  date: string;
  machine: MachineInfo;
  /** What tsplay was measured: its folder, commit and whether the tree had local changes. */
  tsplay: { root: string; commit: string; dirty: boolean; nodeArgs: string[] };
  reps: Partial<Record<ToolId, number>>;
  /** The phases each tool ran (ansible skips some at large host counts to keep to the time budget). */
  phases?: Partial<Record<ToolId, Phase[]>>;
  runs: RunRecord[];
  calibration?: Partial<Record<'ansible' | 'tsplay' | 'onetrip', Calibration>>;
  /** Digest of the converged fleet every tool produced (they all matched). */
  stateDigest?: string;
  labUpS: number;
  totalS: number;
  /** Dates of later invocations whose runs were added with --append. */
  appended?: string[];
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(xs: number[]): Summary {
  return { n: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

export function select(r: HostCountResult, tool: ToolId, phase: Phase): RunRecord[] {
  return r.runs.filter((x) => x.tool === tool && x.phase === phase);
}
