/**
 * The plain-OpenSSH baselines.
 *
 * floor: `ssh HOST true` to every host at once: the cost of connecting (TCP, key exchange,
 * authentication, one session) and nothing else.
 *
 * one-trip: what a careful sysadmin writes by hand: one POSIX shell script per host doing what
 * bench/playbook/site.yml does (check each thing, change only what differs, count the changes,
 * run the handler when the configuration changed), sent over one ssh connection (a
 * ControlMaster that multiplexes nothing else) in one exec, to every host at once. File
 * contents are rendered here, per host, exactly as the playbook's template and copy tasks
 * render them; the state check proves it leaves the same files, modes and owners.
 */
import { quote } from '../src/core/quote.js';

export interface OneTripOptions {
  /** Also send back a short description of the host (the facts phases). */
  facts: boolean;
  /** Report what would change, change nothing. */
  check: boolean;
}

const APP = { name: 'benchapp', root: '/etc/benchapp', data: '/var/lib/benchapp', port: 8080, workers: 4 };
const OPTIONS: [string, string | number][] = [
  ['log_level', 'info'],
  ['max_connections', 512],
  ['keepalive_seconds', 30],
];

/** bench/playbook/templates/app.conf.j2 rendered for a host (ansible_hostname is the host's name in the lab). */
export function appConf(host: string): string {
  const opts = [...OPTIONS].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k} = ${v}\n`);
  return (
    `# ${APP.name} configuration for ${host}\n[server]\nname = ${host}\nport = ${APP.port}\nworkers = ${APP.workers}\ndata = ${APP.data}\n\n[options]\n` +
    opts.join('')
  );
}

export function profileScript(host: string): string {
  return `# ${host}: managed file, local changes will be overwritten\nexport APP_HOME=${APP.root}\nexport APP_DATA=${APP.data}\n`;
}

/** The helpers: each "task" prints nothing, bumps $changed when it changes (or would change) something. */
const PRELUDE = String.raw`set -eu
changed=0
t_changed=0
do_() { t_changed=1; if [ "$CHECK" = 0 ]; then "$@"; fi; }
task_end() { if [ "$t_changed" = 1 ]; then changed=$((changed + 1)); fi; t_changed=0; }
attrs() { # path mode group
  [ -e "$1" ] || return 0
  [ "$(stat -c %a "$1")" = "$2" ] || do_ chmod "$2" "$1"
  [ "$(stat -c %G "$1")" = "$3" ] || do_ chgrp "$3" "$1"
}
ensure_dir() { # path mode group
  [ -d "$1" ] || do_ mkdir -p "$1"
  attrs "$1" "$2" "$3"
}
ensure_file() { # path mode group; content on stdin, written atomically when it differs
  tmp=$(mktemp "$(dirname "$1")/.bench.XXXXXX" 2>/dev/null || mktemp)
  cat >"$tmp"
  if ! cmp -s "$tmp" "$1" 2>/dev/null; then
    if [ "$CHECK" = 0 ]; then chmod "$2" "$tmp"; chgrp "$3" "$tmp"; mv -f "$tmp" "$1"; else rm -f "$tmp"; fi
    t_changed=1
  else
    rm -f "$tmp"
    attrs "$1" "$2" "$3"
  fi
}
line_in_file() { # path regexp line mode: the last line matching regexp becomes line, else line is appended
  if [ -f "$1" ] && grep -qxF -- "$3" "$1"; then attrs "$1" "$4" root; return 0; fi
  if [ -f "$1" ] && grep -Eq -- "$2" "$1"; then
    n=$(grep -En -- "$2" "$1" | tail -n 1 | cut -d: -f1)
    if [ "$CHECK" = 0 ]; then
      awk -v n="$n" -v l="$3" 'NR == n { print l; next } { print }' "$1" >"$1.bench" && cat "$1.bench" >"$1" && rm -f "$1.bench"
    fi
    t_changed=1
  else
    if [ "$CHECK" = 0 ]; then [ -f "$1" ] || { : >"$1"; chmod "$4" "$1"; }; printf '%s\n' "$3" >>"$1"; fi
    t_changed=1
  fi
  attrs "$1" "$4" root
}
`;

/** The whole converge script for one host. */
export function oneTripScript(host: string, o: OneTripOptions): string {
  const q = quote;
  const lines = [`CHECK=${o.check ? 1 : 0}`, PRELUDE];
  if (o.facts) {
    lines.push(
      '# what a fact gatherer would send back',
      'uname -a; hostname; cat /etc/os-release; head -n 3 /proc/meminfo; nproc; ip -o addr show 2>/dev/null || true',
    );
  }
  const heredoc = (content: string) => `<<'BENCH_EOF'\n${content}BENCH_EOF`;
  lines.push(
    `getent group ${APP.name} >/dev/null || do_ groupadd -r ${APP.name}; task_end`,
    `ensure_dir ${APP.root} 755 root; task_end`,
    `ensure_dir ${APP.data} 750 ${APP.name}; task_end`,
    `ensure_file /etc/profile.d/benchapp.sh 644 root ${heredoc(profileScript(host))}`,
    'task_end',
    `ensure_file ${APP.root}/app.conf 640 ${APP.name} ${heredoc(appConf(host))}`,
    'conf_changed=$t_changed; task_end',
    `line_in_file /etc/sysctl.d/60-benchapp.conf ${q('^vm\\.swappiness\\s*=')} ${q('vm.swappiness = 10')} 644; task_end`,
    `line_in_file /etc/sysctl.d/60-benchapp.conf ${q('^net\\.core\\.somaxconn\\s*=')} ${q('net.core.somaxconn = 1024')} 644; task_end`,
    `[ -e ${APP.data}/initialized ] || do_ touch ${APP.data}/initialized; task_end`,
    `if [ -f ${APP.root}/app.conf ] && [ "$(stat -c %a ${APP.root}/app.conf)" = 640 ]; then`,
    `  sum=$(sha1sum <${APP.root}/app.conf | cut -d' ' -f1)`,
    `  ensure_file ${APP.data}/app.conf.sha1 600 root <<BENCH_EOF\n$sum\nBENCH_EOF`,
    'fi; task_end',
    `if [ "$conf_changed" = 1 ]; then do_ sh -c ${q(`echo restarted >> ${APP.data}/restarts`)}; task_end; fi`,
    'echo "changed=$changed"',
  );
  return lines.join('\n') + '\n';
}
