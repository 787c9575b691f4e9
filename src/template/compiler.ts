/**
 * A nunjucks Compiler subclass that emits code with Jinja2/Python semantics. Rather than
 * JavaScript operators (`[] || x`, `'1' == 1`, `[1] + [2]`), every operation calls a helper
 * of our runtime object (runtime.ts), which the compiled root function receives as its
 * `runtime` argument. That is also how output is finalized: nunjucks has no `finalize`
 * option, so `{{ }}` compiles to `runtime.part(context, value)` (top level: the raw value is
 * kept, which lets Templar apply Ansible's native-type rules) or `buffer += runtime.out(value)`
 * (inside macros and `{% set %}` blocks: Python str(), None as ''). Nothing here touches
 * nunjucks' shared prototypes or its global runtime, so other nunjucks users are unaffected.
 */
import { Compiler, nodes } from './nunjucks.js';
import { INTRINSIC } from './parser.js';

const STATEMENTS = new Set(['Output', 'If', 'For', 'Set', 'Include']);
const FQCN = /^ansible\.(builtin|legacy)\./;

/** A readable rendering of an expression for error messages: `d.missing`, `hostvars[host].ip`. */
export function pathOf(node: any): string {
  if (node instanceof nodes.Symbol) return node.value;
  if (node instanceof nodes.LookupVal) {
    const base = pathOf(node.target);
    const key = node.val;
    if (key instanceof nodes.Literal) {
      if (typeof key.value === 'string' && /^[A-Za-z_]\w*$/.test(key.value)) return `${base}.${key.value}`;
      return `${base}[${JSON.stringify(key.value)}]`;
    }
    return `${base}[${pathOf(key)}]`;
  }
  if (node instanceof nodes.Literal) return JSON.stringify(node.value);
  if (node instanceof nodes.FunCall) return `${pathOf(node.name)}(...)`;
  return '<expression>';
}

export interface Registry {
  hasFilter(name: string): boolean;
  hasTest(name: string): boolean;
}

/**
 * Methods named compileX / _emitX replace nunjucks' own (the base class is untyped, so they
 * cannot carry `override`); everything not listed here is nunjucks' code generation.
 */
export class PyCompiler extends Compiler {
  declare registry: Registry;
  /** >0 while compiling a macro or capture body, whose output is a string, not top-level parts. */
  pyNest = 0;

  private expr(node: any, frame: any): void {
    this.compile(node, frame);
  }

  private args(list: any[], frame: any): void {
    this._emit('[');
    list.forEach((a, i) => {
      if (i) this._emit(',');
      this.compile(a, frame);
    });
    this._emit(']');
  }

  private call(fn: string, parts: any[], frame: any, tail = ''): void {
    this._emit(`runtime.${fn}(`);
    parts.forEach((p, i) => {
      if (i) this._emit(',');
      this.compile(p, frame);
    });
    this._emit(`${tail})`);
  }

  compile(node: any, frame?: any): void {
    if (STATEMENTS.has(node.typename)) this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
    super.compile(node, frame);
  }

  compileLiteral(node: any): void {
    if (typeof node.value === 'string') this._emit(JSON.stringify(node.value));
    else if (node.pyFloat) this._emit(`runtime.flt(${node.value})`);
    else if (node.value === null) this._emit('null');
    else this._emit(String(node.value));
  }

  compileGroup(node: any, frame: any): void {
    if (node.pyTuple) {
      this._emit('runtime.tuple(');
      this.args(node.children, frame);
      this._emit(')');
    } else this._compileAggregate(node, frame, '(', ')');
  }

  compileDict(node: any, frame: any): void {
    this._emit('runtime.dict([');
    node.children.forEach((pair: any, i: number) => {
      if (i) this._emit(',');
      this._emit('[');
      this.expr(pair.key, frame);
      this._emit(',');
      this.expr(pair.value, frame);
      this._emit(']');
    });
    this._emit('])');
  }

  compileKeywordArgs(node: any, frame: any): void {
    this._emit('runtime.kwargs([');
    node.children.forEach((pair: any, i: number) => {
      if (i) this._emit(',');
      this._emit(`[${JSON.stringify(pair.key.value)},`);
      this.expr(pair.value, frame);
      this._emit(']');
    });
    this._emit('])');
  }

  compileInlineIf(node: any, frame: any): void {
    this._emit('(runtime.truthy(');
    this.expr(node.cond, frame);
    this._emit(') ? ');
    this.expr(node.body, frame);
    this._emit(' : ');
    if (node.else_) this.expr(node.else_, frame);
    else this._emit('runtime.undef()');
    this._emit(')');
  }

  compileOr(node: any, frame: any): void {
    this.lazyBinary('or', node, frame);
  }

  compileAnd(node: any, frame: any): void {
    this.lazyBinary('and', node, frame);
  }

