/** Platform, user, environment, date/time, service manager, package manager, DNS and kernel command line facts. */
import type { Facts } from '../core/module.js';

/** hostname, nodename, fqdn, domain, system, kernel, kernel_version, machine, architecture. */
export function platformFacts(unameLines: readonly string[], fqdnLine: string | undefined): Facts {
  const [system = 'Linux', nodename = '', kernel = '', machine = ''] = (unameLines[0] ?? '').split(' ');
  const fqdn = fqdnLine?.trim() || nodename;
  return {
    system,
    kernel,
    kernel_version: unameLines[1] ?? '',
    machine,
    architecture: machine,
    nodename,
    hostname: nodename.split('.')[0] ?? '',
    fqdn,
    domain: fqdn.split('.').slice(1).join('.'),
  };
}

/**
 * Parses the output of `export -p` into the environment: dash and BusyBox print
 * `export A='x'` (with '"'"' for a quote), bash --posix `export A="x"` or `export A=$'a\nb'`.
 * A name exported without a value is not in the environment and is left out.
 */
export function parseExportP(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  let i = 0;
  const n = text.length;
  const ansiC: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b', E: '\x1b', '\\': '\\', "'": "'", '"': '"', '?': '?' };

  const readWord = (): string => {
    let out = '';
    while (i < n) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\n') break;
      if (c === "'") {
        const end = text.indexOf("'", i + 1);
        const stop = end < 0 ? n : end;
        out += text.slice(i + 1, stop);
        i = stop + 1;
      } else if (c === '"') {
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < n && '$`"\\\n'.includes(text[i + 1]!)) {
            if (text[i + 1] !== '\n') out += text[i + 1];
            i += 2;
          } else {
            out += text[i++];
          }
        }
        i++;
      } else if (c === '$' && text[i + 1] === "'") {
        // ANSI-C quoting: bash writes non-ASCII bytes as octal escapes, so collect bytes.
        const bytes: number[] = [];
        const push = (str: string): void => {
          bytes.push(...Buffer.from(str, 'utf8'));
        };
        i += 2;
        while (i < n && text[i] !== "'") {
          if (text[i] === '\\' && i + 1 < n) {
            const e = text[i + 1]!;
            const hex = /^x([0-9a-fA-F]{1,2})/.exec(text.slice(i + 1, i + 4));
            const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
            if (hex) {
              bytes.push(parseInt(hex[1]!, 16));
              i += 1 + hex[0].length;
            } else if (oct) {
              bytes.push(parseInt(oct[0], 8) & 0xff);
              i += 1 + oct[0].length;
            } else {
              push(ansiC[e] ?? '\\' + e);
              i += 2;
            }
          } else {
            push(text[i++]!);
          }
        }
        out += Buffer.from(bytes).toString('utf8');
        i++;
      } else if (c === '\\' && i + 1 < n) {
        out += text[i + 1];
        i += 2;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  };

  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    const rest = text.slice(i, i + 12);
    const prefix = rest.startsWith('export ') ? 'export ' : rest.startsWith('declare -x ') ? 'declare -x ' : '';
    if (!prefix) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    i += prefix.length;
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (!m) continue;
    const name = m[0];
    i += name.length;
    if (text[i] === '=') {
      i++;
      env[name] = readWord();
    }
    const nl = text.indexOf('\n', i);
    i = nl < 0 ? n : nl + 1;
  }
  return env;
}

interface IdInfo {
  uid?: number;
  gid?: number;
  euid?: number;
  egid?: number;
  name?: string;
}

/** Parses `id` output: `uid=1000(bob) gid=1000(bob) [euid=0(root)] groups=...`. */
export function parseId(line: string | undefined): IdInfo {
  const info: IdInfo = {};
  if (!line) return info;
  const num = (key: string): RegExpExecArray | null => new RegExp(`(?:^|\\s)${key}=(\\d+)(?:\\(([^)]*)\\))?`).exec(line);
  const uid = num('uid');
  if (uid) {
    info.uid = Number(uid[1]);
    if (uid[2]) info.name = uid[2];
  }
  const gid = num('gid');
  if (gid) info.gid = Number(gid[1]);
  const euid = num('euid');
  if (euid) info.euid = Number(euid[1]);
  const egid = num('egid');
  if (egid) info.egid = Number(egid[1]);
  return info;
}

