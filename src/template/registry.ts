/**
 * The filter and test tables, and the one place filters and tests are invoked. Keeping
 * dispatch here (rather than in the runtime) lets filters such as `map('upper')` or
 * `select('match', 'x')` call other filters and tests without import cycles. Undefined
 * values are refused here before a filter runs, except by the few that handle them
 * (`default`, `mandatory`, `is defined`...), which is Ansible's StrictUndefined behaviour.
 */
import { bindArgs, splitArgs } from './callargs.js';
import { NativeText, Undef, norm, pyTruthy } from './pyvalues.js';
import { hasSecrets, mask, taint } from '../vault/taint.js';

/** What a template evaluation can ask of the Templar that runs it. */
export interface Session {
  /** A top-level name: a variable (templated on first use), a global, or an Undef. */
  lookup(name: string): unknown;
  /** The text of an `{% include %}`d template, rendered with the caller's variables and frame. */
  include(name: string, parentCtx: Record<string, unknown>, frame: unknown, ignoreMissing: boolean): string;
  /**
   * Renders the text of a template file with the session's variables and `extra` on top, as
   * lookup('template') does: native values as a playbook string gives them, newlines kept.
   */
  renderFile(text: string, file: string, extra: Record<string, unknown>): unknown;
  /** The raw variables, for `lookup('vars', ...)`. */
  readonly vars: Record<string, unknown>;
  /** Reports a warning (lookup errors with `errors='warn'`). */
  warn(message: string): void;
}

export interface Def {
  params: readonly string[];
  fn: (a: any[], s: Session) => unknown;
  /** The function receives Undefined values itself instead of them raising on entry. */
  lazy?: boolean;
}

export const FILTERS = new Map<string, Def>();
export const TESTS = new Map<string, Def>();

export function defineFilter(names: string | string[], params: readonly string[], fn: Def['fn'], lazy = false): void {
  for (const n of ([] as string[]).concat(names)) FILTERS.set(n, { params, fn, lazy });
}

export function defineTest(names: string | string[], params: readonly string[], fn: Def['fn'], lazy = false): void {
  for (const n of ([] as string[]).concat(names)) TESTS.set(n, { params, fn, lazy });
}

function invoke(kind: string, table: Map<string, Def>, name: string, raw: unknown[], s: Session): unknown {
  const def = table.get(name);
  if (!def) throw new Error(`no ${kind} named '${name}'`);
  const call = splitArgs(raw.map(norm));
  if (!def.lazy) {
    for (const v of call.args) if (v instanceof Undef) v.fail();
    for (const v of Object.values(call.kw)) if (v instanceof Undef) v.fail();
  }
  return def.fn(bindArgs(name, def.params, call), s);
}

/** Ansible's STRING_TYPE_FILTERS: their result, as a whole playbook value, stays a string. */
const STRING_TYPE_FILTERS = new Set(['string', 'to_json', 'to_nice_json', 'to_yaml', 'to_nice_yaml']);

/** `value | name(args)`: `raw` starts with the filtered value. */
export function callFilter(s: Session, name: string, raw: unknown[]): unknown {
  const out = invoke('filter', FILTERS, name, raw, s);
  taintDerived(raw, out);
  return STRING_TYPE_FILTERS.has(name) && typeof out === 'string' ? new NativeText(out) : out;
}

/**
 * A filter's text made from a vaulted value no longer holding it as it is (`upper`,
 * `b64encode`, `regex_replace`...) is a secret of its own, masked as the value is
 * (src/vault/taint.ts); one that still holds it is masked where it holds it.
 */
function taintDerived(raw: unknown[], out: unknown): void {
  if (!hasSecrets() || typeof out !== 'string' || mask(out) !== out) return;
  if (raw.some((v) => typeof v === 'string' && mask(v) !== v)) taint(out);
}

/** `value is name(args)`, as a boolean. */
export function callTest(s: Session, name: string, value: unknown, args: unknown[]): boolean {
  return pyTruthy(invoke('test', TESTS, name, [value, ...args], s));
}
