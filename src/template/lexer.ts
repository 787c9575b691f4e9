/**
 * Tokenizing Jinja2 source with nunjucks' Tokenizer, corrected where Jinja differs. Each
 * tokenizer instance gets its own overrides (never the shared prototype):
 *  - string literals decode escapes as Python does (`'\d'` stays `\d`, `'\x41'` is `A`);
 *  - `True`/`False`/`None` are literals as in Jinja, and `null` is an ordinary name;
 *  - numbers follow Jinja's grammar (`1e16`, `1_000`, `0x1F`), and `a.0` is index 0, not `a` `0.`;
 *  - with trim_blocks, the newline after a comment is dropped too, as Jinja drops it;
 *  - `}}` inside open brackets is two closing braces, not the end of the tag;
 *  - names are identifiers only (nunjucks would read `b'` as a name), and `r/2` is a division,
 *    not one of nunjucks' regex literals.
 * Tokens also carry their source offsets so that Ansible's backslash escaping (below) can
 * rewrite string literals in place.
 */
import { lexer } from './nunjucks.js';
import { pyUnescape } from '../py/escape.js';

export interface Token {
  type: string;
  value: any;
  lineno: number;
  colno: number;
  start?: number;
  end?: number;
  /** For block ends: how many newline characters trim_blocks skipped after the tag. */
  trimmed?: number;
}

const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)/;
const IDENT_CHAR = /[A-Za-z0-9_]/;

/** Parses a Jinja number literal (as matched by NUMBER) into its value and kind. */
export function parseNumber(text: string): { value: number; float: boolean } {
  const t = text.replace(/_/g, '');
  if (/^0[xX]/.test(t)) return { value: parseInt(t.slice(2), 16), float: false };
  if (/^0[oO]/.test(t)) return { value: parseInt(t.slice(2), 8), float: false };
  if (/^0[bB]/.test(t)) return { value: parseInt(t.slice(2), 2), float: false };
  return { value: Number(t), float: /[.eE]/.test(t) };
}

export interface LexOptions {
  trimBlocks: boolean;
}

