/**
 * Owned files: the one skeleton every module that writes whole files shares. A module names
 * each file it manages (copy and template one, sysctl and lineinfile the file they edit, a
 * network module one file per interface plus a modprobe.d file) and gets back:
 * - filesProbe(): one probe section per file (stat, content or SHA-1, resolved path, whether the
 *   parent exists), plus the umask once, all in the module's one probe round trip;
 * - probedFile(): that section parsed;
 * - planFiles(): for each file, a put of the whole new content (atomic, with mode/owner/group)
 *   when the bytes differ, attribute fixes alone when only they differ, removal for a file that
 *   should be absent, and the before/after diff of each.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { finalAttrs, fixAttrs, resolveMode } from './attrs.js';
import type { FileDiff, PutStep, Step } from './module.js';
import { type FileStat, fileBase64Line, parseStat, type PathExpr, statLine } from './probe.js';
import { lines, type Shell, sh } from './sh.js';

/** Files up to this size travel back whole in a 'diff' probe and show in diffs; larger ones as a SHA-1. */
export const DIFF_LIMIT = 64 * 1024;

export interface FileProbe {
  /** Prefix of this file's probe keys (`<key>.stat=`...); '' for a module's only file (`stat=`...). */
  key: string;
  path: PathExpr;
  /** Follow symlinks to the file they name and report it as `real`: that file is the one written, so a link stays a link. */
  resolve?: boolean;
  /** 'whole': the content always (the module edits it); 'diff': up to DIFF_LIMIT bytes, else a SHA-1. */
  content: 'whole' | 'diff';
}

