/** CPU, memory and mount facts, computed as Ansible's LinuxHardware computes them. */
import type { Facts } from '../core/module.js';

/**
 * processor, processor_count, processor_cores, processor_threads_per_core, processor_vcpus and
 * processor_nproc from the interesting /proc/cpuinfo lines (a port of LinuxHardware.get_cpu_facts,
 * without the Xen paravirt special case).
 */
export function cpuFacts(cpuinfo: readonly string[], architecture: string, nproc: number | undefined): Facts {
  const processor: string[] = [];
  let i = 0;
  let vendorIds = 0;
  let modelNames = 0;
  let processors = 0;
  let physid = '0';
  let coreid = '0';
  let explicitCores: number | undefined;
  const sockets = new Map<string, number>();
  const cores = new Map<string, number>();

  for (const line of cpuinfo) {
    const colon = line.indexOf(':');
    const key = (colon < 0 ? line : line.slice(0, colon)).trim();
    const val = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor'].includes(key)) {
      processor.push(val);
      if (key === 'vendor_id') vendorIds++;
      if (key === 'model name') modelNames++;
      if (key === 'processor') processors++;
      i++;
    } else if (key === 'physical id') {
      physid = val;
      if (!sockets.has(physid)) sockets.set(physid, 1);
    } else if (key === 'core id') {
      coreid = val;
      // Ansible tests `coreid not in sockets` here (sic); kept so the numbers match.
      if (!sockets.has(coreid)) cores.set(coreid, 1);
    } else if (key === 'cpu cores') {
      sockets.set(physid, parseInt(val, 10));
    } else if (key === 'siblings') {
      cores.set(coreid, parseInt(val, 10));
    } else if (key === '# processors') {
      explicitCores = parseInt(val, 10);
    } else if (key === 'ncpus active') {
      i = parseInt(val, 10);
    }
  }
  if (vendorIds > 0 && vendorIds === modelNames) i = vendorIds;
  if (/^(armv|aarch|ppc)/.test(architecture)) i = processors;

  const facts: Facts = { processor };
  if (architecture === 's390x') {
    if (explicitCores !== undefined) facts.processor_cores = explicitCores;
    return facts;
  }
  facts.processor_count = sockets.size > 0 ? sockets.size : i;
  const firstSocket = [...sockets.values()][0];
  facts.processor_cores = firstSocket ? firstSocket : 1;
  const firstCore = [...cores.values()][0];
  facts.processor_threads_per_core = Math.floor((firstCore ?? 1) / facts.processor_cores);
  facts.processor_vcpus = facts.processor_threads_per_core * facts.processor_count * facts.processor_cores;
  facts.processor_nproc = nproc ?? processors;
  return facts;
}

const ORIGINAL_MEMORY_FACTS = new Set(['MemTotal', 'SwapTotal', 'MemFree', 'SwapFree']);
const MEMORY_FACTS = new Set([...ORIGINAL_MEMORY_FACTS, 'Buffers', 'Cached', 'SwapCached']);

/** memtotal_mb, memfree_mb, swaptotal_mb, swapfree_mb and memory_mb from /proc/meminfo. */
export function memoryFacts(meminfo: readonly string[]): Facts {
  const facts: Facts = {};
  const m: Record<string, number> = {};
  for (const line of meminfo) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    if (!MEMORY_FACTS.has(key)) continue;
    const kb = parseInt(line.slice(colon + 1).trim().split(' ')[0]!, 10);
    if (!Number.isFinite(kb)) continue;
    const mb = Math.floor(kb / 1024);
    if (ORIGINAL_MEMORY_FACTS.has(key)) facts[`${key.toLowerCase()}_mb`] = mb;
    m[key.toLowerCase()] = mb;
  }
  if (Object.keys(m).length === 0) return facts;
  const sub = (a?: number, b?: number): number | null => (a === undefined || b === undefined ? null : a - b);
  const nocacheFree =
    m.cached === undefined || m.memfree === undefined || m.buffers === undefined ? undefined : m.cached + m.memfree + m.buffers;
  facts.memory_mb = {
    real: { total: m.memtotal ?? null, used: sub(m.memtotal, m.memfree), free: m.memfree ?? null },
    nocache: { free: nocacheFree ?? null, used: sub(m.memtotal, nocacheFree) },
    swap: { total: m.swaptotal ?? null, free: m.swapfree ?? null, used: sub(m.swaptotal, m.swapfree), cached: m.swapcached ?? null },
  };
  return facts;
}

