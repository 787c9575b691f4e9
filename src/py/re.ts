/**
 * Python `re` on JavaScript RegExp. Playbooks carry Python patterns (Ansible compiles them with
 * `re`), so each pattern is parsed the way sre_parse reads it and rewritten for a `v`-flag
 * RegExp, with Python's meaning wherever the engines differ: `^`, `$`, `\A`, `\Z`, `.` and `\b`
 * are spelled out as lookarounds (JavaScript's `$` ignores a final newline, its `.` and
 * multiline anchors stop at \r and U+2028 too), `\d` `\w` `\s` are Python's Unicode classes (or
 * ASCII with the `a` flag), `(?P<n>)` `(?P=n)` `(?#...)` and inline flags are translated, and the
 * errors Python raises (bad escapes, unknown or open group references, misplaced global flags)
 * are raised here too. Not supported, with an error rather than a wrong answer: scoped `(?i:...)`
 * that differs from the pattern's own case mode, conditionals, atomic groups, possessive
 * quantifiers and `\N{name}`. Known gaps: ASCII-only case folding under `(?a)`, and the
 * fixed-width check on look-behinds, which JavaScript does not need.
 */
import { CONTROL_ESCAPES } from './escape.js';

/** Python's \s for str patterns (str.isspace()), as the body of a character class. */
export const PY_SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const SPACE_EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'gu');

/** Python's str.strip(): its whitespace, which is not JavaScript's trim() set (\x1c-\x1f and \x85 are in, \ufeff is out). */
export function pyStrip(s: string): string {
  return s.replace(SPACE_EDGES, '');
}

export interface ReFlags {
  ignorecase?: boolean;
  multiline?: boolean;
  dotall?: boolean;
  verbose?: boolean;
  /** re.ASCII: \d \w \s \b know ASCII only, as with the bytes patterns of lineinfile. */
  ascii?: boolean;
}

/** A pattern Python rejects (re.error), or one tsplay cannot translate. */
export class PyReError extends Error {}

/** The bodies of \d, \w and \s classes: [Unicode, ASCII]. */
const CATEGORIES: Record<string, [string, string]> = { d: ['\\p{Nd}', '0-9'], w: ['\\p{L}\\p{N}_', 'A-Za-z0-9_'], s: [PY_SPACE, '\\t-\\r '] };
const ANY = '[\\s\\S]';
const OCT = /[0-7]/;
const VERBOSE_SPACE = ' \t\n\r\v\f';

/** One character as a v-flag RegExp atom, in a class or not (letters, digits and non-ASCII stay as they are). */
function literal(cp: number): string {
  const c = String.fromCodePoint(cp);
  return /^[\p{L}\p{N} _]$/u.test(c) && cp !== 0x2028 && cp !== 0x2029 ? c : `\\u{${cp.toString(16)}}`;
}

interface Mode {
  multiline: boolean;
  dotall: boolean;
  verbose: boolean;
  ascii: boolean;
}

interface Frame {
  mode: Mode;
  group?: number;
  close: string;
  /** Where the group starts in the output, for a quantifier that rewrites it. */
  start: number;
}

type Escape = { kind: 'lit'; cp: number } | { kind: 'class'; body: string; negate: boolean };

class Translator {
  private i = 0;
  private out = '';
  opened = 0;
  private closed = new Set<number>();
  readonly names = new Map<string, number>();
  private frames: Frame[] = [];
  /** What the last item was: quantifiers need something to repeat, and not twice. */
  private last: 'none' | 'at' | 'item' | 'repeat' = 'none';
  private firstBranch = true;
  ignorecase: boolean;
  private mode: Mode;

  constructor(
    private p: string,
    flags: ReFlags,
  ) {
    this.ignorecase = !!flags.ignorecase;
    this.mode = { multiline: !!flags.multiline, dotall: !!flags.dotall, verbose: !!flags.verbose, ascii: !!flags.ascii };
  }

  private error(message: string): never {
    throw new PyReError(`${message} at position ${this.i}`);
  }

  /** Where the last item starts in the output. */
  private itemStart = 0;

