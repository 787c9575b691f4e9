import type { Lookup } from './loops.js';
import type { SourcePos } from '../core/errors.js';
import type { ModuleDef } from '../core/module.js';

export interface LoopControl {
  loop_var: string;
  index_var?: string;
  label?: string;
  /** Seconds between two items. */
  pause?: number;
  /** Set ansible_loop (index, first, last, previtem...), with allitems unless extended_allitems is false. */
  extended?: boolean;
  allItems?: boolean;
}

/**
 * A role as its tasks see it: where it is, and its variables (dependencies' and parents' merged
 * in, as ansible-core's Role.get_default_vars / get_vars / get_role_params give them).
 */
export interface RoleRef {
  /** The name as the play wrote it (`common`, or a path): tasks print as `NAME : task`. */
  name: string;
  /** The role's folder (role_path): its files/ and templates/ are looked in first. */
  path: string;
  /** defaults/: the lowest precedence of all. */
  defaults: Record<string, unknown>;
  /** vars/ (over the vars: of its entry): above play vars_files. */
  vars: Record<string, unknown>;
  /** Parameters of its entry (`- { role: x, port: 80 }`): above set_fact. */
  params: Record<string, unknown>;
}

/** What enclosing blocks (and imports, includes' apply, a role's entry) give the tasks inside them. */
export interface Scope {
  /** Conditions of the enclosing blocks, outermost first: checked before the task's own. */
  when: string[];
  tags: string[];
  vars: Record<string, unknown>;
  environment?: Record<string, unknown>;
  /** The other inheritable keywords (schema.ts INHERITED) as written, the innermost block's winning. */
  keywords: Record<string, unknown>;
  /** The role whose tasks these are. */
  role?: RoleRef;
}

/**
 * One task after parsing: a module with its raw (untemplated) args and the task keywords, the
 * keywords of its enclosing blocks already applied (when prepended, tags and vars merged, the
 * others inherited where the task does not set them), as Ansible resolves them.
 */
export interface Task {
  kind: 'task';
  name?: string;
  module: ModuleDef;
  /** The module name as written (e.g. `ansible.builtin.copy`), for messages. */
  action: string;
  args: Record<string, unknown>;
  when: string[];
  loop?: unknown;
  /** How the templated loop value becomes items: `loop:`/with_list as it is, with_<lookup> as that lookup gives them. */
  loopWith: Lookup;
  loopControl: LoopControl;
  register?: string;
  /** Run again (at most `retries` times more, `delay` seconds apart) until these hold. */
  until?: string[];
  retries?: unknown;
  delay?: unknown;
  changedWhen?: string[] | boolean;
  failedWhen?: string[] | boolean;
  /** The parsed task this one was rendered from for one host (runTask), if it is such a copy. */
  parsed?: Task;
  /** ignore_errors, check_mode and no_log may be templates, rendered per host when the task runs. */
  ignoreErrors: boolean | string;
  notify: string[];
  listen: string[];
  tags: string[];
  checkMode?: boolean | string;
  diff?: boolean;
  noLog: boolean | string;
  environment?: Record<string, unknown>;
  /** become, become_user, remote_user and timeout may be templates, rendered per host when the task runs. */
  become?: boolean | string;
  becomeUser?: string;
  vars: Record<string, unknown>;
  timeout?: number | string;
  pos: SourcePos;
  /** The task mapping as written, for positions of its keys in later checks. */
  source: Record<string, unknown>;
  role?: RoleRef;
  /** What the enclosing blocks gave it: include_tasks and include_role hand it to what they include. */
  scope: Scope;
  /** The host whose connection runs the module (a template, rendered per host); localhost for local_action. */
  delegateTo?: string;
  /** Facts the task sets go to the delegate rather than the host. */
  delegateFacts: boolean;
  /** Run on the first host only; its result is registered on every host. */
  runOnce: boolean | string;
  /** At most this many hosts run the task at once (a template is rendered with the first host's variables). */
  throttle?: number | string;
  /** Run the apply as a background job ended after this many seconds (src/executor/async.ts). */
  async?: number | string;
  /** Seconds between reads of the job (default 10); 0 leaves it running for async_status. */
  poll?: number | string;
}

