/**
 * file: makes a path a file, a directory, a symlink or a hard link, or removes it, and sets its
 * mode/owner/group (recursively for directories with recurse). The probe lstat()s the path, its
 * link target and the link source in one trip; with recurse it also lists the distinct
 * mode/owner combinations found below the directory, so the plan can tell whether anything
 * under it needs fixing without listing every file.
 */
import { posix } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { absolutePath } from '../../src/core/schema.js';
import { chownSpec, fixAttrs, groupDiffers, groupOption, modeOption, ownerDiffers, ownerOption, resolveMode } from '../../src/core/attrs.js';
import { defineModule, type ExecResult, type ExecStep, type Plan } from '../../src/core/module.js';
import { base64Line, type FileStat, octal4, parseStat, parseUmask, probeOutput, statLine, UMASK_LINE } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';

const STATES = ['file', 'directory', 'link', 'hard', 'absent', 'touch'] as const;
type FileState = (typeof STATES)[number];

const schema = Type.Object(
  {
    path: Type.Optional(absolutePath('Path to manage (aliases: dest, name).')),
    dest: Type.Optional(absolutePath('Alias of path.')),
    name: Type.Optional(absolutePath('Alias of path.')),
    state: Type.Optional(
      Type.Union(
        STATES.map((s) => Type.Literal(s)),
        {
          description:
            'file: must exist as a file (only attributes change); directory: created with parents; link/hard: a symbolic or hard ' +
            'link to src; absent: removed (directories recursively); touch: created if missing and its times updated (always changed). ' +
            'Default: the current kind of the path, or directory with recurse, link with src, file otherwise.',
        },
      ),
    ),
    src: Type.Optional(Type.String({ description: 'Target of the link for state=link/hard; a relative src of a symlink is relative to the link\'s directory.', minLength: 1 })),
    mode: Type.Optional(modeOption),
    owner: Type.Optional(ownerOption),
    group: Type.Optional(groupOption),
    recurse: Type.Optional(Type.Boolean({ description: 'With state=directory, apply mode/owner/group to everything below the directory too (symlinks excepted).', default: false })),
    force: Type.Optional(
      Type.Boolean({ description: 'For link/hard: replace an existing file (or empty directory) at path, and create a symlink whose src does not exist.', default: false }),
    ),
    follow: Type.Optional(Type.Boolean({ description: 'Set attributes on the target of a symlink at path rather than on the link.', default: true })),
  },
  {
    additionalProperties: false,
    if: { not: { anyOf: [{ required: ['dest'] }, { required: ['name'] }] } },
    then: { required: ['path'] },
  },
);

type Args = Static<typeof schema>;

export interface FileModuleState {
  umask: number;
  /** lstat of the path. */
  lstat?: FileStat;
  /** stat of the path, following a symlink (absent for a dangling one). */
  stat?: FileStat;
  /** Target of the symlink at path. */
  linkTarget?: string;
  /** stat of src (following links), for link/hard. */
  src?: FileStat;
  /** The directory at path is empty. */
  empty: boolean;
  /** With recurse: distinct `mode|type|uid|gid|user|group` of everything below the directory. */
  below?: string[];
  /** The recursive listing was cut short (more distinct combinations than listed). */
  belowTruncated?: boolean;
}

export function filePath(args: Args): string {
  const p = args.path ?? args.dest ?? args.name;
  if (p === undefined) throw new Error("file needs option 'path'");
  return p;
}

/** Where a link's src points, for checking that it exists: relative to the link's directory. */
function srcPath(path: string, src: string): string {
  return posix.isAbsolute(src) ? src : posix.join(posix.dirname(path), src);
}

const BELOW_LIMIT = 200;

function probe(args: Args): Shell {
  return lines(
    sh`p=${filePath(args)}`,
    UMASK_LINE,
    statLine('lstat', sh`"$p"`, false),
    statLine('stat', sh`"$p"`, true),
    sh`if [ -L "$p" ]; then ${base64Line('target', sh`readlink -- "$p"`)}; fi`,
    sh`if [ -d "$p" ] && [ ! -L "$p" ] && [ -z "$(ls -A -- "$p")" ]; then echo empty=1; fi`,
    args.src !== undefined && statLine('src', srcPath(filePath(args), args.src), true),
    args.recurse && sh`if [ -d "$p" ]; then find "$p" -mindepth 1 ! -type l -printf 'below=%m|%y|%U|%G|%u|%g\\n' | sort -u | head -n ${BELOW_LIMIT + 1}; fi`,
  );
}

function parse(out: ExecResult): FileModuleState {
  const kv = probeOutput(out, 'file');
  const below = out.stdout
    .split('\n')
    .filter((l) => l.startsWith('below='))
    .map((l) => l.slice(6));
  const target = kv.get('target');
  return {
    umask: parseUmask(kv.get('umask')),
    lstat: parseStat(kv.get('lstat')),
    stat: parseStat(kv.get('stat')),
    linkTarget: target === undefined ? undefined : Buffer.from(target, 'base64').toString('utf8').replace(/\n$/, ''),
    src: parseStat(kv.get('src')),
    empty: kv.get('empty') === '1',
    below: below.slice(0, BELOW_LIMIT),
    belowTruncated: below.length > BELOW_LIMIT,
  };
}

