/**
 * Roles, read as ansible-core 2.14 reads them: found in roles/ beside the playbook, then the
 * roles_path folders (ansible.cfg, ANSIBLE_ROLES_PATH), then beside the role that depends on
 * it, then the playbook's folder; tasks/, handlers/, defaults/, vars/ and meta/ (dependencies,
 * allow_duplicates) read from main.yml or the *_from file; each role (with the same parameters)
 * runs once per play and host unless it allows duplicates (Block.once, kept by the strategy). A dependency runs before its role, and sees its
 * parents' variables. A missing role names every folder searched; a role that depends on itself,
 * directly or not, is an error.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type SourcePos, UserError } from '../core/errors.js';
import type { Block, RoleRef, Scope, Task } from './types.js';
import { BLOCK_KEYWORDS } from './schema.js';
import { asBool, type Collector, inside, isObj, type Obj } from './task.js';
import { loadYamlFile, posOf } from './yaml.js';

/** A role as a play, a dependency or an import names it. */
export interface RoleSpec {
  name: string;
  tasksFrom?: string;
  varsFrom?: string;
  defaultsFrom?: string;
  handlersFrom?: string;
  /** The `vars:` of its entry (below the role's own vars/). */
  vars: Obj;
  /** Every other key of its entry: role parameters. */
  params: Obj;
  allowDuplicates?: boolean;
  pos: SourcePos;
}

/** What reading a play's roles keeps: their handlers, the variables they give the play. */
export interface RoleSet {
  handlers: Task[];
  defaults: Obj;
  vars: Obj;
}

export interface RoleReader {
  c: Collector;
  pbDir: string;
  rolesPath: string[];
  /** Files and roles being read, outermost first: one met again is a cycle. */
  stack: string[];
  play: RoleSet;
  /** Reads a role's task file into entries (entries.ts), with the role in the scope. */
  tasks(file: string, scope: Scope, stack: string[], isHandler: boolean): Block['block'];
}

