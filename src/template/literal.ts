/**
 * Python's ast.literal_eval for the strings Ansible converts back to data: after templating a
 * playbook value, a result that starts with `[` or `{` or is `True`/`False` is parsed as a
 * Python literal (JSON's true/false/null too, as Ansible's Json2Python allows), so
 * `"[{{ a }}, {{ b }}]"` becomes a list. Anything that is not a plain literal throws, and the
 * caller keeps the string.
 */
import { pyUnescape } from './lexer.js';
import { mkFloat, pyStr, setKey, tuple } from './pyvalues.js';

class LiteralParser {
  i = 0;
  constructor(readonly s: string) {}

  fail(): never {
    throw new SyntaxError(`not a Python literal at offset ${this.i}`);
  }

  ws(): void {
    while (this.i < this.s.length && ' \t\n\r\f\v'.includes(this.s[this.i]!)) this.i++;
  }

  eat(c: string): boolean {
    this.ws();
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '[') return this.seq(']', false);
    if (c === '(') return this.seq(')', true);
    if (c === '{') return this.dict();
    if (c === '"' || c === "'" || /^[rRuU]['"]/.test(this.s.slice(this.i, this.i + 2))) return this.strings();
    const m = /^[-+]?\s*(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?|\d[\d_]*\.)/.exec(this.s.slice(this.i));
    if (m && /\d/.test(m[0])) {
      this.i += m[0].length;
      const t = m[0].replace(/[\s_]/g, '');
      const neg = t.startsWith('-');
      const body = t.replace(/^[-+]/, '');
      let n: number;
      if (/^0[xob]/i.test(body)) n = parseInt(body.slice(2), { x: 16, o: 8, b: 2 }[body[1]!.toLowerCase() as 'x' | 'o' | 'b']);
      else n = Number(body);
      const v = neg ? -n : n;
      return /[.eE]/.test(body) && !/^0x/i.test(body) ? mkFloat(v) : v;
    }
    const w = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i));
    if (w) {
      const names: Record<string, unknown> = { True: true, False: false, None: null, true: true, false: false, null: null };
      if (!Object.hasOwn(names, w[0])) this.fail();
      this.i += w[0].length;
      return names[w[0]];
    }
    this.fail();
  }

  strings(): string {
    let out = '';
    for (;;) {
      this.ws();
      const m = /^([rRuU]?)('''|"""|'|")/.exec(this.s.slice(this.i));
      if (!m) break;
      const raw = m[1]!.toLowerCase() === 'r';
      const q = m[2]!;
      this.i += m[0].length;
      let body = '';
      while (!this.s.startsWith(q, this.i)) {
        if (this.i >= this.s.length || (q.length === 1 && this.s[this.i] === '\n')) this.fail();
        if (this.s[this.i] === '\\') body += this.s[this.i++];
        body += this.s[this.i++];
      }
      this.i += q.length;
      out += raw ? body : pyUnescape(body);
    }
    return out;
  }

  seq(close: string, isTuple: boolean): unknown[] {
    this.i++;
    const items: unknown[] = [];
    let comma = false;
    while (!this.eat(close)) {
      if (items.length && !comma) this.fail();
      items.push(this.value());
      comma = this.eat(',');
    }
    if (isTuple && items.length === 1 && !comma) return items[0] as unknown[];
    return isTuple ? tuple(items) : items;
  }

  dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    let comma = true;
    while (!this.eat('}')) {
      if (!comma) this.fail();
      const k = this.value();
      if (!this.eat(':')) this.fail();
      setKey(out, typeof k === 'string' ? k : pyStr(k), this.value());
      comma = this.eat(',');
    }
    return out;
  }
}

/** Parses `text` as a Python literal, or throws. */
export function literalEval(text: string): unknown {
  const p = new LiteralParser(text);
  const v = p.value();
  p.ws();
  if (p.i !== text.length) p.fail();
  return v;
}
