/**
 * File attributes as every module that touches files understands them: the mode/owner/group
 * options, reading a mode the way Ansible does, and the steps that fix attributes, so that a
 * mode means the same thing in copy, file, sysctl and any module that owns files.
 */
import { Type } from '@sinclair/typebox';
import type { ExecStep } from './module.js';
import { type FileStat, octal4 } from './probe.js';
import { account } from './schema.js';

/** A POSIX octal mode such as 0644 or 644, or chmod symbolic clauses such as u=rw,g=r,o=r. */
export const MODE_PATTERN = '^(0?[0-7]{3,4}|([ugoa]*([-+=]([rwxXst]*|[ugo]))+)(,[ugoa]*([-+=]([rwxXst]*|[ugo]))+)*)$';

/**
 * One schema with two types rather than a union: with ajv's coerceTypes a union's string branch
 * would turn the number 420 into the string "420" (and a string branch second would turn "0644"
 * into 644), while a type list coerces only values that are neither.
 */
export const modeOption = Type.Unsafe<string | number>({
  type: ['integer', 'string'],
  pattern: MODE_PATTERN,
  minimum: 0,
  maximum: 0o7777,
  description:
    "Permissions: a quoted octal string ('0644'), chmod symbolic clauses ('u=rw,g=r,o=r') or a YAML number. " +
    'Playbooks are read as YAML 1.1 like Ansible, so an unquoted 0644 is octal and means 0644; an unquoted 644 is ' +
    'the decimal number 644, which tsplay refuses rather than applying 01204.',
});
export const ownerOption = account('Name (or numeric uid) of the user that should own the file.');
export const groupOption = account('Name (or numeric gid) of the group that should own the file.');

export interface AttrArgs {
  mode?: string | number;
  owner?: string;
  group?: string;
}

/**
 * Turns the `mode` option into four octal digits for a path whose current mode is `current`
 * (undefined: a new path, created with 0666 or 0777 less the umask, as open/mkdir do).
 * Returns an error message instead when the mode cannot be trusted.
 */
export function resolveMode(mode: string | number, current: string | undefined, isDir: boolean, umask: number): string | { error: string } {
  if (typeof mode === 'number') {
    // A 3-digit decimal made of octal digits above 0777 is `mode: 644` written without its
    // leading zero; Ansible would apply 01204 (sticky bit, odd permissions). Refuse instead.
    if (mode > 0o777 && mode <= 777 && /^[0-7]{3}$/.test(String(mode))) {
      return { error: `mode ${mode} is the decimal number ${mode} (octal 0${mode.toString(8)}); write mode: '0${mode}' (quoted) or 0${mode}` };
    }
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) return { error: `mode ${mode} is not a file mode` };
    return octal4(mode);
  }
  if (/^0?[0-7]{3,4}$/.test(mode)) return octal4(parseInt(mode, 8));
  const base = current !== undefined ? parseInt(current, 8) : (isDir ? 0o777 : 0o666) & ~umask;
  const applied = applySymbolic(mode, base, isDir, umask);
  return typeof applied === 'number' ? octal4(applied) : applied;
}

const WHO_BITS = { u: 0o4700, g: 0o2070, o: 0o1007 } as const;