/** A nunjucks Tokenizer over `src` with the Jinja corrections described above. */
export function tokenize(src: string, opts: LexOptions): any {
  const tk = lexer.lex(src, { trimBlocks: opts.trimBlocks, lstripBlocks: false });
  const baseNext = tk.nextToken.bind(tk);
  let last: Token | null = null;
  // Open brackets inside the current tag: as in Jinja, `}}` closes the tag only at depth 0,
  // so `{{ {'a': {'b': 1}} }}` is a nested dict, not the end of the expression.
  let depth = 0;

  tk._parseString = function parseString(delimiter: string): string {
    this.forward();
    let raw = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      if (this.current() === '\\') {
        raw += '\\';
        this.forward();
        if (this.isFinished()) break;
      }
      raw += this.current();
      this.forward();
    }
    if (this.isFinished()) throw new Error('unexpected end of template, expected end of string literal');
    this.forward();
    return pyUnescape(raw);
  };

  tk.nextToken = function nextToken(): Token | null {
    const start = this.index as number;
    const lineno = this.lineno as number;
    const colno = this.colno as number;
    let tok: Token | null = null;
    const cur = this.in_code && !this.isFinished() ? (this.current() as string) : '';
    if (cur >= '0' && cur <= '9') {
      const rest = this.str.slice(this.index) as string;
      const prev = last as Token | null;
      const afterDot = prev !== null && prev.type === lexer.TOKEN_OPERATOR && prev.value === '.';
      const m = afterDot ? /^\d+/.exec(rest) : NUMBER.exec(rest);
      if (m && !IDENT_CHAR.test(rest.charAt(m[0].length))) {
        this.forwardN(m[0].length);
        const { float } = parseNumber(m[0]);
        tok = { type: float ? lexer.TOKEN_FLOAT : lexer.TOKEN_INT, value: m[0], lineno, colno };
      }
    }
    if (!tok && this.in_code && cur === 'r' && this.str.charAt(this.index + 1) === '/') {
      // nunjucks would start a regex literal `r/.../`; in Jinja this is the name r.
      this.forward();
      tok = { type: lexer.TOKEN_SYMBOL, value: 'r', lineno, colno };
    }
    if (!tok && depth > 0 && this.in_code && this.current() === '}') {
      this.forward();
      tok = { type: lexer.TOKEN_RIGHT_CURLY, value: '}', lineno, colno };
    }
    if (!tok) tok = baseNext() as Token | null;
    if (!tok) return null;
    if (tok.type === lexer.TOKEN_LEFT_CURLY || tok.type === lexer.TOKEN_LEFT_PAREN || tok.type === lexer.TOKEN_LEFT_BRACKET) depth++;
    else if (tok.type === lexer.TOKEN_RIGHT_CURLY || tok.type === lexer.TOKEN_RIGHT_PAREN || tok.type === lexer.TOKEN_RIGHT_BRACKET) depth = Math.max(0, depth - 1);
    else if (tok.type === lexer.TOKEN_VARIABLE_END || tok.type === lexer.TOKEN_BLOCK_END) depth = 0;
    if (tok.type === lexer.TOKEN_SYMBOL && !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(tok.value)) {
      const bad = /[^\p{L}\p{N}_]/u.exec(tok.value)?.[0] ?? tok.value.charAt(0);
      throw Object.assign(new Error(`unexpected char ${JSON.stringify(bad)}`), { lineno: lineno + 1, colno: colno + 1 });
    }
    if (tok.type === lexer.TOKEN_SYMBOL) {
      if (tok.value === 'True' || tok.value === 'False') tok = { ...tok, type: lexer.TOKEN_BOOLEAN, value: tok.value.toLowerCase() };
      else if (tok.value === 'None') tok = { ...tok, type: lexer.TOKEN_NONE, value: 'none' };
    } else if (tok.type === lexer.TOKEN_NONE && tok.value === 'null') {
      tok = { ...tok, type: lexer.TOKEN_SYMBOL };
    } else if (tok.type === lexer.TOKEN_COMMENT && opts.trimBlocks) {
      if (this.current() === '\n') this.forward();
      else if (this.current() === '\r' && this.str.charAt(this.index + 1) === '\n') this.forwardN(2);
    }
    tok.start = start;
    tok.end = this.index;
    if (tok.type === lexer.TOKEN_BLOCK_END) tok.trimmed = this.index - start - String(tok.value).length;
    if (tok.type !== lexer.TOKEN_WHITESPACE) last = tok;
    return tok;
  };
  return tk;
}

/**
 * Ansible's `_escape_backslashes`: in playbook strings (not template files), backslashes in
 * string literals inside `{{ }}` are doubled before Jinja sees them, so that
 * `regex_replace('(\d+)', '\1')` written in YAML means what it says. Like Ansible, this is a
 * textual rewrite of the source; it only runs when the text has both `{{` and a backslash.
 */
export function escapeBackslashes(src: string): string {
  if (!src.includes('\\') || !src.includes('{{')) return src;
  let out = '';
  let pos = 0;
  let inVar = false;
  try {
    const tk = tokenize(src, { trimBlocks: false });
    for (let tok = tk.nextToken() as Token | null; tok; tok = tk.nextToken()) {
      if (tok.type === lexer.TOKEN_VARIABLE_START) inVar = true;
      else if (tok.type === lexer.TOKEN_VARIABLE_END) inVar = false;
      else if (inVar && tok.type === lexer.TOKEN_STRING) {
        out += src.slice(pos, tok.start) + src.slice(tok.start, tok.end).replace(/\\/g, '\\\\');
        pos = tok.end!;
      }
    }
  } catch {
    return src;
  }
  return out + src.slice(pos);
}
