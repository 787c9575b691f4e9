/**
 * The two views `ansible-inventory` prints: `--list` (JSON with `_meta.hostvars`) and `--graph`.
 * Reproducing them exactly lets users diff tsplay's understanding of an inventory against
 * Ansible's, which is the quickest way to find a parsing disagreement.
 */
import { UserError } from '../core/errors.js';
import { type Group, type Host, type InventoryData, setOwn } from './model.js';

/** Variables that ansible-inventory leaves out of `_meta.hostvars` (its INTERNAL_VARS). */
export const INTERNAL_VARS = new Set([
  'ansible_diff_mode',
  'ansible_config_file',
  'ansible_facts',
  'ansible_forks',
  'ansible_inventory_sources',
  'ansible_limit',
  'ansible_playbook_python',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_version',
  'inventory_dir',
  'inventory_file',
  'inventory_hostname',
  'inventory_hostname_short',
  'groups',
  'group_names',
  'omit',
  'playbook_dir',
]);

/** Recursively sorts object keys, as Python's json.dumps(sort_keys=True) prints them. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) setOwn(out, k, sortKeys((value as Record<string, unknown>)[k]));
    return out;
  }
  return value;
}

/** The `ansible-inventory --list` structure; `hostVars` gives each host's merged variables. */
export function toAnsibleList(data: InventoryData, hostVars: (h: Host) => Record<string, unknown>): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  const seen = new Set<string>();
  const format = (group: Group): void => {
    const entry: Record<string, string[]> = {};
    if (group.name !== 'all') entry.hosts = group.hosts.map((h) => h.name);
    entry.children = [];
    setOwn(results, group.name, entry);
    for (const sub of group.childGroups) {
      entry.children.push(sub.name);
      if (!seen.has(sub.name)) {
        format(sub);
        seen.add(sub.name);
      }
    }
    for (const k of ['hosts', 'children']) if (entry[k] && entry[k]!.length === 0) delete entry[k];
    if (Object.keys(entry).length === 0) delete results[group.name];
  };
  format(data.groups.get('all')!);
  const hostvars: Record<string, unknown> = {};
  for (const h of data.groups.get('all')!.getHosts()) {
    const vars = Object.fromEntries(Object.entries(hostVars(h)).filter(([k]) => !INTERNAL_VARS.has(k)));
    if (Object.keys(vars).length > 0) setOwn(hostvars, h.name, vars);
  }
  results._meta = { hostvars };
  return sortKeys(results) as Record<string, unknown>;
}

/** The text of `ansible-inventory --graph [GROUP]` (without --vars). */
export function graph(data: InventoryData, start = 'all'): string {
  const lines: string[] = [];
  const name = (text: string, depth: number) => (depth ? '  |'.repeat(depth) + '--' + text : text);
  const walk = (group: Group, depth: number): void => {
    lines.push(name(`@${group.name}:`, depth));
    for (const kid of group.childGroups) walk(kid, depth + 1);
    if (group.name !== 'all') for (const h of group.hosts) lines.push(name(h.name, depth + 1));
  };
  const g = data.groups.get(start);
  if (!g) throw new UserError(`Pattern must be valid group name when using --graph: ${start}`, undefined, `known groups: ${[...data.groups.keys()].join(', ')}`);
  walk(g, 0);
  return lines.join('\n');
}
