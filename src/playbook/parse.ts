/**
 * Playbook parsing and validation before any host is contacted: play and task keywords against
 * their schemas (schema.ts), unknown modules (with the closest name), and module args against
 * each module's schema.
 * All problems are collected and reported together, each with file:line:column.
 */
import { dirname, resolve } from 'node:path';
import { type SourcePos, UserError, UserErrors } from '../core/errors.js';
import type { ModuleDef } from '../core/module.js';
import { closest } from '../core/suggest.js';
import { findModule, moduleNames } from '../../modules/index.js';
import { checkArgs } from './args.js';
import { LOOKUPS, type Lookup } from './loops.js';
import { parseKV } from './kv.js';
import type { Play, Playbook, Task } from './types.js';
import { checkKeywords, HANDLER_KEYS, HandlerSchema, PlaySchema, TASK_KEYS, TaskSchema } from './schema.js';
import { loadYamlFile, posAt, posOf } from './yaml.js';

/** Ansible keywords that tsplay does not run yet: reported, never ignored. */
const NOT_YET: Record<string, string> = {
  block: 'block/rescue/always', rescue: 'block/rescue/always', always: 'block/rescue/always',
  include_tasks: 'include_tasks', import_tasks: 'import_tasks', include_role: 'include_role',
  import_role: 'import_role', roles: 'roles', import_playbook: 'import_playbook', include: 'include',
  delegate_to: 'delegate_to', run_once: 'run_once', async: 'async', poll: 'async/poll', local_action: 'local_action', action: 'action:',
  delegate_facts: 'delegate_facts',
  serial: 'serial', max_fail_percentage: 'max_fail_percentage', strategy: 'strategy',
};

type Obj = Record<string, unknown>;

class Collector {
  errors: UserError[] = [];
  add(message: string, pos: SourcePos | undefined, hint?: string): void {
    this.errors.push(new UserError(message, pos, hint));
  }
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'boolean' ? (x ? 'True' : 'False') : String(x)));
  if (typeof v === 'boolean') return [v ? 'True' : 'False'];
  return [String(v)];
}

function tagList(v: unknown): string[] {
  return strList(v).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
}

function condition(v: unknown): string[] | boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  return strList(v);
}

function unsupported(key: string, obj: Obj, c: Collector): void {
  c.add(`'${key}' is not supported by tsplay yet (${NOT_YET[key]})`, posOf(obj, key), 'remove it or restructure the playbook; tsplay never ignores a keyword silently');
}

/** Play or task keywords against their schema; `skip` are the task's module keys, checked apart. */
function checkKeys(obj: Obj, schema: typeof PlaySchema | typeof TaskSchema | typeof HandlerSchema, what: string, c: Collector, skip: string[] = []): void {
  const allowed = Object.keys(schema.properties);
  const rest = Object.fromEntries(Object.entries(obj).filter(([k]) => !skip.includes(k)));
  for (const p of checkKeywords(schema, rest)) {
    if (p.kind === 'unknown' && p.path.length === 1 && p.key in NOT_YET) unsupported(p.key, obj, c);
    else if (p.kind === 'unknown' && p.path.length === 1) {
      const guess = closest(p.key, allowed);
      c.add(`unknown ${what} keyword '${p.key}'`, posOf(obj, p.key), guess ? `did you mean '${guess}'?` : undefined);
    } else if (p.kind === 'missing' && p.key === 'hosts') c.add("play has no 'hosts:'", posOf(obj), "add e.g. 'hosts: all'");
    else c.add(p.message, posAt(obj, p.path) ?? posOf(obj, p.key) ?? posOf(obj));
  }
}

function asBool(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  return /^(yes|true|on|1)$/i.test(String(v));
}

const isTemplate = (v: unknown): v is string => typeof v === 'string' && v.includes('{{');

/** A boolean keyword that Ansible templates per host (become): a template is kept for the run. */
function boolOrTemplate(v: unknown): boolean | string | undefined {
  return isTemplate(v) ? v : asBool(v);
}

