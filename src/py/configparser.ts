/**
 * Python's configparser as Ansible configures it for ansible.cfg:
 * `ConfigParser(inline_comment_prefixes=(';',))`, strict, read with `read_string` and looked up
 * with `get(section, key, raw=True)`. That means: `key = value` and `key: value` (the first `=`
 * or `:` splits), keys lowercased, section names as written, `#` and `;` comment lines (indented
 * too), `;` after whitespace starts an inline comment (`#` does not), a line indented deeper than
 * its key continues the value (blank lines inside kept as newlines), values in [DEFAULT] seen
 * from every section, and no interpolation. Lines are split on `\n` only, as Python's StringIO
 * splits them. The state machine follows CPython 3.11's RawConfigParser._read.
 */
import { PY_SPACE, pyStrip } from './re.js';

/** A value and the line of its key, for errors that point into the file. */
export interface IniValue {
  value: string;
  line: number;
}

/** What configparser refuses, each with its line: malformed lines, a key before any section, a section or key given twice. */
export class IniError extends Error {
  constructor(public problems: { line: number; message: string }[]) {
    super(problems.map((p) => `line ${p.line}: ${p.message}`).join('\n'));
    this.name = 'IniError';
  }
}

const DEFAULT_SECTION = 'DEFAULT';
const SPACE = new RegExp(`[${PY_SPACE}]`, 'u');
const NON_SPACE = new RegExp(`[^${PY_SPACE}]`, 'u');
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`, 'u');
/** SECTCRE: no end anchor, so `[a] b` is section `a`, and the last `]` closes it. */
const SECTION = /^\[([\s\S]+)\]/;
/** OPTCRE: the key is the shortest prefix before a delimiter; an empty key is an error. */
const OPTION = new RegExp(`^([\\s\\S]*?)[${PY_SPACE}]*([=:])[${PY_SPACE}]*([\\s\\S]*)$`, 'u');

/** Where the line's comment starts: a `#`/`;` line is all comment; `;` is inline when at column 0 or after whitespace. */
function commentStart(line: string): number | undefined {
  const stripped = pyStrip(line);
  if (stripped.startsWith('#') || stripped.startsWith(';')) return 0;
  for (let i = line.indexOf(';'); i >= 0; i = line.indexOf(';', i + 1)) {
    if (i === 0 || SPACE.test(line[i - 1]!)) return i;
  }
  return undefined;
}

/** One key: the line it is on and its value's lines (more than one when continued). */
interface Entry {
  line: number;
  parts: string[];
}

export class ConfigParser {
  private readonly sections = new Map<string, Map<string, Entry>>();
  private readonly defaults = new Map<string, Entry>();

  /** Parses the text; throws IniError as configparser raises its errors. */
  constructor(text: string) {
    const seenSections = new Set<string>();
    const seenKeys = new Set<string>();
    const malformed: { line: number; message: string }[] = [];
    let section: Map<string, Entry> | undefined;
    let sectionName = '';
    let entry: Entry | undefined;
    let indent = 0;
    text.split('\n').forEach((line, i) => {
      const lineno = i + 1;
      const comment = commentStart(line);
      const value = pyStrip(line.slice(0, comment));
      if (!value) {
        // A blank line may sit inside a multi-line value; a comment line never adds to one.
        if (comment === undefined && entry) entry.parts.push('');
        return;
      }
      const lineIndent = line.search(NON_SPACE);
      if (section && entry && lineIndent > indent) {
        entry.parts.push(value);
        return;
      }
      indent = lineIndent;
      const header = SECTION.exec(value);
      if (header) {
        sectionName = header[1]!;
        if (sectionName === DEFAULT_SECTION) section = this.defaults;
        else {
          if (seenSections.has(sectionName)) throw new IniError([{ line: lineno, message: `section [${sectionName}] is given twice` }]);
          seenSections.add(sectionName);
          section = new Map();
          this.sections.set(sectionName, section);
        }
        entry = undefined;
        return;
      }
      if (!section) throw new IniError([{ line: lineno, message: `${JSON.stringify(value)} comes before any [section] header` }]);
      const m = OPTION.exec(value);
      if (!m?.[1]) malformed.push({ line: lineno, message: `cannot read ${JSON.stringify(value)}: expected 'key = value', 'key: value', a [section] or a comment` });
      if (!m) return;
      // An empty key is noted and then read on, as configparser does: it counts for "given twice", and nothing continues it.
      const key = m[1]!.toLowerCase();
      if (seenKeys.has(JSON.stringify([sectionName, key]))) throw new IniError([{ line: lineno, message: `'${key}' is given twice in [${sectionName}]` }]);
      seenKeys.add(JSON.stringify([sectionName, key]));
      entry = key ? { line: lineno, parts: [pyStrip(m[3]!)] } : undefined;
      if (entry) section.set(key, entry);
    });
    // As configparser: lines it cannot read are reported together, once the whole file is read.
    if (malformed.length) throw new IniError(malformed);
  }

  /** get(section, key, raw=True), undefined where configparser raises: the section's value, else [DEFAULT]'s. */
  get(section: string, key: string): IniValue | undefined {
    const options = this.sections.get(section);
    const e = options && (options.get(key.toLowerCase()) ?? this.defaults.get(key.toLowerCase()));
    return e && { value: e.parts.join('\n').replace(TRAILING_SPACE, ''), line: e.line };
  }
}
