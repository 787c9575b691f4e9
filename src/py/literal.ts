/**
 * Python's ast.literal_eval, returning Python values as a typed tree so that each caller maps
 * them to its own types: the INI inventory keeps JSON-like data, the Templar keeps tuples and
 * floats apart. Only the literal subset is parsed; anything else Python parses but literal_eval
 * refuses (names, calls, operators, f-strings) is reported as not a literal, like Python's own
 * ValueError, and so is everything Python's parser rejects.
 */
import { EscapeError, pyUnescape } from './escape.js';

export type PyLiteral =
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'complex'; real: number; imag: number }
  | { type: 'str' | 'bytes'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'none' }
  | { type: 'ellipsis' }
  | { type: 'tuple' | 'list' | 'set'; items: PyLiteral[] }
  | { type: 'dict'; keys: PyLiteral[]; values: PyLiteral[] };

/**
 * Why literal_eval failed: `invalid` is Python's SyntaxError or ValueError (not a literal),
 * `type` its TypeError (an unhashable set member or dict key), `unsupported` valid Python that
 * tsplay cannot evaluate (`\N{name}` escapes).
 */
export class LiteralError extends Error {
  constructor(
    readonly kind: 'invalid' | 'type' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}

type Num = Extract<PyLiteral, { type: 'int' | 'float' | 'complex' }>;
type Node =
  | PyLiteral
  | { type: 'unary'; op: '+' | '-'; operand: Node }
  | { type: 'binary'; op: '+' | '-'; left: Node; right: Node }
  | { type: 'other' };
type Tok = { t: 'lit'; node: Num } | { t: 'str'; value: string; bytes: boolean; f: boolean } | { t: 'name' | 'op'; v: string } | { t: 'nl' } | { t: 'end' };

const invalid = (message: string) => new LiteralError('invalid', message);

const D = '[0-9](?:_?[0-9])*';
const EXP = `[eE][-+]?${D}`;
const POINT = `(?:${D}\\.(?:${D})?|\\.${D})(?:${EXP})?`;
const NUMBER = new RegExp(
  `^(?:(?<imag>(?:${D}${EXP}|${POINT}|${D})[jJ])|(?<float>${POINT}|${D}${EXP})|0[xX](?<hex>(?:_?[0-9a-fA-F])+)|0[oO](?<oct>(?:_?[0-7])+)|0[bB](?<bin>(?:_?[01])+)|(?<dec>0(?:_?0)*|[1-9](?:_?[0-9])*))`,
);
const STRING_START = /^([rRuUbBfF]{0,2})('''|"""|'|")/;
const PREFIXES = /^(?:|r|u|b|f|br|rb|fr|rf)$/i;

function number(m: RegExpExecArray): Num {
  const g = m.groups!;
  const text = m[0].replace(/_/g, '');
  if (g.imag) return { type: 'complex', real: 0, imag: Number(text.slice(0, -1)) };
  if (g.float) return { type: 'float', value: Number(text) };
  const radix = g.hex ? '0x' : g.oct ? '0o' : g.bin ? '0b' : '';
  return { type: 'int', value: BigInt(radix + (g.hex ?? g.oct ?? g.bin ?? g.dec)!.replace(/_/g, '')) };
}

/** Reads one string literal at `src[i]` (prefix and quotes included); returns the token and where it ends. */
function stringToken(src: string, i: number, prefix: string, q: string): [Tok, number] {
  let j = i + prefix.length + q.length;
  let body = '';
  for (;;) {
    if (j >= src.length) throw invalid('unterminated string literal');
    if (src.startsWith(q, j)) break;
    const ch = src[j]!;
    if ((ch === '\n' || ch === '\r') && q.length === 1) throw invalid('unterminated string literal');
    // An escaped character never closes the string, even in a raw literal.
    const n = ch === '\\' && j + 1 < src.length ? 2 : 1;
    body += src.slice(j, j + n);
    j += n;
  }
  const p = prefix.toLowerCase();
  const bytes = p.includes('b');
  if (bytes && /[^\x00-\x7f]/.test(body)) throw invalid('bytes can only contain ASCII literal characters');
  let value = body;
  if (!p.includes('r')) {
    try {
      value = pyUnescape(body, bytes);
    } catch (e) {
      if (e instanceof EscapeError) throw new LiteralError(e.unsupported ? 'unsupported' : 'invalid', e.message);
      throw e;
    }
  }
  return [{ t: 'str', value, bytes, f: p.includes('f') }, j + q.length];
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let depth = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\f') i++;
    else if (c === '#') while (i < src.length && src[i] !== '\n' && src[i] !== '\r') i++;
    else if (c === '\\' && (src[i + 1] === '\n' || src[i + 1] === '\r')) i += src.startsWith('\r\n', i + 1) ? 3 : 2;
    else if (c === '\n' || c === '\r') {
      i++;
      if (depth > 0) continue;
      toks.push({ t: 'nl' });
      // Outside brackets a new line ends the expression, and an indented one is an IndentationError
      // (Python 3.11 also counts a last line of only spaces as indented).
      const [, indent, next] = /^([ \t\f]*)([^\n\r]?)/.exec(src.slice(i))!;
      const last = i + indent!.length === src.length;
      if (indent && ((next && next !== '#') || (last && /[ \t]/.test(indent)))) throw invalid('unexpected indent');
    } else {
      const rest = src.slice(i);
      const sm = STRING_START.exec(rest);
      if (sm && PREFIXES.test(sm[1]!)) {
        const [tok, end] = stringToken(src, i, sm[1]!, sm[2]!);
        toks.push(tok);
        i = end;
        continue;
      }
      const nm = /^[0-9.]/.test(c) ? NUMBER.exec(rest) : null;
      if (nm) {
        i += nm[0].length;
        // Python rejects `1abc`, `0777` and `1.2.3` as it tokenizes.
        if (i < src.length && /[\p{L}\p{N}_.]/u.test(src[i]!)) throw invalid('invalid decimal literal');
        toks.push({ t: 'lit', node: number(nm) });
        continue;
      }
      const id = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(rest);
      const op = id ? undefined : rest.startsWith('...') ? '...' : '()[]{},:+-'.includes(c) ? c : undefined;
      // Any other character is a syntax error or an operator literal_eval refuses: not a literal either way.
      if (!id && !op) throw invalid(`unexpected ${JSON.stringify(c)}`);
      if (op === '(' || op === '[' || op === '{') depth++;
      else if (op === ')' || op === ']' || op === '}') depth = Math.max(0, depth - 1);
      toks.push(id ? { t: 'name', v: id[0] } : { t: 'op', v: op! });
      i += (id ? id[0] : op!).length;
    }
  }
  toks.push({ t: 'end' });
  return toks;
}

const CONSTANTS: Record<string, PyLiteral> = { True: { type: 'bool', value: true }, False: { type: 'bool', value: false }, None: { type: 'none' } };
const JSON_NAMES: Record<string, PyLiteral> = { true: CONSTANTS.True!, false: CONSTANTS.False!, null: CONSTANTS.None! };

class Parser {
  private pos = 0;
  constructor(
    private toks: Tok[],
    private jsonNames: boolean,
  ) {}

  private isOp(v: string): boolean {
    const t = this.toks[this.pos]!;
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw invalid(`expected ${v}`);
    this.pos++;
  }
  private skipNewlines(): void {
    while (this.toks[this.pos]!.t === 'nl') this.pos++;
  }

  /** The whole input: blank lines, an expression or a bare tuple `1, 2`, blank lines. */
  parseAll(): Node {
    this.skipNewlines();
    const node = this.exprList(')');
    this.skipNewlines();
    if (this.toks[this.pos]!.t !== 'end') throw invalid('invalid syntax');
    return node;
  }

  /** `a`, `a,`, `a, b`: a comma anywhere makes a tuple, as in Python. */
  private exprList(closer: string): Node {
    const first = this.expr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.pos++;
      const t = this.toks[this.pos]!;
      if (t.t === 'end' || t.t === 'nl' || this.isOp(closer)) break;
      items.push(this.expr());
    }
    return { type: 'tuple', items: items as PyLiteral[] };
  }

  private expr(): Node {
    let left = this.unary();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.toks[this.pos++] as { v: '+' | '-' }).v;
      left = { type: 'binary', op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.isOp('+') || this.isOp('-')) {
      const op = (this.toks[this.pos++] as { v: '+' | '-' }).v;
      return { type: 'unary', op, operand: this.unary() };
    }
    return this.atom();
  }

  private atom(): Node {
    const t = this.toks[this.pos++]!;
    if (t.t === 'lit') return t.node;
    if (t.t === 'str') {
      let { value, f } = t;
      // Adjacent literals concatenate; mixing bytes and text is a SyntaxError.
      for (let n = this.toks[this.pos]!; n.t === 'str'; n = this.toks[++this.pos]!) {
        if (n.bytes !== t.bytes) throw invalid('cannot mix bytes and nonbytes literals');
        value += n.value;
        f ||= n.f;
      }
      // An f-string is a JoinedStr node, which literal_eval refuses.
      return f ? { type: 'other' } : { type: t.bytes ? 'bytes' : 'str', value };
    }
    if (t.t === 'name') {
      if (this.isOp('(')) {
        this.pos++;
        if (t.v === 'set' && this.isOp(')')) {
          this.pos++;
          return { type: 'set', items: [] };
        }
        throw invalid('call');
      }
      const constant = CONSTANTS[t.v] ?? (this.jsonNames ? JSON_NAMES[t.v] : undefined);
      return constant ?? { type: 'other' };
    }
    if (t.t !== 'op') throw invalid('invalid syntax');
    if (t.v === '...') return { type: 'ellipsis' };
    if (t.v === '(') {
      if (this.isOp(')')) {
        this.pos++;
        return { type: 'tuple', items: [] };
      }
      const inner = this.exprList(')');
      this.expect(')');
      return inner;
    }
    if (t.v === '[') {
      const items: Node[] = [];
      while (!this.isOp(']')) {
        items.push(this.expr());
        if (!this.isOp(',')) break;
        this.pos++;
      }
      this.expect(']');
      return { type: 'list', items: items as PyLiteral[] };
    }
    if (t.v === '{') return this.braces();
    throw invalid('invalid syntax');
  }

  private braces(): Node {
    if (this.isOp('}')) {
      this.pos++;
      return { type: 'dict', keys: [], values: [] };
    }
    const first = this.expr();
    if (!this.isOp(':')) {
      const items = [first];
      while (this.isOp(',')) {
        this.pos++;
        if (this.isOp('}')) break;
        items.push(this.expr());
      }
      this.expect('}');
      return { type: 'set', items: items as PyLiteral[] };
    }
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
    return { type: 'dict', keys: keys as PyLiteral[], values: values as PyLiteral[] };
  }
}

/** How Python compares a hashable value as a set member or dict key (1 == 1.0 == True); undefined when unhashable. */
function hashKey(v: PyLiteral): string | undefined {
  const real = (x: number) => (Number.isInteger(x) ? BigInt(x).toString() : `f${x}`);
  switch (v.type) {
    case 'int':
      return v.value.toString();
    case 'bool':
      return v.value ? '1' : '0';
    case 'float':
      return real(v.value);
    case 'complex':
      return v.imag === 0 ? real(v.real) : `c${v.real},${v.imag}`;
    case 'str':
    case 'bytes':
      return v.type + JSON.stringify(v.value);
    case 'none':
    case 'ellipsis':
      return v.type;
    case 'tuple': {
      const keys = v.items.map(hashKey);
      return keys.includes(undefined) ? undefined : `(${keys.join(',')})`;
    }
    default:
      return undefined;
  }
}

function hashable(v: PyLiteral): string {
  const key = hashKey(v);
  if (key !== undefined) return key;
  // Python names the innermost culprit: hash((1, [2])) fails on the list.
  let bad = v;
  while (bad.type === 'tuple') bad = bad.items.find((x) => hashKey(x) === undefined)!;
  throw new LiteralError('type', `unhashable type: '${bad.type}'`);
}

/** A number operand: Python's _convert_num, then _convert_signed_num (bools are not numbers here). */
function num(node: Node, signed: boolean): Num {
  if (signed && node.type === 'unary') {
    const n = num(node.operand, false);
    if (node.op === '+') return n;
    return n.type === 'complex' ? { type: 'complex', real: -n.real, imag: -n.imag } : n.type === 'int' ? { type: 'int', value: -n.value } : { type: 'float', value: -n.value };
  }
  if (node.type !== 'int' && node.type !== 'float' && node.type !== 'complex') throw invalid('malformed node or string');
  return node;
}

function evaluate(node: Node): PyLiteral {
  switch (node.type) {
    case 'other':
      throw invalid('malformed node or string');
    case 'unary':
      return num(node, true);
    case 'binary': {
      // Only `real ± imaginary` is a literal: a signed int or float on the left, a complex on the right.
      const l = num(node.left, true);
      const r = num(node.right, false);
      if (l.type === 'complex' || r.type !== 'complex') throw invalid('malformed node or string');
      const lr = Number(l.value);
      return node.op === '+' ? { type: 'complex', real: lr + r.real, imag: 0 + r.imag } : { type: 'complex', real: lr - r.real, imag: 0 - r.imag };
    }
    case 'tuple':
    case 'list':
      return { type: node.type, items: node.items.map(evaluate) };
    case 'set': {
      // Python keeps the first of equal members; the tree keeps their first-seen order.
      const seen = new Set<string>();
      const items: PyLiteral[] = [];
      for (const n of node.items) {
        const item = evaluate(n);
        const key = hashable(item);
        if (!seen.has(key)) items.push(item);
        seen.add(key);
      }
      return { type: 'set', items };
    }
    case 'dict': {
      // Equal keys (1 and True) keep the first key and the last value, as Python's dict does.
      const index = new Map<string, number>();
      const keys: PyLiteral[] = [];
      const values: PyLiteral[] = [];
      node.keys.forEach((k, n) => {
        const key = evaluate(k);
        const value = evaluate(node.values[n]!);
        const at = index.get(hashable(key));
        if (at !== undefined) values[at] = value;
        else {
          index.set(hashable(key), keys.length);
          keys.push(key);
          values.push(value);
        }
      });
      return { type: 'dict', keys, values };
    }
    default:
      return node;
  }
}

/**
 * ast.literal_eval(text), which strips leading spaces and tabs first; throws LiteralError.
 * With `jsonNames`, JSON's true, false and null are read as True, False and None, as the
 * Templar has always done for JSON text (Ansible's safe_eval had the same mapping).
 */
export function literalEval(text: string, jsonNames = false): PyLiteral {
  if (text.includes('\0')) throw invalid('source code string cannot contain null bytes');
  return evaluate(new Parser(tokenize(text.replace(/^[ \t]+/, '')), jsonNames).parseAll());
}
