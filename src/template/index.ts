/**
 * The template layer: Jinja2 as Ansible runs it, on top of nunjucks. Other layers import
 * only from here. See templar.ts for the rendering rules and README-level notes in the
 * individual files for how each Jinja/Python behaviour is reproduced.
 */
export { Templar, OMIT, markUnsafe, isTemplated, type TemplarOptions } from './templar.js';
export { TemplateError, UndefinedVariableError, PyFloat, pyRepr, pyStr, pyTruthy as truthy, toNative } from './pyvalues.js';
