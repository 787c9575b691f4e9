/**
 * The regex filters' and tests' access to Python's `re` (src/py/re.ts): patterns arrive as any
 * template value and are printed with str() first, and re.error becomes a template error.
 */
import { PyReError, type ReFlags, pyRegExp, reExec, reFinditer, reSub } from '../py/re.js';
import { fail, pyStr } from './pyvalues.js';

function guard<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PyReError) fail(`${what}: ${e.message}`);
    throw e;
  }
}

/** A compiled pattern for a Python pattern given as a template value. */
export function pyRegex(pattern: unknown, flags: Pick<ReFlags, 'ignorecase' | 'multiline'> = {}): RegExp {
  const text = pyStr(pattern);
  return guard(() => pyRegExp(text, flags), `invalid regular expression ${JSON.stringify(text)}`);
}

/** Python's re.sub(pattern, repl, text). */
export function regexSub(re: RegExp, repl: string, text: string): string {
  return guard(() => reSub(re, repl, text), 'invalid replacement');
}

/** Python's re.match (anchored at the start) or re.search. */
export const regexExec = reExec;

/** Python's re.finditer. */
export const regexIter = reFinditer;