  private lazyBinary(fn: string, node: any, frame: any): void {
    this._emit(`runtime.${fn}(`);
    this.expr(node.left, frame);
    this._emit(', () => (');
    this.expr(node.right, frame);
    this._emit('))');
  }

  compileNot(node: any, frame: any): void {
    this._emit('!runtime.truthy(');
    this.expr(node.target, frame);
    this._emit(')');
  }

  compileIn(node: any, frame: any): void {
    this.call('contains', [node.right, node.left], frame);
  }

  compileIs(node: any, frame: any): void {
    const right = node.right;
    const nameNode = right instanceof nodes.FunCall ? right.name : right;
    const name = String(nameNode.value).replace(FQCN, '');
    if (!this.registry.hasTest(name)) this.fail(`no test named '${name}'`, nameNode.lineno, nameNode.colno);
    this._emit(`runtime.test(context, ${JSON.stringify(name)}, `);
    this.expr(node.left, frame);
    this._emit(',');
    this.args(right instanceof nodes.FunCall ? right.args.children : [], frame);
    this._emit(')');
  }

  compileAdd(node: any, frame: any): void {
    this.call('add', [node.left, node.right], frame);
  }
  compileSub(node: any, frame: any): void {
    this.call('sub', [node.left, node.right], frame);
  }
  compileMul(node: any, frame: any): void {
    this.call('mul', [node.left, node.right], frame);
  }
  compileDiv(node: any, frame: any): void {
    this.call('div', [node.left, node.right], frame);
  }
  compileFloorDiv(node: any, frame: any): void {
    this.call('floordiv', [node.left, node.right], frame);
  }
  compileMod(node: any, frame: any): void {
    this.call('mod', [node.left, node.right], frame);
  }
  compilePow(node: any, frame: any): void {
    this.call('pow', [node.left, node.right], frame);
  }
  compileConcat(node: any, frame: any): void {
    this.call('concat', [node.left, node.right], frame);
  }
  compileNeg(node: any, frame: any): void {
    this.call('neg', [node.target], frame);
  }
  compilePos(node: any, frame: any): void {
    this.call('pos', [node.target], frame);
  }

  compileCompare(node: any, frame: any): void {
    this._emit('runtime.compare(');
    this.expr(node.expr, frame);
    this._emit(', [');
    node.ops.forEach((op: any, i: number) => {
      if (i) this._emit(',');
      this._emit(`[${JSON.stringify(op.type)},`);
      this.expr(op.expr, frame);
      this._emit(']');
    });
    this._emit('])');
  }

  compileLookupVal(node: any, frame: any): void {
    this.call('member', [node.target, node.val], frame, `, ${JSON.stringify(pathOf(node))}`);
  }

