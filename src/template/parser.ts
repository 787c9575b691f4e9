/**
 * A nunjucks Parser subclass that reads expressions with Jinja2's grammar. nunjucks differs in
 * ways users notice: its operator precedence (`*` vs `%`, `~` vs `+`, `is` vs comparisons),
 * `is divisibleby 3` without parentheses, slices `x[1:]`, `d.0`, tuples `(1, 2)`, dict keys
 * that are expressions (`{item.key: item.value}`), `not in` inside comparisons, and loop
 * filters `{% for x in y if cond %}`. The AST stays made of nunjucks node classes so the
 * stock compiler machinery still applies; slices become calls to a reserved intrinsic name
 * that our compiler recognises, and a loop filter is kept on the For node.
 */
import { lexer, nodes, Parser } from './nunjucks.js';
import { parseNumber } from './lexer.js';

/** Names no user can write (they contain NUL), used for intrinsic calls in the AST. */
export const INTRINSIC = {
  slice: '\0slice',
} as const;

const COMPARE_OPS = ['==', '!=', '<', '>', '<=', '>='];
const TEST_ARG_TOKENS = new Set([
  lexer.TOKEN_SYMBOL,
  lexer.TOKEN_STRING,
  lexer.TOKEN_INT,
  lexer.TOKEN_FLOAT,
  lexer.TOKEN_BOOLEAN,
  lexer.TOKEN_NONE,
  lexer.TOKEN_LEFT_PAREN,
  lexer.TOKEN_LEFT_BRACKET,
  lexer.TOKEN_LEFT_CURLY,
]);

function intrinsic(tok: any, name: string, args: any[]): any {
  const sym = new nodes.Symbol(tok.lineno, tok.colno, name);
  return new nodes.FunCall(tok.lineno, tok.colno, sym, new nodes.NodeList(tok.lineno, tok.colno, args));
}

/**
 * Methods named parseX replace nunjucks' own (the base class is untyped, so they cannot carry
 * `override`); parseIn/parseConcat/parsePow/parseUnary/parseFilter together form Jinja's
 * precedence ladder: not > compare/in > + - > ~ > * / // % > ** > unary > filters and tests.
 */
export class JinjaParser extends Parser {
  isOp(tok: any, value: string): boolean {
    return !!tok && tok.type === lexer.TOKEN_OPERATOR && tok.value === value;
  }

  /** Jinja's compare level: ==, !=, <, >, <=, >=, in, not in (chained as in Python). */
  parseIn(): any {
    const first = this.parseMath1();
    const ops: any[] = [];
    for (;;) {
      const tok = this.nextToken();
      if (!tok) break;
      if (tok.type === lexer.TOKEN_OPERATOR && COMPARE_OPS.includes(tok.value)) {
        ops.push(new nodes.CompareOperand(tok.lineno, tok.colno, this.parseMath1(), tok.value));
      } else if (tok.type === lexer.TOKEN_SYMBOL && tok.value === 'in') {
        ops.push(new nodes.CompareOperand(tok.lineno, tok.colno, this.parseMath1(), 'in'));
      } else if (tok.type === lexer.TOKEN_SYMBOL && tok.value === 'not' && this.skipSymbol('in')) {
        ops.push(new nodes.CompareOperand(tok.lineno, tok.colno, this.parseMath1(), 'notin'));
      } else {
        this.pushToken(tok);
        break;
      }
    }
    return ops.length ? new nodes.Compare(first.lineno, first.colno, first, ops) : first;
  }

  parseMath1(): any {
    let node = this.parseConcat();
    for (;;) {
      const tok = this.peekToken();
      if (this.isOp(tok, '+')) {
        this.nextToken();
        node = new nodes.Add(node.lineno, node.colno, node, this.parseConcat());
      } else if (this.isOp(tok, '-')) {
        this.nextToken();
        node = new nodes.Sub(node.lineno, node.colno, node, this.parseConcat());
      } else return node;
    }
  }

  parseConcat(): any {
    let node = this.parseMath2();
    while (this.skipValue(lexer.TOKEN_TILDE, '~')) {
      node = new nodes.Concat(node.lineno, node.colno, node, this.parseMath2());
    }
    return node;
  }

  parseMath2(): any {
    const kinds: Record<string, any> = { '*': nodes.Mul, '/': nodes.Div, '//': nodes.FloorDiv, '%': nodes.Mod };
    let node = this.parsePow();
    for (;;) {
      const tok = this.peekToken();
      if (!tok || tok.type !== lexer.TOKEN_OPERATOR || !(tok.value in kinds)) return node;
      this.nextToken();
      node = new kinds[tok.value](node.lineno, node.colno, node, this.parsePow());
    }
  }

