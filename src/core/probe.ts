/**
 * The probe library: the shell lines modules print their state with, and the parsers of what
 * those lines print. A probe's output is `key=value` lines (values that may hold newlines or
 * any byte travel base64-encoded) or `[section]` blocks; a probe that exits non-zero could not
 * look, and its state would be a guess, so parsing it is an error.
 */
import type { ExecResult } from './module.js';
import { type Shell, sh } from './sh.js';

export type FileType = 'file' | 'directory' | 'link' | 'other';

/** One `stat` of a path, as printed by statLine(). */
export interface FileStat {
  type: FileType;
  /** The mode bits as four octal digits, e.g. '0644'. */
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  mtime: number;
  inode: number;
  dev: number;
  nlink: number;
}

/** GNU stat format; %F comes first because it is the only field that can hold spaces. */
const STAT_FORMAT = '%F|%a|%u|%g|%U|%G|%s|%Y|%i|%d|%h';

/** A path in a probe: a literal path (quoted), or a shell expression such as sh`"$d"`. */
export type PathExpr = string | Shell;

/** Prints `key=<stat line>` when the path exists (lstat unless `follow`). */
export function statLine(key: string, path: PathExpr, follow: boolean): Shell {
  const test = follow ? sh`[ -e ${path} ]` : sh`{ [ -e ${path} ] || [ -L ${path} ]; }`;
  const stat = follow ? sh`stat -L -c ${STAT_FORMAT} -- ${path}` : sh`stat -c ${STAT_FORMAT} -- ${path}`;
  return sh`if ${test}; then printf '%s=%s\\n' ${key} "$(${stat})"; fi`;
}

function fileType(f: string): FileType {
  if (f === 'regular file' || f === 'regular empty file') return 'file';
  if (f === 'directory') return 'directory';
  if (f === 'symbolic link') return 'link';
  return 'other';
}

export function parseStat(line: string | undefined): FileStat | undefined {
  if (!line) return undefined;
  const f = line.split('|');
  if (f.length < 11) throw new Error(`unexpected stat output: ${line}`);
  const n = (i: number) => Number(f[i]);
  return {
    type: fileType(f[0]!),
    mode: octal4(parseInt(f[1]!, 8)),
    uid: n(2),
    gid: n(3),
    owner: f[4]!,
    group: f[5]!,
    size: n(6),
    mtime: n(7),
    inode: n(8),
    dev: n(9),
    nlink: n(10),
  };
}

export function octal4(bits: number): string {
  return (bits & 0o7777).toString(8).padStart(4, '0');
}

/** Prints the umask, so new-file modes can be predicted without a second trip. */
export const UMASK_LINE = sh`printf 'umask=%s\\n' "$(umask)"`;

export function parseUmask(v: string | undefined): number {
  const n = parseInt(v ?? '022', 8);
  return Number.isNaN(n) ? 0o022 : n;
}

/** Prints `key=<base64 of what the command prints>`, for values that may hold any byte. */
export function base64Line(key: string, command: Shell): Shell {
  return sh`printf '%s=%s\\n' ${key} "$(${command} | base64 -w0)"`;
}

/** Prints `key=<base64 of the file>` (the file must exist and be readable). */
export function fileBase64Line(key: string, path: PathExpr): Shell {
  return sh`printf '%s=' ${key}; base64 -w0 < ${path}; echo`;
}

/** The text of a base64 value from a probe. */
export function unbase64(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

/** Reads probe output made of `key=value` lines; later keys win. */
export function keyValues(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) map.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return map;
}

/** Fails on a probe that exits non-zero (it could not look), else its `key=value` lines. */
export function probeOutput(out: ExecResult, what: string): Map<string, string> {
  if (out.rc !== 0) throw new Error(`${what}: probe failed (rc ${out.rc}): ${out.stderr.trim() || out.stdout.trim()}`);
  return keyValues(out.stdout);
}

/** Prints a `[name]` line that starts a section of sectioned output. */
export function sectionLine(name: string): Shell {
  if (!/^\w+$/.test(name)) throw new Error(`invalid probe section name: ${name}`);
  return sh`echo ${`[${name}]`}`;
}

/** Splits probe output into `[section]` blocks of lines; text before the first section is dropped. */
export function sections(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current = '';
  for (const line of text.split('\n')) {
    const m = /^\[(\w+)\]$/.exec(line);
    if (m) {
      current = m[1]!;
      map.set(current, []);
    } else if (current) map.get(current)!.push(line);
  }
  return map;
}
