/**
 * The Templar: compiles Jinja2 text with our lexer/parser/compiler (cached by text), runs it
 * with our runtime, and applies Ansible's rules around a render:
 *  - template files (`render`) print every `{{ }}` with Python's str(), None as '';
 *  - playbook values (`template`) keep native types the way Ansible's Templar does: a lone
 *    `{{ var }}` naming a number, bool or None returns it as is, and a result that looks
 *    like a list, dict or bool (`[1, 2]`, `{'a': 1}`, `True`) is parsed back into one;
 *  - conditions (`evaluate`) return the expression's value;
 *  - trailing newlines are kept as Ansible's do_template keeps them;
 *  - variables whose values contain templates are templated when first used (Ansible's
 *    lazy AnsibleJ2Vars), once per call, with recursion detection.
 */
import type { SourcePos } from '../core/errors.js';
import { PyCompiler } from './compiler.js';
import { GLOBALS } from './globals.js';
import { escapeBackslashes, tokenize } from './lexer.js';
import { literalEval } from './literal.js';
import { Context, Frame, nodes, sharedEnv, transformer } from './nunjucks.js';
import { parseTemplate } from './parser.js';
import { FILTERS, TESTS, type Session } from './registry.js';
import { runtime, type PyContext } from './runtime.js';
import { NativeText, TemplateError, Undef, UndefinedVariableError, fail, isMapping, isNumber, isTuple, pyStr, setKey, toNative } from './pyvalues.js';

/** The value of `omit`: module arguments equal to it are dropped by the executor. */
export const OMIT = '__omit_place_holder__tsplay__';

export interface TemplarOptions {
  /** Finds an `{% include %}`d template by name; undefined when there is none. */
  loadTemplate?: (name: string) => { text: string; file?: string } | undefined;
  /**
   * Where warnings go (a lookup's `errors='warn'`); by default to stderr, where ansible-playbook
   * prints its own `[WARNING]:` lines.
   */
  warn?: (message: string) => void;
  /** How many compiled templates to keep (default 10000). */
  cacheSize?: number;
}

type Kind = 'file' | 'string' | 'expression';
interface Compiled {
  root: (...args: any[]) => void;
}

/** Variables never templated on lookup: Ansible hands `vars` and `hostvars` out raw. */
const RAW_VARS = new Set(['vars', 'hostvars']);
const SINGLE_VAR = /^\{\{\s*(\w*)\s*\}\}\n?$/;

/** Containers known to hold no template text, or marked unsafe (never templated). */
const noTemplates = new WeakSet<object>();
const hasTemplates = new WeakSet<object>();

/**
 * Marks a value (and everything inside it) as data that must never be templated, as Ansible
 * does for module results and facts: a registered stdout containing `{{` stays text.
 */
export function markUnsafe<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    noTemplates.add(v);
    for (const x of Object.values(v)) markUnsafe(x);
  }
  return v;
}

export function isTemplated(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || s.includes('{#');
}

function containsTemplate(v: unknown): boolean {
  if (typeof v === 'string') return isTemplated(v);
  if (typeof v !== 'object' || v === null) return false;
  if (noTemplates.has(v)) return false;
  if (hasTemplates.has(v)) return true;
  const found = Object.values(v).some(containsTemplate);
  (found ? hasTemplates : noTemplates).add(v);
  return found;
}

function trailingNewlines(s: string): number {
  let n = 0;
  while (n < s.length && s[s.length - 1 - n] === '\n') n++;
  return n;
}

/** Ansible's rule: the output keeps at least as many trailing newlines as the template had. */
function keepNewlines(out: string, src: string): string {
  const missing = trailingNewlines(src) - trailingNewlines(out);
  return missing > 0 ? out + '\n'.repeat(missing) : out;
}

function joinParts(parts: unknown[]): string {
  let out = '';
  for (const p of parts) out += p === null ? '' : pyStr(p);
  return out;
}

/** Ansible's ansible_eval_concat: the native value of a playbook string's rendered parts. */
function concatNative(parts: unknown[]): unknown {
  if (!parts.length) return '';
  let out: string;
  if (parts.length === 1) {
    const v = parts[0];
    if (v instanceof NativeText) return v.text;
    if ((Array.isArray(v) && !isTuple(v)) || isMapping(v) || typeof v === 'boolean') return v;
    out = v === null ? '' : pyStr(v);
  } else out = joinParts(parts);
  if (out.startsWith('{') || out.startsWith('[') || out === 'True' || out === 'False') {
    try {
      return literalEval(out);
    } catch {
      // Not a literal: Ansible keeps the string.
    }
  }
  return out;
}

