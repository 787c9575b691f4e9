/**
 * The template layer: Jinja2 as Ansible runs it, built on nunjucks' tokenizer, parser and
 * compiler with Jinja's grammar and Python's value semantics put back. Other layers import
 * only from here; templar.ts describes the rendering rules, and each file explains the part
 * of Jinja or Python it reproduces.
 *
 * package.json pins nunjucks to one exact version: this layer subclasses and overrides nunjucks
 * internals (nunjucks/src/..., see nunjucks.ts) that are not public API and may change in any
 * release, so upgrading it means re-running the template tests, not a version range.
 */
export { Templar, OMIT, markUnsafe, isTemplated, type TemplarOptions } from './templar.js';
export { TemplateError, UndefinedVariableError, PyFloat, pyRepr, pyStr, pyTruthy as truthy, toNative } from './pyvalues.js';
