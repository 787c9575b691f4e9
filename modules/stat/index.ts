/**
 * stat: reports facts about a path (existence, kind, mode, owner, size, mtime, SHA-1, link
 * source) for `register:`. It never changes anything: its whole work is the probe.
 */
import { type Static, Type } from '@sinclair/typebox';
import { absolutePath } from '../../src/core/schema.js';
import { defineModule, type ExecResult } from '../../src/core/module.js';
import { base64Line, type FileStat, parseStat, probeOutput, statLine, unbase64 } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';

const schema = Type.Object(
  {
    path: Type.Optional(absolutePath('The path to look at (aliases: dest, name).')),
    dest: Type.Optional(absolutePath('Alias of path.')),
    name: Type.Optional(absolutePath('Alias of path.')),
    follow: Type.Optional(Type.Boolean({ description: 'Follow a symlink at path and describe its target.', default: false })),
    get_checksum: Type.Optional(Type.Boolean({ description: 'Compute the SHA-1 of a regular file (reads the whole file).', default: true })),
    checksum_algorithm: Type.Optional(Type.Literal('sha1', { description: 'Only sha1 is supported.', default: 'sha1' })),
  },
  {
    additionalProperties: false,
    if: { not: { anyOf: [{ required: ['dest'] }, { required: ['name'] }] } },
    then: { required: ['path'] },
  },
);

type Args = Static<typeof schema>;

function statPath(args: Args): string {
  const p = args.path ?? args.dest ?? args.name;
  if (p === undefined) throw new Error("stat needs option 'path'");
  return p;
}

export interface StatState {
  stat?: FileStat;
  /** The realpath of a symlink at path. */
  lnkSource?: string;
  /** The raw target of a symlink at path. */
  lnkTarget?: string;
  checksum?: string;
}

function probe(args: Args): Shell {
  const follow = args.follow === true;
  // A symlink's checksum is its target's, and only when following it.
  const file = follow ? sh`[ -f "$p" ]` : sh`[ -f "$p" ] && [ ! -L "$p" ]`;
  return lines(
    sh`p=${statPath(args)}`,
    statLine('stat', sh`"$p"`, follow),
    !follow && sh`if [ -L "$p" ]; then ${base64Line('lnk_target', sh`readlink -- "$p"`)}; ${base64Line('lnk_source', sh`readlink -m -- "$p"`)}; fi`,
    args.get_checksum !== false && sh`if ${file} && [ -r "$p" ]; then printf 'checksum=%s\\n' "$(sha1sum < "$p" | cut -d' ' -f1)"; fi`,
  );
}

const b64 = (s: string | undefined) => (s === undefined ? undefined : unbase64(s).replace(/\n$/, ''));

function parse(out: ExecResult): StatState {
  const kv = probeOutput(out, 'stat');
  return { stat: parseStat(kv.get('stat')), lnkTarget: b64(kv.get('lnk_target')), lnkSource: b64(kv.get('lnk_source')), checksum: kv.get('checksum') };
}

/** The `stat` mapping of Ansible's result, from the probed state. */
export function statResult(path: string, st: StatState): Record<string, unknown> {
  const s = st.stat;
  if (!s) return { exists: false };
  const bits = parseInt(s.mode, 8);
  return {
    exists: true,
    path,
    mode: s.mode,
    isdir: s.type === 'directory',
    isreg: s.type === 'file',
    islnk: s.type === 'link',
    uid: s.uid,
    gid: s.gid,
    pw_name: s.owner,
    gr_name: s.group,
    size: s.size,
    mtime: s.mtime,
    inode: s.inode,
    dev: s.dev,
    nlink: s.nlink,
    xusr: (bits & 0o100) !== 0,
    wusr: (bits & 0o200) !== 0,
    rusr: (bits & 0o400) !== 0,
    xgrp: (bits & 0o010) !== 0,
    wgrp: (bits & 0o020) !== 0,
    rgrp: (bits & 0o040) !== 0,
    xoth: (bits & 0o001) !== 0,
    woth: (bits & 0o002) !== 0,
    roth: (bits & 0o004) !== 0,
    isuid: (bits & 0o4000) !== 0,
    isgid: (bits & 0o2000) !== 0,
    ...(st.checksum !== undefined ? { checksum: st.checksum } : {}),
    ...(s.type === 'link' ? { lnk_source: st.lnkSource, lnk_target: st.lnkTarget } : {}),
  };
}

export const stat = defineModule({
  name: 'stat',
  description: 'Reports whether a path exists and its kind, mode, owner, size, mtime and SHA-1 (the `stat` key of the result). Never changes anything.',
  schema,
  examples: `- stat: path=/etc/sysctl.d/99-tsplay.conf
  register: conf
- debug: msg="mode is {{ conf.stat.mode }}"
  when: conf.stat.exists`,
  probe: (args) => probe(args),
  parse: (out) => parse(out),
  plan: (args, state: StatState) => {
    const path = statPath(args);
    return { steps: [], changed: false, reason: state.stat ? `${path} exists` : `${path} does not exist`, result: { stat: statResult(path, state) } };
  },
});

export default stat;