/** What Ansible calls the current state of a path: absent, file, hard, directory or link. */
function currentState(st: FileModuleState): 'absent' | 'file' | 'hard' | 'directory' | 'link' | 'other' {
  const l = st.lstat;
  if (!l) return 'absent';
  if (l.type === 'link') return 'link';
  if (l.type === 'directory') return 'directory';
  if (l.type === 'file') return l.nlink > 1 ? 'hard' : 'file';
  return 'other';
}

function describe(kind: string, attrs: { mode?: string; owner?: string; group?: string; src?: string }): string {
  const lines = [`state: ${kind}`];
  if (attrs.src !== undefined) lines.push(`src: ${attrs.src}`);
  if (attrs.mode !== undefined) lines.push(`mode: ${attrs.mode}`);
  if (attrs.owner !== undefined) lines.push(`owner: ${attrs.owner}`);
  if (attrs.group !== undefined) lines.push(`group: ${attrs.group}`);
  return lines.join('\n') + '\n';
}

function failed(msg: string, path: string): Plan {
  return { steps: [], failed: msg, result: { path } };
}

/** Whether anything below a directory differs from the asked mode/owner/group. */
function belowDrifts(args: Args, st: FileModuleState): boolean {
  if (st.belowTruncated) return true;
  for (const entry of st.below ?? []) {
    const [m, type, uid, gid, user, group] = entry.split('|');
    const isDir = type === 'd';
    const cur = parseInt(m!, 8);
    if (args.mode !== undefined) {
      const want = resolveMode(args.mode, octal4(cur), isDir, st.umask);
      if (typeof want === 'string' && want !== octal4(cur)) return true;
    }
    const s = { uid: Number(uid), gid: Number(gid), owner: user!, group: group! };
    if (ownerDiffers(args.owner, s) || groupDiffers(args.group, s)) return true;
  }
  return false;
}