function posFor(where: SourcePos | undefined, line?: number, col?: number): SourcePos | undefined {
  if (!where) return undefined;
  if (line === undefined) return { ...where };
  if (where.line === undefined) return { file: where.file, line, col };
  return { file: where.file, line: where.line + line - 1, col: line === 1 ? where.col : col };
}

class VarSession implements Session {
  private memo = new Map<string, unknown>();
  private resolving = new Set<string>();

  constructor(
    readonly templar: Templar,
    readonly vars: Record<string, unknown>,
  ) {}

  lookup(name: string): unknown {
    if (Object.hasOwn(this.vars, name) && this.vars[name] !== undefined) return this.resolve(name);
    if (name === 'vars') return this.vars;
    if (name === 'omit') return OMIT;
    if (Object.hasOwn(GLOBALS, name)) return GLOBALS[name];
    return new Undef(name);
  }

  private resolve(name: string): unknown {
    const raw = this.vars[name];
    if (RAW_VARS.has(name) || !containsTemplate(raw)) return raw;
    if (this.memo.has(name)) return this.memo.get(name);
    if (this.resolving.has(name)) fail(`recursive loop detected in template string: ${pyStr(raw)}`);
    this.resolving.add(name);
    let value: unknown;
    try {
      value = this.templar.templateIn(raw, this);
    } catch (e) {
      // As Ansible's AnsibleJ2Vars: a variable whose template uses an undefined name is itself
      // undefined (so `| default` and `is defined` still work on it), failing only when used.
      if (e instanceof UndefinedVariableError) return new Undef(name, `${pyStr(raw)}: ${e.message}`);
      if (e instanceof TemplateError && e.tplLine !== undefined) {
        e.tplLine = e.tplCol = undefined;
        if (!e.message.includes(' (in variable ')) e.message += ` (in variable '${name}')`;
      }
      throw e;
    } finally {
      this.resolving.delete(name);
    }
    this.memo.set(name, value);
    return value;
  }

  include(name: string, parentCtx: Record<string, unknown>, frame: any, ignoreMissing: boolean): string {
    const found = this.templar.options.loadTemplate?.(name);
    if (!found) {
      if (ignoreMissing) return '';
      fail(`template not found: ${name}`);
    }
    const compiled = this.templar.compile(found.text, 'file');
    return joinParts(this.templar.run(compiled, this, frame.push(), parentCtx));
  }

  renderFile(text: string, file: string, extra: Record<string, unknown>): unknown {
    const session = new VarSession(this.templar, { ...this.vars, ...extra });
    try {
      const result = concatNative(this.templar.run(this.templar.compile(text, 'file'), session));
      return typeof result === 'string' ? keepNewlines(result, text) : result;
    } catch (e) {
      // The line of an error is the template file's, not one of the task that called the lookup.
      if (e instanceof TemplateError && !e.pos) e.pos = { file, line: e.tplLine, col: e.tplCol };
      throw e;
    }
  }

  warn(message: string): void {
    if (this.templar.options.warn) this.templar.options.warn(message);
    else process.stderr.write(`[WARNING]: ${message}\n`);
  }
}

const registry = { hasFilter: (n: string) => FILTERS.has(n), hasTest: (n: string) => TESTS.has(n) };

export class Templar {
  private cache = new Map<string, Compiled>();

  constructor(readonly options: TemplarOptions = {}) {}

  /** How many distinct templates have been compiled (and are cached) by this Templar. */
  get compiledCount(): number {
    return this.cache.size;
  }

  isTemplated(s: string): boolean {
    return isTemplated(s);
  }

  /** Renders a whole template (the template module): a string, byte-for-byte as Ansible writes it. */
  render(text: string, vars: Record<string, unknown>, where?: SourcePos): string {
    return this.guard(text, where, () => {
      const parts = this.run(this.compile(text, 'file'), new VarSession(this, vars));
      return keepNewlines(joinParts(parts), text);
    });
  }

  /** Evaluates a bare expression (`when:`, `that:`, `changed_when:`) to its native value. */
  evaluate(expr: string, vars: Record<string, unknown>, where?: SourcePos): unknown {
    return this.guard(expr, where, () => {
      const session = new VarSession(this, vars);
      let text = expr;
      if (isTemplated(text)) {
        const v = this.templateIn(text, session);
        if (typeof v !== 'string') return toNative(v);
        text = v;
      }
      if (text.trim() === '') return '';
      try {
        return toNative(this.run(this.compile(text, 'expression'), session)[0]);
      } catch (e) {
        // The expression was compiled as `{{ expr }}`: report columns of the user's text.
        if (e instanceof TemplateError && e.tplLine === 1 && e.tplCol !== undefined && !e.message.startsWith('template syntax')) e.tplCol = Math.max(1, e.tplCol - 3);
        throw e;
      }
    });
  }

