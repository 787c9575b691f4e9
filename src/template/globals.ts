/**
 * Global functions templates can call: Jinja's `range`, `dict`, `namespace`, `cycler`,
 * `joiner`, and Ansible's `lookup` / `query` (alias `q`), which run a lookup plugin on the
 * controller (lookups-data.ts, lookups-files.ts, lookups-password.ts). They are called with the
 * render context as `this`, which carries the session (variables, rendering, warnings).
 */
import { splitArgs } from './callargs.js';
import { namespaces, type PyContext } from './runtime.js';
import { TemplateError, Undef, UndefinedVariableError, fail, isMapping, norm, pyStr, pyTruthy, setKey } from './pyvalues.js';
import { lookupCall, type Plugin } from './lookups.js';
import { DATA_LOOKUPS } from './lookups-data.js';
import { FILE_LOOKUPS } from './lookups-files.js';
import { password } from './lookups-password.js';

type Global = (this: PyContext, ...args: unknown[]) => unknown;

function range(this: PyContext, ...raw: unknown[]): number[] {
  const nums = splitArgs(raw).args.map((a) => {
    if (a instanceof Undef) a.fail();
    if (typeof a !== 'number' || !Number.isInteger(a)) fail(`'${pyStr(a)}' object cannot be interpreted as an integer`);
    return a;
  });
  const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  if (step === 0) fail('range() arg 3 must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > 100000) fail('Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).');
  }
  return out;
}

const PLUGINS: Record<string, Plugin> = { ...DATA_LOOKUPS, ...FILE_LOOKUPS, password };

/**
 * Ansible's Templar._lookup. The plugin's list is lookup()'s value joined with commas when
 * every item is a string, the lone item or the list otherwise, and an empty list as it is;
 * query() and `wantlist=True` always give the list. A failing plugin raises, or with
 * `errors='warn'` / `'ignore'` gives None (an empty list for query) after a warning or not;
 * an undefined variable raises whatever `errors` says, as in Ansible.
 */
function runLookup(ctx: PyContext, raw: unknown[], query: boolean): unknown {
  const { args, kw } = splitArgs(raw);
  const [nameArg, ...terms] = args.map(norm);
  if (nameArg instanceof Undef) nameArg.fail();
  if (typeof nameArg !== 'string') fail(`lookup() takes the name of a lookup plugin first, got ${pyStr(nameArg)}`);
  const name = nameArg.replace(/^ansible\.(builtin|legacy)\./, '');
  const plugin = Object.hasOwn(PLUGINS, name) ? PLUGINS[name]! : fail(`lookup plugin '${nameArg}' not found: tsplay supports ${Object.keys(PLUGINS).sort().join(', ')}`);
  for (const t of terms) if (t instanceof Undef) t.fail();
  const { wantlist = false, errors = 'strict', ...options } = kw;
  const asList = query || pyTruthy(wantlist);
  let ran: unknown[];
  try {
    ran = plugin(terms, options, lookupCall(ctx.py));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof UndefinedVariableError || (errors !== 'warn' && errors !== 'ignore')) throw e instanceof TemplateError ? e : new TemplateError(message);
    if (errors === 'warn') ctx.py.warn(`Lookup failed but the error is being ignored: ${message}`);
    return asList ? [] : null;
  }
  if (asList || !ran.length) return ran;
  if (ran.every((x) => typeof x === 'string')) return ran.join(',');
  return ran.length === 1 ? ran[0] : ran;
}

export const GLOBALS: Record<string, Global> = {
  range,
  lookup(...raw) {
    return runLookup(this, raw, false);
  },
  query(...raw) {
    return runLookup(this, raw, true);
  },
  q(...raw) {
    return runLookup(this, raw, true);
  },
  dict(...raw) {
    const { args, kw } = splitArgs(raw);
    const out: Record<string, unknown> = {};
    if (isMapping(args[0])) for (const [k, v] of Object.entries(args[0])) setKey(out, k, v);
    else if (Array.isArray(args[0])) for (const pair of args[0] as unknown[][]) setKey(out, pyStr(pair[0]), pair[1]);
    for (const [k, v] of Object.entries(kw)) setKey(out, k, v);
    return out;
  },
  namespace(...raw) {
    const ns: Record<string, unknown> = { ...splitArgs(raw).kw };
    namespaces.add(ns);
    return ns;
  },
  cycler(...items) {
    let i = 0;
    return {
      get current() {
        return items[i];
      },
      next() {
        const v = items[i];
        i = (i + 1) % items.length;
        return v;
      },
      reset() {
        i = 0;
        return null;
      },
    };
  },
  joiner(sep = ', ') {
    let used = false;
    return () => {
      if (!used) {
        used = true;
        return '';
      }
      return sep;
    };
  },
};

export function isGlobal(name: string): boolean {
  return Object.hasOwn(GLOBALS, name);
}
