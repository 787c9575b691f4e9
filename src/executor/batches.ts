/**
 * serial and order, as ansible-core 2.14's PlaybookExecutor cuts a play's hosts into batches:
 * hosts in `order`, then `serial` as a number, a percentage of the play's hosts (rounded down,
 * at least 1) or a list of them whose last repeats; 0 or none is one batch of every host.
 */
import { type SourcePos, UserError } from '../core/errors.js';
import type { Order } from '../playbook/types.js';

/** The play's hosts in `order` (inventory order as the inventory gives them). */
export function ordered(names: string[], order: Order = 'inventory'): string[] {
  switch (order) {
    case 'inventory':
      return [...names];
    case 'reverse_inventory':
      return [...names].reverse();
    case 'sorted':
      return [...names].sort();
    case 'reverse_sorted':
      return [...names].sort().reverse();
    case 'shuffle': {
      const out = [...names];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    }
  }
}

/**
 * A host count given as a number or a percentage of `total` hosts, as Ansible's pct_to_int reads
 * serial: a percentage rounds down, at least 1. `keyword` names the play keyword in the error.
 */
export function hostCount(value: unknown, total: number, keyword: string, pos: SourcePos): number {
  const text = String(value).trim();
  const pct = /^(\d+)\s*%$/.exec(text);
  if (pct) return Math.floor((Number(pct[1]) / 100) * total) || 1;
  if (!/^-?\d+$/.test(text)) throw new UserError(`${keyword} must be a number of hosts or a percentage, got '${text}'`, pos, `e.g. ${keyword}: 1, ${keyword}: "25%"`);
  return Number(text);
}

/** The batches of `hosts` for a (templated) serial value. */
export function batches(hosts: string[], serial: unknown, pos: SourcePos): string[][] {
  const list = serial === undefined || serial === null ? [] : Array.isArray(serial) ? serial : [serial];
  if (list.length === 0) return hosts.length ? [hosts] : [];
  const left = [...hosts];
  const out: string[][] = [];
  for (let i = 0; left.length > 0; i = Math.min(i + 1, list.length - 1)) {
    const n = hostCount(list[i], hosts.length, 'serial', pos);
    if (n <= 0) {
      out.push(left.splice(0));
      break;
    }
    out.push(left.splice(0, n));
  }
  return out;
}