function parseTask(raw: unknown, file: string, c: Collector, isHandler: boolean): Task | undefined {
  if (!isObj(raw)) {
    c.add('a task must be a mapping (name: ..., module: ...)', posOf(raw) ?? { file });
    return undefined;
  }
  const allowed = isHandler ? HANDLER_KEYS : TASK_KEYS;
  const before = c.errors.length;
  for (const key of Object.keys(raw)) if (key in NOT_YET) unsupported(key, raw, c);
  const moduleKeys = Object.keys(raw).filter((k) => !allowed.includes(k) && !(k in NOT_YET));
  const unknown = moduleKeys.filter((k) => !findModule(k));
  for (const k of unknown) {
    const guess = closest(k.replace(/^.*\./, ''), [...moduleNames(), ...allowed]);
    const what = moduleKeys.length === 1 ? 'module' : 'module or task keyword';
    c.add(`unknown ${what} '${k}'`, posOf(raw, k), guess ? `did you mean '${guess}'?` : 'run `tsplay modules` for the list');
  }
  if (moduleKeys.length === 0 && c.errors.length === before) c.add('task has no module (e.g. copy:, command:, sysctl:)', posOf(raw));
  if (moduleKeys.length > 1 && unknown.length === 0) c.add(`task has more than one module: ${moduleKeys.join(', ')}`, posOf(raw, moduleKeys[1]));
  if (c.errors.length > before) return undefined;
  const action = moduleKeys[0]!;
  const module = findModule(action)!;
  checkKeys(raw, isHandler ? HandlerSchema : TaskSchema, 'task', c, [action, ...Object.keys(NOT_YET)]);
  const args = moduleArgs(raw, action, module, c);
  if (!args) return undefined;
  const problems = checkArgs(module, structuredClone(args), true);
  for (const p of problems) {
    const pos = isObj(raw[action]) ? posAt(raw, [action, ...p.path]) : posOf(raw, action);
    c.add(p.message, pos, p.hint);
  }
  const lc = isObj(raw.loop_control) ? raw.loop_control : {};
  const loops = LOOP_KEYS.filter((k) => raw[k] !== undefined);
  if (loops.length > 1) c.add(`a task loops once: it has ${loops.join(' and ')}`, posOf(raw, loops[1]!), 'keep one of them');
  const loopKey = loops[0];
  const loop = loopKey === undefined ? undefined : raw[loopKey];
  const loopWith: Lookup = loopKey === undefined || loopKey === 'loop' ? 'list' : (loopKey.slice('with_'.length) as Lookup);
  return {
    name: raw.name === undefined || raw.name === null ? undefined : String(raw.name),
    module,
    action,
    args,
    when: strList(raw.when),
    loop,
    loopWith,
    loopControl: {
      loop_var: String(lc.loop_var ?? 'item'),
      index_var: lc.index_var == null ? undefined : String(lc.index_var),
      label: lc.label == null ? undefined : String(lc.label),
    },
    register: raw.register === undefined ? undefined : String(raw.register),
    until: raw.until === undefined || raw.until === null ? undefined : strList(raw.until).map(String),
    retries: raw.retries === undefined || isTemplate(raw.retries) ? raw.retries : Number(raw.retries),
    delay: raw.delay === undefined || isTemplate(raw.delay) ? raw.delay : Number(raw.delay),
    changedWhen: condition(raw.changed_when),
    failedWhen: condition(raw.failed_when),
    ignoreErrors: boolOrTemplate(raw.ignore_errors) ?? false,
    notify: strList(raw.notify),
    listen: strList(raw.listen),
    tags: tagList(raw.tags),
    checkMode: boolOrTemplate(raw.check_mode),
    diff: asBool(raw.diff),
    noLog: boolOrTemplate(raw.no_log) ?? false,
    environment: isObj(raw.environment) ? raw.environment : undefined,
    become: boolOrTemplate(raw.become),
    becomeUser: raw.become_user === undefined ? undefined : String(raw.become_user),
    vars: isObj(raw.vars) ? raw.vars : {},
    timeout: raw.timeout === undefined || isTemplate(raw.timeout) ? raw.timeout : Number(raw.timeout),
    pos: posOf(raw) ?? { file },
    source: raw,
  };
}

/** The keys that make a task loop: `loop:` and the `with_<lookup>` forms (src/playbook/loops.ts). */
const LOOP_KEYS = ['loop', ...LOOKUPS.map((l) => `with_${l}`)];

function moduleArgs(raw: Obj, action: string, module: ModuleDef, c: Collector): Obj | undefined {
  const value = raw[action];
  let args: Obj;
  if (value === null || value === undefined) args = {};
  else if (typeof value === 'string' || typeof value === 'number') {
    try {
      args = parseKV(String(value), module.freeForm);
    } catch (e) {
      c.add(`cannot read the arguments of '${action}': ${(e as Error).message}`, posOf(raw, action));
      return undefined;
    }
  } else if (isObj(value)) args = value; // kept as parsed, so positions of its keys stay known
  else {
    c.add(`the arguments of '${action}' must be a mapping or a k=v string`, posOf(raw, action));
    return undefined;
  }
  if (isObj(raw.args)) args = { ...raw.args, ...args };
  return args;
}

function parseTasks(list: unknown, file: string, c: Collector, isHandler = false): Task[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return []; // reported by the play's schema
  return list.map((t) => parseTask(t, file, c, isHandler)).filter((t): t is Task => t !== undefined);
}

