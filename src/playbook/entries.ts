/**
 * Task lists: each entry is a task or a block (block / rescue / always), nested to any depth.
 * A block's keywords are checked against BlockSchema (an unknown one is an error, as Ansible
 * refuses it) and handed down to the tasks inside (task.ts, Scope). Static reuse happens here,
 * as the playbook is read: import_tasks (and the old include) and import_role become blocks
 * holding what they bring in, with their keywords on every task of it.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { type Block, type Entry, type Scope, type Task } from './types.js';
import { BlockSchema } from './schema.js';
import { loadRole, type RoleReader } from './roles.js';
import { asBool, checkKeys, inside, isObj, type Obj, parseTask, TOP } from './task.js';
import { loadYamlFile, posOf } from './yaml.js';

/** What reading task lists needs: the collector, the playbook's folder, roles, and the files being read. */
export type ParseCtx = Omit<RoleReader, 'tasks'> & { warnings: string[] };

const isBlock = (raw: Obj) => ['block', 'rescue', 'always'].some((k) => k in raw);

function parseBlock(raw: Obj, file: string, pc: ParseCtx, scope: Scope): Block {
  const { c } = pc;
  if (!('block' in raw)) {
    const key = 'rescue' in raw ? 'rescue' : 'always';
    c.add(`'${key}' belongs to a block, and this mapping has no 'block:'`, posOf(raw, key), `put the tasks it guards under 'block:' beside '${key}:'`);
  }
  checkKeys(raw, BlockSchema, 'block', c);
  const inner = inside(scope, raw);
  const list = (k: string) => parseEntries(raw[k], file, pc, inner);
  return {
    kind: 'block',
    name: raw.name == null ? undefined : String(raw.name),
    block: list('block'),
    rescue: list('rescue'),
    always: list('always'),
    pos: posOf(raw) ?? { file },
  };
}

/**
 * Where a task file named in `from` is: an absolute name as it is; otherwise the role's tasks/,
 * the including file's folder, then the playbook's, as Ansible looks.
 */
export function taskFileCandidates(name: string, from: string, scope: Scope, pbDir: string): string[] {
  if (isAbsolute(name)) return [name];
  const dirs = [...(scope.role ? [join(scope.role.path, 'tasks')] : []), dirname(from), pbDir];
  return [...new Set(dirs.map((d) => join(d, name)))];
}

export function findTaskFile(name: string, from: string, scope: Scope, pbDir: string): string | undefined {
  return taskFileCandidates(name, from, scope, pbDir).find((p) => existsSync(p) && statSync(p).isFile());
}

/** A task file's entries; its problems (or a file that is not a list of tasks) go to the collector. */
export function parseFile(path: string, pc: ParseCtx, scope: Scope, isHandler = false): Entry[] {
  let data: unknown;
  try {
    data = loadYamlFile(path);
  } catch (e) {
    if (e instanceof UserError) pc.c.errors.push(e);
    else throw e;
    return [];
  }
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) {
    pc.c.add('a task file must be a list of tasks', posOf(data) ?? { file: path, line: 1 }, "start each task with '- name: ...'");
    return [];
  }
  return parseEntries(data, path, { ...pc, stack: [...pc.stack, path] }, scope, isHandler);
}

/** The reader roles.ts reads a role's task and handler files with. */
export function roleReader(pc: ParseCtx): RoleReader {
  return { ...pc, tasks: (file, scope, stack, isHandler) => parseFile(file, { ...pc, stack }, scope, isHandler) };
}

/** import_tasks (or the old include): the file's tasks in a block carrying the import's keywords. */
function importTasks(t: Task, file: string, pc: ParseCtx, scope: Scope): Block | undefined {
  const { c } = pc;
  const name = String(t.args.file ?? t.args._raw_params ?? '');
  if (t.loop !== undefined) c.add(`${t.action} cannot loop: its tasks are read before the play runs`, t.pos, 'use include_tasks to loop over a task file');
  if (name.includes('{{')) c.add(`${t.action} needs a file name known before the play runs, not '${name}'`, posOf(t.source, t.action) ?? t.pos, 'use include_tasks for a name that depends on variables');
  if (t.loop !== undefined || name.includes('{{')) return undefined;
  if (t.module.name === 'include') {
    pc.warnings.push('"include" is deprecated, use include_tasks/import_tasks instead. This feature will be removed in version 2.16.');
  }
  const path = findTaskFile(name, file, scope, pc.pbDir);
  if (!path) {
    c.add(`${t.action}: no task file '${name}'`, posOf(t.source, t.action) ?? t.pos, `looked for ${taskFileCandidates(name, file, scope, pc.pbDir).join(', ')}`);
    return undefined;
  }
  if (pc.stack.includes(path)) {
    c.add(`import cycle: ${[...pc.stack.slice(pc.stack.indexOf(path)), path].join(' -> ')}`, t.pos, 'a task file cannot import itself, directly or through others');
    return undefined;
  }
  const block = parseFile(path, pc, inside(scope, t.source));
  return { kind: 'block', name: t.name, block, rescue: [], always: [], pos: t.pos };
}

/** import_role: the role's block, with the task's keywords on every task of it. */
function importRole(t: Task, pc: ParseCtx, scope: Scope): Block | undefined {
  if (t.loop !== undefined) {
    pc.c.add('import_role cannot loop: its tasks are read before the play runs', t.pos, 'use include_role to loop over a role');
    return undefined;
  }
  const a = t.args as Obj;
  const str = (k: string) => (a[k] === undefined ? undefined : String(a[k]));
  const spec = {
    name: String(a.name),
    tasksFrom: str('tasks_from'),
    varsFrom: str('vars_from'),
    defaultsFrom: str('defaults_from'),
    handlersFrom: str('handlers_from'),
    allowDuplicates: asBool(a.allow_duplicates),
    vars: {},
    params: {},
    pos: t.pos,
  };
  const role = loadRole(spec, roleReader(pc), inside(scope, t.source));
  if (!role) return undefined;
  Object.assign(pc.play.defaults, role.loaded.exportDefaults);
  Object.assign(pc.play.vars, role.loaded.exportVars);
  return role.block;
}

/** A list of tasks and blocks; problems go to the collector, each with its file:line:column. */
export function parseEntries(list: unknown, file: string, pc: ParseCtx, scope: Scope = TOP, isHandler = false): Entry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return []; // reported by the enclosing schema
  const out: Entry[] = [];
  for (const raw of list) {
    if (!isHandler && isObj(raw) && isBlock(raw)) {
      out.push(parseBlock(raw, file, pc, scope));
      continue;
    }
    const t = parseTask(raw, file, pc.c, isHandler, scope);
    const kind = t?.module.name;
    const entry = !t ? undefined : kind === 'import_tasks' || kind === 'include' ? importTasks(t, file, pc, scope) : kind === 'import_role' ? importRole(t, pc, scope) : t;
    if (entry) out.push(entry);
  }
  return out;
}
