/**
 * Global functions templates can call: Jinja's `range`, `dict`, `namespace`, `cycler`,
 * `joiner`, and Ansible's `lookup` / `query` with the lookup plugins that need nothing but the
 * controller (`env`, `vars`, `file`, `template`, `items`, `list`). They are called with the
 * render context as `this`, which carries the session (variables, file reader).
 */
import { splitArgs } from './callargs.js';
import { namespaces, type PyContext } from './runtime.js';
import { Undef, fail, isMapping, pyStr, pyTruthy, setKey } from './pyvalues.js';
import { flatten } from './filters-lists.js';
import { Frame } from './nunjucks.js';

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

type Plugin = (ctx: PyContext, terms: unknown[], kw: Record<string, unknown>) => unknown[];

const PLUGINS: Record<string, Plugin> = {
  env: (_ctx, terms, kw) => terms.map((t) => process.env[pyStr(t)] ?? (kw.default !== undefined ? kw.default : '')),
  vars: (ctx, terms, kw) =>
    terms.map((t) => {
      const v = ctx.py.lookup(pyStr(t));
      if (!(v instanceof Undef)) return v;
      return kw.default !== undefined ? kw.default : fail(`No variable found with this name: ${pyStr(t)}`);
    }),
  file: (ctx, terms, kw) =>
    terms.map((t) => {
      let text = ctx.py.readFile(pyStr(t));
      if (pyTruthy(kw.lstrip ?? false)) text = text.trimStart();
      if (pyTruthy(kw.rstrip ?? true)) text = text.trimEnd();
      return text;
    }),
  template: (ctx, terms) => terms.map((t) => ctx.py.include(pyStr(t), {}, new Frame(), false, true)),
  items: (_ctx, terms) => flatten(terms, 1, false),
  list: (_ctx, terms) => terms,
};

function runLookup(ctx: PyContext, raw: unknown[], wantlistDefault: boolean): unknown {
  const { args, kw } = splitArgs(raw);
  const [nameArg, ...terms] = args;
  for (const t of terms) if (t instanceof Undef) t.fail();
  const name = pyStr(nameArg).replace(/^ansible\.(builtin|legacy)\./, '');
  const plugin = PLUGINS[name];
  if (!plugin) fail(`lookup plugin '${name}' is not supported by tsplay`);
  const { wantlist = wantlistDefault, errors: _errors, ...options } = kw;
  const ran = plugin(ctx, terms.length === 1 && Array.isArray(terms[0]) && name !== 'list' ? terms[0] : terms, options);
  if (pyTruthy(wantlist)) return ran;
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