  private emit(js: string, kind: 'at' | 'item', start = this.out.length): void {
    this.itemStart = start;
    this.out += js;
    this.last = kind;
  }

  private word(): string {
    return `[${CATEGORIES.w![this.mode.ascii ? 1 : 0]}]`;
  }

  translate(): string {
    const p = this.p;
    while (this.i < p.length) {
      const c = p[this.i]!;
      if (this.mode.verbose && VERBOSE_SPACE.includes(c)) this.i++;
      else if (this.mode.verbose && c === '#') {
        const nl = p.indexOf('\n', this.i);
        this.i = nl < 0 ? p.length : nl + 1;
      } else if ('*+?{'.includes(c) && this.quantifier()) continue;
      else if (c === '\\') this.escape();
      else if (c === '[') this.charClass();
      else if (c === '(') this.group();
      else if (c === ')') {
        const f = this.frames.pop() ?? this.error('unbalanced parenthesis');
        if (f.group !== undefined) this.closed.add(f.group);
        this.mode = f.mode;
        this.i++;
        this.emit(f.close, 'item', f.start);
      } else if (c === '|') {
        this.i++;
        this.out += '|';
        this.last = 'none';
        if (!this.frames.length) this.firstBranch = false;
      } else {
        this.i++;
        if (c === '.') this.emit(this.mode.dotall ? ANY : '[^\\n]', 'item');
        // The JS m flag is never set, so JS ^ and $ are the ends of the text (\A, \z).
        else if (c === '^') this.emit(this.mode.multiline ? '(?:^|(?<=\\n))' : '^', 'at');
        else if (c === '$') this.emit(this.mode.multiline ? '(?:$|(?=\\n))' : '(?:$|(?=\\n$))', 'at');
        else {
          const cp = p.codePointAt(this.i - 1)!;
          if (cp > 0xffff) this.i++;
          this.emit(literal(cp), 'item');
        }
      }
    }
    if (this.frames.length) this.error('missing ), unterminated subpattern');
    return this.out;
  }

  /** `*`, `+`, `?` or `{m,n}`, lazy or not; false when `{` is a literal brace, as Python reads `a{x}`. */
  private quantifier(): boolean {
    const p = this.p;
    let q = p[this.i]!;
    let len = 1;
    if (q === '{') {
      const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(p.slice(this.i));
      if (!m || m[0] === '{}') return false;
      const lo = m[1] || '0';
      const hi = m[2] ? m[3]! : lo;
      if (hi && Number(hi) < Number(lo)) this.error('min repeat greater than max repeat');
      q = `{${lo},${hi}}`;
      len = m[0].length;
    }
    if (this.last === 'none' || this.last === 'at') this.error('nothing to repeat');
    if (this.last === 'repeat') this.error('multiple repeat');
    this.i += len;
    if (p[this.i] === '+') throw new PyReError(`possessive quantifiers are not supported (position ${this.i})`);
    const lazy = p[this.i] === '?';
    if (lazy) this.i++;
    if (q === '?' || q === '{0,1}') {
      // An optional item is an alternative with nothing: then an empty match of it still sets its
      // groups, as in Python, where JavaScript's `?` would drop the empty iteration and its groups.
      const item = this.out.slice(this.itemStart);
      this.out = this.out.slice(0, this.itemStart) + (lazy ? `(?:|${item})` : `(?:${item}|)`);
    } else this.out += q + (lazy ? '?' : '');
    this.last = 'repeat';
    return true;
  }

  /** The code point of `\x..`, `\u....`, `\U........` at `this.i` (on the letter), or an error. */
  private hex(n: string): number {
    const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
    const digits = /^[0-9a-fA-F]*/.exec(this.p.slice(this.i + 1, this.i + 1 + len))![0];
    if (digits.length !== len) this.error(`incomplete escape \\${n}${digits}`);
    const cp = parseInt(digits, 16);
    if (cp > 0x10ffff) this.error(`bad escape \\${n}${digits}`);
    this.i += 1 + len;
    return cp;
  }

