/**
 * distribution, distribution_version, distribution_major_version, distribution_minor_version,
 * distribution_release and os_family from /etc/os-release (plus /etc/debian_version,
 * /etc/redhat-release, /etc/centos-release and /etc/alpine-release where Ansible reads them),
 * named as Ansible names them: `ID=rhel` is "RedHat", `ID=rocky` is "Rocky", `ID=ubuntu` is
 * "Ubuntu" in os_family "Debian", and so on.
 */
import type { Facts } from '../core/module.js';

/** os-release `ID` -> Ansible's `distribution`. Anything else is capitalized, as Ansible does. */
const DISTRIBUTION_BY_ID: Record<string, string> = {
  rhel: 'RedHat',
  redhat: 'RedHat',
  centos: 'CentOS',
  rocky: 'Rocky',
  almalinux: 'AlmaLinux',
  fedora: 'Fedora',
  ol: 'OracleLinux',
  amzn: 'Amazon',
  scientific: 'Scientific',
  cloudlinux: 'CloudLinux',
  virtuozzo: 'Virtuozzo',
  eurolinux: 'EuroLinux',
  openeuler: 'openEuler',
  euleros: 'EulerOS',
  alinux: 'Alibaba',
  tencentos: 'TencentOS',
  xenenterprise: 'XenServer',
  debian: 'Debian',
  raspbian: 'Debian',
  ubuntu: 'Ubuntu',
  linuxmint: 'Linux Mint',
  pop: 'Pop!_OS',
  kali: 'Kali',
  devuan: 'Devuan',
  neon: 'Neon',
  parrot: 'Parrot',
  deepin: 'Deepin',
  uos: 'Uos',
  steamos: 'SteamOS',
  'cumulus-linux': 'Cumulus Linux',
  osmc: 'OSMC',
  pardus: 'Pardus GNU/Linux',
  'opensuse-leap': 'openSUSE Leap',
  'opensuse-tumbleweed': 'openSUSE Tumbleweed',
  opensuse: 'openSUSE',
  sles: 'SLES',
  sled: 'SLED',
  sles_sap: 'SLES_SAP',
  arch: 'Archlinux',
  archarm: 'Archlinux',
  manjaro: 'Manjaro',
  'manjaro-arm': 'Manjaro',
  antergos: 'Antergos',
  alpine: 'Alpine',
  gentoo: 'Gentoo',
  funtoo: 'Funtoo',
  'clear-linux-os': 'ClearLinux',
  flatcar: 'Flatcar',
  coreos: 'Coreos',
  nixos: 'NixOS',
  void: 'Void',
  slackware: 'Slackware',
  altlinux: 'Altlinux',
  mandriva: 'Mandriva',
  mageia: 'Mageia',
  openwrt: 'OpenWrt',
};

