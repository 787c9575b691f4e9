import type { Lookup } from './loops.js';
import type { SourcePos } from '../core/errors.js';
import type { ModuleDef } from '../core/module.js';

export interface LoopControl {
  loop_var: string;
  index_var?: string;
  label?: string;
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
}

/** What a task list holds, in order. */
export type Entry = Task | Block;

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
  handlers: Task[];
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
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
}

/** The tasks of a list of entries, in the order the linear strategy meets them (block, rescue, always). */
export function tasksOf(entries: Entry[]): Task[] {
  return entries.flatMap((e) => (e.kind === 'task' ? [e] : [...tasksOf(e.block), ...tasksOf(e.rescue), ...tasksOf(e.always)]));
}