function plan(args: Args, st: FileModuleState): Plan {
  const path = filePath(args);
  const prev = currentState(st);
  const follow = args.follow !== false;
  let state: FileState;
  if (args.state) state = args.state;
  else if (prev !== 'absent' && prev !== 'other') state = prev === 'hard' ? 'file' : prev;
  else if (args.recurse) state = 'directory';
  else if (args.src !== undefined) state = 'link';
  else state = 'file';
  if (args.recurse && state !== 'directory') return failed('recurse option requires state to be directory', path);
  if ((state === 'link' || state === 'hard') && args.src === undefined) return failed(`src option is required when state is '${state}'`, path);

  // The stat attributes are taken from: the link target when following, else the path itself.
  const target = state === 'link' || !follow ? st.lstat : (st.stat ?? st.lstat);
  const isDir = state === 'directory';
  let mode: string | undefined;
  if (args.mode !== undefined) {
    const m = resolveMode(args.mode, target && prev !== 'absent' ? target.mode : undefined, isDir, st.umask);
    if (typeof m === 'object') return failed(m.error, path);
    mode = m;
  }
  const want = { mode, owner: args.owner, group: args.group };
  const result = { path, state, ...(args.src !== undefined ? { src: args.src } : {}) };
  const steps: ExecStep[] = [];
  const exec = (...argv: string[]) => steps.push({ kind: 'exec', argv });
  let what = '';

  switch (state) {
    case 'absent':
      if (prev === 'absent') return { steps: [], reason: `${path} is already absent`, result };
      if (posix.normalize(path) === '/') return failed('refusing to remove /', path);
      exec('rm', '-rf', '--', path);
      return {
        steps,
        reason: `${path}: removed`,
        diff: [{ path, before: describe(prev, {}), after: describe('absent', {}) }],
        result,
      };
    case 'file':
      if (prev === 'absent') return failed(`file (${path}) is absent, cannot continue`, path);
      if (!(prev === 'file' || prev === 'hard' || (prev === 'link' && follow && st.stat?.type === 'file'))) {
        return failed(`file (${path}) is ${prev}, cannot continue`, path);
      }
      break;
    case 'directory':
      if (prev === 'absent') {
        exec('mkdir', '-p', '--', path);
        what = 'created';
      } else if (!(prev === 'directory' || (prev === 'link' && follow && st.stat?.type === 'directory'))) {
        return failed(`${path} already exists as a ${prev}`, path);
      }
      break;
    case 'touch':
      exec('touch', '--', path);
      what = prev === 'absent' ? 'created' : 'touched';
      break;
    case 'link': {
      const src = args.src!;
      if (prev === 'link' && st.linkTarget === src) break;
      if (!st.src && !args.force && prev !== 'link') {
        return failed(`src file does not exist, use "force=yes" if you really want to create the link: ${srcPath(path, src)}`, path);
      }
      if (prev === 'directory' && !(args.force && st.empty)) {
        return failed(`the directory ${path} is not empty, refusing to convert it`, path);
      }
      if ((prev === 'file' || prev === 'hard' || prev === 'other') && !args.force) {
        return failed(`refusing to convert from ${prev} to symlink for ${path}`, path);
      }
      if (prev === 'directory') exec('rmdir', '--', path);
      exec('ln', '-sfn', '--', src, path);
      what = prev === 'absent' ? 'link created' : 'link replaced';
      break;
    }
    case 'hard': {
      const src = srcPath(path, args.src!);
      if (!st.src) return failed(`src does not exist: ${src}`, path);
      const l = st.lstat;
      if (l && l.inode === st.src.inode && l.dev === st.src.dev) break;
      if (prev === 'directory') return failed(`the directory ${path} exists, refusing to replace it with a hard link`, path);
      if (prev !== 'absent' && prev !== 'link' && !args.force) return failed(`Cannot link, ${prev} exists at destination: ${path}`, path);
      exec('ln', '-f', '--', src, path);
      what = prev === 'absent' ? 'hard link created' : 'hard link replaced';
      break;
    }
  }

  // Attributes: compared with the path as it is when the steps above keep it (touch keeps an
  // existing file); a path the steps create gets the asked attributes unconditionally.
  const existing = steps.length > 0 && state !== 'touch' ? undefined : target;
  let attrSteps: ExecStep[] = [];
  let before = '';
  let after = '';
  const changes: string[] = [];
  const noFollow = state === 'link' || !follow;
  if (state === 'link' && steps.length > 0) {
    // A new symlink: only its owner can be set (chown -h); Linux symlinks have no mode.
    if (args.owner !== undefined || args.group !== undefined) {
      attrSteps.push({ kind: 'exec', argv: ['chown', '-h', chownSpec(args.owner, args.group), '--', path] });
    }
  } else if (existing) {
    const fix = fixAttrs(path, want, existing, noFollow);
    attrSteps = fix.steps;
    before = fix.before;
    after = fix.after;
    changes.push(...fix.changes);
  } else if (state === 'touch' || state === 'directory' || state === 'hard') {
    // Created by the steps above: set what was asked unconditionally.
    if (mode !== undefined) attrSteps.push({ kind: 'exec', argv: ['chmod', mode, '--', path] });
    if (args.owner !== undefined || args.group !== undefined) {
      attrSteps.push({ kind: 'exec', argv: ['chown', chownSpec(args.owner, args.group), '--', path] });
    }
  }
  if (state === 'directory' && args.recurse && prev !== 'absent' && (mode !== undefined || args.owner || args.group) && belowDrifts(args, st)) {
    // chmod -R with the original (possibly symbolic) mode, so X and relative clauses apply per entry.
    if (args.mode !== undefined) {
      const m = typeof args.mode === 'string' && !/^0?[0-7]{3,4}$/.test(args.mode) ? args.mode : mode!;
      attrSteps = attrSteps.filter((s) => s.argv[0] !== 'chmod');
      attrSteps.push({ kind: 'exec', argv: ['chmod', '-R', m, '--', path] });
    }
    if (args.owner !== undefined || args.group !== undefined) {
      attrSteps = attrSteps.filter((s) => s.argv[0] !== 'chown');
      attrSteps.push({ kind: 'exec', argv: ['chown', '-R', chownSpec(args.owner, args.group), '--', path] });
    }
    changes.push('attributes below the directory');
  }
  steps.push(...attrSteps);
  if (steps.length === 0) return { steps, reason: `${path} is already a ${state === 'hard' ? 'hard link' : state}${state === 'link' ? ` to ${args.src}` : ''}`, result };

  const reasonParts = [what, ...changes].filter(Boolean);
  const diffBefore = prev === 'absent' ? describe('absent', {}) : what ? describe(prev, prev === 'link' ? { src: st.linkTarget } : {}) + before : before;
  const diffAfter = what ? describe(state, { ...(state === 'link' || state === 'hard' ? { src: args.src } : {}), ...want }) : after;
  return {
    steps,
    reason: `${path}: ${reasonParts.join(', ')}`,
    diff: [{ path, before: diffBefore, after: diffAfter }],
    result: { ...result, ...(mode !== undefined ? { mode } : {}), ...(args.owner ? { owner: args.owner } : {}), ...(args.group ? { group: args.group } : {}) },
  };
}

export const file = defineModule({
  name: 'file',
  description:
    'Makes a path a file, directory, symlink or hard link, or removes it, and sets its mode, owner and group ' +
    '(recursively with recurse). state=touch is always reported changed, as in Ansible.',
  schema,
  examples: `- file: path=/srv/app state=directory mode=0755 owner=www-data
- file:
    src: /etc/nginx/sites-available/app
    dest: /etc/nginx/sites-enabled/app
    state: link
- file: path=/tmp/old state=absent`,
  probe: (args) => probe(args),
  parse: (out) => parse(out),
  plan: (args, state: FileModuleState) => plan(args, state),
});

export default file;