/** user_id, user_uid, user_gid, user_gecos, user_dir, user_shell and the real/effective ids. */
export function userFacts(idLine: string | undefined, passwdLine: string | undefined, env: Record<string, string>): Facts {
  const id = parseId(idLine);
  const pw = (passwdLine ?? '').split(':');
  const hasPw = pw.length >= 7;
  // getpass.getuser(): the environment first, then the password database.
  const user = env.LOGNAME || env.USER || env.LNAME || env.USERNAME || (hasPw ? pw[0] : undefined) || id.name || '';
  const facts: Facts = { user_id: user };
  if (hasPw) {
    facts.user_uid = Number(pw[2]);
    facts.user_gid = Number(pw[3]);
    facts.user_gecos = pw[4];
    facts.user_dir = pw[5];
    facts.user_shell = pw[6];
  } else {
    if (id.uid !== undefined) facts.user_uid = id.uid;
    if (id.gid !== undefined) facts.user_gid = id.gid;
    if (env.HOME) facts.user_dir = env.HOME;
  }
  if (id.uid !== undefined) {
    facts.real_user_id = id.uid;
    facts.effective_user_id = id.euid ?? id.uid;
  }
  if (id.gid !== undefined) {
    facts.real_group_id = id.gid;
    facts.effective_group_id = id.egid ?? id.gid;
  }
  return facts;
}

/**
 * date_time from `date '+%s %N %Y %m %d %H %M %S %z %w %W %A %Z'` (local time on the host),
 * with the UTC forms computed from the epoch. tz_dst is the zone abbreviation too: the script
 * does not read the zone's rules.
 */
export function dateTimeFacts(line: string | undefined): Facts {
  if (!line) return {};
  const f = line.trim().split(/\s+/);
  if (f.length < 12 || !/^\d+$/.test(f[0]!)) return {};
  const [epoch, nanos, year, month, day, hour, minute, second, tzOffset, weekdayNumber, weeknumber, weekday] = f as [
    string, string, string, string, string, string, string, string, string, string, string, string,
  ];
  const tz = f[12] ?? '';
  const micro = /^\d{9}$/.test(nanos) ? nanos.slice(0, 6) : '000000';
  const utc = new Date(Number(epoch) * 1000).toISOString().slice(0, 19);
  return {
    date_time: {
      year,
      month,
      weekday,
      weekday_number: weekdayNumber,
      weeknumber,
      day,
      hour,
      minute,
      second,
      epoch,
      epoch_int: String(parseInt(epoch, 10)),
      date: `${year}-${month}-${day}`,
      time: `${hour}:${minute}:${second}`,
      iso8601_micro: `${utc}.${micro}Z`,
      iso8601: `${utc}Z`,
      iso8601_basic: `${year}${month}${day}T${hour}${minute}${second}${micro}`,
      iso8601_basic_short: `${year}${month}${day}T${hour}${minute}${second}`,
      tz,
      tz_dst: tz,
      tz_offset: tzOffset,
    },
  };
}

const PROC1_MAP: Record<string, string> = {
  procd: 'openwrt_init',
  'runit-init': 'runit',
  svscan: 'svc',
  'openrc-init': 'openrc',
};

export interface ProbeInfo {
  /** Paths from the script's PROBED_PATHS that exist. */
  exists: Set<string>;
  /** Commands found in PATH (systemctl, initctl). */
  commands: Set<string>;
  /** The target of /sbin/init when it is a symbolic link. */
  initLink?: string;
}

/** Parses the `exists` section: paths, `cmd:NAME` and `link:/sbin/init:TARGET` lines. */
export function parseProbes(lines: readonly string[]): ProbeInfo {
  const info: ProbeInfo = { exists: new Set(), commands: new Set() };
  for (const l of lines) {
    if (l.startsWith('cmd:')) info.commands.add(l.slice(4));
    else if (l.startsWith('link:/sbin/init:')) info.initLink = l.slice('link:/sbin/init:'.length);
    else info.exists.add(l);
  }
  return info;
}

const basename = (p: string): string => p.replace(/\/+$/, '').split('/').pop() ?? p;

/** service_mgr, as Ansible's ServiceMgrFactCollector decides it on Linux. */
export function serviceMgr(proc1Comm: string | undefined, probes: ProbeInfo): string {
  let proc1 = proc1Comm?.trim();
  if (!proc1 && probes.initLink) proc1 = basename(probes.initLink).trim();
  if (proc1 === 'init' || proc1?.endsWith('sh')) proc1 = undefined;
  if (proc1) return PROC1_MAP[proc1] ?? proc1;
  const has = (p: string): boolean => probes.exists.has(p);
  const systemctl = probes.commands.has('systemctl');
  if (systemctl && (has('/run/systemd/system/') || has('/dev/.run/systemd/') || has('/dev/.systemd/'))) return 'systemd';
  if (probes.commands.has('initctl') && has('/etc/init/')) return 'upstart';
  if (has('/sbin/openrc')) return 'openrc';
  if (systemctl && probes.initLink && basename(probes.initLink) === 'systemd') return 'systemd';
  if (has('/etc/init.d/')) return 'sysvinit';
  return 'service';
}