  parsePow(): any {
    let node = this.parseUnary();
    while (this.skipValue(lexer.TOKEN_OPERATOR, '**')) {
      node = new nodes.Pow(node.lineno, node.colno, node, this.parseUnary());
    }
    return node;
  }

  parseUnary(noFilters?: boolean): any {
    const tok = this.peekToken();
    let node: any;
    if (this.skipValue(lexer.TOKEN_OPERATOR, '-')) node = new nodes.Neg(tok.lineno, tok.colno, this.parseUnary(true));
    else if (this.skipValue(lexer.TOKEN_OPERATOR, '+')) node = new nodes.Pos(tok.lineno, tok.colno, this.parseUnary(true));
    else node = this.parsePrimary();
    return noFilters ? node : this.parseFilter(node);
  }

  /** Filters (`| name(args)`) and tests (`is [not] name args`) chain at the same level, as in Jinja. */
  parseFilter(node: any): any {
    for (;;) {
      if (this.skip(lexer.TOKEN_PIPE)) {
        const name = this.parseFilterName();
        const args = this.peekToken()?.type === lexer.TOKEN_LEFT_PAREN ? this.parseSignature().children : [];
        node = new nodes.Filter(name.lineno, name.colno, name, new nodes.NodeList(name.lineno, name.colno, [node, ...args]));
      } else if (this.skipSymbol('is')) {
        const negate = this.skipSymbol('not');
        const name = this.parseTestName();
        let right = name;
        const next = this.peekToken();
        if (next?.type === lexer.TOKEN_LEFT_PAREN) {
          right = new nodes.FunCall(name.lineno, name.colno, name, this.parseSignature());
        } else if (next && TEST_ARG_TOKENS.has(next.type) && !['else', 'or', 'and'].includes(next.value)) {
          const arg = this.parsePrimary();
          right = new nodes.FunCall(name.lineno, name.colno, name, new nodes.NodeList(arg.lineno, arg.colno, [arg]));
        }
        node = new nodes.Is(node.lineno, node.colno, node, right);
        if (negate) node = new nodes.Not(node.lineno, node.colno, node);
      } else return node;
    }
  }

  parseTestName(): any {
    const tok = this.nextToken();
    if (!tok || ![lexer.TOKEN_SYMBOL, lexer.TOKEN_NONE, lexer.TOKEN_BOOLEAN].includes(tok.type)) {
      this.fail('expected test name after "is"', tok?.lineno, tok?.colno);
    }
    let name = String(tok.value);
    while (this.skipValue(lexer.TOKEN_OPERATOR, '.')) name += '.' + this.expect(lexer.TOKEN_SYMBOL).value;
    return new nodes.Symbol(tok.lineno, tok.colno, name);
  }

  parsePrimary(noPostfix?: boolean): any {
    const tok = this.peekToken();
    if (tok && (tok.type === lexer.TOKEN_INT || tok.type === lexer.TOKEN_FLOAT)) {
      this.nextToken();
      const { value, float } = parseNumber(tok.value);
      const node = new nodes.Literal(tok.lineno, tok.colno, value);
      node.pyFloat = float;
      return noPostfix ? node : this.parsePostfix(node);
    }
    return super.parsePrimary(noPostfix);
  }

  parsePostfix(node: any): any {
    for (;;) {
      const tok = this.peekToken();
      if (!tok) return node;
      if (tok.type === lexer.TOKEN_LEFT_PAREN) {
        node = new nodes.FunCall(tok.lineno, tok.colno, node, this.parseSignature());
      } else if (tok.type === lexer.TOKEN_LEFT_BRACKET) {
        this.nextToken();
        node = this.parseSubscript(tok, node);
      } else if (this.isOp(tok, '.')) {
        this.nextToken();
        const val = this.nextToken();
        let key: any;
        if (val?.type === lexer.TOKEN_SYMBOL) key = new nodes.Literal(val.lineno, val.colno, val.value);
        else if (val?.type === lexer.TOKEN_INT) key = new nodes.Literal(val.lineno, val.colno, parseNumber(val.value).value);
        else if (val?.type === lexer.TOKEN_BOOLEAN || val?.type === lexer.TOKEN_NONE) key = new nodes.Literal(val.lineno, val.colno, val.value);
        else this.fail(`expected name as lookup value, got ${val?.value}`, val?.lineno, val?.colno);
        node = new nodes.LookupVal(tok.lineno, tok.colno, node, key);
      } else return node;
    }
  }

