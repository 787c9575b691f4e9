/**
 * The template layer: Jinja2 as Ansible runs it, built on nunjucks' tokenizer, parser and
 * compiler with Jinja's grammar and Python's value semantics put back. Other layers import
 * only from here; templar.ts describes the rendering rules, and each file explains the part
 * of Jinja or Python it reproduces.
 */
export { Templar, OMIT, markUnsafe, isTemplated, type TemplarOptions } from './templar.js';
export { TemplateError, UndefinedVariableError, PyFloat, pyRepr, pyStr, pyTruthy as truthy, toNative } from './pyvalues.js';