export const HANDLER_NOT_FOUND = (n: string) => `The requested handler '${n}' was not found in either the main handlers list nor in the listening handlers list`;

/** As ansible-playbook: notifying what no handler of the play is named or listens to is an error, found here for every literal name. */
function checkNotify(play: Play, c: Collector): void {
  if (play.handlers.some((h) => h.name?.includes('{{'))) return; // known only at run time
  const known = new Set(play.handlers.flatMap((h) => [...(h.name !== undefined ? [h.name] : []), ...h.listen]));
  const hint = known.size ? `the play's handlers and topics: ${[...known].map((x) => `'${x}'`).join(', ')}` : 'the play has no handlers: add one under handlers:';
  for (const t of [...play.preTasks, ...play.tasks, ...play.postTasks, ...play.handlers]) {
    const raw = (t.source as Obj | undefined)?.notify;
    if (typeof raw !== 'string' && !(Array.isArray(raw) && raw.every((x) => typeof x === 'string'))) continue; // the schema says what is wrong
    for (const n of t.notify) {
      if (n.includes('{{') || known.has(n)) continue;
      c.add(HANDLER_NOT_FOUND(n), posOf(t.source, 'notify') ?? t.pos, hint);
    }
  }
}

function parsePlay(raw: unknown, file: string, c: Collector): Play | undefined {
  if (!isObj(raw)) {
    c.add('a play must be a mapping with hosts: and tasks:', posOf(raw) ?? { file });
    return undefined;
  }
  checkKeys(raw, PlaySchema, 'play', c);
  const play = parsePlayBody(raw, file, c);
  checkNotify(play, c);
  return play;
}

function parsePlayBody(raw: Obj, file: string, c: Collector): Play {
  return {
    name: raw.name === undefined || raw.name === null ? undefined : String(raw.name),
    hosts: Array.isArray(raw.hosts) ? raw.hosts.join(',') : String(raw.hosts ?? ''),
    vars: isObj(raw.vars) ? raw.vars : {},
    varsFiles: strList(raw.vars_files),
    gatherFacts: asBool(raw.gather_facts) ?? true,
    become: boolOrTemplate(raw.become) ?? false,
    becomeUser: raw.become_user === undefined ? 'root' : String(raw.become_user),
    preTasks: parseTasks(raw.pre_tasks, file, c),
    tasks: parseTasks(raw.tasks, file, c),
    postTasks: parseTasks(raw.post_tasks, file, c),
    handlers: parseTasks(raw.handlers, file, c, true),
    tags: tagList(raw.tags),
    environment: isObj(raw.environment) ? raw.environment : undefined,
    anyErrorsFatal: asBool(raw.any_errors_fatal) ?? false,
    ignoreUnreachable: asBool(raw.ignore_unreachable) ?? false,
    remoteUser: raw.remote_user == null ? undefined : String(raw.remote_user),
    connection: raw.connection == null ? undefined : String(raw.connection),
    checkMode: asBool(raw.check_mode),
    diff: asBool(raw.diff),
    // A templated play-level no_log hides, rather than risk showing what it was meant to hide.
    noLog: isTemplate(raw.no_log) || (asBool(raw.no_log) ?? false),
    pos: posOf(raw) ?? { file },
  };
}

/** Loads and validates a playbook file; throws UserErrors listing every problem found. */
export function loadPlaybook(path: string): Playbook {
  const file = resolve(path);
  const data = loadYamlFile(file);
  const c = new Collector();
  // As ansible-playbook refuses them (tsplay's exit 5).
  if (data === null) throw new UserErrors([new UserError('Empty playbook, nothing to do', { file, line: 1 }, "add a play: '- hosts: all' and its tasks")]);
  if (Array.isArray(data) && data.length === 0) throw new UserErrors([new UserError('A playbook must contain at least one play', posOf(data) ?? { file, line: 1 }, "add a play: '- hosts: all' and its tasks")]);
  if (!Array.isArray(data)) {
    throw new UserErrors([new UserError('a playbook must be a list of plays', posOf(data) ?? { file, line: 1 }, "start with '- hosts: all'")]);
  }
  const plays = data.map((p) => parsePlay(p, file, c)).filter((p): p is Play => p !== undefined);
  // In file order, whichever check found them.
  const at = (e: UserError) => [e.pos?.line ?? 0, e.pos?.col ?? 0];
  c.errors.sort((a, b) => at(a)[0]! - at(b)[0]! || at(a)[1]! - at(b)[1]!);
  if (c.errors.length) throw new UserErrors(c.errors);
  return { file, dir: dirname(file), plays };
}
