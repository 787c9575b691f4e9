/**
 * One task mapping into a Task: its keywords against their schema (schema.ts), its module (an
 * unknown one named with the closest), the module's args against the module's schema, and the
 * keywords of the enclosing blocks (a Scope) applied as Ansible inherits them.
 */
import { type SourcePos, UserError } from '../core/errors.js';
import type { ModuleDef } from '../core/module.js';
import { closest } from '../core/suggest.js';
import { findModule, moduleNames } from '../../modules/index.js';
import { checkArgs } from './args.js';
import { LOOKUPS, type Lookup } from './loops.js';
import { parseKV } from './kv.js';
import type { Scope, Task } from './types.js';
import { checkKeywords, HANDLER_KEYS, HandlerSchema, INHERITED, type KeywordSchema, TASK_KEYS, TaskSchema } from './schema.js';
import { posAt, posOf, samePositions } from './yaml.js';

/** Ansible keywords that tsplay does not run yet: reported, never ignored. */
export const NOT_YET: Record<string, string> = {
  vars_prompt: 'vars_prompt (give the values with -e)',
  module_defaults: 'module_defaults',
  debugger: 'the task debugger',
  collections: 'collections (modules are found by their short or fully qualified name)',
  gather_subset: 'gather_subset (facts are gathered whole, in one round trip)',
  gather_timeout: 'gather_timeout (--connect-timeout and --timeout bound it)',
  fact_path: 'fact_path (local facts)',
};

export type Obj = Record<string, unknown>;

export class Collector {
  errors: UserError[] = [];
  add(message: string, pos: SourcePos | undefined, hint?: string): void {
    this.errors.push(new UserError(message, pos, hint));
  }
}

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'boolean' ? (x ? 'True' : 'False') : String(x)));
  if (typeof v === 'boolean') return [v ? 'True' : 'False'];
  return [String(v)];
}

export function tagList(v: unknown): string[] {
  return strList(v).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
}

function condition(v: unknown): string[] | boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  return strList(v);
}

export function unsupported(key: string, obj: Obj, c: Collector): void {
  c.add(`'${key}' is not supported by tsplay yet (${NOT_YET[key]})`, posOf(obj, key), 'remove it or restructure the playbook; tsplay never ignores a keyword silently');
}

