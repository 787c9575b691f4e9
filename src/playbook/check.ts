/**
 * The pre-flight check run before any host is contacted: every template in every task is
 * parsed, and each variable it reads must be defined somewhere the task can see it (inventory,
 * group_vars/host_vars, play vars, vars_files, extra vars, task vars, loop variables, facts,
 * registered results, set_fact keys, magic variables). Names guarded by `default` or by an
 * `is defined`/`is undefined` test are allowed. An unknown name is an error naming the
 * variable, the task and its file:line, and the run stops with exit 5 before connecting.
 */
import nunjucks from 'nunjucks';
import { type SourcePos, UserError, UserErrors } from '../core/errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Templar } from '../template/index.js';
import { type Play, type Playbook, type Task, tasksOf } from './types.js';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { decodeUtf8 } from '../core/text.js';
import { openFileBytes } from '../vault/context.js';
import { findSource } from './files.js';
import { loadYamlFile, posAt, posOf } from './yaml.js';

const MAGIC = [
  'inventory_hostname', 'inventory_hostname_short', 'group_names', 'groups', 'hostvars', 'play_hosts',
  'ansible_play_hosts', 'ansible_play_batch', 'playbook_dir', 'omit', 'ansible_check_mode', 'ansible_diff_mode',
  'ansible_facts', 'ansible_loop_var', 'environment', 'True', 'False', 'None', 'true', 'false', 'none',
  'range', 'loop', 'lookup', 'query', 'q', 'cycler', 'joiner', 'dict', 'lipsum', 'role_names', 'Undefined',
];
const GUARD_FILTERS = new Set(['default', 'd', 'mandatory']);
const GUARD_TESTS = new Set(['defined', 'undefined']);

interface Found {
  used: Set<string>;
  guarded: Set<string>;
  assigned: Set<string>;
}

function rootName(node: any): string | undefined {
  while (node?.typename === 'LookupVal') node = node.target;
  return node?.typename === 'Symbol' ? node.value : undefined;
}

function walk(node: any, f: Found, guarded = false): void {
  if (!node || typeof node !== 'object') return;
  switch (node.typename) {
    case 'Symbol':
      (guarded ? f.guarded : f.used).add(node.value);
      return;
    case 'Filter': {
      const [input, ...rest] = node.args?.children ?? [];
      walk(input, f, guarded || GUARD_FILTERS.has(node.name?.value));
      rest.forEach((c: any) => walk(c, f, guarded));
      return;
    }
    case 'Is': {
      const test = node.right?.typename === 'Symbol' ? node.right.value : rootName(node.right?.name);
      walk(node.left, f, guarded || GUARD_TESTS.has(test));
      if (node.right?.typename === 'FunCall') node.right.args?.children?.forEach((c: any) => walk(c, f, guarded));
      return;
    }
    case 'Pair':
      if (node.key?.typename !== 'Symbol') walk(node.key, f, guarded);
      walk(node.value, f, guarded);
      return;
    case 'LookupVal':
      walk(node.target, f, guarded);
      if (node.val?.typename !== 'Literal') walk(node.val, f, guarded);
      return;
    case 'FunCall':
      // A method call (d.get('x')) reads d; a plain call reads the function's name.
      walk(node.name, f, guarded);
      node.args?.children?.forEach((c: any) => walk(c, f, guarded));
      return;
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll':
      collectTargets(node.name, f.assigned);
      break;
    case 'Set':
      node.targets?.forEach((t: any) => collectTargets(t, f.assigned));
      break;
    case 'Macro':
      collectTargets(node.name, f.assigned);
      node.args?.children?.forEach((a: any) => collectTargets(a.typename === 'Pair' ? a.key : a, f.assigned));
      walk(node.body, f, guarded);
      return;
  }
  for (const field of node.fields ?? []) {
    if (node.typename === 'For' && field === 'name') continue;
    if (node.typename === 'Set' && field === 'targets') continue;
    const v = node[field];
    if (Array.isArray(v)) v.forEach((c) => walk(c, f, guarded));
    else if (v && typeof v === 'object') walk(v, f, guarded);
  }
}

function collectTargets(node: any, into: Set<string>): void {
  if (node?.typename === 'Symbol') into.add(node.value);
  node?.children?.forEach((c: any) => collectTargets(c, into));
}

/** Variables a template reads that are neither guarded nor assigned inside it. */
export function readNames(text: string, expression = false): string[] {
  const src = expression ? `{{ ${text} }}` : text;
  let ast: any;
  try {
    ast = (nunjucks as any).parser.parse(src);
  } catch {
    return []; // syntax is reported by the template check; nothing to add here
  }
  const f: Found = { used: new Set(), guarded: new Set(), assigned: new Set() };
  walk(ast, f);
  return [...f.used].filter((n) => !f.guarded.has(n) && !f.assigned.has(n));
}