const ENTRY_KEYWORDS = new Set(['role', 'name', ...Object.keys(BLOCK_KEYWORDS)]);
const META_KEYS = ['dependencies', 'allow_duplicates', 'galaxy_info', 'collections', 'argument_specs'];
const FQCN = /^[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/;

/** A `roles:` or `dependencies:` entry: a name, or a mapping of role/name, keywords and parameters. */
export function roleEntry(raw: unknown, c: Collector, at: SourcePos): { spec: RoleSpec; keywords: Obj } | undefined {
  const pos = posOf(raw) ?? at;
  if (typeof raw === 'string' && raw.trim()) return { spec: { name: raw.trim(), vars: {}, params: {}, pos }, keywords: {} };
  const name = isObj(raw) ? (raw.role ?? raw.name) : undefined;
  if (!isObj(raw) || typeof name !== 'string' || !name.trim()) {
    c.add('a role entry must be a role name, or a mapping with role: NAME', pos, "e.g. '- common' or '- { role: webapp, port: 8080 }'");
    return undefined;
  }
  const keywords = Object.fromEntries(Object.entries(raw).filter(([k]) => ENTRY_KEYWORDS.has(k) && k !== 'role' && k !== 'name' && k !== 'vars'));
  const params = Object.fromEntries(Object.entries(raw).filter(([k]) => !ENTRY_KEYWORDS.has(k)));
  return { spec: { name: name.trim(), vars: isObj(raw.vars) ? raw.vars : {}, params, pos }, keywords };
}

/** The role's folder, or the folders searched for it. */
export function findRole(name: string, r: Pick<RoleReader, 'pbDir' | 'rolesPath'>, besides?: string): { path?: string; searched: string[] } {
  const searched = name.includes('/') || isAbsolute(name)
    ? [resolve(r.pbDir, name)]
    : [...new Set([join(r.pbDir, 'roles', name), ...r.rolesPath.map((p) => join(p, name)), ...(besides ? [join(besides, name)] : []), join(r.pbDir, name)])];
  return { path: searched.find((p) => existsSync(p) && statSync(p).isDirectory()), searched };
}

/** A file of a role's folder: `main.yml` (or main.yaml, main), or the *_from name with or without its extension. */
export function roleFile(path: string, dir: string, from = 'main'): string | undefined {
  return [from, `${from}.yml`, `${from}.yaml`].map((f) => join(path, dir, f)).find((p) => existsSync(p) && statSync(p).isFile());
}

function mapping(file: string | undefined, what: string, c: Collector): Obj {
  if (!file) return {};
  const data = loadYamlFile(file);
  if (data === null || data === undefined) return {};
  if (!isObj(data)) {
    c.add(`the role's ${what} file must hold a mapping of variables`, posOf(data) ?? { file, line: 1 });
    return {};
  }
  return data;
}

interface Loaded {
  ref: RoleRef;
  /** What the role gives the whole play: its dependencies' and its own. */
  exportDefaults: Obj;
  exportVars: Obj;
}

/**
 * A role's tasks as one block (its dependencies' blocks first), its handlers added to the
 * play's, its variables to the play's; undefined when it cannot be read (the reason is in the
 * collector). `parents` are the roles that depend on it.
 */
export function loadRole(spec: RoleSpec, r: RoleReader, scope: Scope, parents: Loaded[] = [], besides?: string): { block: Block; loaded: Loaded } | undefined {
  const { c } = r;
  const found = findRole(spec.name, r, besides);
  if (!found.path) {
    const fqcn = FQCN.test(spec.name) ? ' (collection roles are not supported: put the role in roles/ and name it by its short name)' : '';
    c.add(`the role '${spec.name}' was not found${fqcn}`, spec.pos, `searched: ${found.searched.join(', ')}`);
    return undefined;
  }
  const path = found.path;
  const key = `role:${path}`;
  if (r.stack.includes(key)) {
    const chain = [...r.stack.slice(r.stack.indexOf(key)), key].map((k) => k.replace(/^role:.*\//, ''));
    c.add(`role dependency cycle: ${chain.join(' -> ')}`, spec.pos, 'a role cannot depend on itself, directly or through others');
    return undefined;
  }
  const metaFile = roleFile(path, 'meta');
  const meta = mapping(metaFile, 'meta/main.yml', c);
  for (const k of Object.keys(meta)) {
    if (!META_KEYS.includes(k)) c.add(`unknown key '${k}' in the meta/main.yml of role '${spec.name}'`, posOf(meta, k), `a role's meta has ${META_KEYS.join(', ')}`);
  }
  const allowDuplicates = spec.allowDuplicates ?? asBool(meta.allow_duplicates) ?? false;
  // Once per play and host with the same parameters (the strategy skips it again), as Ansible's has_run.
  const once = allowDuplicates ? undefined : `${path}\0${spec.tasksFrom ?? ''}\0${JSON.stringify(spec.params)}`;

  const fromFile = (dir: string, from: string | undefined) => {
    const f = roleFile(path, dir, from);
    if (from !== undefined && !f) c.add(`the role '${spec.name}' has no ${dir}/${from}`, spec.pos, `looked for ${join(path, dir, from)}(.yml|.yaml)`);
    return f;
  };
  const defaults = mapping(fromFile('defaults', spec.defaultsFrom), 'defaults', c);
  const roleVars = mapping(fromFile('vars', spec.varsFrom), 'vars', c);
  const stack = [...r.stack, key];
  const deps: { block: Block; loaded: Loaded }[] = [];
  const self: Loaded = {
    ref: { name: spec.name, path, defaults: {}, vars: {}, params: {} },
    exportDefaults: {},
    exportVars: {},
  };
  const depList = meta.dependencies ?? [];
  if (!Array.isArray(depList)) c.add('dependencies must be a list of roles', posOf(meta, 'dependencies') ?? spec.pos);
  else {
    for (const [i, raw] of depList.entries()) {
      const entry = roleEntry(raw, c, posOf(depList, i) ?? { file: metaFile! });
      if (!entry) continue;
      const dep = loadRole(entry.spec, { ...r, stack }, inside(scope, entry.keywords), [...parents, { ...self, ref: { ...self.ref, defaults, vars: { ...spec.vars, ...roleVars }, params: spec.params } }], join(path, '..'));
      if (dep) deps.push(dep);
    }
  }
  const merge = (objs: Obj[]) => Object.assign({}, ...objs);
  self.exportDefaults = merge([...deps.map((d) => d.loaded.exportDefaults), defaults]);
  self.exportVars = merge([...deps.map((d) => d.loaded.exportVars), spec.vars, roleVars]);
  self.ref.defaults = merge([...deps.map((d) => d.loaded.exportDefaults), ...parents.map((p) => p.ref.defaults), defaults]);
  self.ref.vars = merge([...parents.map((p) => p.ref.vars), ...deps.map((d) => d.loaded.exportVars), spec.vars, roleVars]);
  self.ref.params = merge([...parents.map((p) => p.ref.params), spec.params]);

  const roleScope: Scope = { ...scope, role: self.ref };
  const tasksFile = fromFile('tasks', spec.tasksFrom);
  const tasks = tasksFile ? r.tasks(tasksFile, roleScope, stack, false) : [];
  const handlersFile = fromFile('handlers', spec.handlersFrom);
  // Handlers take nothing from where the role is used but the role itself.
  if (handlersFile) r.play.handlers.push(...(r.tasks(handlersFile, { when: [], tags: [], vars: {}, keywords: {}, role: self.ref }, stack, true) as Task[]));
  return {
    block: { kind: 'block', name: spec.name, block: [...deps.map((d) => d.block), ...tasks], rescue: [], always: [], pos: spec.pos, once },
    loaded: self,
  };
}

/** A role read while the play runs (include_role): the same reading, its errors thrown together. */
export function readRoleNow(spec: RoleSpec, r: RoleReader, scope: Scope): { block: Block; loaded: Loaded } | undefined {
  const out = loadRole(spec, r, scope);
  if (r.c.errors.length) throw new UserError(r.c.errors.map((e) => e.toString()).join('\n'), spec.pos);
  return out;
}
