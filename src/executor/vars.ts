/**
 * The variables a task sees, merged in Ansible's precedence order (lowest first):
 *   inventory vars (group, then host; inventory side, then playbook-side group_vars/host_vars)
 *   < facts < play vars < play vars_files < task vars < loop variable
 *   < set_fact and registered results < extra vars (always win)
 * plus the magic variables (inventory_hostname, groups, group_names, hostvars, play_hosts...).
 * Values are templated lazily when read (by the Templar), so `a: "{{ b }}"` follows `b`.
 */
import { OMIT, type Templar } from '../template/index.js';

export { OMIT };

export type Vars = Record<string, unknown>;

/**
 * A read-only view whose string values containing `{{`/`{%` are rendered against the view
 * itself on first read, for `hostvars[h].x` (the Templar hands hostvars out raw, as Ansible's
 * HostVars templates each host's values against that host). Self-reference is an error.
 */
export function lazyVars(layers: Vars[], templar: Templar): Vars {
  const merged: Vars = Object.assign({}, ...layers);
  const cache = new Map<string, unknown>();
  const resolving = new Set<string>();
  const view: Vars = new Proxy(merged, {
    get(target, key) {
      if (typeof key !== 'string') return (target as any)[key];
      if (cache.has(key)) return cache.get(key);
      const raw = target[key];
      if (!needsTemplating(raw)) return raw;
      if (resolving.has(key)) throw new Error(`recursive loop detected in template for variable '${key}'`);
      resolving.add(key);
      try {
        const value = templar.template(raw, view);
        cache.set(key, value);
        return value;
      } finally {
        resolving.delete(key);
      }
    },
    set() {
      return false;
    },
  });
  return view;
}

function needsTemplating(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{') || v.includes('{%');
  if (Array.isArray(v)) return v.some(needsTemplating);
  if (v !== null && typeof v === 'object') return Object.values(v).some(needsTemplating);
  return false;
}

/** Removes keys whose value is the `omit` placeholder (`default(omit)`), at any depth of args. */
export function dropOmitted<T>(v: T): T {
  if (Array.isArray(v)) return v.filter((x) => x !== OMIT).map(dropOmitted) as T;
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== OMIT).map(([k, x]) => [k, dropOmitted(x)])) as T;
  }
  return v;
}
