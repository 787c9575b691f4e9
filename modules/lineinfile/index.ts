/**
 * lineinfile: makes sure one line is in a file (replacing the last line matching regexp, or
 * inserting after/before a marker) or that matching lines are gone. The probe sends the file
 * back; plan() runs Ansible's algorithm on its lines in TypeScript, step for step, and writes
 * the whole new file with one put.
 */
import { type Static, Type } from '@sinclair/typebox';
import { absolutePath } from '../../src/core/schema.js';
import { groupOption, modeOption, ownerOption } from '../../src/core/attrs.js';
import { asText, filesProbe, planFile, probedFile } from '../../src/core/files.js';
import { defineModule, type ExecResult, type Plan } from '../../src/core/module.js';
import { type FileStat, parseUmask, probeOutput } from '../../src/core/probe.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';
import { execEach } from '../../src/py/bounded.js';
import { reExpand as pyExpand, bytesRegExp as pyRegExp } from '../../src/py/re.js';

const schema = Type.Object(
  {
    path: Type.Optional(absolutePath('The file to edit (aliases: dest, destfile, name).')),
    dest: Type.Optional(absolutePath('Alias of path.')),
    destfile: Type.Optional(absolutePath('Alias of path.')),
    name: Type.Optional(absolutePath('Alias of path.')),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'Whether the line should be there or not.', default: 'present' })),
    regexp: Type.Optional(
      Type.String({ description: 'Python regular expression looked for in every line: present replaces the last match (first with firstmatch), absent removes all matches. Alias: regex.' }),
    ),
    regex: Type.Optional(Type.String({ description: 'Alias of regexp.' })),
    search_string: Type.Optional(Type.String({ description: 'Literal text looked for in every line, instead of regexp.' })),
    line: Type.Optional(Type.String({ description: 'The line to insert or replace with (required for state=present). Alias: value.', pattern: '^[^\\n]*$' })),
    value: Type.Optional(Type.String({ description: 'Alias of line.', pattern: '^[^\\n]*$' })),
    insertafter: Type.Optional(Type.String({ description: 'EOF (default), or a regular expression: insert after the last matching line (first with firstmatch) when regexp does not match.' })),
    insertbefore: Type.Optional(Type.String({ description: 'BOF, or a regular expression: insert before the last matching line (first with firstmatch) when regexp does not match.' })),
    backrefs: Type.Optional(
      Type.Boolean({ description: 'Expand \\1 and \\g<name> in line from the regexp match; when regexp does not match, change nothing.', default: false }),
    ),
    create: Type.Optional(Type.Boolean({ description: 'Create the file (and its directory) when it does not exist.', default: false })),
    backup: Type.Optional(Type.Boolean({ description: 'Keep the previous file as PATH.<timestamp>~ when it changes.', default: false })),
    firstmatch: Type.Optional(Type.Boolean({ description: 'Use the first line matching regexp/insertafter/insertbefore instead of the last.', default: false })),
    mode: Type.Optional(modeOption),
    owner: Type.Optional(ownerOption),
    group: Type.Optional(groupOption),
  },
  {
    additionalProperties: false,
    if: { not: { anyOf: [{ required: ['dest'] }, { required: ['destfile'] }, { required: ['name'] }] } },
    then: { required: ['path'] },
  },
);

type Args = Static<typeof schema>;

export interface LineState {
  isDir: boolean;
  /** The file's text; undefined when it does not exist. */
  content?: string;
  /** The file is not UTF-8 text (it cannot be edited as lines safely). */
  binary?: boolean;
  stat?: FileStat;
  /** The path with symlinks resolved: the file that is written. */
  real: string;
  noParent: boolean;
  umask: number;
}

function filePath(args: Args): string {
  const p = args.path ?? args.dest ?? args.destfile ?? args.name;
  if (p === undefined) throw new Error("lineinfile needs option 'path'");
  return p;
}

function probe(args: Args): Shell {
  return lines(
    sh`if [ -d ${filePath(args)} ]; then echo isdir=1; exit 0; fi`,
    filesProbe([{ key: '', path: filePath(args), resolve: true, content: 'whole' }]),
  );
}