function keyOf(prefix: string, name: string): string {
  if (prefix !== '' && !/^\w+$/.test(prefix)) throw new Error(`invalid probe key: ${prefix}`);
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** The probe lines for one file; they use the shell variables p and r. */
function fileLines(f: FileProbe): Shell {
  const k = (n: string) => keyOf(f.key, n);
  const read =
    f.content === 'whole'
      ? fileBase64Line(k('content'), sh`"$r"`)
      : sh`if [ "$(stat -L -c %s -- "$r")" -le ${DIFF_LIMIT} ]; then ${fileBase64Line(k('content'), sh`"$r"`)}; else printf '%s=%s\\n' ${k('sha1')} "$(sha1sum < "$r" | cut -d' ' -f1)"; fi`;
  return lines(
    sh`p=${f.path}`,
    f.resolve
      ? sh`r=$(readlink -f -- "$p" 2>/dev/null) || r=$p; [ -n "$r" ] || r=$p; printf '%s=%s\\n' ${k('real')} "$(printf '%s' "$r" | base64 -w0)"`
      : sh`r=$p`,
    statLine(k('stat'), sh`"$r"`, true),
    // An unreadable file must never look empty: it is reported, and probedFile() refuses to guess.
    sh`if [ -f "$r" ]; then if [ ! -r "$r" ]; then echo ${k('unreadable') + '=1'}; else ${read}; fi; fi`,
    sh`[ -d "$(dirname -- "$r")" ] || echo ${k('noparent') + '=1'}`,
  );
}

/** One probe for several files (and the umask, printed once as `umask=`). */
export function filesProbe(files: readonly FileProbe[]): Shell {
  return lines(sh`printf 'umask=%s\\n' "$(umask)"`, ...files.map(fileLines));
}

/** What a probe section says about one file. */
export interface ProbedFile {
  stat?: FileStat;
  /** The bytes, when sent back (a regular file within the probe's content limit). */
  content?: Buffer;
  /** SHA-1 of a regular file too large to send back. */
  sha1?: string;
  /** The file written: the path with symlinks resolved when the probe resolved them. */
  real?: string;
  noParent: boolean;
  unreadable: boolean;
}

/** Parses one file's section from `key=value` probe output. */
export function probedFile(kv: Map<string, string>, key: string): ProbedFile {
  const get = (n: string) => kv.get(keyOf(key, n));
  const content = get('content');
  const real = get('real');
  return {
    stat: parseStat(get('stat')),
    content: content === undefined ? undefined : Buffer.from(content, 'base64'),
    sha1: get('sha1'),
    real: real ? Buffer.from(real, 'base64').toString('utf8') : undefined,
    noParent: get('noparent') === '1',
    unreadable: get('unreadable') === '1',
  };
}

/** A file as the module wants it. */
export interface WantFile {
  /** The file written (for an edited file: the resolved path). */
  path: string;
  /** What the diff calls it (default: path). */
  label?: string;
  content: string | Uint8Array;
  mode?: string | number;
  owner?: string;
  group?: string;
  /** Keep the old file as PATH.<timestamp>~ when it is replaced. */
  backup?: boolean;
  /** Create missing parent directories (mkdir -p) when the file is new. */
  makeParents?: boolean;
}

/** A file the module owns and wants gone (a removed interface's file). */
export interface AbsentFile {
  path: string;
  label?: string;
  absent: true;
}

/** What a file has now, from its probe (content as bytes or text, or only a SHA-1). */
export interface HaveFile {
  stat?: FileStat;
  content?: string | Uint8Array;
  sha1?: string;
  noParent?: boolean;
}

export interface FilePlan {
  steps: Step[];
  diff: FileDiff[];
  /** The file is new or its bytes change (or, for an absent file, it is removed). */
  contentChanged: boolean;
  /** Attribute changes alone, as `mode 0600 -> 0644` (empty when the content changes). */
  attrChanges: string[];
  /** The mode, owner and group the file has after the plan. */
  attrs: { mode: string; owner?: string; group?: string };
}

export function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of some bytes if they are UTF-8 without NUL bytes (what a diff can show), else undefined. */
export function asText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function placeholder(kind: 'binary' | 'large', size: number, sum: string | undefined): string {
  return `(${kind} file, ${size} bytes${sum ? `, sha1 ${sum}` : ''})\n`;
}

/** One side of a diff: the text, or a placeholder for binary and large content. */
export function diffSide(content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (bytes.length > DIFF_LIMIT) return placeholder('large', bytes.length, sha1(bytes));
  const text = typeof content === 'string' ? content : asText(bytes);
  return text ?? placeholder('binary', bytes.length, sha1(bytes));
}

function beforeSide(have: HaveFile): string {
  if (!have.stat) return '';
  if (have.content !== undefined) return diffSide(have.content);
  return placeholder('large', have.stat.size, have.sha1);
}

function bytesOf(c: string | Uint8Array): Uint8Array {
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
}

/** Whether the file holds exactly these bytes (by content, or by SHA-1 when only that was sent). */
export function sameContent(have: HaveFile, want: string | Uint8Array): boolean {
  if (!have.stat) return false;
  const w = bytesOf(want);
  if (have.content !== undefined) return Buffer.compare(Buffer.from(bytesOf(have.content)), Buffer.from(w)) === 0;
  return have.sha1 === sha1(w);
}

/** The steps and diff that bring one file to what the module wants (see the header). */
export function planFile(want: WantFile | AbsentFile, have: HaveFile, umask: number): FilePlan | { error: string } {
  const label = want.label ?? want.path;
  const newMode = (0o666 & ~umask).toString(8).padStart(4, '0');
  if ('absent' in want) {
    const attrs = { mode: have.stat?.mode ?? newMode, owner: have.stat?.owner, group: have.stat?.group };
    if (!have.stat) return { steps: [], diff: [], contentChanged: false, attrChanges: [], attrs };
    return { steps: [{ kind: 'exec', argv: ['rm', '-f', '--', want.path] }], diff: [{ path: label, before: beforeSide(have), after: '' }], contentChanged: true, attrChanges: [], attrs };
  }
  const st = have.stat;
  const mode = want.mode === undefined ? undefined : resolveMode(want.mode, st?.mode, false, umask);
  if (typeof mode === 'object') return mode;
  const attrs = finalAttrs({ mode, owner: want.owner, group: want.group }, st, newMode);
  if (!sameContent(have, want.content)) {
    const steps: Step[] = [];
    if (!st && have.noParent && want.makeParents) steps.push({ kind: 'exec', argv: ['mkdir', '-p', '--', posix.dirname(want.path)] });
    const put: PutStep = { kind: 'put', path: want.path, content: want.content };
    if (mode !== undefined) put.mode = mode;
    if (want.owner !== undefined) put.owner = want.owner;
    if (want.group !== undefined) put.group = want.group;
    if (want.backup && st) put.backup = true;
    steps.push(put);
    return { steps, diff: [{ path: label, before: beforeSide(have), after: diffSide(want.content) }], contentChanged: true, attrChanges: [], attrs };
  }
  const fix = fixAttrs(want.path, { mode, owner: want.owner, group: want.group }, st!);
  const diff = fix.steps.length ? [{ path: `${label} (file attributes)`, before: fix.before, after: fix.after }] : [];
  return { steps: fix.steps, diff, contentChanged: false, attrChanges: fix.changes, attrs };
}

/** planFile() for several files in one task, in order; the first error wins. */
export function planFiles(files: readonly { want: WantFile | AbsentFile; have: HaveFile }[], umask: number): FilePlan[] | { error: string } {
  const out: FilePlan[] = [];
  for (const f of files) {
    const p = planFile(f.want, f.have, umask);
    if ('error' in p) return p;
    out.push(p);
  }
  return out;
}
