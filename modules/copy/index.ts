/**
 * copy: puts a file on the host from inline `content` or a controller file `src`. The probe
 * sends back the current file itself when it is small (so --diff shows before and after) or its
 * SHA-1 otherwise; plan() writes the whole file atomically only when the bytes differ, and fixes
 * mode/owner/group alone when only they differ. template reuses everything here.
 */
import { posix } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { absolutePath } from '../../src/core/schema.js';
import { groupOption, modeOption, ownerOption } from '../../src/core/attrs.js';
import { asText, filesProbe, planFile, probedFile, sha1 } from '../../src/core/files.js';
import { defineModule, type ExecResult, type Plan, type RenderedFile } from '../../src/core/module.js';
import { type FileStat, parseUmask, probeOutput, UMASK_LINE } from '../../src/core/probe.js';
import { lines, raw, type Shell, sh } from '../../src/core/sh.js';

/** What copy and template have in common once prepare() has run: copy's arguments (template's are a subset). */
export type CopyLike = Static<typeof schema>;

/** The controller file read by prepare(): kept beside the args under a symbol, so it never meets the schema. */
export interface Source {
  bytes: Uint8Array;
  /** The same bytes as text when they are valid UTF-8 (the diff and the put step use it). */
  text?: string;
  basename: string;
}
export const SOURCE: unique symbol = Symbol.for('tsplay.copy.source');
type WithSource = { [SOURCE]?: Source };

export interface CopyState {
  /** dest was an existing directory: the file goes inside it, named after src. */
  destIsDir: boolean;
  /** The parent directory of the target does not exist. */
  noParent: boolean;
  umask: number;
  stat?: FileStat;
  /** The current content, base64, when the file is a regular file of at most DIFF_LIMIT bytes. */
  content?: string;
  /** SHA-1 of larger files. */
  sha1?: string;
}

/** Args with a controller file attached (what prepare() returns). */
export function withSource<A extends CopyLike>(args: A, bytes: Uint8Array, basename: string): A {
  const text = asText(bytes);
  const out: A & WithSource = { ...args };
  out[SOURCE] = { bytes, text, basename };
  // Text also travels as `content`, so args that lose the symbol (a JSON copy) still work.
  if (text !== undefined) out.content = text;
  return out;
}

export async function readSource(
  ctx: { findFile(kind: 'files' | 'templates', name: string): string; readFile(p: string): Promise<Buffer> },
  kind: 'files' | 'templates',
  src: string,
): Promise<{ bytes: Buffer; path: string }> {
  const path = ctx.findFile(kind, src);
  let bytes: Buffer;
  try {
    bytes = await ctx.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Error(`src ${src} is a directory: copying directories is not supported, copy each file`);
    throw new Error(`cannot read src ${path}: ${code ?? (e as Error).message}`);
  }
  return { bytes, path };
}

/** The name a file gets inside a destination directory (Ansible: the basename of src). */
function sourceName(args: CopyLike): string | undefined {
  const s = (args as WithSource)[SOURCE];
  if (s) return s.basename;
  return args.src !== undefined ? posix.basename(args.src) : undefined;
}

function desired(args: CopyLike): { bytes: Uint8Array; text?: string } | { error: string } {
  const s = (args as WithSource)[SOURCE];
  if (s) return { bytes: s.bytes, text: s.text };
  if (args.content !== undefined) return { bytes: Buffer.from(args.content, 'utf8'), text: args.content };
  if (args.src !== undefined) return { error: `src ${args.src} was not read on the controller (prepare() did not run)` };
  return { error: 'one of content or src is required' };
}

/** Where the file goes when dest names a directory explicitly (trailing slash). */
function explicitDir(args: CopyLike): boolean {
  return args.dest.endsWith('/');
}

export function copyProbe(args: CopyLike): Shell {
  const name = sourceName(args);
  const file = filesProbe([{ key: '', path: sh`"$d"`, content: 'diff' }]);
  if (explicitDir(args)) {
    // Without src there is no name for the file: plan() fails, so there is nothing to look at.
    if (name === undefined) return UMASK_LINE;
    return lines(sh`d=${posix.join(args.dest, name)}`, file);
  }
  return lines(
    sh`d=${args.dest}`,
    sh`if [ -d "$d" ]; then echo dest_isdir=1; ${name !== undefined ? sh`d="$d"/${name}` : raw('exit 0')}; fi`,
    file,
  );
}

export function copyParse(out: ExecResult, args: CopyLike): CopyState {
  const kv = probeOutput(out, 'copy');
  const f = probedFile(kv, '');
  if (f.unreadable) throw new Error(`copy: cannot read ${args.dest} on the host (permission denied); use become`);
  return {
    destIsDir: kv.get('dest_isdir') === '1',
    noParent: f.noParent,
    umask: parseUmask(kv.get('umask')),
    stat: f.stat,
    content: f.content?.toString('base64'),
    sha1: f.sha1,
  };
}

