/**
 * Python-style argument binding for filters, tests and globals. nunjucks passes keyword
 * arguments (`sort(attribute='name')`) as a trailing object marked `__keywords`; this turns a
 * call into positional values matched against a parameter list the way Python binds them,
 * with Python's errors for unknown keywords or too many arguments.
 */
import { fail, setKey } from './pyvalues.js';

export interface CallArgs {
  args: unknown[];
  kw: Record<string, unknown>;
}

export function isKeywords(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.hasOwn(v, '__keywords');
}

/** Separates positional arguments from the trailing keyword object, if any. */
export function splitArgs(raw: unknown[]): CallArgs {
  const last = raw[raw.length - 1];
  if (!isKeywords(last)) return { args: raw, kw: {} };
  const kw: Record<string, unknown> = { ...last };
  delete kw.__keywords;
  return { args: raw.slice(0, -1), kw };
}

/**
 * Binds arguments to `params` (names; `*name` collects extra positionals as an array,
 * `**name` collects unknown keywords as an object). Missing parameters are `undefined`, so
 * callers can default them with JavaScript default values while an explicit None stays null.
 */
export function bindArgs(fname: string, params: readonly string[], call: CallArgs): unknown[] {
  const out: unknown[] = new Array(params.length).fill(undefined);
  const star = params.findIndex((p) => p.startsWith('*') && !p.startsWith('**'));
  const dstar = params.findIndex((p) => p.startsWith('**'));
  const plain = star >= 0 ? star : dstar >= 0 ? dstar : params.length;
  if (call.args.length > plain && star < 0) {
    fail(`${fname}() takes at most ${plain} positional arguments (${call.args.length} given)`);
  }
  call.args.slice(0, plain).forEach((v, i) => (out[i] = v));
  if (star >= 0) out[star] = call.args.slice(plain);
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(call.kw)) {
    const i = params.indexOf(k);
    if (i >= 0 && i !== star && i !== dstar) {
      if (i < call.args.length && i < plain) fail(`${fname}() got multiple values for argument '${k}'`);
      out[i] = v;
    } else if (dstar >= 0) setKey(extra, k, v);
    else fail(`${fname}() got an unexpected keyword argument '${k}'`);
  }
  if (dstar >= 0) out[dstar] = extra;
  return out;
}
