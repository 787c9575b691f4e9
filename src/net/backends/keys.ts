/**
 * Membership lines shared between tsplay's own files. A VLAN that is also a bridge port has one
 * file in ifcfg and NetworkManager (ifcfg-bond0.16 with BRIDGE=vlan16; one keyfile with
 * master=vlan16): the VLAN task writes the file, the bridge task adds its line. So that the two
 * never fight, a tsplay file keeps, when rewritten, the membership lines another task put in it,
 * and a master edits only those lines in a member's file that tsplay manages.
 */
import { MANAGED } from '../persist.js';

/** The `KEY=value` lines of a file whose key is one of `keys`, in order. */
export function keptLines(text: string | undefined, keys: readonly string[]): string[] {
  if (text === undefined || !MANAGED.test(text)) return [];
  return text.split('\n').filter((l) => keys.includes(l.split('=')[0]!.trim()));
}

/**
 * A tsplay file with `keys` set to `values` (undefined: the line removed). Lines go where the
 * key was, else after the line `after` matches (or at the end).
 */
export function setKeys(text: string, values: Record<string, string | undefined>, after?: RegExp): string {
  const rows = text.replace(/\n$/, '').split('\n');
  const done = new Set<string>();
  const out: string[] = [];
  for (const r of rows) {
    const k = r.split('=')[0]!.trim();
    if (k in values && r.includes('=')) {
      if (values[k] !== undefined && !done.has(k)) out.push(`${k}=${values[k]}`);
      done.add(k);
    } else out.push(r);
  }
  const missing = Object.entries(values).filter(([k, v]) => v !== undefined && !done.has(k)).map(([k, v]) => `${k}=${v}`);
  if (missing.length) {
    const at = after ? out.findIndex((r) => after.test(r)) : -1;
    out.splice(at < 0 ? out.length : at + 1, 0, ...missing);
  }
  return out.join('\n') + '\n';
}