/** chmod's symbolic mode semantics (clauses `[ugoa]*([-+=](perms|[ugo]))+`, comma separated). */
export function applySymbolic(spec: string, start: number, isDir: boolean, umask: number): number | { error: string } {
  let mode = start;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/.exec(clause);
    if (!m) return { error: `invalid symbolic mode clause '${clause}'` };
    const who = m[1]!;
    const users = who === '' || who.includes('a') ? 'ugo' : who;
    // Without an explicit "who", chmod leaves bits set in the umask alone.
    const mask = who === '' ? ~umask & 0o7777 : 0o7777;
    for (const op of m[2]!.match(/[-+=][^-+=]*/g) ?? []) {
      const operator = op[0]!;
      const perms = op.slice(1);
      let bits = 0;
      if (/^[ugo]$/.test(perms)) {
        const src = (mode >> { u: 6, g: 3, o: 0 }[perms as 'u' | 'g' | 'o']) & 7;
        for (const u of users) bits |= src << { u: 6, g: 3, o: 0 }[u as 'u' | 'g' | 'o'];
      } else {
        for (const u of users) {
          const shift = { u: 6, g: 3, o: 0 }[u as 'u' | 'g' | 'o'];
          for (const p of perms) {
            if (p === 'r') bits |= 4 << shift;
            else if (p === 'w') bits |= 2 << shift;
            else if (p === 'x') bits |= 1 << shift;
            else if (p === 'X' && (isDir || (mode & 0o111) !== 0)) bits |= 1 << shift;
            else if (p === 's' && u === 'u') bits |= 0o4000;
            else if (p === 's' && u === 'g') bits |= 0o2000;
            else if (p === 't' && u === 'o') bits |= 0o1000;
          }
        }
      }
      bits &= mask;
      if (operator === '+') mode |= bits;
      else if (operator === '-') mode &= ~bits;
      else {
        let clear = 0;
        for (const u of users) clear |= WHO_BITS[u as 'u' | 'g' | 'o'];
        // chmod keeps a directory's setuid/setgid bits on '=' unless they are named.
        if (isDir) clear &= ~0o6000;
        mode = (mode & ~(clear & mask)) | bits;
      }
    }
  }
  return mode & 0o7777;
}

/** Owner/group as asked compare by number when numeric, by name otherwise. */
export function ownerDiffers(want: string | undefined, st: Pick<FileStat, 'uid' | 'owner'>): boolean {
  if (want === undefined) return false;
  return /^\d+$/.test(want) ? Number(want) !== st.uid : want !== st.owner;
}

export function groupDiffers(want: string | undefined, st: Pick<FileStat, 'gid' | 'group'>): boolean {
  if (want === undefined) return false;
  return /^\d+$/.test(want) ? Number(want) !== st.gid : want !== st.group;
}

/** chown's `owner:group` operand; either may be left out (undefined: unchanged). */
export function chownSpec(owner: string | undefined, group: string | undefined): string {
  return `${owner ?? ''}${group !== undefined ? ':' + group : ''}`;
}

export interface AttrFix {
  steps: ExecStep[];
  /** Lines such as `mode: 0600 -> 0644` for the reason and diff. */
  before: string;
  after: string;
  changes: string[];
}

/**
 * Steps that give an existing path the asked mode/owner/group (mode already resolved to octal).
 * `noFollow` changes a symlink itself (chown -h) and never chmods it, as Linux has no lchmod.
 */
export function fixAttrs(path: string, want: { mode?: string; owner?: string; group?: string }, st: FileStat, noFollow = false): AttrFix {
  const steps: ExecStep[] = [];
  const changes: string[] = [];
  const before: string[] = [];
  const after: string[] = [];
  const isLink = noFollow && st.type === 'link';
  if (want.mode !== undefined && !isLink && want.mode !== st.mode) {
    steps.push({ kind: 'exec', argv: ['chmod', want.mode, '--', path] });
    changes.push(`mode ${st.mode} -> ${want.mode}`);
    before.push(`mode: ${st.mode}`);
    after.push(`mode: ${want.mode}`);
  }
  const o = ownerDiffers(want.owner, st);
  const g = groupDiffers(want.group, st);
  if (o || g) {
    const spec = chownSpec(o ? want.owner : undefined, g ? want.group : undefined);
    steps.push({ kind: 'exec', argv: isLink ? ['chown', '-h', spec, '--', path] : ['chown', spec, '--', path] });
    if (o) {
      changes.push(`owner ${st.owner} -> ${want.owner}`);
      before.push(`owner: ${st.owner}`);
      after.push(`owner: ${want.owner}`);
    }
    if (g) {
      changes.push(`group ${st.group} -> ${want.group}`);
      before.push(`group: ${st.group}`);
      after.push(`group: ${want.group}`);
    }
  }
  const text = (l: string[]) => (l.length ? l.join('\n') + '\n' : '');
  return { steps, changes, before: text(before), after: text(after) };
}

/** The attributes a path will have after the plan: asked values, else what it has now. */
export function finalAttrs(want: { mode?: string; owner?: string; group?: string }, st: FileStat | undefined, defaultMode: string) {
  return {
    mode: want.mode ?? st?.mode ?? defaultMode,
    owner: want.owner ?? st?.owner,
    group: want.group ?? st?.group,
  };
}
