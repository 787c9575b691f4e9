/**
 * The facts cache, in Ansible's jsonfile format (fact_caching = jsonfile): a folder with one
 * file per host, named by the host, holding its facts as Ansible's setup module returns them
 * (every key with the `ansible_` prefix, sorted, indented by 4), so that either tool reads what
 * the other wrote. `tsplay facts --cache` and `tsplay run --facts-cache` write it; `tsplay
 * render` reads it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeAtomic } from '../core/local-files.js';
import type { Facts } from '../core/module.js';

const PREFIX = 'ansible_';
const HINT = 'write the cache with `tsplay facts PATTERN -i INV --cache DIR`, or a run with --facts-cache DIR';

/** What a host names in `dir` (its cache file, its render folder); a name that is no plain file name is refused rather than written elsewhere. */
export function hostPath(dir: string, host: string): string {
  if (host === '' || host === '.' || host === '..' || host.includes('/') || host.includes('\0')) {
    throw new UserError(`host name ${JSON.stringify(host)} cannot name a file in ${dir}`, undefined, 'rename the host in the inventory (its address goes in ansible_host)');
  }
  return join(dir, host);
}

/** Keys sorted at every level, as Ansible's json sort_keys writes them. */
function sortKeys(_key: string, v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Written whole or not at all: a render reading the cache never sees half a file. */
export function writeCachedFacts(dir: string, host: string, facts: Facts): void {
  const prefixed = Object.fromEntries(Object.entries(facts).map(([k, v]) => [PREFIX + k, v]));
  writeAtomic(hostPath(dir, host), JSON.stringify(prefixed, sortKeys, 4) + '\n');
}

/**
 * The cached facts of those `hosts` that have a file (keys without `ansible_`, as gathered; a
 * key Ansible writes without it, such as gather_subset, is kept as it is). A cache that is no
 * folder, or a file that holds no JSON mapping, is bad input.
 */
export function readCachedFacts(dir: string, hosts: readonly string[]): Map<string, Facts> {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`facts cache ${dir} is not a folder`, undefined, HINT);
  const out = new Map<string, Facts>();
  for (const host of hosts) {
    const file = hostPath(dir, host);
    if (!existsSync(file)) continue;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UserError(`cached facts of ${host} are not JSON: ${(e as Error).message}`, { file }, HINT);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UserError(`cached facts of ${host} must be a JSON mapping of facts`, { file }, HINT);
    out.set(host, Object.fromEntries(Object.entries(data).map(([k, v]) => [k.startsWith(PREFIX) ? k.slice(PREFIX.length) : k, v])));
  }
  return out;
}
