/**
 * A port of Python's `ast.literal_eval` as the INI inventory plugin uses it: Ansible types every
 * INI value by trying literal_eval and keeps the raw text when Python raises ValueError or
 * SyntaxError. So `5432` is an int, `True` a bool, `['/a']` a list and `1, 2` a tuple, while
 * `yes`, `010` and `hello world` stay strings. Only the literal subset is parsed here; anything
 * else (names, calls, operators, f-strings) is reported as "not a literal" and the caller keeps
 * the text, exactly as Ansible does.
 */
import { PY_SIMPLE_ESCAPES } from '../core/pyescape.js';

/** Thrown for literals Python accepts but tsplay cannot represent or Python itself rejects with an uncaught error. */
export class LiteralError extends Error {}

type Num = { k: 'num'; v: number; complex?: boolean; isInt: boolean };
type Node =
  | Num
  | { k: 'str'; v: string; bytes: boolean }
  | { k: 'const'; v: boolean | null }
  | { k: 'seq'; kind: 'tuple' | 'list' | 'set'; elts: Node[] }
  | { k: 'dict'; keys: Node[]; values: Node[] }
  | { k: 'un'; op: '+' | '-'; operand: Node }
  | { k: 'bin'; op: '+' | '-'; l: Node; r: Node }
  | { k: 'emptyset' }
  | { k: 'ellipsis' }
  | { k: 'other' };

type Tok = { t: 'num'; n: Num } | { t: 'str'; v: string; bytes: boolean; f: boolean } | { t: 'name'; v: string } | { t: 'op'; v: string } | { t: 'end' };

/** Signals a Python SyntaxError or ValueError: the caller falls back to the raw text. */
class NotLiteral extends Error {}