  /** `x[i]` or a slice `x[a:b:c]` (any part optional); the `[` is already consumed. */
  parseSubscript(tok: any, target: any): any {
    const isColon = () => this.peekToken()?.type === lexer.TOKEN_COLON;
    const isClose = () => this.peekToken()?.type === lexer.TOKEN_RIGHT_BRACKET;
    const none = () => new nodes.Literal(tok.lineno, tok.colno, null);
    const start = isColon() ? none() : this.parseExpression();
    if (!this.skip(lexer.TOKEN_COLON)) {
      if (!this.skip(lexer.TOKEN_RIGHT_BRACKET)) this.fail('expected ] after subscript', tok.lineno, tok.colno);
      return new nodes.LookupVal(tok.lineno, tok.colno, target, start);
    }
    const stop = isColon() || isClose() ? none() : this.parseExpression();
    let step = none();
    if (this.skip(lexer.TOKEN_COLON) && !isClose()) step = this.parseExpression();
    if (!this.skip(lexer.TOKEN_RIGHT_BRACKET)) this.fail('expected ] after slice', tok.lineno, tok.colno);
    return intrinsic(tok, INTRINSIC.slice, [target, start, stop, step]);
  }

  /** Lists, dicts (keys are expressions) and parentheses, which make a tuple when a comma appears. */
  parseAggregate(): any {
    const tok = this.nextToken();
    const close: Record<string, string> = {
      [lexer.TOKEN_LEFT_PAREN]: lexer.TOKEN_RIGHT_PAREN,
      [lexer.TOKEN_LEFT_BRACKET]: lexer.TOKEN_RIGHT_BRACKET,
      [lexer.TOKEN_LEFT_CURLY]: lexer.TOKEN_RIGHT_CURLY,
    };
    if (!tok || !(tok.type in close)) return null;
    const node =
      tok.type === lexer.TOKEN_LEFT_PAREN
        ? new nodes.Group(tok.lineno, tok.colno)
        : tok.type === lexer.TOKEN_LEFT_BRACKET
          ? new nodes.Array(tok.lineno, tok.colno)
          : new nodes.Dict(tok.lineno, tok.colno);
    let commas = 0;
    for (;;) {
      if (this.skip(close[tok.type])) break;
      if (node.children.length > 0) {
        if (!this.skip(lexer.TOKEN_COMMA)) this.fail('expected comma or closing bracket', tok.lineno, tok.colno);
        commas++;
        if (this.skip(close[tok.type])) break;
      }
      if (node instanceof nodes.Dict) {
        const key = this.parseExpression();
        if (!this.skip(lexer.TOKEN_COLON)) this.fail('expected colon after dict key', tok.lineno, tok.colno);
        node.addChild(new nodes.Pair(key.lineno, key.colno, key, this.parseExpression()));
      } else node.addChild(this.parseExpression());
    }
    if (node instanceof nodes.Group && (commas > 0 || node.children.length === 0)) node.pyTuple = true;
    return node;
  }

  /**
   * `{% raw %}...{% endraw %}` as Jinja lexes it: the text after `{% raw %}` is kept verbatim
   * (no trim_blocks), `-` on either tag strips whitespace inside, and the newline after
   * `{% endraw %}` is trimmed like any block end.
   */
  parseRaw(tagName = 'raw'): any {
    const begun = this.advanceAfterBlockEnd();
    this.dropLeadingWhitespace = false;
    const tk = this.tokens;
    if (begun.trimmed) {
      // Undo trim_blocks' newline skip (nunjucks' own back() fails across lines).
      tk.index -= begun.trimmed;
      tk.lineno = begun.lineno;
      tk.colno = begun.colno + begun.value.length;
    }
    const skipSpace = () => {
      while (!tk.isFinished() && /\s/.test(tk.current())) tk.forward();
    };
    if (begun.value.startsWith('-')) skipSpace();
    const m = new RegExp(`\\{%(-|\\+)?\\s*end${tagName}\\s*(-)?%\\}`).exec(tk.str.slice(tk.index));
    if (!m) throw this.error(`unexpected end of template, expected 'end${tagName}'`, begun.lineno, begun.colno);
    let content: string = tk.str.slice(tk.index, tk.index + m.index);
    if (m[1] === '-') content = content.replace(/\s+$/, '');
    tk.forwardN(m.index + m[0].length);
    if (m[2] === '-') skipSpace();
    else if (tk.current() === '\n') tk.forward();
    return new nodes.Output(begun.lineno, begun.colno, [new nodes.TemplateData(begun.lineno, begun.colno, content)]);
  }

  /** `{% for x in items if cond %}`: nunjucks reads `items if cond` as an inline if without else. */
  parseFor(): any {
    const node = super.parseFor();
    const arr = node.arr;
    if (arr instanceof nodes.InlineIf && arr.else_ === null) {
      node.arr = arr.body;
      node.pyLoopFilter = arr.cond;
    }
    return node;
  }
}

/** Parses a whole template into a nunjucks Root node. */
export function parseTemplate(tokens: unknown): any {
  return new (JinjaParser as any)(tokens).parseAsRoot();
}