  /** The escapes valid both inside and outside a class; `this.i` is on the character after the backslash. */
  private commonEscape(n: string): Escape | undefined {
    const cat = CATEGORIES[n.toLowerCase()];
    if (cat) {
      this.i++;
      return { kind: 'class', body: cat[this.mode.ascii ? 1 : 0], negate: n !== n.toLowerCase() };
    }
    if (n in CONTROL_ESCAPES || n === '\\') {
      this.i++;
      return { kind: 'lit', cp: n === '\\' ? 0x5c : CONTROL_ESCAPES[n]!.charCodeAt(0) };
    }
    if (n === 'x' || n === 'u' || n === 'U') return { kind: 'lit', cp: this.hex(n) };
    if (n === 'N') throw new PyReError(`\\N{...} escapes are not supported (position ${this.i - 1}); write the character itself`);
    return undefined;
  }

  /** A plain character after a backslash, or Python's "bad escape" for an ASCII letter. */
  private identity(): Escape {
    const n = this.p.codePointAt(this.i)!;
    if (/^[A-Za-z0-9]$/.test(String.fromCodePoint(n))) {
      this.i--;
      this.error(`bad escape \\${String.fromCodePoint(n)}`);
    }
    this.i += n > 0xffff ? 2 : 1;
    return { kind: 'lit', cp: n };
  }

  private octal(maxDigits: number): number {
    const digits = new RegExp(`^[0-7]{1,${maxDigits}}`).exec(this.p.slice(this.i))![0];
    const cp = parseInt(digits, 8);
    if (cp > 0o377) this.error(`octal escape value \\${digits} outside of range 0-0o377`);
    this.i += digits.length;
    return cp;
  }

  private escape(): void {
    const p = this.p;
    const start = this.i;
    const n = p[++this.i];
    if (n === undefined) this.error('bad escape (end of pattern)');
    const w = this.word();
    if (n === 'A' || n === 'Z' || n === 'b' || n === 'B') {
      this.i++;
      if (n === 'A') this.emit('^', 'at');
      else if (n === 'Z') this.emit('$', 'at');
      else if (n === 'b') this.emit(`(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`, 'at');
      // Python's \B never matches in an empty string.
      else this.emit(`(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})(?:(?<=${ANY})|(?=${ANY})))`, 'at');
      return;
    }
    if (n === '0') return this.emit(literal(this.octal(3)), 'item');
    if (n >= '1' && n <= '9') {
      // Three octal digits are a character; otherwise one or two digits name a group.
      if (OCT.test(n) && OCT.test(p[this.i + 1] ?? '') && OCT.test(p[this.i + 2] ?? '')) return this.emit(literal(this.octal(3)), 'item');
      const ref = /^\d\d?/.exec(p.slice(this.i))![0];
      this.i += ref.length;
      this.backref(Number(ref), start);
      return this.emit(`(?:\\${ref})`, 'item');
    }
    const e = this.commonEscape(n) ?? this.identity();
    this.emit(e.kind === 'lit' ? literal(e.cp) : `[${e.negate ? '^' : ''}${e.body}]`, 'item');
  }

  private backref(gid: number, at: number): void {
    if (gid > this.opened) {
      this.i = at;
      this.error(`invalid group reference ${gid}`);
    }
    if (!this.closed.has(gid)) {
      this.i = at;
      this.error('cannot refer to an open group');
    }
  }

  private classEscape(): Escape {
    const n = this.p[++this.i];
    if (n === undefined) this.error('bad escape (end of pattern)');
    if (n === 'b') {
      this.i++;
      return { kind: 'lit', cp: 8 };
    }
    if (OCT.test(n)) return { kind: 'lit', cp: this.octal(3) };
    if (/[89]/.test(n)) {
      this.i--;
      this.error(`bad escape \\${n}`);
    }
    return this.commonEscape(n) ?? this.identity();
  }

  private classItem(): Escape {
    if (this.p[this.i] === '\\') return this.classEscape();
    const cp = this.p.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return { kind: 'lit', cp };
  }

