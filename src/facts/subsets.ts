/**
 * Ansible's fact subsets (gather_subset) over tsplay's facts: `network` and `hardware` are
 * their own; everything else is `min`, which Ansible always gathers unless told `!min`.
 */
import type { Facts, StaleFacts } from '../core/module.js';
import { fnmatchRegex } from '../core/fnmatch.js';

export const SUBSETS = ['all', 'min', 'hardware', 'network'] as const;
export type Subset = (typeof SUBSETS)[number];

const NETWORK = new Set(['interfaces', 'default_ipv4', 'default_ipv6', 'all_ipv4_addresses', 'all_ipv6_addresses']);
const HARDWARE = /^(processor.*|mem.*|swap.*|memory_mb|mounts|lvm)$/;

function subsetOf(key: string, facts: Facts): 'min' | 'hardware' | 'network' {
  if (NETWORK.has(key) || (Array.isArray(facts.interfaces) && facts.interfaces.includes(key))) return 'network';
  return HARDWARE.test(key) ? 'hardware' : 'min';
}

/**
 * Which subsets a gather_subset list selects, as Ansible reads it: names add, `!name` removes,
 * `all`/`!all` add or remove every subset but min, and min stays unless `!min`.
 */
export function selectSubsets(spec: readonly string[]): Set<'min' | 'hardware' | 'network'> {
  const chosen = new Set<'min' | 'hardware' | 'network'>(['min']);
  const bad = spec.find((s) => !(SUBSETS as readonly string[]).includes(s.replace(/^!/, '')));
  if (bad !== undefined) throw new Error(`Bad subset '${bad}' given to Ansible. gather_subset options allowed: ${SUBSETS.join(', ')}`);
  for (const s of spec.filter((x) => !x.startsWith('!'))) {
    if (s === 'all') (chosen.add('hardware'), chosen.add('network'));
    else if (s !== 'min') chosen.add(s as 'hardware' | 'network');
  }
  for (const s of spec.filter((x) => x.startsWith('!')).map((x) => x.slice(1))) {
    if (s === 'all') (chosen.delete('hardware'), chosen.delete('network'));
    else chosen.delete(s as 'min' | 'hardware' | 'network');
  }
  return chosen;
}

/** The facts of the chosen subsets whose `ansible_` names match one of the filters (all with no filter). */
export function selectFacts(facts: Facts, subsets: readonly string[], filters: readonly string[]): Facts {
  const chosen = selectSubsets(subsets);
  const patterns = filters.map(fnmatchRegex);
  return Object.fromEntries(
    Object.entries(facts).filter(
      ([k]) => chosen.has(subsetOf(k, facts)) && (patterns.length === 0 || patterns.some((p) => p.test(`ansible_${k}`) || p.test(k))),
    ),
  );
}

/**
 * The host's facts after a refresh of the stale ones (ModuleDef.staleFacts): every fact of a
 * stale subset or of a stale name is taken from the fresh facts, or dropped when they no longer
 * have it (an interface removed); all others stay as they were.
 */
export function refreshFacts(current: Facts, fresh: Facts, stale: readonly StaleFacts[]): Facts {
  const wanted = new Set(stale);
  const isStale = (key: string, from: Facts): boolean => wanted.has(key) || wanted.has(subsetOf(key, from));
  const kept = Object.entries(current).filter(([k]) => !isStale(k, current));
  const renewed = Object.entries(fresh).filter(([k]) => isStale(k, fresh));
  return Object.fromEntries([...kept, ...renewed]);
}