/** An active swap area, as /proc/swaps lists it (sizes in bytes). */
export interface SwapArea {
  path: string;
  type: string;
  size: number;
  used: number;
  priority: number;
}

/** tsplay's swap_areas fact: the rows of /proc/swaps after its header (sizes there in KiB). */
export function swapAreas(rows: readonly string[]): SwapArea[] {
  return rows
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 5 && f[0] !== 'Filename')
    .map(([p, type, size, used, prio]) => ({ path: unescapeMountField(p!), type: type!, size: Number(size) * 1024, used: Number(used) * 1024, priority: Number(prio) }));
}

/**
 * lvm, as Ansible's setup gives it to root where LVM is installed ('N/A' elsewhere): vgs, lvs and
 * pvs keyed by name, sizes in GiB as strings; tsplay adds each LV's data_percent (a snapshot's
 * usage, '' for other volumes).
 */
export function lvmFacts(vgs: readonly string[], lvs: readonly string[], pvs: readonly string[]): Facts {
  const rows = (list: readonly string[]) => list.map((l) => l.trim().split(',')).filter((f) => f.length > 1);
  return {
    vgs: Object.fromEntries(rows(vgs).map((f) => [f[0], { size_g: f.at(-2), free_g: f.at(-1), num_lvs: f[2], num_pvs: f[1] }])),
    lvs: Object.fromEntries(rows(lvs).map((f) => [f[0], { size_g: f[2], vg: f[1], data_percent: f[3] ?? '' }])),
    pvs: Object.fromEntries(rows(pvs).map((f) => [f[0], { size_g: f[4], free_g: f[5], vg: f[1] }])),
  };
}

/** Undoes the octal escapes of /proc/mounts (`\040` is a space). */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface StatFs {
  frsize: number;
  bsize: number;
  blocks: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** `stat -f -c '%S %s %b %a %c %d %n'` lines, by mount point. */
export function parseStatFs(lines: readonly string[]): Map<string, StatFs> {
  const out = new Map<string, StatFs>();
  for (const line of lines) {
    const m = /^(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [frsize, bsize, blocks, bavail, files, ffree] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    out.set(m[7]!, { frsize, bsize, blocks, bavail, files, ffree });
  }
  return out;
}

/**
 * Mount points that show a subtree of their filesystem (bind mounts, btrfs subvolumes): the
 * /proc/self/mountinfo lines whose root (4th field) is not "/", as `findmnt` shows them with
 * `device[/path]` and Ansible marks them `,bind`.
 */
export function parseBindMounts(mountinfo: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo) {
    const f = line.split(' ');
    if (f.length >= 5 && f[3] !== '/') out.add(unescapeMountField(f[4]!));
  }
  return out;
}

/**
 * mounts: Ansible's list of { mount, device, fstype, options } for block devices and network
 * filesystems (device starting with "/" or "\\", or containing ":/"; fstype "none" left out),
 * with the statvfs sizes when they could be read and `,bind` added to the options of bind mounts.
 */
export function mountFacts(procMounts: readonly string[], statfs: Map<string, StatFs>, bindMounts: Set<string> = new Set()): Facts {
  const mounts: Record<string, unknown>[] = [];
  for (const line of procMounts) {
    const fields = line.split(' ');
    if (fields.length < 4) continue;
    const [device, mount, fstype, options] = fields.slice(0, 4).map(unescapeMountField) as [string, string, string, string];
    if ((!(device.startsWith('/') || device.startsWith('\\')) && !device.includes(':/')) || fstype === 'none') continue;
    const entry: Record<string, unknown> = { mount, device, fstype, options: bindMounts.has(mount) && !/bind/.test(options) ? `${options},bind` : options };
    const s = statfs.get(mount);
    if (s) {
      Object.assign(entry, {
        size_total: s.frsize * s.blocks,
        size_available: s.frsize * s.bavail,
        block_size: s.bsize,
        block_total: s.blocks,
        block_available: s.bavail,
        block_used: s.blocks - s.bavail,
        inode_total: s.files,
        inode_available: s.ffree,
        inode_used: s.files - s.ffree,
      });
    }
    mounts.push(entry);
  }
  return { mounts };
}