  private charClass(): void {
    const p = this.p;
    this.i++;
    let js = '[';
    if (p[this.i] === '^') {
      js += '^';
      this.i++;
    }
    let first = true;
    for (;;) {
      if (this.i >= p.length) this.error('unterminated character set');
      if (p[this.i] === ']' && !first) break;
      first = false;
      const start = this.i;
      const a = this.classItem();
      if (p[this.i] === '-' && this.i + 1 < p.length && p[this.i + 1] !== ']') {
        this.i++;
        const b = this.classItem();
        if (a.kind !== 'lit' || b.kind !== 'lit' || b.cp < a.cp) {
          this.i = start;
          this.error('bad character range');
        }
        js += `${literal(a.cp)}-${literal(b.cp)}`;
      } else if (a.kind === 'lit') js += literal(a.cp);
      else js += a.negate ? `[^${a.body}]` : a.body;
    }
    this.i++;
    this.emit(js + ']', 'item');
  }

  private group(): void {
    const p = this.p;
    const start = this.i;
    const mode = this.mode;
    if (p[this.i + 1] !== '?') {
      this.i++;
      this.frames.push({ mode, group: ++this.opened, close: ')', start: this.out.length });
      this.out += '(';
      this.last = 'none';
      return;
    }
    this.i += 2;
    const rest = p.slice(this.i);
    const open = (js: string, close: string, group?: number) => {
      this.frames.push({ mode: this.mode, group, close, start: this.out.length });
      this.out += js;
      this.last = 'none';
    };
    if (rest[0] === ':') {
      this.i++;
      return open('(?:', ')');
    }
    if (rest.startsWith('P<')) {
      const m = /^P<([^>]*)>/.exec(rest) ?? this.error('missing >, unterminated name');
      const name = m[1]!;
      if (!name) this.error('missing group name');
      if (!/^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(name)) this.error(`bad character in group name '${name}'`);
      if (this.names.has(name)) this.error(`redefinition of group name '${name}'`);
      this.i += m[0].length;
      this.names.set(name, ++this.opened);
      return open(`(?<${name}>`, ')', this.opened);
    }
    if (rest.startsWith('P=')) {
      const m = /^P=([^)]*)\)/.exec(rest) ?? this.error('missing ), unterminated name');
      const gid = this.names.get(m[1]!);
      if (gid === undefined) this.error(`unknown group name '${m[1]}'`);
      this.i += m[0].length;
      this.backref(gid, start);
      return this.emit(`(?:\\k<${m[1]}>)`, 'item');
    }
    if (rest[0] === '#') {
      const end = p.indexOf(')', this.i);
      if (end < 0) this.error('missing ), unterminated comment');
      this.i = end + 1;
      return;
    }
    // Look-arounds are wrapped so that a quantifier after them, which Python allows, stays valid.
    const look = /^(?:=|!|<=|<!)/.exec(rest);
    if (look) {
      this.i += look[0].length;
      return open(`(?:(?${look[0]}`, '))');
    }
    if (rest[0] === '(' || rest[0] === '>') throw new PyReError(`${rest[0] === '(' ? 'conditional' : 'atomic'} groups are not supported (position ${start})`);
    const f = /^([aiLmsux]*)(?:-([imsx]*))?([:)])/.exec(rest);
    if (!f || (!f[1] && f[2] === undefined)) this.error(`unknown extension ?${rest.slice(0, rest[0] === 'P' || rest[0] === '<' ? 2 : 1)}`);
    const [whole, add, remove, end] = [f[0], f[1]!, f[2], f[3]];
    if (add.includes('L')) this.error("bad inline flag: cannot use 'L' flag with a str pattern");
    if (add.includes('a') && add.includes('u')) this.error("bad inline flag: flags 'a', 'u' and 'L' are incompatible");
    if (end === ')' && remove !== undefined) this.error('missing :');
    this.i += whole.length;
    if (end === ')') {
      if (this.frames.length || !this.firstBranch || this.out) {
        this.i = start;
        this.error('global flags not at the start of the expression');
      }
      if (add.includes('i')) this.ignorecase = true;
      this.mode = this.apply(this.mode, add, '');
      return;
    }
    if ((add.includes('i') && !this.ignorecase) || (remove?.includes('i') && this.ignorecase)) {
      throw new PyReError(`a scoped (?i:...) that changes case sensitivity is not supported (position ${start})`);
    }
    open('(?:', ')');
    this.frames[this.frames.length - 1]!.mode = mode;
    this.mode = this.apply(mode, add, remove ?? '');
  }

  private apply(m: Mode, add: string, remove: string): Mode {
    const on = (f: string, cur: boolean) => (add.includes(f) ? true : remove.includes(f) ? false : cur);
    return { multiline: on('m', m.multiline), dotall: on('s', m.dotall), verbose: on('x', m.verbose), ascii: add.includes('u') ? false : on('a', m.ascii) };
  }
}