/** Ansible's PKG_MGRS for Linux, in order: the last one present wins. */
const PKG_MGRS: [string, string][] = [
  ['/usr/bin/rpm-ostree', 'atomic_container'],
  ['/usr/bin/yum', 'yum'],
  ['/usr/bin/dnf', 'dnf'],
  ['/usr/bin/apt-get', 'apt'],
  ['/usr/bin/zypper', 'zypper'],
  ['/usr/sbin/urpmi', 'urpmi'],
  ['/usr/bin/pacman', 'pacman'],
  ['/bin/opkg', 'opkg'],
  ['/sbin/apk', 'apk'],
  ['/usr/bin/emerge', 'portage'],
  ['/usr/bin/xbps-install', 'xbps'],
  ['/usr/bin/swupd', 'swupd'],
];

/** pkg_mgr, as Ansible's PkgMgrFactCollector decides it (apt-rpm detection aside). */
export function pkgMgr(probes: ProbeInfo, dist: Facts): string {
  const has = (p: string): boolean => probes.exists.has(p);
  const present = (name: string): boolean => PKG_MGRS.some(([p, n]) => n === name && has(p));
  let name = 'unknown';
  for (const [path, mgr] of PKG_MGRS) if (has(path)) name = mgr;
  const family = dist.os_family;
  const major = parseInt(String(dist.distribution_major_version), 10);
  if (family === 'RedHat') {
    if (has('/run/ostree-booted')) return 'atomic_container';
    if (dist.distribution === 'Fedora') {
      if (Number.isNaN(major)) return 'dnf';
      if (major < 23) return present('yum') ? 'yum' : name;
      return present('dnf') ? 'dnf' : name;
    }
    if (dist.distribution === 'Amazon') {
      if (Number.isNaN(major)) return 'dnf';
      if (major < 2022) return present('yum') ? 'yum' : name;
      return present('dnf') ? 'dnf' : name;
    }
    return !Number.isNaN(major) && major < 8 ? 'yum' : 'dnf';
  }
  if (family === 'Debian') return 'apt';
  if (family === 'Altlinux' && name === 'apt') return 'apt_rpm';
  return name;
}

/** dns from /etc/resolv.conf: nameservers, domain, search, sortlist, options. */
export function dnsFacts(resolvConf: readonly string[]): Facts {
  const dns: Record<string, unknown> = {};
  for (const line of resolvConf) {
    if (line.startsWith('#') || line.startsWith(';') || line.trim() === '') continue;
    const t = line.trim().split(/\s+/);
    const [key, ...rest] = t;
    if (key === 'nameserver') ((dns.nameservers ??= []) as string[]).push(...rest);
    else if (key === 'domain' && rest.length > 0) dns.domain = rest[0];
    else if (key === 'search') dns.search = rest;
    else if (key === 'sortlist') dns.sortlist = rest;
    else if (key === 'options') {
      const options: Record<string, string | boolean> = {};
      for (const o of rest) {
        const colon = o.indexOf(':');
        options[colon < 0 ? o : o.slice(0, colon)] = colon < 0 ? true : o.slice(colon + 1) || true;
      }
      dns.options = options;
    }
  }
  return { dns };
}

/** cmdline (last value wins) and proc_cmdline (repeated keys become lists) from /proc/cmdline. */
export function cmdlineFacts(line: string | undefined): Facts {
  if (line === undefined) return {};
  const cmdline: Record<string, string | boolean> = {};
  const proc: Record<string, string | boolean | (string | boolean)[]> = {};
  for (const piece of line.trim().split(/\s+/).filter(Boolean)) {
    const eq = piece.indexOf('=');
    if (eq < 0) {
      cmdline[piece] = true;
      proc[piece] = true;
      continue;
    }
    const k = piece.slice(0, eq);
    const v = piece.slice(eq + 1);
    cmdline[k] = v;
    const prev = proc[k];
    if (prev === undefined) proc[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else proc[k] = [prev, v];
  }
  return { cmdline, proc_cmdline: proc };
}

/** selinux as Ansible reports it: { status: disabled } or status, mode, config_mode, type, policyvers. */
export function selinuxFacts(enforce?: string[], policyvers?: string[], config?: string[]): Facts {
  if (!enforce || enforce.length === 0) return { selinux: { status: 'disabled' } };
  const conf: Record<string, string> = {};
  for (const l of config ?? []) {
    const m = /^\s*(SELINUX|SELINUXTYPE)\s*=\s*(\S+)/.exec(l);
    if (m) conf[m[1]!] = m[2]!;
  }
  const selinux: Record<string, unknown> = {
    status: 'enabled',
    mode: enforce[0]!.trim() === '1' ? 'enforcing' : 'permissive',
    config_mode: conf.SELINUX ?? 'unknown',
    type: conf.SELINUXTYPE ?? 'unknown',
  };
  const pv = parseInt(policyvers?.[0] ?? '', 10);
  selinux.policyvers = Number.isNaN(pv) ? 'unknown' : pv;
  return { selinux };
}