/** Play or task keywords against their schema; `skip` are the task's module keys, checked apart. */
export function checkKeys(obj: Obj, schema: KeywordSchema, what: string, c: Collector, skip: string[] = []): void {
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

export function asBool(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  return /^(yes|true|on|1)$/i.test(String(v));
}

export const isTemplate = (v: unknown): v is string => typeof v === 'string' && v.includes('{{');

/** A boolean keyword that Ansible templates per host (become): a template is kept for the run. */
export function boolOrTemplate(v: unknown): boolean | string | undefined {
  return isTemplate(v) ? v : asBool(v);
}

export const TOP: Scope = { when: [], tags: [], vars: {}, keywords: {} };

/** The scope inside a block: its keywords added to the enclosing scope's. */
export function inside(scope: Scope, raw: Obj): Scope {
  const set = (k: string) => raw[k] !== undefined && raw[k] !== null;
  return {
    when: [...scope.when, ...strList(raw.when)],
    tags: [...new Set([...scope.tags, ...tagList(raw.tags)])],
    vars: { ...scope.vars, ...(isObj(raw.vars) ? raw.vars : {}) },
    environment: isObj(raw.environment) ? { ...scope.environment, ...raw.environment } : scope.environment,
    keywords: { ...scope.keywords, ...Object.fromEntries(INHERITED.filter(set).map((k) => [k, raw[k]])) },
    role: scope.role,
  };
}

/**
 * `action: copy src=a dest=b` (or a mapping with `module:`) and `local_action:` (the same, on
 * the controller) written as the module key they stand for, positions kept.
 */
function actionForm(raw: Obj, c: Collector): Obj {
  const key = raw.local_action != null ? 'local_action' : raw.action != null ? 'action' : undefined;
  if (!key) return raw;
  if (raw.action != null && raw.local_action != null) c.add("a task has either 'action' or 'local_action', not both", posOf(raw, 'local_action'));
  if (key === 'local_action' && raw.delegate_to != null) c.add("'local_action' runs on the controller: it takes no 'delegate_to'", posOf(raw, 'delegate_to'));
  const value = raw[key];
  let module: string;
  let args: unknown;
  if (typeof value === 'string') {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(value);
    module = m?.[1] ?? '';
    args = m?.[2] || null;
  } else {
    const { module: name, ...rest } = value as Obj;
    module = typeof name === 'string' ? name : '';
    samePositions(rest, value as Obj);
    args = rest;
  }
  if (!module) c.add(`'${key}' needs a module name: '${key}: copy src=a dest=b' or a mapping with 'module:'`, posOf(raw, key));
  const { action: _a, local_action: _l, ...others } = raw;
  const out: Obj = { ...others, [module || key]: args, ...(key === 'local_action' ? { delegate_to: 'localhost' } : {}) };
  samePositions(out, raw, { [module || key]: key, delegate_to: key });
  return out;
}

export function parseTask(written: unknown, file: string, c: Collector, isHandler: boolean, scope: Scope = TOP): Task | undefined {
  if (!isObj(written)) {
    c.add('a task must be a mapping (name: ..., module: ...)', posOf(written) ?? { file });
    return undefined;
  }
  const raw = actionForm(written, c);
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
  const own = inside(scope, raw);
  const kw = own.keywords;
  return {
    kind: 'task',
    name: raw.name === undefined || raw.name === null ? undefined : String(raw.name),
    module,
    action,
    args,
    when: own.when,
    loop,
    loopWith,
    loopControl: {
      loop_var: String(lc.loop_var ?? 'item'),
      index_var: lc.index_var == null ? undefined : String(lc.index_var),
      label: lc.label == null ? undefined : String(lc.label),
      pause: lc.pause == null ? undefined : Number(lc.pause),
      extended: asBool(lc.extended),
      allItems: asBool(lc.extended_allitems),
    },
    register: raw.register === undefined ? undefined : String(raw.register),
    until: raw.until === undefined || raw.until === null ? undefined : strList(raw.until).map(String),
    retries: raw.retries === undefined || isTemplate(raw.retries) ? raw.retries : Number(raw.retries),
    delay: raw.delay === undefined || isTemplate(raw.delay) ? raw.delay : Number(raw.delay),
    changedWhen: condition(raw.changed_when),
    failedWhen: condition(raw.failed_when),
    ignoreErrors: boolOrTemplate(kw.ignore_errors) ?? false,
    notify: strList(kw.notify),
    listen: strList(raw.listen),
    tags: own.tags,
    checkMode: boolOrTemplate(kw.check_mode),
    diff: asBool(kw.diff),
    noLog: boolOrTemplate(kw.no_log) ?? false,
    environment: own.environment,
    become: boolOrTemplate(kw.become),
    becomeUser: kw.become_user === undefined ? undefined : String(kw.become_user),
    vars: own.vars,
    timeout: kw.timeout === undefined || isTemplate(kw.timeout) ? kw.timeout : Number(kw.timeout),
    pos: posOf(raw) ?? { file },
    source: raw,
    role: scope.role,
    scope,
    delegateTo: kw.delegate_to == null ? undefined : String(kw.delegate_to),
    delegateFacts: asBool(kw.delegate_facts) ?? false,
    runOnce: boolOrTemplate(kw.run_once) ?? false,
    throttle: kw.throttle == null || isTemplate(kw.throttle) ? (kw.throttle ?? undefined) : Number(kw.throttle),
    async: raw.async == null || isTemplate(raw.async) ? (raw.async ?? undefined) : Number(raw.async),
    poll: raw.poll == null || isTemplate(raw.poll) ? (raw.poll ?? undefined) : Number(raw.poll),
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