function parse(out: ExecResult, args: Args): LineState {
  const kv = probeOutput(out, 'lineinfile');
  const f = probedFile(kv, '');
  if (f.unreadable) throw new Error(`lineinfile: cannot read ${filePath(args)} on the host (permission denied); use become`);
  const text = f.content === undefined ? undefined : asText(f.content);
  return {
    isDir: kv.get('isdir') === '1',
    content: text,
    binary: f.content !== undefined && text === undefined,
    stat: f.stat,
    real: f.real ?? filePath(args),
    noParent: f.noParent,
    umask: parseUmask(kv.get('umask')),
  };
}

/** Python's readlines(): every line keeps its '\n'; the last one may have none. */
function readlines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
}

const rstripNl = (s: string) => s.replace(/[\r\n]+$/, '');
/** The text a Python pattern is searched in: the line without its '\n' (Python's $ matches before it). */
const body = (s: string) => (s.endsWith('\n') ? s.slice(0, -1) : s);
const endsNl = (s: string) => s.endsWith('\n') || s.endsWith('\r');

interface Edit {
  lines: string[];
  changed: boolean;
  msg: string;
  found?: number;
}

/** Ansible's present(): the same passes over the lines, the same special cases. */
export function presentEdit(lines: string[], o: { regexp?: string; search?: string; line: string; insertafter?: string; insertbefore?: string; backrefs: boolean; firstmatch: boolean }): Edit {
  const b = [...lines];
  const re = o.regexp !== undefined ? pyRegExp(o.regexp) : undefined;
  let ins: RegExp | undefined;
  if (o.insertafter !== undefined && o.insertafter !== 'BOF' && o.insertafter !== 'EOF') ins = pyRegExp(o.insertafter);
  else if (o.insertbefore !== undefined && o.insertbefore !== 'BOF') ins = pyRegExp(o.insertbefore);
  const index = [-1, -1];
  let match: RegExpExecArray | boolean | undefined;
  const line = o.line;
  // The host's lines are matched with a deadline (src/py/bounded.ts): a pattern that backtracks forever fails this task only.
  const bodies = b.map(body);

  if (re) {
    const hits = execEach(re, bodies, o.regexp);
    for (let n = 0; n < b.length; n++) {
      const m = hits[n];
      if (m) {
        index[0] = n;
        match = m;
        if (o.firstmatch) break;
      }
    }
  }
  if (o.search !== undefined) {
    for (let n = 0; n < b.length; n++) {
      if (b[n]!.includes(o.search)) {
        index[0] = n;
        match = true;
        if (o.firstmatch) break;
      }
    }
  }
  if (!match) {
    const insHits = ins ? execEach(ins, bodies, o.insertafter ?? o.insertbefore) : [];
    for (let n = 0; n < b.length; n++) {
      if (line === rstripNl(b[n]!)) {
        index[0] = n;
      } else if (insHits[n]) {
        if (o.insertafter !== undefined) {
          index[1] = n + 1;
          if (o.firstmatch) break;
        }
        if (o.insertbefore !== undefined) {
          index[1] = n;
          if (o.firstmatch) break;
        }
      }
    }
  }

  const added = (lines: string[]): Edit => ({ lines, changed: true, msg: 'line added' });
  if (index[0] !== -1) {
    let newLine = o.backrefs && match && typeof match !== 'boolean' ? pyExpand(line, match) : line;
    if (!newLine.endsWith('\n')) newLine += '\n';
    if (b[index[0]] !== newLine) {
      b[index[0]] = newLine;
      return { lines: b, changed: true, msg: 'line replaced' };
    }
    return { lines: b, changed: false, msg: '' };
  }
  if (o.backrefs) return { lines: b, changed: false, msg: '' };
  if (o.insertbefore === 'BOF' || o.insertafter === 'BOF') {
    b.unshift(line + '\n');
    return added(b);
  }
  if (o.insertafter === 'EOF' || index[1] === -1) {
    if (b.length && !endsNl(b[b.length - 1]!)) b.push('\n');
    b.push(line + '\n');
    return added(b);
  }
  if (o.insertafter !== undefined && index[1] !== -1) {
    if (b.length === index[1]) {
      if (rstripNl(b[index[1] - 1]!) !== line) {
        b.push(line + '\n');
        return added(b);
      }
      return { lines: b, changed: false, msg: '' };
    }
    if (line !== rstripNl(b[index[1]]!)) {
      b.splice(index[1], 0, line + '\n');
      return added(b);
    }
    return { lines: b, changed: false, msg: '' };
  }
  b.splice(index[1], 0, line + '\n');
  return added(b);
}

