/**
 * What the playbook leaves on a host, read without SSH (the lab's runOn enters the host's
 * namespaces), so that checking costs the measured tools nothing: every managed path's kind,
 * mode, owner, group, size and SHA-256, the files around them (leftover temporary files
 * count), and the application group. Two tools agree when every host's description is equal.
 */
import { createHash } from 'node:crypto';
import { runOn, type Lab } from '../src/lab/index.js';

const MANAGED = [
  '/etc/benchapp',
  '/etc/benchapp/app.conf',
  '/var/lib/benchapp',
  '/var/lib/benchapp/initialized',
  '/var/lib/benchapp/app.conf.sha1',
  '/var/lib/benchapp/restarts',
  '/etc/profile.d/benchapp.sh',
  '/etc/sysctl.d/60-benchapp.conf',
];

const DESCRIBE = [
  `for p in ${MANAGED.join(' ')}; do`,
  '  if [ -e "$p" ]; then stat -c "%n %F %a %U %G %s" "$p"; if [ -f "$p" ]; then sha256sum <"$p"; fi; else echo "$p absent"; fi',
  'done',
  // Anything else in the managed directories, and hidden files (temporary files) beside the managed files.
  'find /etc/benchapp /var/lib/benchapp -mindepth 1 2>/dev/null | sort',
  'find /etc/profile.d /etc/sysctl.d -maxdepth 1 \\( -name ".*" -o -name "*bench*" \\) 2>/dev/null | sort',
  'getent group benchapp || echo "group benchapp absent"',
].join('\n');

/** Removes everything the playbook (or Ansible's remote temp dir) left: the host is as new. */
const CLEAN = [
  'rm -rf /etc/benchapp /var/lib/benchapp /etc/profile.d/benchapp.sh /etc/sysctl.d/60-benchapp.conf /root/.ansible',
  'rm -f /etc/profile.d/.bench.* /etc/sysctl.d/.bench.* /etc/profile.d/.tsplay.* /etc/sysctl.d/.tsplay.*',
  'if getent group benchapp >/dev/null; then groupdel benchapp; fi',
].join('\n');

async function mapLimit<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export type FleetState = Map<string, string>;

/** Each host's description of the managed files. */
export async function describeFleet(lab: Lab): Promise<FleetState> {
  const texts = await mapLimit(lab.hosts, 16, async (h) => {
    const r = await runOn(lab, h.name, ['/bin/sh', '-c', DESCRIBE]);
    if (r.rc !== 0) throw new Error(`describing ${h.name} failed (rc=${r.rc}): ${r.stderr.trim()}`);
    return [h.name, r.stdout] as const;
  });
  return new Map(texts);
}

export async function cleanFleet(lab: Lab): Promise<void> {
  await mapLimit(lab.hosts, 16, async (h) => {
    const r = await runOn(lab, h.name, ['/bin/sh', '-c', CLEAN]);
    if (r.rc !== 0) throw new Error(`cleaning ${h.name} failed (rc=${r.rc}): ${r.stderr.trim()}`);
  });
}

/** One digest for the whole fleet (host names included). */
export function fleetDigest(s: FleetState): string {
  const h = createHash('sha256');
  for (const name of [...s.keys()].sort()) h.update(`${name}\n${s.get(name)}\n`);
  return h.digest('hex').slice(0, 16);
}

/** Undefined when equal; otherwise the first differing host, both descriptions shown line by line. */
export function compareFleets(a: FleetState, b: FleetState, labelA: string, labelB: string): string | undefined {
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(name) ?? '(missing)';
    const y = b.get(name) ?? '(missing)';
    if (x === y) continue;
    const xl = x.split('\n');
    const yl = y.split('\n');
    const diff: string[] = [];
    for (let i = 0; i < Math.max(xl.length, yl.length); i++) {
      if (xl[i] !== yl[i]) diff.push(`  ${labelA}: ${xl[i] ?? '(none)'}\n  ${labelB}: ${yl[i] ?? '(none)'}`);
    }
    return `host ${name} differs between ${labelA} and ${labelB}:\n${diff.join('\n')}`;
  }
  return undefined;
}

/** True when no managed path exists on any host (the description of a clean host). */
export function isClean(s: FleetState): boolean {
  return [...s.values()].every((t) => !/^\/\S+ (regular|directory)/m.test(t) && /group benchapp absent/.test(t));
}
