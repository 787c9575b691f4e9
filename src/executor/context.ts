/** The settings of one run and the per-play context that task execution reads. */
import { basename } from 'node:path';
import type { Inventory } from '../inventory/index.js';
import type { Sink } from '../output/events.js';
import type { Play, Playbook, Task } from '../playbook/types.js';
import type { Templar } from '../template/index.js';
import type { TransportSettings } from '../transport/index.js';
import type { ExecResult, Plan } from '../core/module.js';
import type { HostState } from './host.js';
import type { Rendering } from './render.js';
import type { ExecOptions } from './remote.js';
import type { Outcome } from './result.js';
import { lazyVars, OMIT, type Vars } from './vars.js';

export interface RunSettings {
  check: boolean;
  /** Check mode for every task, check_mode: false included: tsplay audit and plan never change a host. */
  strictCheck?: boolean;
  diff: boolean;
  forks: number;
  extraVars: Vars;
  tags: string[];
  skipTags: string[];
  limit?: string;
  verbosity: number;
  taskTimeoutMs?: number;
  transport: TransportSettings;
  /** Guarded changes (Plan.guard) run under an automatic rollback; false: --no-rollback. */
  rollback?: boolean;
  /** --resume: leave out of each play the hosts that finished it in the last run (resume.ts). */
  resume?: boolean;
  /** Where the hosts to retry are written when some failed or were unreachable (retry_files_enabled, --retry-file). */
  retryFile?: string;
  /** --start-at-task: tasks are skipped until one whose name (or `role : name`) matches this glob. */
  startAtTask?: string;
  /** --step: asked before each task whether to run it (y), skip it (n) or run all the rest (c). */
  step?: (taskName: string) => Promise<'y' | 'n' | 'c'>;
  /** `tsplay plan`: what each module run would do is recorded (src/plan/record.ts); the run is in strict check mode. */
  planner?: PlanRecorder;
  /** --facts-cache: the facts a run gathers are written to this folder too (src/facts/cache.ts). */
  factsCache?: string;
  /** tsplay render: no host is contacted; facts come from its cache and files are rendered into it (render.ts). */
  render?: Rendering;
}

/** What a module run in check mode would do, as a saved plan records it. */
export interface ModulePlan {
  /** The host whose connection runs it (the delegate for delegate_to). */
  on: HostState;
  probe?: { script: string; out: ExecResult };
  plan: Plan;
  opts: ExecOptions;
}

/** The executor's side of a saved plan: told of each module run in check mode and of each task's outcome. */
export interface PlanRecorder {
  module(ctx: PlayContext, h: HostState, task: Task, run: ModulePlan): void;
  settled(ctx: PlayContext, h: HostState, task: Task, out: Outcome): void;
}

export interface RunContext {
  settings: RunSettings;
  templar: Templar;
  emit: Sink;
  inventory: Inventory;
  /** Hosts worked on so far (those a play targeted). */
  hosts: Map<string, HostState>;
  /**
   * The state of any inventory host, created on first use (hostvars may name hosts outside the
   * play); `vars` make one the inventory does not have (a delegate_to target).
   */
  host(name: string, vars?: Vars): HostState;
  /** What --start-at-task and --step still ask, for the whole run. */
  flow: { startAt?: string; step?: RunSettings['step'] };
}

export interface PlayContext extends RunContext {
  playbook: Playbook;
  play: Play;
  /** Play vars merged with its vars_files (raw, templated lazily). */
  playVars: Vars;
  /** What the play's roles give every task (roles:, import_role, include_role with public: true). */
  roleDefaults: Vars;
  roleVars: Vars;
  roleNames: string[];
  /** The play's handlers, those of roles included while it runs added. */
  handlers: Task[];
  /** The hosts the play targets, in its order. */
  playHosts: HostState[];
  /** The hosts of the current batch (serial), those that had not failed before it. */
  batch: HostState[];
  /** Hosts still running this batch. */
  active: HostState[];
  /** Hosts a meta task took out of the play (end_host): gone from ansible_play_hosts. */
  removed: Set<HostState>;
  /** The roles (Block.once keys) each host ran a task of in this play. */
  rolesRun: Map<HostState, Set<string>>;
  /** The task itself and those after it in its section: the candidates for probe batching. */
  following(task: Task, h: HostState): Task[];
}

/**
 * The host a task delegates to: an inventory host, or one the inventory does not name, as
 * Ansible makes it (localhost runs on the controller; another name is an address to reach).
 */
export function delegateHost(ctx: RunContext, name: string): HostState {
  if (ctx.inventory.hosts.has(name)) return ctx.host(name);
  const local = ['localhost', '127.0.0.1', '::1'].includes(name);
  return ctx.host(name, local ? { ansible_connection: 'local' } : { ansible_host: name });
}

/** `hostvars`: every inventory host's vars, facts and set_facts, built when looked up. */
export function hostvarsView(ctx: RunContext): Vars {
  return new Proxy(
    {},
    {
      get(_t, name) {
        if (typeof name !== 'string' || !ctx.inventory.hosts.has(name)) return undefined;
        const h = ctx.host(name);
        return lazyVars([h.inventoryVars, h.factVars, h.hostFacts, magic(ctx, h), ctx.settings.extraVars], ctx.templar);
      },
      has: (_t, name) => typeof name === 'string' && ctx.inventory.hosts.has(name),
      ownKeys: () => [...ctx.inventory.hosts.keys()],
      getOwnPropertyDescriptor: (_t, name) =>
        typeof name === 'string' && ctx.inventory.hosts.has(name) ? { enumerable: true, configurable: true, value: undefined } : undefined,
    },
  );
}

function magic(ctx: RunContext, h: HostState): Vars {
  return {
    inventory_hostname: h.name,
    group_names: ctx.inventory.groupNames(h.name),
    groups: ctx.inventory.groupsVar(),
    ansible_check_mode: ctx.settings.check,
    ansible_diff_mode: ctx.settings.diff,
    omit: OMIT,
  };
}

/**
 * Every variable a task on host `h` sees, lowest precedence first (see vars.ts), as
 * ansible-core's VariableManager layers them: role defaults (every role of the play, then the
 * task's own role), inventory and facts, play vars and vars_files, role vars, block and task
 * vars, `extra` (loop variables, a register being judged), set_fact and registered results,
 * role parameters, magic variables, extra vars. A plain merge: the Templar templates a
 * variable's own template lazily when it is read.
 */
export function taskVars(ctx: PlayContext, h: HostState, task?: Task, extra: Vars[] = []): Vars {
  const live = (x: HostState) => !x.failed && !x.unreachable && !ctx.removed.has(x);
  const names = ctx.playHosts.filter(live).map((x) => x.name);
  const batch = ctx.active.filter(live).map((x) => x.name);
  const role = task?.role;
  return Object.assign(
    {},
    ctx.roleDefaults,
    role?.defaults,
    h.inventoryVars,
    h.factVars,
    ctx.playVars,
    ctx.roleVars,
    role?.vars,
    task?.vars,
    ...extra,
    h.hostFacts,
    role?.params,
    magic(ctx, h),
    role ? { role_name: basename(role.path), role_path: role.path, ansible_role_name: basename(role.path) } : {},
    {
      hostvars: hostvarsView(ctx),
      play_hosts: batch,
      ansible_play_hosts: names,
      ansible_play_batch: batch,
      ansible_play_hosts_all: ctx.playHosts.map((x) => x.name),
      playbook_dir: ctx.playbook.dir,
      role_names: ctx.roleNames,
    },
    ctx.settings.extraVars,
  );
}