const cache = new Map<string, RegExp>();
/** Group count and names of each compiled pattern, which replacement templates are checked against before any match. */
const groupsOf = new WeakMap<RegExp, { count: number; names: ReadonlySet<string> }>();

/** Compiles a Python pattern as a JavaScript RegExp (cached); throws PyReError where re.compile raises re.error. */
export function pyRegExp(pattern: string, flags: ReFlags = {}): RegExp {
  const key = `${JSON.stringify(flags)}:${pattern}`;
  let re = cache.get(key);
  if (!re) {
    const t = new Translator(pattern, flags);
    const source = t.translate();
    try {
      re = new RegExp(source, t.ignorecase ? 'vi' : 'v');
    } catch (e) {
      throw new PyReError(`cannot translate ${JSON.stringify(pattern)}: ${(e as Error).message}`);
    }
    if (cache.size > 2000) cache.clear();
    cache.set(key, re);
    groupsOf.set(re, { count: t.opened, names: new Set(t.names.keys()) });
  }
  re.lastIndex = 0;
  return re;
}

/**
 * A bytes pattern (re.compile(b'...')), as lineinfile compiles its regexps: \d \w \s \b know
 * ASCII only. The text is still matched by character, so `.` takes a whole UTF-8 sequence
 * where Python would take one byte of it.
 */
export function bytesRegExp(pattern: string): RegExp {
  return pyRegExp(pattern, { ascii: true });
}

const variants = new WeakMap<RegExp, Record<string, RegExp>>();

/** `re` with the g or y flag (or neither), compiled once per pattern. */
function withFlag(re: RegExp, flag: '' | 'g' | 'y'): RegExp {
  let v = variants.get(re);
  if (!v) variants.set(re, (v = {}));
  const out = (v[flag] ??= new RegExp(re.source, re.flags.replace(/[gy]/g, '') + flag));
  out.lastIndex = 0;
  return out;
}

const SURROGATE_PAIR = /[\ud800-\udbff][\udc00-\udfff]/;

/**
 * The first match at or after `pos`. V8 also tries to match between the halves of a surrogate
 * pair, where look-arounds see no character and Python has no position at all; so in text with
 * astral characters each code point boundary is tried in turn with a sticky match.
 */
function searchFrom(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  if (!SURROGATE_PAIR.test(text)) {
    const g = withFlag(re, 'g');
    g.lastIndex = pos;
    return g.exec(text);
  }
  const y = withFlag(re, 'y');
  for (let i = pos; i <= text.length; i += text.codePointAt(i)! > 0xffff ? 2 : 1) {
    y.lastIndex = i;
    const m = y.exec(text);
    if (m) return m;
  }
  return null;
}

/** Python's pattern.match (anchored at the start) or, with `anchored` false, pattern.search. */
export function reExec(re: RegExp, text: string, anchored: boolean): RegExpExecArray | null {
  return anchored ? withFlag(re, 'y').exec(text) : searchFrom(re, text, 0);
}

/**
 * Python's finditer: like matchAll, except that after an empty match a non-empty one may still
 * start at the same place (re.sub('|a', '-', 'a') is '---', not '-a-'), where JavaScript moves on.
 */
export function* reFinditer(re: RegExp, text: string): Generator<RegExpExecArray> {
  let pos = 0;
  let mustAdvance = false;
  while (pos <= text.length) {
    let m: RegExpExecArray | null = mustAdvance ? nonEmptyAt(re, text, pos) : null;
    if (!m && mustAdvance) {
      if (pos >= text.length) return;
      pos += text.codePointAt(pos)! > 0xffff ? 2 : 1;
    }
    m ??= searchFrom(re, text, pos);
    if (!m) return;
    yield m;
    pos = m.index + m[0].length;
    mustAdvance = m[0].length === 0;
  }
}

