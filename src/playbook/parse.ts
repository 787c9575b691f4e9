/**
 * Playbook parsing and validation before any host is contacted: play and task keywords against
 * their schemas (schema.ts), unknown modules (with the closest name), and module args against
 * each module's schema.
 * All problems are collected and reported together, each with file:line:column.
 */
import { dirname, resolve } from 'node:path';
import { UserError, UserErrors } from '../core/errors.js';
import { parseEntries } from './entries.js';
import { type Play, type Playbook, type Task, tasksOf } from './types.js';
import { PlaySchema } from './schema.js';
import { asBool, boolOrTemplate, checkKeys, Collector, isObj, isTemplate, type Obj, strList, tagList } from './task.js';
import { loadYamlFile, posOf } from './yaml.js';

export const HANDLER_NOT_FOUND = (n: string) => `The requested handler '${n}' was not found in either the main handlers list nor in the listening handlers list`;

/** As ansible-playbook: notifying what no handler of the play is named or listens to is an error, found here for every literal name. */
function checkNotify(play: Play, c: Collector): void {
  if (play.handlers.some((h) => h.name?.includes('{{'))) return; // known only at run time
  const known = new Set(play.handlers.flatMap((h) => [...(h.name !== undefined ? [h.name] : []), ...h.listen]));
  const hint = known.size ? `the play's handlers and topics: ${[...known].map((x) => `'${x}'`).join(', ')}` : 'the play has no handlers: add one under handlers:';
  for (const t of [...tasksOf(play.preTasks), ...tasksOf(play.tasks), ...tasksOf(play.postTasks), ...play.handlers]) {
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
    preTasks: parseEntries(raw.pre_tasks, file, c),
    tasks: parseEntries(raw.tasks, file, c),
    postTasks: parseEntries(raw.post_tasks, file, c),
    handlers: parseEntries(raw.handlers, file, c, true) as Task[],
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
