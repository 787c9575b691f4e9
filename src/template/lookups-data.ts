/**
 * The lookups that only reshape their terms or read variables: list, items, indexed_items,
 * dict, together, nested, sequence, subelements (the same items as the `with_<lookup>` loops,
 * so they reuse src/playbook/loops.ts), and env and vars.
 */
import { loopItems } from '../playbook/loops.js';
import { pySplit } from './methods.js';
import { UndefinedVariableError, Undef, fail, isMapping, pyRepr, pyStr, tuple, typeName } from './pyvalues.js';
import { termText, type Plugin } from './lookups.js';

/** Ansible's listify_lookup_plugin_terms on one term: a list as it is, a dict as its keys, anything else in a list of one. */
const listify = (term: unknown): unknown[] => (Array.isArray(term) ? term : isMapping(term) ? Object.keys(term) : [term]);

/** LookupBase._flatten: together and nested splice list elements into their item. */
const flatten = (items: unknown[]): unknown[] => items.flatMap((x) => (Array.isArray(x) ? x : [x]));

export const DATA_LOOKUPS: Record<string, Plugin> = {
  list: (terms) => terms,
  items: (terms, _o, { dir }) => loopItems('items', terms, dir),
  // Python's zip(range(n), items): tuples, which print as (0, 'a') inside a string.
  indexed_items: (terms, _o, { dir }) => loopItems('items', terms, dir).map((x, i) => tuple([i, x])),
  dict: (terms, _o, { dir }) => terms.flatMap((t) => loopItems('dict', t, dir)),
  together(terms, _o, { dir }) {
    if (!terms.length) fail('with_together requires at least one element in each list');
    return loopItems('together', terms.map(listify), dir).map((x) => flatten(x as unknown[]));
  },
  nested(terms, _o, { dir }) {
    if (!terms.length) fail('with_nested requires at least one element in the nested list');
    return loopItems('nested', terms.map(listify), dir).map((x) => flatten(x as unknown[]));
  },
  sequence: (terms, _o, { dir }) => loopItems('sequence', terms.map((t) => termText('sequence', t)), dir),
  subelements: (terms, _o, { dir }) => loopItems('subelements', terms, dir).map((pair) => tuple(pair as unknown[])),

  /** The first word of each term names the variable; `default` (None counts as not given: '') when it is not set, and an undefined default fails. */
  env: (terms, options) =>
    terms.map((t) => {
      const name = pySplit(termText('env', t), null)[0];
      if (name === undefined) fail(`the env lookup needs a variable name, got ${pyRepr(t)}`);
      const value = process.env[name] ?? options.default ?? '';
      if (value instanceof Undef) throw new UndefinedVariableError(`The "env" lookup, found an undefined variable: ${name}`, name);
      return value;
    }),

  /**
   * A variable by a computed name, templated. A missing one is an undefined-variable error,
   * which `errors='ignore'` does not hide (as in Ansible); `default` (not None) replaces it.
   */
  vars: (terms, options, { session }) =>
    terms.map((t) => {
      if (typeof t !== 'string') fail(`Invalid setting identifier, "${pyStr(t)}" is not a string, its a <class '${typeName(t)}'>`);
      const value = session.vars[t] !== undefined ? session.lookup(t) : undefined;
      if (value !== undefined && !(value instanceof Undef)) return value;
      if (options.default !== undefined && options.default !== null) return options.default;
      if (value instanceof Undef) value.fail();
      throw new UndefinedVariableError(`No variable found with this name: ${t}`, t);
    }),
};
