/**
 * The fact-gathering script: one POSIX sh script (dash, bash --posix and BusyBox ash alike), run
 * once per host, printing delimited sections that parse.ts turns into facts. It contains no
 * value from the controller, so nothing in it needs quoting, and it never fails: a missing file or
 * tool only leaves its section out (the parser fills in Ansible's defaults).
 *
 * Cost: about twenty short processes (uname, id, getent, grep, nproc, date, ip x3, stat...), so
 * it finishes in a few tens of milliseconds; one-line files are read with shell builtins and the
 * small text files all come from one `grep -H ''`.
 *
 * Output format: a section starts with a line `@@tsplay-facts@@ NAME` (always preceded by a
 * newline so that data without a trailing newline cannot swallow it) and runs to the next one;
 * the last section is `end`, whose absence means the output was cut short.
 */

/** Marks the start of a section; the parser splits on it. */
export const SECTION_MARK = '@@tsplay-facts@@';

/** Bumped when the sections change, so the parser can refuse output from another version. */
export const SCRIPT_VERSION = '1';

/** Small text files read in one `grep -H '' ...` (section `files`, lines `path:content`). */
export const FACT_FILES = [
  '/etc/os-release',
  '/usr/lib/os-release',
  '/etc/debian_version',
  '/etc/redhat-release',
  '/etc/centos-release',
  '/etc/alpine-release',
  '/etc/resolv.conf',
  '/etc/machine-id',
  '/proc/meminfo',
  '/proc/swaps',
  '/proc/1/comm',
  '/proc/uptime',
  '/proc/loadavg',
  '/proc/cmdline',
  '/proc/sys/crypto/fips_enabled',
  '/sys/fs/selinux/enforce',
  '/sys/fs/selinux/policyvers',
  '/etc/selinux/config',
] as const;

/** Paths whose existence decides service_mgr and pkg_mgr (section `exists`). */
export const PROBED_PATHS = [
  // service_mgr, as Ansible's ServiceMgrFactCollector
  '/run/systemd/system/',
  '/dev/.run/systemd/',
  '/dev/.systemd/',
  '/etc/init/',
  '/sbin/openrc',
  '/etc/init.d/',
  // pkg_mgr, in Ansible's PKG_MGRS order (the last one present wins)
  '/run/ostree-booted',
  '/usr/bin/rpm-ostree',
  '/usr/bin/yum',
  '/usr/bin/dnf',
  '/usr/bin/apt-get',
  '/usr/bin/zypper',
  '/usr/sbin/urpmi',
  '/usr/bin/pacman',
  '/bin/opkg',
  '/sbin/apk',
  '/usr/bin/emerge',
  '/usr/bin/xbps-install',
  '/usr/bin/swupd',
  // apparmor
  '/sys/kernel/security/apparmor',
] as const;

/** Filesystem types whose statfs may hang on a dead server: each gets its own short timeout. */
const NETWORK_FSTYPES = 'nfs|nfs4|cifs|smb3|smbfs|ceph|glusterfs|fuse.glusterfs|fuse.sshfs|9p|lustre|gpfs|afs|davfs|fuse.s3fs';

/** ip route get targets, as Ansible's LinuxNetwork uses to find the default interfaces. */
export const ROUTE_PROBE_V4 = '8.8.8.8';
export const ROUTE_PROBE_V6 = '2404:6800:400a:800::1012';

const CPUINFO_KEYS = 'processor|vendor_id|model name|Processor|cpu|Vendor|physical id|core id|cpu cores|siblings|# processors|ncpus active';

const SCRIPT = String.raw`# tsplay facts v${SCRIPT_VERSION}
_m() { printf '\n${SECTION_MARK} %s\n' "$1"; }
_m version
echo ${SCRIPT_VERSION}
_m env
export -p
LC_ALL=C
export LC_ALL
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export PATH
if command -v timeout >/dev/null 2>&1; then _to=1; else _to=; fi
_t() { if [ -n "$_to" ]; then timeout -s KILL "$@"; else shift; "$@"; fi; }
_m uname
uname -snrm
uname -v
_m fqdn
_t 2 hostname -f 2>/dev/null
_m id
id 2>/dev/null
_m passwd
_u=$(id -u 2>/dev/null)
getent passwd "$_u" 2>/dev/null || grep "^[^:]*:[^:]*:$_u:" /etc/passwd 2>/dev/null
_m files
grep -H '' ${FACT_FILES.join(' ')} 2>/dev/null
_m cpuinfo
grep -E '^(${CPUINFO_KEYS})[[:space:]]*:' /proc/cpuinfo 2>/dev/null
_m nproc
nproc 2>/dev/null
_m exists
for _p in ${PROBED_PATHS.join(' ')}; do [ -e "$_p" ] && echo "$_p"; done
for _p in systemctl initctl; do command -v "$_p" >/dev/null 2>&1 && echo "cmd:$_p"; done
[ -L /sbin/init ] && echo "link:/sbin/init:$(readlink /sbin/init 2>/dev/null)"
_m mounts
cat /proc/mounts 2>/dev/null
if [ "$(id -u 2>/dev/null)" = 0 ] && command -v vgs >/dev/null 2>&1; then
  _m lvm_vgs
  _t 5 vgs --noheadings --nosuffix --units g --separator , 2>/dev/null
  _m lvm_lvs
  _t 5 lvs --noheadings --nosuffix --units g --separator , -o lv_name,vg_name,lv_size,data_percent 2>/dev/null
  _m lvm_pvs
  _t 5 pvs --noheadings --nosuffix --units g --separator , 2>/dev/null
fi
_m bindmounts
grep -Ev '^[^ ]+ [^ ]+ [^ ]+ / ' /proc/self/mountinfo 2>/dev/null
_m statfs
grep -E '^(/|\\|[^ ]*:/)' /proc/mounts 2>/dev/null | {
  set --
  while read -r _d _p _f _o _r; do
    [ "$_f" = none ] && continue
    case $_p in *\\*) _p=$(printf '%s' "$_p" | sed 's/\\\([0-7][0-7][0-7]\)/\\0\1/g'); _p=$(printf '%b' "$_p");; esac
    case $_f in
      ${NETWORK_FSTYPES}) _t 2 stat -f -c '%S %s %b %a %c %d %n' -- "$_p" 2>/dev/null;;
      *) set -- "$@" "$_p";;
    esac
  done
  [ $# -gt 0 ] && _t 5 stat -f -c '%S %s %b %a %c %d %n' -- "$@" 2>/dev/null
}
if command -v ip >/dev/null 2>&1; then
  if _j=$(ip -j -d addr show 2>/dev/null) || _j=$(ip -j addr show 2>/dev/null); then
    _m ip_addr
    printf '%s\n' "$_j"
    _m ip_route4
    ip -j -4 route get ${ROUTE_PROBE_V4} 2>/dev/null
    _m ip_route6
    ip -j -6 route get ${ROUTE_PROBE_V6} 2>/dev/null
  else
    _m ip_error
    ip -j addr show 2>&1 | head -n 2
  fi
else
  _m ip_error
  echo "ip: command not found"
fi
_m speed
grep -H '' /sys/class/net/*/speed 2>/dev/null
_m date
date '+%s %N %Y %m %d %H %M %S %z %w %W %A %Z' 2>/dev/null
_m end
`;

/** The fact-gathering script (a constant: it takes no input). */
export function factsScript(): string {
  return SCRIPT;
}
