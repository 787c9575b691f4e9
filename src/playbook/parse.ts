/**
 * Playbook parsing and validation before any host is contacted: play and task keywords against
 * their schemas (schema.ts), unknown modules (with the closest name), module args against each
 * module's schema, and everything brought in statically: import_playbook, roles, import_role,
 * import_tasks. All problems are collected and reported together, each with file:line:column.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError, UserErrors } from '../core/errors.js';
import { type ParseCtx, parseEntries, roleReader } from './entries.js';
import { loadRole, roleEntry, type RoleSet } from './roles.js';
import { type Entry, handlerNames, type Order, type Play, type Playbook, type Task, tasksOf } from './types.js';
import { ImportPlaybookSchema, PlaySchema } from './schema.js';
import { asBool, boolOrTemplate, checkKeys, Collector, inside, isObj, isTemplate, type Obj, strList, tagList, TOP } from './task.js';
import { loadYamlFile, posOf } from './yaml.js';

/** What the configuration (src/cli/config.ts: ansible.cfg, ANSIBLE_*) gives the reading of playbooks. */
export interface LoadOptions {
  /** Where roles are looked for after roles/ beside the playbook (roles_path). */
  rolesPath?: string[];
  /** become and become_user of plays that do not set them. */
  become?: boolean;
  becomeUser?: string;
}

export const HANDLER_NOT_FOUND = (n: string) => `The requested handler '${n}' was not found in either the main handlers list nor in the listening handlers list`;

/** As ansible-playbook: notifying what no handler of the play is named or listens to is an error, found here for every literal name. */
function checkNotify(play: Play, c: Collector): void {
  if (play.handlers.some((h) => h.name?.includes('{{'))) return; // known only at run time
  const known = new Set(play.handlers.flatMap(handlerNames));
  const hint = known.size ? `the play's handlers and topics: ${[...known].map((x) => `'${x}'`).join(', ')}` : 'the play has no handlers: add one under handlers:';
  for (const t of [...tasksOf(play.preTasks), ...tasksOf(play.tasks), ...tasksOf(play.postTasks), ...tasksOf(play.batchCheck), ...play.handlers]) {
    const raw = (t.source as Obj | undefined)?.notify;
    if (typeof raw !== 'string' && !(Array.isArray(raw) && raw.every((x) => typeof x === 'string'))) continue; // the schema says what is wrong
    for (const n of t.notify) {
      if (n.includes('{{') || known.has(n)) continue;
      c.add(HANDLER_NOT_FOUND(n), posOf(t.source, 'notify') ?? t.pos, hint);
    }
  }
}

function parsePlay(raw: unknown, file: string, c: Collector, opts: LoadOptions, warnings: string[]): Play | undefined {
  if (!isObj(raw)) {
    c.add('a play must be a mapping with hosts: and tasks:', posOf(raw) ?? { file });
    return undefined;
  }
  checkKeys(raw, PlaySchema, 'play', c);
  const play = parsePlayBody(raw, file, c, opts, warnings);
  checkNotify(play, c);
  return play;
}

/** A play's roles, in order, as blocks (their handlers and variables go to the play's RoleSet). */
function playRoles(list: unknown, file: string, pc: ParseCtx): Entry[] {
  if (!Array.isArray(list)) return [];
  const out: Entry[] = [];
  for (const [i, raw] of list.entries()) {
    const entry = roleEntry(raw, pc.c, posOf(list, i) ?? { file });
    const role = entry && loadRole(entry.spec, roleReader(pc), inside(TOP, entry.keywords));
    if (!role) continue;
    Object.assign(pc.play.defaults, role.loaded.exportDefaults);
    Object.assign(pc.play.vars, role.loaded.exportVars);
    out.push(role.block);
  }
  return out;
}