  compileFunCall(node: any, frame: any): void {
    const name = node.name;
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, `);
    if (name instanceof nodes.Symbol && name.value.startsWith('\0')) {
      if (name.value !== INTRINSIC.slice) this.fail('unknown intrinsic', node.lineno, node.colno);
      this.call('slice', node.args.children, frame);
    } else if (name instanceof nodes.LookupVal) {
      this._emit('runtime.callMethod(');
      this.expr(name.target, frame);
      this._emit(',');
      this.expr(name.val, frame);
      this._emit(',');
      this.args(node.args.children, frame);
      this._emit(`, ${JSON.stringify(pathOf(name.target))})`);
    } else {
      this._emit('runtime.call(');
      this.expr(name, frame);
      this._emit(`, ${JSON.stringify(pathOf(name))}, context, `);
      this.args(node.args.children, frame);
      this._emit(')');
    }
    this._emit(')');
  }

  compileFilter(node: any, frame: any): void {
    const name = String(node.name.value).replace(FQCN, '');
    if (!this.registry.hasFilter(name)) this.fail(`no filter named '${name}'`, node.name.lineno, node.name.colno);
    this._emit(`runtime.filter(context, ${JSON.stringify(name)}, `);
    this.args(node.args.children, frame);
    this._emit(')');
  }

  compileIf(node: any, frame: any): void {
    this._emit('if(runtime.truthy(');
    this.expr(node.cond, frame);
    this._emitLine(')) {');
    this._withScopedSyntax(() => this.compile(node.body, frame));
    if (node.else_) {
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => this.compile(node.else_, frame));
    }
    this._emitLine('}');
  }

  /**
   * The iterable goes through runtime.iter (Python iteration: dict keys, string characters,
   * errors for Undefined/None); a Jinja loop filter becomes a predicate evaluated per item in
   * a frame where the loop variables are bound.
   */
  compileFor(node: any, frame: any): void {
    const names: string[] = node.name instanceof nodes.Array ? node.name.children.map((c: any) => c.value) : [node.name.value];
    const arr = node.arr;
    const { lineno, colno } = arr;
    const pred = node.pyLoopFilter;
    node.arr = {
      typename: 'PyIter',
      lineno,
      colno,
      compileSelf: (c: PyCompiler, f: any) => {
        c._emit('runtime.iter(');
        c.expr(arr, f);
        c._emit(`, ${names.length}`);
        if (pred) {
          const inner = f.push();
          names.forEach((n) => inner.set(n, null));
          c._emit(', ((outer) => (item) => { const frame = outer.push(); ');
          if (names.length === 1) c._emit(`frame.set(${JSON.stringify(names[0])}, item); `);
          else names.forEach((n, i) => c._emit(`frame.set(${JSON.stringify(n)}, item[${i}]); `));
          c._emit('return runtime.truthy(');
          c.expr(pred, inner);
          c._emit('); })(frame)');
        }
        c._emit(')');
      },
    };
    super.compileFor(node, frame);
    node.arr = arr;
  }

  compilePyIter(node: any, frame: any): void {
    node.compileSelf(this, frame);
  }

  _compileExpression(node: any, frame: any): void {
    this.compile(node, frame);
  }

  /**
   * Each iteration starts with a clean scope as in Jinja (a `{% set %}` in one iteration is
   * gone in the next), then gets Jinja's extra loop attributes.
   */
  _emitLoopBindings(node: any, arr: string, i: string, len: string): void {
    const names: string[] = node.name instanceof nodes.Array ? node.name.children.map((c: any) => c.value) : [node.name.value];
    this._emitLine(`runtime.freshIteration(frame, ${JSON.stringify(names)});`);
    super._emitLoopBindings(node, arr, i, len);
    this._emitLine(`frame.set("loop.previtem", runtime.neighbour(${arr}, ${i} - 1));`);
    this._emitLine(`frame.set("loop.nextitem", runtime.neighbour(${arr}, ${i} + 1));`);
    this._emitLine('frame.set("loop.depth", 1); frame.set("loop.depth0", 0);');
  }

  /**
   * Jinja scoping: `{% set %}` assigns in the current scope only, so a set inside a for loop
   * does not leak out of it (nunjucks would update the outer variable). `{% set ns.attr = v %}`
   * assigns an attribute of a namespace().
   */
  compileSet(node: any, frame: any): void {
    const value = this._tmpid();
    this._emitLine(`var ${value};`);
    this._emit(`${value} = `);
    if (node.value) this.expr(node.value, frame);
    else this.compile(node.body, frame);
    this._emitLine(';');
    for (const target of node.targets) {
      if (target instanceof nodes.LookupVal) {
        this._emit('runtime.setAttr(');
        this.expr(target.target, frame);
        this._emit(',');
        this.expr(target.val, frame);
        this._emitLine(`, ${value});`);
        continue;
      }
      if (!(target instanceof nodes.Symbol)) this.fail('cannot assign to this expression', target.lineno, target.colno);
      const name = target.value;
      const own = frame.variables[name];
      if (own) this._emitLine(`${own} = ${value};`);
      this._emitLine(`frame.set(${JSON.stringify(name)}, ${value});`);
      this._emitLine(`if(frame.topLevel) { context.setVariable(${JSON.stringify(name)}, ${value}); }`);
    }
  }

  private get nested(): boolean {
    return this.pyNest > 0 || this.buffer !== 'output';
  }

  compileOutput(node: any, frame: any): void {
    for (const child of node.children) {
      if (child instanceof nodes.TemplateData) {
        if (!child.value) continue;
        const text = JSON.stringify(child.value);
        this._emitLine(this.nested ? `${this.buffer} += ${text};` : `runtime.data(context, ${text});`);
      } else {
        this._emitLine(`lineno = ${child.lineno}; colno = ${child.colno};`);
        this._emit(this.nested ? `${this.buffer} += runtime.out(` : 'runtime.part(context, ');
        this.expr(child, frame);
        this._emitLine(');');
      }
    }
  }

  compileCapture(node: any, frame: any): void {
    this.pyNest++;
    super.compileCapture(node, frame);
    this.pyNest--;
  }

  _compileMacro(node: any, frame: any): string {
    this.pyNest++;
    const id = super._compileMacro(node, frame);
    this.pyNest--;
    return id;
  }

  compileInclude(node: any, frame: any): void {
    this._emit(this.nested ? `${this.buffer} += ` : 'runtime.data(context, ');
    this._emit('runtime.include(context, frame, ');
    this.expr(node.template, frame);
    this._emit(`, ${node.ignoreMissing ? 'true' : 'false'})`);
    this._emitLine(this.nested ? ';' : ');');
  }

  /** Without `extends`, Jinja renders a block where it stands. */
  compileBlock(node: any, frame: any): void {
    this.compile(node.body, frame);
  }

  compileExtends(node: any): void {
    this.fail("'extends' is not supported in tsplay templates", node.lineno, node.colno);
  }
  compileImport(node: any): void {
    this.fail("'import' is not supported in tsplay templates; use include", node.lineno, node.colno);
  }
  compileFromImport(node: any): void {
    this.fail("'from ... import' is not supported in tsplay templates; use include", node.lineno, node.colno);
  }
}
