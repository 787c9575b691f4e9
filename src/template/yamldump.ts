/**
 * `to_yaml` / `to_nice_yaml` output as Ansible produces it with PyYAML/libyaml: the same
 * scalar style choice (plain, 'single', "double"), quoting of strings that would read back as
 * another type ('yes', '123', ''), sorted keys, indentless sequences under mapping keys,
 * flow style for leaf collections with default_flow_style=None, and folding of long scalars
 * at column 80. The functions mirror PyYAML's emitter (yaml/emitter.py) closely on purpose;
 * keeping the structure makes it checkable against the original.
 */
import { Undef, floatRepr, intStr, isFloat, isMapping, isNumber, norm, toNum } from './pyvalues.js';

const BREAKS = '\n\x85\u2028\u2029';
const SPACE_OR_BREAK = '\0 \t\r\n\x85\u2028\u2029';

/** PyYAML's implicit resolvers (YAML 1.1): a plain string matching one of these is not a str. */
const RESOLVERS = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

interface Analysis {
  empty: boolean;
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

/**
 * libyaml's IS_PRINTABLE (Ansible dumps through the C emitter when available, as here): only
 * BMP characters count, so NEL and astral characters (emoji) force double quotes and escapes.
 */
function printable(ch: string): boolean {
  return ch === '\n' || (ch >= '\x20' && ch <= '\x7e') || (ch >= '\xa0' && ch <= '\ud7ff') || (ch >= '\ue000' && ch <= '\ufffd' && ch !== '\ufeff');
}

/** PyYAML's analyze_scalar (with allow_unicode=True, as Ansible dumps). */
function analyze(s: string): Analysis {
  if (!s) return { empty: true, multiline: false, flowPlain: false, blockPlain: true, singleQuoted: true };
  const chars = Array.from(s);
  let block = false;
  let flow = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (s.startsWith('---') || s.startsWith('...')) block = flow = true;
  let precededByWs = true;
  let followedByWs = chars.length === 1 || SPACE_OR_BREAK.includes(chars[1]!);
  let prevSpace = false;
  let prevBreak = false;
  chars.forEach((ch, i) => {
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flow = block = true;
      if ('?:'.includes(ch)) {
        flow = true;
        if (followedByWs) block = true;
      }
      if (ch === '-' && followedByWs) flow = block = true;
    } else {
      if (',?[]{}'.includes(ch)) flow = true;
      if (ch === ':') {
        flow = true;
        if (followedByWs) block = true;
      }
      if (ch === '#' && precededByWs) flow = block = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (!printable(ch)) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else prevSpace = prevBreak = false;
    precededByWs = SPACE_OR_BREAK.includes(ch);
    followedByWs = i + 2 >= chars.length || SPACE_OR_BREAK.includes(chars[i + 2]!);
  });
  let flowPlain = true;
  let blockPlain = true;
  let singleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) flowPlain = blockPlain = false;
  if (breakSpace) flowPlain = blockPlain = singleQuoted = false;
  if (spaceBreak || special) flowPlain = blockPlain = singleQuoted = false;
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flow) flowPlain = false;
  if (block) blockPlain = false;
  return { empty: false, multiline: lineBreaks, flowPlain, blockPlain, singleQuoted };
}

interface Ctx {
  mapping?: boolean;
  simpleKey?: boolean;
}

class Emitter {
  out = '';
  column = 0;
  indent: number | null = null;
  indents: (number | null)[] = [];
  whitespace = true;
  indention = true;
  flowLevel = 0;

  constructor(
    readonly bestIndent: number,
    readonly flowStyle: boolean | null,
    readonly bestWidth = 80,
  ) {}

  write(data: string): void {
    this.out += data;
    this.column += data.length - (data.match(/[\ud800-\udbff]/g)?.length ?? 0);
  }

  increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ' ' + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.write(data);
  }

  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  node(v: unknown, ctx: Ctx): void {
    v = norm(v);
    if (v instanceof Undef) v.fail();
    if (Array.isArray(v)) {
      if (this.flowLevel || v.length === 0 || this.flowFor(v)) this.flowSequence(v);
      else this.blockSequence(v, ctx);
    } else if (isMapping(v)) {
      const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (this.flowLevel || entries.length === 0 || this.flowFor(entries.flat())) this.flowMapping(entries);
      else this.blockMapping(entries);
    } else this.scalar(v, ctx);
  }

  /** default_flow_style=None: a collection of scalars only is written in flow style. */
  flowFor(items: unknown[]): boolean {
    if (this.flowStyle !== null) return this.flowStyle;
    return items.every((x) => !Array.isArray(x) && !isMapping(x));
  }

  blockSequence(items: unknown[], ctx: Ctx): void {
    this.increaseIndent(false, !!ctx.mapping && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, {});
    }
    this.indent = this.indents.pop()!;
  }

  blockMapping(entries: [string, unknown][]): void {
    this.increaseIndent(false);
    for (const [k, v] of entries) {
      this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.writeIndicator(':', false);
      this.node(v, { mapping: true });
    }
    this.indent = this.indents.pop()!;
  }

  flowSequence(items: unknown[]): void {
    this.writeIndicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    items.forEach((item, i) => {
      if (i) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(item, {});
    });
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator(']', false);
  }

  flowMapping(entries: [string, unknown][]): void {
    this.writeIndicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    entries.forEach(([k, v], i) => {
      if (i) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.writeIndicator(':', false);
      this.node(v, { mapping: true });
    });
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator('}', false);
  }

  scalar(v: unknown, ctx: Ctx): void {
    let text: string;
    let implicitPlain = true;
    if (v === null || v === undefined) text = 'null';
    else if (typeof v === 'boolean') text = v ? 'true' : 'false';
    else if (isNumber(v)) text = isFloat(v) ? yamlFloat(toNum(v)) : intStr(toNum(v));
    else {
      text = String(v);
      implicitPlain = !RESOLVERS.some((re) => re.test(text));
    }
    this.increaseIndent(true);
    const a = analyze(text);
    const split = !ctx.simpleKey;
    const plainOk = this.flowLevel ? a.flowPlain : a.blockPlain;
    if (implicitPlain && !(ctx.simpleKey && (a.empty || a.multiline)) && plainOk) this.writePlain(text, split);
    else if (a.singleQuoted && !(ctx.simpleKey && a.multiline)) this.writeSingleQuoted(text, split);
    else this.writeDoubleQuoted(text, split);
    this.indent = this.indents.pop()!;
  }

  writePlain(text: string, split: boolean): void {
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = this.indention = false;
    this.runs(text, split, false);
  }

  writeSingleQuoted(text: string, split: boolean): void {
    this.writeIndicator("'", true);
    this.runs(text, split, true);
    this.writeIndicator("'", false);
  }

  /** The shared loop of write_plain and write_single_quoted: words, space runs and line breaks. */
  runs(text: string, split: boolean, quoted: boolean): void {
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end]! : null;
      if (spaces) {
        if (ch !== ' ') {
          const fold = start + 1 === end && this.column > this.bestWidth && split && (!quoted || (start !== 0 && end !== text.length));
          if (fold) {
            this.writeIndent();
            if (!quoted) this.whitespace = this.indention = false;
          } else this.write(text.slice(start, end));
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br);
          this.writeIndent();
          if (!quoted) this.whitespace = this.indention = false;
          start = end;
        }
      } else if (ch === null || ' '.includes(ch) || BREAKS.includes(ch) || (quoted && ch === "'")) {
        if (start < end) this.write(text.slice(start, end));
        start = end;
      }
      if (quoted && ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
  }

  /**
   * libyaml's yaml_emitter_write_double_quoted (it differs from PyYAML's: long lines fold only
   * at a single space, never inside runs of escapes).
   */
  writeDoubleQuoted(s: string, split: boolean): void {
    this.writeIndicator('"', true);
    const text = Array.from(s);
    let spaces = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (!printable(ch) || ch === '\n' || '"\\\x85\u2028\u2029\ufeff'.includes(ch)) {
        const cp = ch.codePointAt(0)!;
        const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
        this.write('\\' + (ESCAPES[ch] ?? (cp <= 0xff ? 'x' + hex(cp, 2) : cp <= 0xffff ? 'u' + hex(cp, 4) : 'U' + hex(cp, 8))));
        spaces = false;
      } else if (ch === ' ') {
        if (split && !spaces && this.column > this.bestWidth && i !== 0 && i !== text.length - 1) {
          this.writeIndent();
          if (text[i + 1] === ' ') this.write('\\');
        } else this.write(ch);
        spaces = true;
      } else {
        this.write(ch);
        spaces = false;
      }
    }
    this.writeIndicator('"', false);
  }
}

/** PyYAML's represent_float. */
function yamlFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const r = floatRepr(n).toLowerCase();
  return !r.includes('.') && r.includes('e') ? r.replace('e', '.0e') : r;
}

/** yaml.dump(value, indent, default_flow_style, sort_keys=True, allow_unicode=True) as Ansible calls it. */
export function yamlDump(value: unknown, opts: { indent: number; flowStyle: boolean | null }): string {
  const e = new Emitter(opts.indent, opts.flowStyle);
  e.node(value, {});
  e.indent = null;
  e.writeIndent();
  return e.out;
}