/** Ansible's Distribution.OS_FAMILY_MAP (Linux part), plus Mageia and Void. */
const OS_FAMILY_MAP: Record<string, string[]> = {
  RedHat: ['RedHat', 'RHEL', 'Fedora', 'CentOS', 'Scientific', 'SLC', 'Ascendos', 'CloudLinux', 'PSBM', 'OracleLinux', 'OVS', 'OEL', 'Amazon',
    'Virtuozzo', 'XenServer', 'Alibaba', 'EulerOS', 'openEuler', 'AlmaLinux', 'Rocky', 'TencentOS', 'EuroLinux', 'Kylin Linux Advanced Server'],
  Debian: ['Debian', 'Ubuntu', 'Raspbian', 'Neon', 'KDE neon', 'Linux Mint', 'SteamOS', 'Devuan', 'Kali', 'Cumulus Linux', 'Pop!_OS', 'Parrot',
    'Pardus GNU/Linux', 'Uos', 'Deepin', 'OSMC'],
  Suse: ['SuSE', 'SLES', 'SLED', 'openSUSE', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'openSUSE Leap'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Mandrake: ['Mandrake', 'Mandriva', 'Mageia'],
  Slackware: ['Slackware'],
  Altlinux: ['Altlinux'],
  Gentoo: ['Gentoo', 'Funtoo'],
  Alpine: ['Alpine'],
  ClearLinux: ['Clear Linux OS', 'Clear Linux Mix', 'ClearLinux'],
};

const OS_FAMILY: Record<string, string> = {};
for (const [family, names] of Object.entries(OS_FAMILY_MAP)) for (const n of names) OS_FAMILY[n] = family;

/** Parses os-release text: KEY=value lines, values optionally quoted with shell-style escapes. */
export function parseOsRelease(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of lines) {
    const line = raw.trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if (v.length >= 2 && v[0] === '"' && v.endsWith('"')) v = v.slice(1, -1).replace(/\\([$"\\`])/g, '$1');
    else if (v.length >= 2 && v[0] === "'" && v.endsWith("'")) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

/** Python's str.capitalize(). */
function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

function distributionName(id: string): string {
  return DISTRIBUTION_BY_ID[id] ?? capitalize(id);
}

/** The os_family of a distribution; an unknown one follows its ID_LIKE before falling back to itself. */
function osFamily(distribution: string, idLike: string[]): string {
  const known = OS_FAMILY[distribution];
  if (known) return known;
  for (const like of idLike) {
    const family = OS_FAMILY[distributionName(like)];
    if (family) return family;
  }
  return distribution;
}

export interface DistributionInput {
  osRelease?: string[];
  debianVersion?: string[];
  redhatRelease?: string[];
  centosRelease?: string[];
  alpineRelease?: string[];
}

export function distributionFacts(input: DistributionInput): Facts {
  const osr = parseOsRelease(input.osRelease ?? []);
  const firstLine = (l?: string[]): string => (l && l.length > 0 ? l[0]!.trim() : '');
  const redhat = firstLine(input.redhatRelease) || firstLine(input.centosRelease);

  let id = (osr.ID ?? '').toLowerCase();
  let version = osr.VERSION_ID ?? '';
  let release: string | undefined;
  if (!id && redhat) {
    // No os-release (RHEL/CentOS 6): "Red Hat Enterprise Linux Server release 6.10 (Santiago)".
    id = /red hat/i.test(redhat) ? 'rhel' : redhat.split(/\s+/)[0]!.toLowerCase();
    version = /release\s+([\d.]+)/.exec(redhat)?.[1] ?? '';
    release = /\(([^)]+)\)/.exec(redhat)?.[1];
  }
  if (!id && input.alpineRelease) id = 'alpine';

  const distribution = id ? distributionName(id) : 'OtherLinux';

  // Versions read from the distribution's own file, as Ansible/distro do.
  if (id === 'debian' || id === 'raspbian') {
    const dv = firstLine(input.debianVersion);
    if (/^\d+(\.\d+)*$/.test(dv)) version = dv;
  } else if (id === 'centos') {
    const m = /release\s+(\d+(?:\.\d+)?)/.exec(redhat);
    if (m) version = m[1]!;
  } else if (id === 'alpine') {
    const av = firstLine(input.alpineRelease);
    if (av) version = av;
  }

  if (release === undefined) {
    if ('VERSION_CODENAME' in osr) release = osr.VERSION_CODENAME;
    else if (osr.UBUNTU_CODENAME) release = osr.UBUNTU_CODENAME;
    else release = /\(([^)]+)\)/.exec(osr.VERSION ?? '')?.[1];
  }

  const parts = /^(\d+)\.?(\d+)?/.exec(version);
  const facts: Facts = {
    distribution,
    distribution_version: version || 'NA',
    distribution_major_version: version.split('.')[0] || 'NA',
    distribution_release: release ?? 'NA',
    os_family: osFamily(distribution, (osr.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean)),
  };
  if (parts?.[2] !== undefined) facts.distribution_minor_version = parts[2];
  return facts;
}