function strings(v: unknown, path: (string | number)[] = [], out: [string, (string | number)[]][] = []): [string, (string | number)[]][] {
  if (typeof v === 'string') {
    if (v.includes('{{') || v.includes('{%')) out.push([v, path]);
  } else if (Array.isArray(v)) v.forEach((x, i) => strings(x, [...path, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, [...path, k], out);
  return out;
}

function keysOf(v: unknown): string[] {
  return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
}

function allTasks(play: Play): Task[] {
  return [...tasksOf(play.preTasks), ...tasksOf(play.tasks), ...tasksOf(play.postTasks), ...tasksOf(play.batchCheck), ...play.handlers];
}

function collect(errors: UserError[], fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) errors.push(e);
    else throw e;
  }
}

/**
 * A copy or template `src` named literally is read before any host is contacted: vault-encrypted
 * content is refused, and a template must be UTF-8 and parse (errors name the template's line).
 */
function checkSource(t: Task, dir: string, templar: Templar): void {
  const kind = t.module.name === 'copy' ? 'files' : t.module.name === 'template' ? 'templates' : undefined;
  const src = (t.args as Record<string, unknown>).src;
  if (!kind || typeof src !== 'string' || templar.isTemplated(src)) return;
  const file = findSource(dir, kind, src, t.role?.path);
  if (!file || !statSync(file).isFile()) return; // the task says so itself when it runs
  // A vaulted source opens here, before any host is contacted: a wrong password stops the run.
  const bytes = openFileBytes(readFileSync(file), file);
  if (kind === 'templates') templar.compileCheck(decodeUtf8(bytes, file), { file });
}

/** Throws UserErrors for template syntax errors and undefined variables in any task. */
export function preflight(books: Playbook[], inventory: Inventory, templar: Templar, extraVars: Record<string, unknown>): void {
  const errors: UserError[] = [];
  // Registered results and set_fact keys outlive their play, so collect them run-wide.
  const runWide = new Set<string>(keysOf(extraVars));
  for (const b of books) for (const p of b.plays) for (const t of allTasks(p)) {
    if (t.register) runWide.add(t.register);
    if (t.module.name === 'set_fact') keysOf(t.args).forEach((k) => runWide.add(k));
  }
  const inventoryNames = new Set<string>();
  for (const h of inventory.hosts.keys()) keysOf(inventory.hostVars(h)).forEach((k) => inventoryNames.add(k));

  for (const b of books) {
    for (const play of b.plays) {
      const templatedFiles = play.varsFiles.some((f) => f.includes('{{'));
      const fileNames = play.varsFiles.filter((f) => !f.includes('{{')).flatMap((f) => keysOf(loadYamlFile(isAbsolute(f) ? f : join(play.dir, f))));
      const playNames = new Set([...MAGIC, ...inventoryNames, ...runWide, ...keysOf(play.vars), ...fileNames, ...keysOf(play.roleDefaults), ...keysOf(play.roleVars)]);
      for (const t of allTasks(play)) {
        const roleNames = t.role ? [...keysOf(t.role.defaults), ...keysOf(t.role.vars), ...keysOf(t.role.params), 'role_name', 'role_path'] : [];
        const known = new Set([...playNames, ...roleNames, ...keysOf(t.vars), t.loopControl.loop_var, ...(t.loopControl.index_var ? [t.loopControl.index_var, 'ansible_index_var'] : [])]);
        const check = (text: string, pos: SourcePos | undefined, expression: boolean, what: string) => {
          try {
            templar.compileCheck(expression ? `{{ ${text} }}` : text, pos ?? t.pos);
          } catch (e) {
            if (e instanceof UserError) return void errors.push(e);
            throw e;
          }
          for (const name of readNames(text, expression)) {
            if (known.has(name) || name.startsWith('ansible_')) continue;
            if (templatedFiles) continue; // a vars_file named by a template is only known at run time
            errors.push(new UserError(`undefined variable '${name}' in ${what} of task '${t.name ?? t.action}'`, pos ?? t.pos, `define it (play vars, group_vars, -e ${name}=...) or guard it with '| default(...)'`));
          }
        };
        for (const [s, path] of strings(t.args)) check(s, posAt(t.args, path) ?? t.pos, false, `option '${path.join('.')}'`);
        for (const w of t.when) check(w.replace(/^\s*\{\{(.*)\}\}\s*$/s, '$1'), posOf(t.source, 'when'), true, 'when');
        for (const k of ['changedWhen', 'failedWhen'] as const) {
          const c = t[k];
          if (Array.isArray(c)) for (const w of c) check(w, posOf(t.source, k === 'changedWhen' ? 'changed_when' : 'failed_when'), true, k === 'changedWhen' ? 'changed_when' : 'failed_when');
        }
        const loopKey = Object.keys(t.source).find((k) => k === 'loop' || k.startsWith('with_'));
        if (typeof t.loop === 'string') check(t.loop, loopKey === undefined ? t.pos : posOf(t.source, loopKey), false, loopKey ?? 'loop');
        else for (const [s, path] of strings(t.loop)) check(s, posAt(t.loop, path), false, 'loop');
        collect(errors, () => checkSource(t, play.dir, templar));
      }
    }
  }
  if (errors.length) throw new UserErrors(errors);
}
