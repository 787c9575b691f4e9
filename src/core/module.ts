/**
 * The module contract. A module never ships code to a host: it is a JSON-Schema for its
 * arguments, a probe (a small POSIX shell script that prints the current state), a parser for
 * that output and a pure plan() that turns (args, state, facts) into steps. An empty plan is
 * `ok`; check mode is probe + plan without apply. The schema is the single source for
 * validation, the TypeScript type of the arguments and `tsplay modules` documentation.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Shell } from './sh.js';

/** Facts as gathered by src/facts: the `ansible_facts` mapping (keys without `ansible_`). */
export type Facts = Record<string, any>;

/** Output of one remote command or script. */
export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** A command to run on the host, as an argv: quoted by the executor, never string-built. */
export interface ExecStep {
  kind: 'exec';
  argv: string[];
  /** Working directory for this command. */
  cwd?: string;
  /** Bytes fed to the command's standard input. */
  stdin?: string;
  /**
   * Environment variables for this command only: how a value reaches a command without being
   * on its command line, which every user of the host can read in /proc/PID/cmdline.
   */
  env?: Record<string, string>;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
}

/**
 * A whole file written atomically: a temporary file in the same directory, then chmod/chown,
 * then rename over `path`. `backup` first copies the old file to `path.<timestamp>~`.
 */
export interface PutStep {
  kind: 'put';
  path: string;
  content: string | Uint8Array;
  mode?: string;
  owner?: string;
  group?: string;
  backup?: boolean;
}

export type Step = ExecStep | PutStep;

/** A before/after pair shown by --diff; text diffs are made by the output layer. */
export interface FileDiff {
  /** What the diff is about: a file path, or a name such as `sysctl vm.swappiness`. */
  path: string;
  before: string;
  after: string;
}

export interface Plan {
  /** What to run, in order, in one round trip. Empty means nothing to do (`ok`). */
  steps: Step[];
  diff?: FileDiff[];
  /** One line saying why nothing is needed, or what will change. */
  reason?: string;
  /** Extra keys for the registered result (e.g. `path`, `state`). */
  result?: Record<string, unknown>;
  /**
   * For modules whose work cannot be predicted (command, shell): true means "this task would
   * run something"; in check mode such a task is reported skipped rather than changed.
   */
  unpredictable?: boolean;
  /** Force `changed` to this value instead of "steps were non-empty" (e.g. stat: never). */
  changed?: boolean;
  /** The plan itself is a failure (e.g. assert), with this message. */
  failed?: string;
  /** Facts the probe read (setup), merged into the host's facts and ansible_* variables. */
  facts?: Facts;
  /** The steps may cut tsplay off the host: apply them under an automatic rollback (src/executor/guard.ts). */
  guard?: Guard;
  /**
   * The steps take minutes (a disk image): the executor runs them as a background job on the
   * host, which outlives a dropped SSH connection, and polls it, reporting the module's
   * progress() of the job's output as it goes. Check mode still stops before anything runs.
   */
  detached?: Detached;
}

/** How a long plan runs detached (see Plan.detached). */
export interface Detached {
  /** Seconds before the job is ended and the task fails. */
  seconds: number;
  /** Seconds between two looks at the job (default 5). */
  poll?: number;
}

/** How far a detached job got, as a module reads it from the job's output. */
export interface Progress {
  percent: number;
  /** As the tool prints it (`1.23GB/min`). */
  rate?: string;
  /** What it is at (`/dev/vdd1`). */
  text?: string;
}

/**
 * A change that may cut the controller off the host (a network interface's addresses or
 * master). When tsplay's own connection uses one of `addresses` (or `anyAddress`), or
 * `confirmAddress` is set,
 * the executor saves `files`, arms a detached rollback on the host, runs the steps detached,
 * and keeps the change only once a new connection confirms it; otherwise the host restores the
 * files and runs `restore` after `timeout` seconds. Modules only describe; the executor acts.
 */
export interface Guard {
  /** Host addresses the change may take away or move (without prefix length). */
  addresses: string[];
  /** The change may cut any connection, whatever address it uses (a new default route). */
  anyAddress?: boolean;
  /** Where the controller reconnects to confirm, when the change moves the address it uses. */
  confirmAddress?: string;
  /** Seconds before the host undoes an unconfirmed change. */
  timeout: number;
  /** Files the steps write or remove: saved first, put back (or removed again) on rollback. */
  files: string[];
  /** Commands that bring the live state back once the files are back; each runs whatever the others do. */
  restore: ExecStep[];
  /** What is guarded, for messages (`bridge br0`). */
  what: string;
}