const D = '[0-9](?:_?[0-9])*';
const EXP = `[eE][-+]?${D}`;
const POINT = `(?:${D}\\.(?:${D})?|\\.${D})(?:${EXP})?`;
const NUMBER_RE = new RegExp(
  `^(?:(?<imag>(?:${D}${EXP}|${POINT}|${D})[jJ])|(?<float>${POINT}|${D}${EXP})|(?<hex>0[xX](?:_?[0-9a-fA-F])+)|(?<oct>0[oO](?:_?[0-7])+)|(?<bin>0[bB](?:_?[01])+)|(?<dec>0(?:_?0)*|[1-9](?:_?[0-9])*))`,
);
const STRING_START = /^([rRuUbBfF]{0,2})('''|"""|'|")/;

function bigToNumber(digits: string, radix: number): number {
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  return Number(BigInt(prefix + digits));
}

/** Decodes the body of a non-raw string literal with Python's escape rules. */
function unescape(body: string, bytes: boolean): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      if (bytes && c.charCodeAt(0) > 0x7f) throw new NotLiteral('bytes can only contain ASCII literal characters');
      out += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) throw new NotLiteral('trailing backslash');
    if (n === '\n') continue;
    if (n in PY_SIMPLE_ESCAPES) out += PY_SIMPLE_ESCAPES[n];
    else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += m.length - 1;
    } else if (n === 'x' || (!bytes && (n === 'u' || n === 'U'))) {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new NotLiteral(`truncated \\${n} escape`);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw new NotLiteral('illegal Unicode character');
      out += String.fromCodePoint(cp);
      i += len;
    } else if (n === 'N' && !bytes) {
      throw new LiteralError('\\N{...} escapes are not supported in inventory values; write the character itself');
    } else out += '\\' + n;
  }
  return out;
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\f' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') break;
    const rest = src.slice(i);
    const sm = STRING_START.exec(rest);
    if (sm && /^(|r|u|b|f|br|rb|fr|rf)$/i.test(sm[1]!)) {
      const prefix = sm[1]!.toLowerCase();
      const q = sm[2]!;
      let j = sm[0].length;
      let body = '';
      for (;;) {
        if (j >= rest.length) throw new NotLiteral('unterminated string literal');
        if (rest.startsWith(q, j)) break;
        const ch = rest[j]!;
        if (ch === '\n' && q.length === 1) throw new NotLiteral('unterminated string literal');
        if (ch === '\\' && j + 1 < rest.length) {
          body += ch + rest[j + 1];
          j += 2;
        } else {
          body += ch;
          j++;
        }
      }
      const bytes = prefix.includes('b');
      const value = prefix.includes('r') ? body : unescape(body, bytes);
      if (bytes && /[^\x00-\x7f]/.test(body)) throw new NotLiteral('bytes can only contain ASCII literal characters');
      toks.push({ t: 'str', v: value, bytes, f: prefix.includes('f') });
      i += j + q.length;
      continue;
    }
    const nm = /^[0-9.]/.test(c) ? NUMBER_RE.exec(rest) : null;
    if (nm && nm[0] !== '.') {
      const g = nm.groups!;
      const text = nm[0].replace(/_/g, '');
      let n: Num;
      if (g.imag) n = { k: 'num', v: parseFloat(text), complex: true, isInt: false };
      else if (g.float) n = { k: 'num', v: parseFloat(text), isInt: false };
      else if (g.hex) n = { k: 'num', v: bigToNumber(text.slice(2), 16), isInt: true };
      else if (g.oct) n = { k: 'num', v: bigToNumber(text.slice(2), 8), isInt: true };
      else if (g.bin) n = { k: 'num', v: bigToNumber(text.slice(2), 2), isInt: true };
      else n = { k: 'num', v: bigToNumber(text, 10), isInt: true };
      i += nm[0].length;
      // Python 3.11 rejects `1abc`, `0777` and `1.2.3` at tokenization time.
      if (i < src.length && /[\p{L}\p{N}_.]/u.test(src[i]!)) throw new NotLiteral('invalid decimal literal');
      toks.push({ t: 'num', n });
      continue;
    }
    const id = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(rest);
    if (id) {
      toks.push({ t: 'name', v: id[0] });
      i += id[0].length;
      continue;
    }
    if (rest.startsWith('...')) {
      toks.push({ t: 'op', v: '...' });
      i += 3;
      continue;
    }
    if ('()[]{},:+-'.includes(c)) {
      toks.push({ t: 'op', v: c });
      i++;
      continue;
    }
    // Any other character is either a syntax error or an operator literal_eval rejects.
    throw new NotLiteral(`unexpected ${c}`);
  }
  toks.push({ t: 'end' });
  return toks;
}

class Parser {
  private pos = 0;
  constructor(private toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.pos]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw new NotLiteral(`expected ${v}`);
    this.pos++;
  }

  /** The whole input: an expression, or a bare tuple `1, 2`. */
  parseAll(): Node {
    const node = this.exprList(['end']);
    if (this.peek().t !== 'end') throw new NotLiteral('trailing input');
    return node;
  }

  /** `a`, `a,`, `a, b`: a comma anywhere makes a tuple, as in Python. */
  private exprList(closers: string[]): Node {
    const first = this.expr();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.pos++;
      const t = this.peek();
      if (t.t === 'end' || (t.t === 'op' && closers.includes(t.v))) break;
      elts.push(this.expr());
    }
    return { k: 'seq', kind: 'tuple', elts };
  }

  private expr(): Node {
    let left = this.unary();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.toks[this.pos++] as { v: '+' | '-' }).v;
      left = { k: 'bin', op, l: left, r: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.isOp('+') || this.isOp('-')) {
      const op = (this.toks[this.pos++] as { v: '+' | '-' }).v;
      return { k: 'un', op, operand: this.unary() };
    }
    return this.atom();
  }

  private atom(): Node {
    const t = this.toks[this.pos++]!;
    if (t.t === 'num') return t.n;
    if (t.t === 'str') {
      let { v, bytes, f } = t;
      // Adjacent literals concatenate; mixing bytes and text is a SyntaxError.
      while (this.peek().t === 'str') {
        const n = this.toks[this.pos++] as Extract<Tok, { t: 'str' }>;
        if (n.bytes !== bytes) throw new NotLiteral('cannot mix bytes and nonbytes literals');
        v += n.v;
        f ||= n.f;
      }
      // An f-string is a JoinedStr node, which literal_eval refuses.
      return f ? { k: 'other' } : { k: 'str', v, bytes };
    }
    if (t.t === 'name') {
      if (this.isOp('(')) {
        this.pos++;
        if (t.v === 'set' && this.isOp(')')) {
          this.pos++;
          return { k: 'emptyset' };
        }
        throw new NotLiteral('call');
      }
      if (t.v === 'True') return { k: 'const', v: true };
      if (t.v === 'False') return { k: 'const', v: false };
      if (t.v === 'None') return { k: 'const', v: null };
      return { k: 'other' };
    }
    if (t.t === 'op' && t.v === '(') {
      if (this.isOp(')')) {
        this.pos++;
        return { k: 'seq', kind: 'tuple', elts: [] };
      }
      const inner = this.exprList([')']);
      this.expect(')');
      return inner;
    }
    if (t.t === 'op' && t.v === '[') {
      const elts: Node[] = [];
      while (!this.isOp(']')) {
        elts.push(this.expr());
        if (!this.isOp(',')) break;
        this.pos++;
      }
      this.expect(']');
      return { k: 'seq', kind: 'list', elts };
    }
    if (t.t === 'op' && t.v === '{') return this.braces();
    if (t.t === 'op' && t.v === '...') return { k: 'ellipsis' };
    throw new NotLiteral('invalid syntax');
  }

  private braces(): Node {
    if (this.isOp('}')) {
      this.pos++;
      return { k: 'dict', keys: [], values: [] };
    }
    const first = this.expr();
    if (this.isOp(':')) {
      const keys = [first];
      const values: Node[] = [];
      for (;;) {
        this.expect(':');
        values.push(this.expr());
        if (!this.isOp(',')) break;
        this.pos++;
        if (this.isOp('}')) break;
        keys.push(this.expr());
      }
      this.expect('}');
      return { k: 'dict', keys, values };
    }
    const elts = [first];
    while (this.isOp(',')) {
      this.pos++;
      if (this.isOp('}')) break;
      elts.push(this.expr());
    }
    this.expect('}');
    return { k: 'seq', kind: 'set', elts };
  }
}

/** A Python value after conversion; `hashKey` is how Python would compare it as a dict key. */
interface Conv {
  value: unknown;
  hashKey?: string;
}

function num(node: Node): Num {
  if (node.k !== 'num') throw new NotLiteral('malformed node');
  return node;
}

function signedNum(node: Node): Num {
  if (node.k === 'un') {
    const n = num(node.operand);
    return node.op === '-' ? { ...n, v: -n.v } : n;
  }
  return num(node);
}

function unhashable(what: string): LiteralError {
  return new LiteralError(`unhashable type: '${what}' (Python raises TypeError here, so Ansible cannot load this value either)`);
}

function convert(node: Node): Conv {
  switch (node.k) {
    case 'str':
      return { value: node.v, hashKey: (node.bytes ? 'b:' : 's:') + node.v };
    case 'const':
      return { value: node.v, hashKey: node.v === null ? 'none' : `n:${node.v ? 1 : 0}` };
    case 'emptyset':
      return { value: [] };
    case 'ellipsis':
      throw new LiteralError('the Ellipsis literal `...` cannot be used as an inventory value');
    case 'seq': {
      const items = node.elts.map(convert);
      if (node.kind === 'tuple') {
        const keys = items.map((i) => i.hashKey);
        return { value: items.map((i) => i.value), hashKey: keys.every((k) => k !== undefined) ? `t:${JSON.stringify(keys)}` : undefined };
      }
      if (node.kind === 'list') return { value: items.map((i) => i.value) };
      // A set is kept as a list of its distinct members: JSON, like tsplay, has no set type.
      const seen = new Set<string>();
      const out: unknown[] = [];
      for (const i of items) {
        if (i.hashKey === undefined) throw unhashable(Array.isArray(i.value) ? 'list' : 'dict');
        if (!seen.has(i.hashKey)) out.push(i.value);
        seen.add(i.hashKey);
      }
      return { value: out };
    }
    case 'dict': {
      const out: Record<string, unknown> = {};
      const names = new Map<string, string>();
      node.keys.forEach((keyNode, idx) => {
        const key = convert(keyNode);
        const value = convert(node.values[idx]!).value;
        if (key.hashKey === undefined) throw unhashable(Array.isArray(key.value) ? 'list' : 'dict');
        if (Array.isArray(key.value)) throw new LiteralError('tuple dictionary keys are not supported in inventory values');
        // Python keeps the first spelling of equal keys (1 and True) and the last value.
        const name = names.get(key.hashKey) ?? jsonKey(key.value);
        names.set(key.hashKey, name);
        Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      });
      return { value: out };
    }
    case 'bin': {
      const l = signedNum(node.l);
      const r = num(node.r);
      if (!l.complex && r.complex) throw new LiteralError('complex numbers are not supported in inventory values');
      throw new NotLiteral('malformed node');
    }
    default: {
      const n = signedNum(node);
      if (n.complex) throw new LiteralError('complex numbers are not supported in inventory values');
      return { value: n.v, hashKey: `n:${n.v}` };
    }
  }
}

/** Renders a dict key the way Python's json module does for str, int, float, bool and None keys. */
function jsonKey(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

export type LiteralResult = { ok: true; value: unknown } | { ok: false };

/**
 * Evaluates `text` as Python's ast.literal_eval would. `{ok: false}` means Python raised
 * ValueError or SyntaxError (the INI plugin then keeps the text); LiteralError means Python
 * would have succeeded or crashed in a way tsplay does not reproduce.
 */
export function literalEval(text: string): LiteralResult {
  try {
    const src = text.replace(/^[ \t]+/, '');
    if (src.includes('\0')) return { ok: false };
    const value = convert(new Parser(tokenize(src)).parseAll()).value;
    return { ok: true, value };
  } catch (e) {
    if (e instanceof NotLiteral) return { ok: false };
    throw e;
  }
}
