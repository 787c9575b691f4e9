/**
 * The runtime object compiled templates receive. It starts as a copy of nunjucks' runtime (for
 * the machinery we keep: frames, macros, SafeString) and replaces what decides semantics:
 * name and attribute lookup (Undefined instead of JavaScript undefined), calls, iteration,
 * operators, output finalization and error positions. It is our own object, passed only to
 * templates we compile, so nunjucks' global runtime is left untouched.
 */
import { baseRuntime } from './nunjucks.js';
import { callMethod, member } from './methods.js';
import * as ops from './operators.js';
import { type Session, callFilter, callTest } from './registry.js';
import {
  PyFloat,
  TemplateError,
  Undef,
  fail,
  isMapping,
  mkFloat,
  norm,
  pyStr,
  pyTruthy,
  setKey,
  toNum,
  tuple,
  typeName,
} from './pyvalues.js';
import './filters.js';
import './filters-lists.js';
import './filters-data.js';
import './tests.js';

/** The nunjucks Context of one render, with our session and the collected top-level output. */
export interface PyContext {
  ctx: Record<string, unknown>;
  py: Session;
  pyParts: unknown[];
}

/** Objects made by namespace(): the only ones `{% set ns.attr = value %}` may modify. */
export const namespaces = new WeakSet<object>();

/** Python iteration for `{% for %}`: dict keys, string characters, an error for None or Undefined. */
function iter(v: unknown, names: number, pred?: (item: unknown) => boolean): unknown {
  if (v instanceof Undef) v.fail();
  v = norm(v);
  let items: unknown;
  if (typeof v === 'string') items = Array.from(v);
  else if (Array.isArray(v)) items = v;
  else if (isMapping(v)) items = names === 1 ? Object.keys(v) : pred ? Object.entries(v).map((e) => tuple(e)) : v;
  else if (v !== null && typeof v === 'object' && Symbol.iterator in v) items = Array.from(v as Iterable<unknown>);
  else fail(`'${typeName(v)}' object is not iterable`);
  return pred ? (items as unknown[]).filter(pred) : items;
}

/** Python slicing `seq[start:stop:step]` of strings (by code point) and lists. */
function slice(seq: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  for (const v of [seq, start, stop, step]) if (v instanceof Undef) v.fail();
  seq = norm(seq);
  const items = typeof seq === 'string' ? Array.from(seq) : Array.isArray(seq) ? seq : fail(`'${typeName(seq)}' object is not subscriptable`);
  const len = items.length;
  const st = step === null ? 1 : toNum(step);
  if (st === 0) fail('slice step cannot be zero');
  const clamp = (v: unknown, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    let i = toNum(v);
    if (i < 0) i += len;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) {
    for (let i = clamp(start, 0, 0, len), end = clamp(stop, len, 0, len); i < end; i += st) out.push(items[i]);
  } else {
    for (let i = clamp(start, len - 1, -1, len - 1), end = clamp(stop, -1, -1, len - 1); i > end; i += st) out.push(items[i]);
  }
  return typeof seq === 'string' ? out.join('') : out;
}

/** Python dict display `{k: v}`: keys are evaluated expressions, stored as strings. */
function dict(pairs: [unknown, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of pairs) {
    if (k instanceof Undef) k.fail();
    setKey(out, typeof k === 'string' ? k : pyStr(k), v);
  }
  return out;
}

function kwargs(pairs: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = { __keywords: true };
  for (const [k, v] of pairs) setKey(out, k, v);
  return out;
}

/** What `{{ value }}` prints inside macros and captures: Ansible's finalize (None is '') then str(). */
function out(v: unknown): string {
  if (v instanceof Undef) v.fail();
  v = norm(v);
  return v === null || v === undefined ? '' : pyStr(v);
}

export const runtime: Record<string, unknown> = {
  ...baseRuntime,
  contextOrFrameLookup(context: PyContext, frame: any, name: string): unknown {
    const v = frame.lookup(name);
    if (v !== undefined) return v;
    if (Object.hasOwn(context.ctx, name)) return context.ctx[name];
    return context.py.lookup(name);
  },
  member,
  callMethod,
  call(fn: unknown, name: string, context: PyContext, args: unknown[]): unknown {
    if (fn instanceof Undef) fn.fail();
    fn = norm(fn);
    if (typeof fn !== 'function') fail(`'${typeName(fn)}' object is not callable (${name})`);
    return (fn as (...a: unknown[]) => unknown).apply(context, args);
  },
  setAttr(obj: unknown, key: unknown, value: unknown): void {
    if (obj instanceof Undef) obj.fail();
    if (typeof obj !== 'object' || obj === null || !namespaces.has(obj)) fail('cannot assign attribute on non-namespace object');
    setKey(obj as Record<string, unknown>, pyStr(key), value);
  },
  iter,
  freshIteration(frame: any, keep: string[]): void {
    for (const k of Object.keys(frame.variables)) if (k !== 'loop' && !keep.includes(k)) delete frame.variables[k];
  },
  neighbour(arr: unknown, i: number): unknown {
    return Array.isArray(arr) && i >= 0 && i < arr.length ? arr[i] : new Undef('loop item', 'there is no such loop item');
  },
  slice,
  truthy: pyTruthy,
  or: (a: unknown, b: () => unknown) => (pyTruthy(a) ? a : b()),
  and: (a: unknown, b: () => unknown) => (pyTruthy(a) ? b() : a),
  ...ops,
  tuple,
  dict,
  kwargs,
  flt: (n: number): number | PyFloat => mkFloat(n),
  /** Jinja's inline if without else yields a plain (non-strict) Undefined, which prints as ''. */
  undef: () => '',
  filter: (context: PyContext, name: string, args: unknown[]) => callFilter(context.py, name, args),
  test: (context: PyContext, name: string, value: unknown, args: unknown[]) => callTest(context.py, name, value, args),
  out,
  part(context: PyContext, v: unknown): void {
    if (v instanceof Undef) v.fail();
    context.pyParts.push(v === undefined ? null : v);
  },
  data(context: PyContext, s: string): void {
    context.pyParts.push(s);
  },
  include(context: PyContext, frame: unknown, name: unknown, ignoreMissing: boolean): string {
    if (name instanceof Undef) name.fail();
    return context.py.include(pyStr(name), context.ctx, frame, ignoreMissing);
  },
  handleError(e: any, lineno: number, colno: number): unknown {
    if (e instanceof TemplateError) {
      if (e.tplLine === undefined) {
        e.tplLine = lineno + 1;
        e.tplCol = colno + 1;
      }
      return e;
    }
    if (e && typeof e.lineno === 'number') return e;
    const err = new TemplateError(e instanceof Error ? e.message : String(e));
    err.tplLine = lineno + 1;
    err.tplCol = colno + 1;
    return err;
  },
};