/** A fact subset whose facts a change leaves stale, or one fact's name (without `ansible_`). */
export type StaleFacts = 'network' | 'hardware' | (string & {});

/** A file as a task would leave it on a host: what `tsplay render` writes out. */
export interface RenderedFile {
  /** Absolute path on the host. */
  path: string;
  content: string | Uint8Array;
  /** The module's `mode` option as written (octal or symbolic), when it has one. */
  mode?: string | number;
}

/** What a task writes cannot be known without its host (a backend chosen from what the host runs). */
export class NotRenderable extends Error {}

/** Controller-side services for prepare() and local modules. */
export interface ControllerContext {
  /** Absolute path of a file named in a task: looks in the role/playbook `files/` or `templates/` folder, then relative to the playbook. */
  findFile(kind: 'files' | 'templates', name: string): string;
  readFile(path: string): Promise<Buffer>;
  /** Renders template text with the host's variables (Jinja2/Ansible semantics); errors name `file` (and its line) when given, else the task. */
  render(text: string, file?: string): string;
  /** Evaluates a bare Jinja expression to its value (debug's `var:`). */
  evaluate(expr: string): unknown;
  /** Judges a conditional as `when:` does (assert's `that:`); `{{ }}` around it is accepted. */
  condition(expr: string): boolean;
  vars: Record<string, unknown>;
  check: boolean;
  inventoryHostname: string;
}

/** What a local (controller-only) module returns. */
export interface LocalResult {
  changed?: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  /** Variables to set on the host (set_fact). */
  facts?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ModuleDef<A = any, S = any> {
  name: string;
  /** One paragraph for `tsplay modules NAME`. */
  description: string;
  schema: TSchema;
  /** Name of the argument that receives free-form text (`command: ls -l`). */
  freeForm?: string;
  /** Example tasks (YAML text) for `tsplay modules NAME`. */
  examples?: string;
  /** Runs on the controller only; no probe, no plan, no host round trip. */
  local?(args: A, ctx: ControllerContext): LocalResult | Promise<LocalResult>;
  /** Controller-side preparation of args (read a src file, render a template). */
  prepare?(args: A, ctx: ControllerContext): Promise<A> | A;
  /** Shell script (built with sh``) printing the current state; absent or empty means no probe round trip. */
  probe?(args: A, facts: Facts): Shell;
  /**
   * false when the probe must run at the task's own time (wait_for polls): it is then never
   * batched with earlier tasks' probes.
   */
  prefetch?: boolean;
  /**
   * Options whose values are secrets (Ansible's no_log options, such as user's password):
   * shown as ******** wherever tsplay prints a script or its output (-v).
   */
  sensitive?: readonly string[];
  /**
   * Checks what the schema cannot say (an address that is not one, a bridge listing itself):
   * each problem names the option, and is reported with the task's file:line before the run.
   */
  validate?(args: A): { path: string[]; message: string }[];
  /** Parses the probe output into the state handed to plan(). */
  parse?(out: ExecResult, args: A): S;
  /** Pure: no I/O, no clock. */
  plan?(args: A, state: S, facts: Facts): Plan;
  /**
   * Facts that a change by this module leaves stale: a subset (`network`, `hardware`) or fact
   * names (`hostname`). After an apply that changed something they are gathered again in the
   * apply's own round trip, after the apply, and replace the host's (no extra round trip), so
   * the next task reads what the change left. Not asked when facts were not gathered.
   */
  staleFacts?(args: A, facts: Facts): readonly StaleFacts[];
  /**
   * For `tsplay render`, which contacts no host: the files the task writes, after prepare(), as
   * a run on a host that does not have them yet writes them. `earlier` gives what the render's
   * earlier tasks wrote at a path (undefined: none did), for a module that edits a file another
   * task of its kind wrote too; `memo` is the host's scratch space for what a module's earlier
   * tasks declared (the interfaces network tasks made). Pure otherwise, as plan(). Throws
   * NotRenderable when what the task writes depends on the host.
   */
  renders?(args: A, facts: Facts, earlier: (path: string) => RenderedFile | undefined, memo: Map<string, unknown>): RenderedFile[];
  /** Reads how far a detached plan's job got from the end of its output (stderr, then stdout). */
  progress?(text: string): Progress | undefined;
  /** Builds the registered result after apply (command: rc, stdout...). */
  result?(args: A, state: S, applied: ExecResult | undefined): Record<string, unknown>;
}

/** Declares a module with its argument type derived from its schema. */
export function defineModule<T extends TSchema, S = unknown>(
  def: Omit<ModuleDef<Static<T>, S>, 'schema'> & { schema: T },
): ModuleDef<Static<T>, S> {
  return def;
}
