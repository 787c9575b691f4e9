/**
 * Reading inventory sources (`-i`): files, folders of files and `host1,host2,` host lists, with
 * the format chosen as Ansible's plugin chain would choose it. Ansible tries each plugin in turn
 * and, when all fail, warns and carries on with whatever was half-parsed; tsplay picks one
 * format up front and reports that format's error with file and line.
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { readTextFile } from '../core/text.js';
import { parseAddress } from './addresses.js';
import { parseIni } from './ini.js';
import type { InventoryData } from './model.js';
import { isMap } from 'yaml';
import { loadYamlDocument } from './yamlload.js';
import { parseYamlInventory } from './yamlinv.js';

/** Folder entries Ansible skips when a folder is an inventory (INVENTORY_IGNORE_EXTS and friends). */
const IGNORED = /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;
const YAML_EXTS = ['.yml', '.yaml', '.json'];

/** os.path.expanduser + expandvars + abspath, as Ansible's unfrackpath(follow=False), in the environment given. */
export function unfrackPath(path: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  let p = path.replace(/\$(\w+)|\$\{([^}]*)\}/g, (m, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? m);
  if (p === '~' || p.startsWith('~/')) p = (env.HOME ?? homedir()) + p.slice(1);
  return resolve(cwd, p);
}

/** True when a -i value is a comma-separated host list rather than a path. */
export async function isHostList(source: string): Promise<boolean> {
  return source.includes(',') && !(await stat(source).catch(() => null));
}

function parseHostList(inv: InventoryData, source: string): void {
  inv.currentSource = { file: source, dir: null };
  for (const raw of source.split(',')) {
    const h = raw.trim();
    if (!h) continue;
    const parsed = parseAddress(h, false) ?? { host: h, port: undefined };
    if (!inv.hosts.has(parsed.host)) inv.addHost(parsed.host, 'ungrouped', parsed.port);
  }
  inv.currentSource = null;
}

/** An extensionless file is YAML when it parses as a non-empty YAML mapping, otherwise INI. */
function looksLikeYamlMapping(text: string, file: string): { yes: boolean; error?: UserError } {
  try {
    const { doc } = loadYamlDocument(text, file);
    const c = doc?.contents;
    return { yes: isMap(c) && c.items.length > 0 };
  } catch (e) {
    if (e instanceof UserError) return { yes: false, error: e };
    throw e;
  }
}

async function parseFile(inv: InventoryData, file: string): Promise<void> {
  const text = await readTextFile(file);
  inv.currentSource = { file, dir: dirname(file) };
  try {
    if (text.startsWith('#!')) {
      throw new UserError('dynamic inventory scripts are not supported by tsplay', { file, line: 1 }, 'run the script yourself and save its output as a .json inventory');
    }
    const ext = extname(file);
    if (ext === '.toml') throw new UserError('TOML inventories are not supported by tsplay', { file }, 'convert it to an INI or YAML inventory');
    if (YAML_EXTS.includes(ext)) return parseYamlInventory(inv, file, text);
    if (ext !== '') return parseIni(inv, file, text);
    const yaml = looksLikeYamlMapping(text, file);
    if (yaml.yes) return parseYamlInventory(inv, file, text);
    try {
      parseIni(inv, file, text);
    } catch (e) {
      // A broken YAML inventory without extension fails as INI too; the YAML error is the useful one.
      const yamlish = /^---|^[^\s#;[=]+:[ \t]*(?:#.*)?$/m.test(text);
      if (e instanceof UserError && yaml.error && yamlish) throw yaml.error;
      throw e;
    }
  } finally {
    inv.currentSource = null;
  }
}

async function parsePath(inv: InventoryData, path: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new UserError(`inventory source not found: ${path}`, undefined, 'pass an existing file or folder with -i, or a comma-separated host list such as host1,host2,');
  if (st.isDirectory()) {
    for (const name of (await readdir(path)).sort()) {
      if (IGNORED.test(name)) continue;
      await parsePath(inv, join(path, name));
    }
  } else await parseFile(inv, path);
}

/**
 * Parses one -i value into `inv`. Returns the folder whose group_vars/ and host_vars/ belong to
 * it (the folder itself, or the folder of the file), or null for a host list.
 */
export async function parseSource(inv: InventoryData, source: string, cwd: string): Promise<string | null> {
  if (await isHostList(source)) {
    parseHostList(inv, source);
    return null;
  }
  const path = unfrackPath(source, cwd);
  await parsePath(inv, path);
  const st = await stat(path);
  return st.isDirectory() ? path : dirname(path);
}
