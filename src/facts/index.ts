/**
 * Fact gathering: factsScript() is run once per host with /bin/sh (one round trip, no Python on
 * the host), parseFacts() turns its output into the `ansible_facts` mapping and factVars() into
 * the variables a play sees.
 *
 * Facts (keys without the `ansible_` prefix), named and shaped as Ansible's setup module:
 *   platform      hostname nodename fqdn domain system kernel kernel_version machine architecture
 *   distribution  distribution distribution_version distribution_major_version
 *                 distribution_minor_version distribution_release os_family
 *   hardware      processor processor_count processor_cores processor_threads_per_core
 *                 processor_vcpus processor_nproc memtotal_mb memfree_mb swaptotal_mb swapfree_mb
 *                 memory_mb mounts
 *   network       interfaces, one entry per interface, default_ipv4 default_ipv6
 *                 all_ipv4_addresses all_ipv6_addresses
 *   system        service_mgr pkg_mgr user_id user_uid user_gid user_gecos user_dir user_shell
 *                 real_user_id effective_user_id real_group_id effective_group_id env date_time
 *                 dns cmdline proc_cmdline machine_id uptime_seconds loadavg fips selinux apparmor
 * There are no Python facts: hosts need no Python. A problem that left facts empty is described
 * in `tsplay_warnings` (a list of strings, present only when non-empty).
 */
import type { Facts } from '../core/module.js';
import { distributionFacts } from './distribution.js';
import { cpuFacts, lvmFacts, memoryFacts, mountFacts, parseBindMounts, parseStatFs, swapAreas } from './hardware.js';
import { emptyNetworkFacts, networkFacts } from './network.js';
import { SCRIPT_VERSION } from './script.js';
import { fileContents, lines, splitSections } from './sections.js';
import {
  cmdlineFacts,
  dateTimeFacts,
  dnsFacts,
  parseExportP,
  parseProbes,
  pkgMgr,
  platformFacts,
  selinuxFacts,
  serviceMgr,
  userFacts,
} from './system.js';

export { factsScript } from './script.js';

/** Parses the output of factsScript() into the `ansible_facts` mapping (keys without `ansible_`). */
export function parseFacts(stdout: string): Facts {
  const sections = splitSections(stdout);
  const version = sections.get('version')?.trim();
  if (version === undefined) throw new Error('fact gathering printed nothing recognizable (is /bin/sh a POSIX shell?)');
  if (version !== SCRIPT_VERSION) throw new Error(`fact gathering output is version ${version}, expected ${SCRIPT_VERSION}`);
  if (!sections.has('end')) throw new Error('fact gathering output is incomplete: the script did not finish');

  const warnings: string[] = [];
  const files = fileContents(sections.get('files'));
  const file = (p: string): string[] | undefined => files.get(p);
  const env = parseExportP(sections.get('env') ?? '');

  const platform = platformFacts(lines(sections.get('uname')), lines(sections.get('fqdn'))[0]);
  const dist = distributionFacts({
    osRelease: file('/etc/os-release') ?? file('/usr/lib/os-release'),
    debianVersion: file('/etc/debian_version'),
    redhatRelease: file('/etc/redhat-release'),
    centosRelease: file('/etc/centos-release'),
    alpineRelease: file('/etc/alpine-release'),
  });
  const nprocLine = lines(sections.get('nproc'))[0];
  const nproc = nprocLine && /^\d+$/.test(nprocLine.trim()) ? Number(nprocLine.trim()) : undefined;
  const probes = parseProbes(lines(sections.get('exists')));

  let network: Facts;
  const ipError = sections.get('ip_error');
  if (ipError !== undefined) {
    network = emptyNetworkFacts();
    warnings.push(`network facts are empty: this host's ip cannot print JSON (ip -j): ${ipError.trim().split('\n')[0] || 'no output'}`);
  } else {
    const speeds = new Map<string, number>();
    for (const l of lines(sections.get('speed'))) {
      // `grep -H` of /sys/class/net/NAME/speed; reading it fails (no line) for a link that is down.
      const m = /^\/sys\/class\/net\/([^/]+)\/speed:(-?\d+)$/.exec(l);
      if (m) speeds.set(m[1]!, Number(m[2]));
    }
    try {
      network = networkFacts({
        addrJson: sections.get('ip_addr') ?? '',
        route4Json: sections.get('ip_route4'),
        route6Json: sections.get('ip_route6'),
        speeds,
      });
    } catch (e) {
      network = emptyNetworkFacts();
      warnings.push(`network facts are empty: cannot parse the output of ip -j: ${(e as Error).message}`);
    }
  }

  const facts: Facts = {
    ...network,
    ...platform,
    ...dist,
    ...cpuFacts(lines(sections.get('cpuinfo')), String(platform.machine), nproc),
    ...memoryFacts(file('/proc/meminfo') ?? []),
    swap_areas: swapAreas(file('/proc/swaps') ?? []),
    lvm: sections.has('lvm_vgs') ? lvmFacts(lines(sections.get('lvm_vgs')), lines(sections.get('lvm_lvs')), lines(sections.get('lvm_pvs'))) : 'N/A',
    ...mountFacts(lines(sections.get('mounts')), parseStatFs(lines(sections.get('statfs'))), parseBindMounts(lines(sections.get('bindmounts')))),
    ...userFacts(lines(sections.get('id'))[0], lines(sections.get('passwd'))[0], env),
    env,
    ...dateTimeFacts(lines(sections.get('date'))[0]),
    ...dnsFacts(file('/etc/resolv.conf') ?? []),
    ...cmdlineFacts(file('/proc/cmdline')?.[0]),
    service_mgr: serviceMgr(file('/proc/1/comm')?.[0], probes),
  };
  facts.pkg_mgr = pkgMgr(probes, dist);
  const machineId = file('/etc/machine-id')?.[0]?.trim();
  if (machineId) facts.machine_id = machineId;
  const uptime = parseFloat(file('/proc/uptime')?.[0] ?? '');
  if (Number.isFinite(uptime)) facts.uptime_seconds = Math.floor(uptime);
  const load = (file('/proc/loadavg')?.[0] ?? '').split(' ').map(Number);
  if (load.length >= 3 && load.slice(0, 3).every(Number.isFinite)) facts.loadavg = { '1m': load[0], '5m': load[1], '15m': load[2] };
  facts.fips = file('/proc/sys/crypto/fips_enabled')?.[0]?.trim() === '1';
  Object.assign(facts, selinuxFacts(file('/sys/fs/selinux/enforce'), file('/sys/fs/selinux/policyvers'), file('/etc/selinux/config')));
  facts.apparmor = { status: probes.exists.has('/sys/kernel/security/apparmor') ? 'enabled' : 'disabled' };
  if (!file('/etc/os-release') && !file('/usr/lib/os-release')) warnings.push('no /etc/os-release: distribution facts are guessed');
  if (warnings.length > 0) facts.tsplay_warnings = warnings;
  return facts;
}

/**
 * The variables a play sees from a host's facts: `ansible_facts` itself, and every top-level fact
 * again as `ansible_<name>` (Ansible's INJECT_FACTS_AS_VARS), e.g. ansible_hostname,
 * ansible_os_family, ansible_eth0, ansible_default_ipv4.
 */
export function factVars(facts: Facts): Record<string, unknown> {
  const vars: Record<string, unknown> = { ansible_facts: facts };
  for (const [k, v] of Object.entries(facts)) vars[`ansible_${k}`] = v;
  return vars;
}