/** The names a handler answers to: its name (also as `role : name` in a role) and its listen topics. */
export function handlerNames(h: Task): string[] {
  const named = h.name === undefined ? [] : h.role ? [h.name, `${h.role.name} : ${h.name}`] : [h.name];
  return [...named, ...h.listen];
}

const ids = new WeakMap<Task, number>();
let lastId = 0;

/** A number naming one parsed task in events (a copy rendered for a host has its original's). */
export function taskId(task: Task): number {
  const t = task.parsed ?? task;
  let id = ids.get(t);
  if (id === undefined) ids.set(t, (id = ++lastId));
  return id;
}

/** The name a task is shown by: `role : name` in a role, as Ansible prints it. */
export function displayName(task: Task): string {
  const name = task.name ?? task.action;
  return task.role ? `${task.role.name} : ${name}` : name;
}

/**
 * A block: its tasks, then `rescue` for the hosts that failed in them, then `always` for every
 * host that entered it. Its keywords live on the tasks inside (see Task).
 */
export interface Block {
  kind: 'block';
  name?: string;
  block: Entry[];
  rescue: Entry[];
  always: Entry[];
  pos: SourcePos;
  /** A role's block: a host that ran a block with the same key in this play skips it (Ansible's has_run, unless allow_duplicates). */
  once?: string;
}

/** What a task list holds, in order. */
export type Entry = Task | Block;

/** The orders a play's hosts can run in (`order:`). */
export const ORDERS = ['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'] as const;
export type Order = (typeof ORDERS)[number];

export interface Play {
  name?: string;
  hosts: string;
  vars: Record<string, unknown>;
  varsFiles: string[];
  gatherFacts: boolean;
  become: boolean | string;
  becomeUser: string;
  preTasks: Entry[];
  tasks: Entry[];
  postTasks: Entry[];
  /** tsplay's health gate: run on each batch's hosts after its tasks and handlers; a host failing it counts as failed. */
  batchCheck: Entry[];
  /** tsplay's own: seconds to wait between two batches. */
  batchPause?: number | string;
  /** The roles' handlers first (in role order), then the play's. */
  handlers: Task[];
  /** Every role of `roles:` and import_role: their defaults and vars are seen by the whole play, as in Ansible. */
  roleDefaults: Record<string, unknown>;
  roleVars: Record<string, unknown>;
  tags: string[];
  environment?: Record<string, unknown>;
  anyErrorsFatal: boolean;
  ignoreUnreachable: boolean;
  /** Play-level defaults: remote_user and connection override inventory vars; the rest are task defaults. */
  remoteUser?: string;
  connection?: string;
  checkMode?: boolean;
  diff?: boolean;
  noLog: boolean;
  pos: SourcePos;
  /** Batches (a number, percentage or list of them, maybe templated): src/executor/batches.ts. */
  serial?: unknown;
  /** The share of a batch that may fail before the play (and the playbook) stops. */
  maxFailPercentage?: number | string;
  order: Order;
  /** linear (lockstep) or free (each host runs ahead through the play on its own). */
  strategy: 'linear' | 'free';
  /** tsplay's own failure budget across all batches: a number of hosts or a percentage of the play's. */
  maxFailTotal?: number | string;
  /** The folder of the playbook file the play is in (import_playbook may bring plays from another): vars_files and roles are found from it. */
  dir: string;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
  /** Deprecation warnings, said once before the playbook runs. */
  warnings: string[];
  /** Where its roles were looked for (include_role looks there too). */
  rolesPath: string[];
}

/** The tasks of a list of entries, in the order the linear strategy meets them (block, rescue, always). */
export function tasksOf(entries: Entry[]): Task[] {
  return entries.flatMap((e) => (e.kind === 'task' ? [e] : [...tasksOf(e.block), ...tasksOf(e.rescue), ...tasksOf(e.always)]));
}
