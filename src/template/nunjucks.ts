/**
 * Access to the nunjucks internals this layer builds on: its tokenizer, parser, compiler, AST
 * node classes and runtime. They are not part of nunjucks' typed public API, so they are loaded
 * through createRequire and typed loosely here, in one place; every other file imports them
 * from this module. We never modify these shared objects: our behaviour lives in subclasses,
 * per-instance overrides and a runtime object of our own.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const nunjucks: any = require('nunjucks');

export const Environment: any = nunjucks.Environment;
export const Template: any = nunjucks.Template;
export const lexer: any = nunjucks.lexer;
export const nodes: any = nunjucks.nodes;
export const Parser: any = nunjucks.parser.Parser;
export const Compiler: any = nunjucks.compiler.Compiler;
export const baseRuntime: any = nunjucks.runtime;
export const transformer: any = require('nunjucks/src/transformer.js');
export const SafeString: any = nunjucks.runtime.SafeString;
export const Frame: any = nunjucks.runtime.Frame;

/** One shared, never-configured nunjucks Environment: compiled code and Context need one. */
export const sharedEnv: any = new Environment([], { autoescape: false });

/**
 * nunjucks does not export its Context class, yet we drive compiled templates ourselves (so
 * that they run with our runtime and our errors escape unwrapped). A one-off template whose
 * root function records `context.constructor` hands us the class.
 */
export const Context: any = (() => {
  let cls: any;
  const root = (_env: any, context: any, _frame: any, _rt: any, cb: (e: unknown, r: string) => void) => {
    cls = context.constructor;
    cb(null, '');
  };
  new Template({ type: 'code', obj: { root } }, sharedEnv, 'bootstrap', true).render({});
  return cls;
})();