  /** Templates every string in a value (recursively), with Ansible's native-type rules. */
  template<T>(value: T, vars: Record<string, unknown>, where?: SourcePos): T {
    return this.guard(typeof value === 'string' ? value : '', where, () => toNative(this.templateIn(value, new VarSession(this, vars))) as T);
  }

  /** Syntax check only, for `tsplay validate`: throws a TemplateError with the line. */
  compileCheck(text: string, where?: SourcePos, kind: 'template' | 'expression' = 'template'): void {
    this.guard(text, where, () => void this.compile(text, kind === 'expression' ? 'expression' : 'file'));
  }

  /** @internal Templating inside a session (also used for lazily templated variables). */
  templateIn(value: unknown, session: VarSession): unknown {
    if (typeof value === 'string') return this.templateString(value, session);
    if (Array.isArray(value)) return value.map((v) => this.templateIn(v, session));
    if (isMapping(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) setKey(out, k, this.templateIn(v, session));
      return out;
    }
    return value;
  }

  private templateString(text: string, session: VarSession): unknown {
    if (!isTemplated(text)) return text;
    const single = SINGLE_VAR.exec(text);
    if (single && Object.hasOwn(session.vars, single[1]!)) {
      const raw = session.vars[single[1]!];
      if (typeof raw === 'boolean' || isNumber(raw) || raw === null) return raw;
    }
    const result = concatNative(this.run(this.compile(escapeBackslashes(text), 'string'), session));
    return typeof result === 'string' ? keepNewlines(result, text) : result;
  }

  /** @internal Compiles (or fetches from the cache) a template or a bare expression. */
  compile(text: string, kind: Kind): Compiled {
    const key = `${kind}\0${text}`;
    let compiled = this.cache.get(key);
    if (compiled) return compiled;
    let src = text.replace(/\r\n?/g, '\n');
    if (kind === 'expression') src = `{{ ${src} }}`;
    else if (src.endsWith('\n')) src = src.slice(0, -1);
    let tokens: { lineno: number; colno: number } | undefined;
    try {
      tokens = tokenize(src, { trimBlocks: true });
      let ast = parseTemplate(tokens);
      if (kind === 'expression') {
        const out = ast.children[0];
        if (ast.children.length !== 1 || !(out instanceof nodes.Output) || out.children.length !== 1 || out.children[0] instanceof nodes.TemplateData) {
          fail('invalid expression');
        }
      }
      ast = transformer.transform(ast, [], 'template');
      const compiler = new (PyCompiler as any)('template', false) as PyCompiler;
      compiler.registry = registry;
      compiler.compile(ast);
      compiled = { root: new Function(compiler.getCode())().root };
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      const err = e as { message?: string; lineno?: number; colno?: number };
      let msg = String(err.message ?? e).replace(/^\(unknown path\)\s*(\[Line \d+, Column \d+\])?\s*/, '');
      if (kind === 'expression') msg = msg.replace('unexpected token: }}', 'unexpected end of expression');
      const t = new TemplateError(`template syntax error: ${msg}`);
      // Errors raised by the tokenizer itself carry no position: use where it stopped.
      t.tplLine = err.lineno ?? (tokens ? tokens.lineno + 1 : undefined);
      const col = err.lineno !== undefined ? err.colno : tokens ? tokens.colno + 1 : undefined;
      t.tplCol = kind === 'expression' && t.tplLine === 1 && col !== undefined ? Math.max(1, col - 3) : col;
      throw t;
    }
    const max = this.options.cacheSize ?? 10000;
    if (this.cache.size >= max) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, compiled);
    return compiled;
  }

  /** @internal Runs a compiled template; returns the top-level output parts (raw values and text). */
  run(compiled: Compiled, session: Session, frame?: any, parentCtx?: Record<string, unknown>): unknown[] {
    const context = new Context(parentCtx ?? {}, {}, sharedEnv) as PyContext;
    context.py = session;
    context.pyParts = [];
    const fr = frame ?? new Frame();
    fr.topLevel = true;
    let error: unknown;
    compiled.root(sharedEnv, context, fr, runtime, (e: unknown) => {
      error = e;
    });
    if (error) throw error;
    return context.pyParts;
  }

  /** Runs `fn`, giving template errors the user's file position and the template's text. */
  private guard<T>(text: string, where: SourcePos | undefined, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      if (!e.pos) {
        e.pos = posFor(where, e.tplLine, e.tplCol);
        if (text && !text.includes('\n') && text.length <= 200 && e.message.startsWith('template syntax error')) e.message += ` in ${JSON.stringify(text)}`;
      }
      throw e;
    }
  }
}