function failed(msg: string): Plan {
  return { steps: [], failed: msg };
}

export function copyPlan(args: CopyLike, state: CopyState): Plan {
  const want = desired(args);
  if ('error' in want) return failed(want.error);
  const name = sourceName(args);
  if ((state.destIsDir || explicitDir(args)) && name === undefined) return failed(`can not use content with a dir as dest: ${args.dest}`);
  const path = explicitDir(args) || state.destIsDir ? posix.join(args.dest, name!) : args.dest;
  const st = state.stat;
  if (st && st.type === 'directory') return failed(`dest ${path} is a directory`);
  if (st && st.type !== 'file') return failed(`dest ${path} exists and is not a regular file`);
  if (state.noParent && !explicitDir(args)) return failed(`Destination directory ${posix.dirname(path)} does not exist`);
  const have = { stat: st, content: state.content !== undefined ? Buffer.from(state.content, 'base64') : undefined, sha1: state.sha1, noParent: state.noParent };
  const fp = planFile({ path, content: want.text ?? want.bytes, mode: args.mode, owner: args.owner, group: args.group, backup: args.backup, makeParents: true }, have, state.umask);
  if ('error' in fp) return failed(fp.error);
  const checksum = sha1(want.bytes);
  const result = { dest: path, checksum, size: want.bytes.length, ...fp.attrs, ...(args.src !== undefined ? { src: args.src } : {}), state: 'file' };
  if (st && fp.contentChanged && args.force === false) {
    return { steps: [], reason: `${path} exists and force=no: content left alone`, result: { ...result, checksum: state.sha1 ?? sha1(have.content!) } };
  }
  if (fp.steps.length === 0) return { steps: [], reason: `${path} is up to date`, result };
  const reason = fp.contentChanged ? (st ? `${path}: content differs` : `${path}: created`) : `${path}: ${fp.attrChanges.join(', ')}`;
  return { steps: fp.steps, diff: fp.diff, reason, result };
}

/**
 * The file a run writes on a host that does not have it yet (ModuleDef.renders). A dest that
 * is a directory on the host cannot be known without it: only one ending with / is taken as one.
 */
export function copyRenders(args: CopyLike, earlier: (path: string) => RenderedFile | undefined): RenderedFile[] {
  const want = desired(args);
  if ('error' in want) throw new Error(want.error);
  const name = sourceName(args);
  if (explicitDir(args) && name === undefined) throw new Error(`can not use content with a dir as dest: ${args.dest}`);
  const path = explicitDir(args) ? posix.join(args.dest, name!) : args.dest;
  // force=no leaves alone a file that exists: here, one an earlier task wrote.
  if (args.force === false && earlier(path)) return [];
  return [{ path, content: want.text ?? want.bytes, mode: args.mode }];
}

const schema = Type.Object(
  {
    dest: absolutePath('Remote path to write. If it is a directory (or ends with /), the file goes inside it under the basename of src.'),
    content: Type.Optional(Type.String({ description: 'The file content, inline. Mutually exclusive with src.' })),
    src: Type.Optional(Type.String({ description: "Controller file to copy, looked up in the role's or playbook's files/ folder, then beside the playbook.", minLength: 1 })),
    mode: Type.Optional(modeOption),
    owner: Type.Optional(ownerOption),
    group: Type.Optional(groupOption),
    backup: Type.Optional(Type.Boolean({ description: 'Keep the previous file as DEST.<timestamp>~ when it is replaced.', default: false })),
    force: Type.Optional(Type.Boolean({ description: 'Replace the file when its content differs. With false, an existing file is left alone entirely.', default: true })),
  },
  {
    additionalProperties: false,
    if: { not: { required: ['src'] } },
    then: { required: ['content'] },
  },
);

export const copy = defineModule({
  name: 'copy',
  description:
    'Writes a file on the host from inline content or a controller file (src), atomically and only when its bytes differ; ' +
    'fixes mode, owner and group otherwise. Diff shows the old and new content for text files up to 64 KiB.',
  schema,
  examples: `- copy:
    dest: /etc/motd
    content: "Managed by tsplay\\n"
    mode: '0644'
- copy: src=limits.conf dest=/etc/security/limits.d/ owner=root group=root backup=yes`,
  async prepare(args, ctx) {
    if (args.src === undefined) return args;
    if (args.content !== undefined) throw new Error('parameters are mutually exclusive: content|src');
    return withSource(args, (await readSource(ctx, 'files', args.src)).bytes, posix.basename(args.src));
  },
  probe: (args) => copyProbe(args),
  parse: (out, args) => copyParse(out, args),
  plan: (args, state: CopyState) => copyPlan(args, state),
  renders: (args, _facts, earlier) => copyRenders(args, earlier),
});

export default copy;