/** Ansible's absent(): every line matching regexp, search_string or the exact line goes. */
export function absentEdit(lines: string[], o: { regexp?: string; search?: string; line?: string }): Edit {
  const re = o.regexp !== undefined ? pyRegExp(o.regexp) : undefined;
  let found = 0;
  const hits = re ? execEach(re, lines.map(body), o.regexp) : [];
  const kept = lines.filter((l, n) => {
    const hit = re ? Boolean(hits[n]) : o.search !== undefined ? l.includes(o.search) : o.line === rstripNl(l);
    if (hit) found++;
    return !hit;
  });
  return { lines: kept, changed: found > 0, msg: found ? `${found} line(s) removed` : '', found };
}

function failed(msg: string, result: Record<string, unknown>): Plan {
  return { steps: [], failed: msg, result };
}

function plan(args: Args, st: LineState): Plan {
  const path = filePath(args);
  const regexp = args.regexp ?? args.regex;
  const line = args.line ?? args.value;
  const state = args.state ?? 'present';
  const result: Record<string, unknown> = { path };
  if (args.insertafter !== undefined && args.insertbefore !== undefined) return failed('parameters are mutually exclusive: insertbefore|insertafter', result);
  if (regexp !== undefined && args.search_string !== undefined) return failed('parameters are mutually exclusive: regexp|search_string', result);
  if (args.backrefs && args.search_string !== undefined) return failed('parameters are mutually exclusive: backrefs|search_string', result);
  if (st.isDir) return failed(`Path ${path} is a directory !`, result);
  if (st.binary) return failed(`${path} is not a UTF-8 text file; lineinfile edits text only`, result);

  let edit: Edit;
  try {
    if (state === 'present') {
      if (args.backrefs && regexp === undefined) return failed('regexp is required with backrefs=true', result);
      if (line === undefined) return failed('line is required with state=present', result);
      if (st.content === undefined && !args.create) return failed(`Destination ${path} does not exist !`, result);
      const insertafter = args.insertafter === undefined && args.insertbefore === undefined ? 'EOF' : args.insertafter;
      edit = presentEdit(readlines(st.content ?? ''), {
        regexp,
        search: args.search_string,
        line,
        insertafter,
        insertbefore: args.insertbefore,
        backrefs: args.backrefs === true,
        firstmatch: args.firstmatch === true,
      });
    } else {
      if (regexp === undefined && args.search_string === undefined && line === undefined) {
        return failed('one of line, search_string, or regexp is required with state=absent', result);
      }
      if (st.content === undefined) return { steps: [], reason: 'file not present', result: { ...result, found: 0 } };
      edit = absentEdit(readlines(st.content), { regexp, search: args.search_string, line });
      result.found = edit.found;
    }
  } catch (e) {
    return failed((e as Error).message, result);
  }

  const after = edit.lines.join('');
  // An unchanged edit of a missing file (absent, or backrefs without a match) writes nothing.
  const wanted = edit.changed || st.content !== undefined;
  const fp = planFile(
    { path: st.real, label: path, content: wanted ? after : '', mode: args.mode, owner: args.owner, group: args.group, backup: args.backup, makeParents: true },
    { stat: st.content === undefined ? undefined : st.stat, content: st.content, noParent: st.noParent },
    st.umask,
  );
  if ('error' in fp) return failed(fp.error, result);
  if (!wanted || fp.steps.length === 0) return { steps: [], reason: state === 'present' ? `line already in ${path}` : `no matching line in ${path}`, result: { ...result, msg: '' } };
  const msg = fp.contentChanged ? edit.msg : 'ownership, perms or SE linux context changed';
  return { steps: fp.steps, diff: fp.diff, reason: msg, result: { ...result, msg } };
}

export const lineinfile = defineModule({
  name: 'lineinfile',
  description:
    'Ensures one line is present in a text file (replacing the last line that matches regexp, else inserting it after/before a ' +
    'marker or at the end) or that matching lines are absent, with Ansible\'s exact rules. The whole file is rewritten atomically.',
  schema,
  examples: `- lineinfile:
    path: /etc/ssh/sshd_config
    regexp: '^#?PasswordAuthentication'
    line: PasswordAuthentication no
- lineinfile:
    path: /etc/modprobe.d/bonding.conf
    line: alias bond0 bonding
    create: yes`,
  probe: (args) => probe(args),
  parse: (out, args) => parse(out, args),
  plan: (args, state: LineState) => plan(args, state),
});

export default lineinfile;