function parsePlayBody(raw: Obj, file: string, c: Collector, opts: LoadOptions, warnings: string[]): Play {
  const dir = dirname(file);
  const roles: RoleSet = { handlers: [], defaults: {}, vars: {} };
  const pc: ParseCtx = { c, pbDir: dir, rolesPath: opts.rolesPath ?? [], stack: [file], play: roles, warnings };
  const preTasks = parseEntries(raw.pre_tasks, file, pc);
  // As Ansible compiles a play: the roles run first in the tasks section.
  const tasks = [...playRoles(raw.roles, file, pc), ...parseEntries(raw.tasks, file, pc)];
  const postTasks = parseEntries(raw.post_tasks, file, pc);
  const batchCheck = parseEntries(raw.batch_check, file, pc);
  const handlers = parseEntries(raw.handlers, file, pc, TOP, true) as Task[];
  return {
    name: raw.name === undefined || raw.name === null ? undefined : String(raw.name),
    hosts: Array.isArray(raw.hosts) ? raw.hosts.join(',') : String(raw.hosts ?? ''),
    vars: isObj(raw.vars) ? raw.vars : {},
    varsFiles: strList(raw.vars_files),
    gatherFacts: asBool(raw.gather_facts) ?? true,
    become: boolOrTemplate(raw.become) ?? opts.become ?? false,
    becomeUser: raw.become_user === undefined ? (opts.becomeUser ?? 'root') : String(raw.become_user),
    preTasks,
    tasks,
    postTasks,
    batchCheck,
    batchPause: raw.batch_pause == null || isTemplate(raw.batch_pause) ? (raw.batch_pause ?? undefined) : Number(raw.batch_pause),
    handlers: [...roles.handlers, ...handlers],
    roleDefaults: roles.defaults,
    roleVars: roles.vars,
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
    dir,
    serial: raw.serial ?? undefined,
    maxFailPercentage: raw.max_fail_percentage == null || isTemplate(raw.max_fail_percentage) ? (raw.max_fail_percentage ?? undefined) : Number(raw.max_fail_percentage),
    order: (raw.order as Order | undefined) ?? 'inventory',
    strategy: raw.strategy === 'free' ? 'free' : 'linear',
    maxFailTotal: raw.max_fail_total == null ? undefined : typeof raw.max_fail_total === 'number' ? raw.max_fail_total : String(raw.max_fail_total),
  };
}

/** The plays of a playbook file, those of the playbooks it imports in their place. */
function parsePlays(file: string, c: Collector, opts: LoadOptions, warnings: string[], stack: string[]): Play[] {
  const data = loadYamlFile(file);
  // As ansible-playbook refuses them (tsplay's exit 5).
  if (data === null) throw new UserErrors([new UserError('Empty playbook, nothing to do', { file, line: 1 }, "add a play: '- hosts: all' and its tasks")]);
  if (Array.isArray(data) && data.length === 0) throw new UserErrors([new UserError('A playbook must contain at least one play', posOf(data) ?? { file, line: 1 }, "add a play: '- hosts: all' and its tasks")]);
  if (!Array.isArray(data)) {
    throw new UserErrors([new UserError('a playbook must be a list of plays', posOf(data) ?? { file, line: 1 }, "start with '- hosts: all'")]);
  }
  const plays: Play[] = [];
  for (const raw of data) {
    if (!isObj(raw) || !('import_playbook' in raw)) {
      const play = parsePlay(raw, file, c, opts, warnings);
      if (play) plays.push(play);
      continue;
    }
    checkKeys(raw, ImportPlaybookSchema, 'import_playbook', c);
    const name = String(raw.import_playbook ?? '');
    const path = isAbsolute(name) ? name : join(dirname(file), name);
    if (name.includes('{{')) c.add(`import_playbook needs a file name known before the run, not '${name}'`, posOf(raw, 'import_playbook'));
    else if (!existsSync(path)) c.add(`import_playbook: no playbook '${name}'`, posOf(raw, 'import_playbook'), `looked for ${path}`);
    else if (stack.includes(path)) c.add(`import_playbook cycle: ${[...stack.slice(stack.indexOf(path)), path].join(' -> ')}`, posOf(raw, 'import_playbook'));
    else {
      const vars = isObj(raw.vars) ? raw.vars : {};
      const tags = tagList(raw.tags);
      for (const p of parsePlays(path, c, opts, warnings, [...stack, path])) plays.push({ ...p, vars: { ...p.vars, ...vars }, tags: [...tags, ...p.tags] });
    }
  }
  return plays;
}

/** Loads and validates a playbook file; throws UserErrors listing every problem found. */
export function loadPlaybook(path: string, opts: LoadOptions = {}): Playbook {
  const file = resolve(path);
  const c = new Collector();
  const warnings: string[] = [];
  const plays = parsePlays(file, c, opts, warnings, [file]);
  // In file order, whichever check found them.
  const at = (e: UserError) => [e.pos?.line ?? 0, e.pos?.col ?? 0];
  c.errors.sort((a, b) => at(a)[0]! - at(b)[0]! || at(a)[1]! - at(b)[1]!);
  if (c.errors.length) throw new UserErrors(c.errors);
  return { file, dir: dirname(file), plays, warnings: [...new Set(warnings)], rolesPath: opts.rolesPath ?? [] };
}