/** A match at `pos` that is not empty: JavaScript cannot be asked for one, so the match must end past `pos`. */
function nonEmptyAt(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  if (pos >= text.length) return null;
  const chars = [...text.slice(0, pos)].length + 1;
  const y = new RegExp(`(?:${re.source})(?<=^${ANY}{${chars},})`, re.flags.replace(/[gy]/g, '') + 'y');
  y.lastIndex = pos;
  return y.exec(text);
}

/** Literal text, a group number, or a group name (looked up in the match, since only JavaScript knows its number). */
type Part = string | number | { name: string };

/** Parses a replacement template as sre's parse_template does: `\1`, `\g<1>`, `\g<name>`, octal and control escapes. */
function parseTemplate(repl: string, count: number, names: ReadonlySet<string>): Part[] {
  const parts: Part[] = [];
  let lit = '';
  const fail = (message: string): never => {
    throw new PyReError(`${message} in replacement ${JSON.stringify(repl)}`);
  };
  const group = (n: number | { name: string }): void => {
    if (typeof n === 'number' && n > count) fail(`invalid group reference ${n}`);
    parts.push(lit, n);
    lit = '';
  };
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const n = repl[++i] ?? fail('bad escape (end of pattern)');
    if (n === 'g') {
      const m = /^<([^>]*)>/.exec(repl.slice(i + 1)) ?? fail(repl[i + 1] === '<' ? 'missing >, unterminated name' : 'missing <');
      const name = m[1]!;
      if (!name) fail('missing group name');
      i += m[0].length;
      if (/^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(name)) {
        if (!names.has(name)) fail(`unknown group name '${name}'`);
        group({ name });
      } else if (/^\d+$/.test(name)) group(Number(name));
      else fail(`bad character in group name '${name}'`);
    } else if (n === '0') {
      const d = /^[0-7]{0,2}/.exec(repl.slice(i + 1))![0];
      lit += String.fromCharCode(parseInt('0' + d, 8) & 0xff);
      i += d.length;
    } else if (n >= '1' && n <= '9') {
      const d = /^\d?/.exec(repl.slice(i + 1))![0];
      if (d && OCT.test(n) && OCT.test(d) && OCT.test(repl[i + 2] ?? '')) {
        const code = parseInt(n + d + repl[i + 2], 8);
        if (code > 0o377) fail(`octal escape value \\${n}${d}${repl[i + 2]} outside of range 0-0o377`);
        lit += String.fromCharCode(code);
        i += 2;
      } else {
        i += d.length;
        group(Number(n + d));
      }
    } else if (n in CONTROL_ESCAPES) lit += CONTROL_ESCAPES[n];
    else if (n === '\\') lit += '\\';
    else if (/[A-Za-z]/.test(n)) fail(`bad escape \\${n}`);
    else lit += '\\' + n;
  }
  parts.push(lit);
  return parts;
}

function expandParts(parts: Part[], m: RegExpExecArray): string {
  return parts.map((p) => (typeof p === 'string' ? p : typeof p === 'number' ? (m[p] ?? '') : (m.groups?.[p.name] ?? ''))).join('');
}

/** Python's re.sub(pattern, repl, text, count) with a template replacement; `re` comes from pyRegExp. */
export function reSub(re: RegExp, repl: string, text: string, count = 0): string {
  // Python checks the template against the pattern's groups before looking for any match.
  const groups = groupsOf.get(re)!;
  const parts = parseTemplate(repl, groups.count, groups.names);
  let out = '';
  let last = 0;
  let n = 0;
  for (const m of reFinditer(re, text)) {
    if (count > 0 && n++ >= count) break;
    out += text.slice(last, m.index) + expandParts(parts, m);
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}

/** Python's match.expand(template); unmatched groups expand to nothing. */
export function reExpand(template: string, m: RegExpExecArray): string {
  return expandParts(parseTemplate(template, m.length - 1, new Set(Object.keys(m.groups ?? {}))), m);
}
