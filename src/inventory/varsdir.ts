/**
 * `group_vars/` and `host_vars/` folders, found and read as Ansible's host_group_vars plugin
 * does: for a name `web` the first of `web` (file or folder), `web.yml`, `web.yaml`, `web.json`
 * wins; a folder is read recursively in sorted order, skipping hidden files, backups (`~`) and
 * other extensions. The same loader serves the folders beside the inventory and beside the
 * playbook; only their place in the precedence order differs, and that is decided by the caller.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { readTextFile } from '../core/text.js';
import { parseAnsibleYaml } from './yamlload.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

async function kind(path: string): Promise<'file' | 'dir' | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

async function dirVarsFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = join(dir, name);
    const ext = extname(name);
    const k = await kind(full);
    if (k === 'dir' && !ext) found.push(...(await dirVarsFiles(full)));
    else if (k === 'file' && EXTENSIONS.includes(ext)) found.push(full);
  }
  return found;
}

/** The files holding the variables of `name` inside one group_vars/ or host_vars/ folder, in load order. */
export async function findVarsFiles(varsDir: string, name: string): Promise<string[]> {
  const base = join(varsDir, name);
  for (const ext of EXTENSIONS) {
    const k = await kind(base + ext);
    if (k === 'dir') return dirVarsFiles(base + ext);
    if (k === 'file') return [base + ext];
  }
  return [];
}

/** Reads one vars file: a mapping, or nothing for an empty file (as Ansible ignores those). */
export async function loadVarsFile(file: string): Promise<Record<string, unknown>> {
  const data = parseAnsibleYaml(await readTextFile(file), file);
  if (data === null || data === undefined || data === false || data === 0 || data === '') return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    if (Array.isArray(data) && data.length === 0) return {};
    throw new UserError(`a variables file must hold a mapping of names to values, found a ${Array.isArray(data) ? 'list' : typeof data}`, { file, line: 1 }, 'write name: value lines');
  }
  return data as Record<string, unknown>;
}

/** The merged variables of `name` from one folder of vars files (later files win, top-level keys replaced). */
export async function loadVarsFor(varsDir: string, name: string): Promise<Record<string, unknown>> {
  // Names that look like absolute paths (chroot connection targets) are skipped, as in Ansible.
  if (name.startsWith('/')) return {};
  let vars: Record<string, unknown> = {};
  for (const file of await findVarsFiles(varsDir, name)) vars = { ...vars, ...(await loadVarsFile(file)) };
  return vars;
}

/** The group_vars/ and host_vars/ content of one base folder, for a known set of names. */
export interface VarsDir {
  dir: string;
  groups: Map<string, Record<string, unknown>>;
  hosts: Map<string, Record<string, unknown>>;
}

/**
 * Loads `dir/group_vars/<group>` and `dir/host_vars/<host>` for the given names. Loading is
 * eager because variable lookups during a run are synchronous.
 */
export async function loadVarsDir(dir: string, groups: Iterable<string>, hosts: Iterable<string>): Promise<VarsDir> {
  const out: VarsDir = { dir, groups: new Map(), hosts: new Map() };
  const real = await realpath(dir).catch(() => dir);
  const groupDir = join(real, 'group_vars');
  const hostDir = join(real, 'host_vars');
  if ((await kind(groupDir)) === 'dir') {
    for (const g of groups) out.groups.set(g, await loadVarsFor(groupDir, g));
  }
  if ((await kind(hostDir)) === 'dir') {
    for (const h of hosts) out.hosts.set(h, await loadVarsFor(hostDir, h));
  }
  return out;
}
