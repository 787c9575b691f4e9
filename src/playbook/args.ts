/**
 * Module arguments checked against the module's JSON Schema with ajv: defaults filled in,
 * numbers and booleans coerced as Ansible does (`"yes"` is true, `"10"` is 10). Before a run a
 * templated value (`"{{ x }}"`) cannot be type-checked, so errors on it are left for run time.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ModuleDef } from '../core/module.js';
import { closest } from '../core/suggest.js';
import { booleanOf } from '../py/bool.js';
import { BOOL_STRING } from './schema.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false, verbose: true });
// include_tasks' and include_role's `apply` take task keywords, whose booleans may be spelled as Ansible spells them.
ajv.addFormat('ansible-bool', BOOL_STRING);
const compiled = new WeakMap<object, ValidateFunction>();

export interface ArgProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
}

export function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && (v.includes('{{') || v.includes('{%'));
}

function anyTemplated(v: unknown): boolean {
  if (isTemplated(v)) return true;
  return v !== null && typeof v === 'object' && Object.values(v).some(anyTemplated);
}

function validator(module: ModuleDef): ValidateFunction {
  let v = compiled.get(module.schema);
  if (!v) compiled.set(module.schema, (v = ajv.compile(module.schema)));
  return v;
}

/** Ansible's boolean spellings (check_type_bool) for properties the schema types as boolean; ajv reports the rest. */
function coerceBooleans(schema: any, args: Record<string, unknown>): void {
  for (const [k, prop] of Object.entries<any>(schema?.properties ?? {})) {
    const v = args[k];
    if (prop?.type !== 'boolean' || (typeof v !== 'string' && typeof v !== 'number')) continue;
    const b = booleanOf(v);
    if (b !== undefined) args[k] = b;
  }
}

function describe(e: ErrorObject, module: ModuleDef): ArgProblem {
  const path = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = path.length ? `option '${path.join('.')}'` : `module '${module.name}'`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as any).additionalProperty as string;
      const known = Object.keys((module.schema as any).properties ?? {});
      const guess = closest(key, known);
      return {
        path: [...path, key],
        message: `unknown option '${key}' for module '${module.name}'`,
        hint: guess ? `did you mean '${guess}'?` : `known options: ${known.join(', ')}`,
      };
    }
    case 'required': {
      const missing = (e.params as any).missingProperty;
      const conditional = e.schemaPath.includes('/then/');
      return { path, message: `module '${module.name}' needs option '${missing}'${conditional ? ' with the options given' : ''}` };
    }
    case 'enum':
      return { path, message: `${where} must be one of: ${(e.params as any).allowedValues.join(', ')}` };
    case 'pattern': {
      // A schema may say in words what its pattern means (src/core/schema.ts).
      const said = (e.parentSchema as { patternMessage?: string } | undefined)?.patternMessage;
      return { path, message: `${where} ${said ?? e.message}${said ? `, got ${JSON.stringify(e.data)}` : ''}` };
    }
    default:
      return { path, message: `${where} ${e.message}` };
  }
}

/** A union of literals fails as one `const` error per literal: report them as one enum. */
function mergeConsts(errors: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  const enums = new Map<string, ErrorObject>();
  for (const e of errors) {
    if (e.keyword !== 'const') {
      out.push(e);
      continue;
    }
    const seen = enums.get(e.instancePath);
    if (seen) (seen.params as any).allowedValues.push((e.params as any).allowedValue);
    else {
      const merged = { ...e, keyword: 'enum', params: { allowedValues: [(e.params as any).allowedValue] } };
      enums.set(e.instancePath, merged);
      out.push(merged);
    }
  }
  // A failed union also reports the type errors of its other branches: drop those.
  return out.filter((e) => !(e.keyword === 'type' && enums.has(e.instancePath)));
}

function valueAt(root: any, path: (string | number)[]): unknown {
  return path.reduce((cur, seg) => (cur === null || typeof cur !== 'object' ? undefined : cur[seg]), root);
}

/**
 * Checks (and, in place, completes with defaults and coerces) a module's args.
 * With `lenient`, problems on templated values are ignored (they are checked after templating).
 */
export function checkArgs(module: ModuleDef, args: Record<string, unknown>, lenient = false): ArgProblem[] {
  coerceBooleans(module.schema, args);
  const validate = validator(module);
  if (validate(args)) {
    // Beyond the schema, on values known before the run (templated ones wait for run time).
    if (!module.validate || (lenient && anyTemplated(args))) return [];
    return module.validate(args);
  }
  const problems = mergeConsts(validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if').map((e) => describe(e, module));
  const unique = problems.filter((p, i) => problems.findIndex((q) => q.message === p.message) === i);
  if (!lenient) return unique;
  return unique.filter((p) => {
    for (let i = p.path.length; i >= 0; i--) if (isTemplated(valueAt(args, p.path.slice(0, i)))) return false;
    return true;
  });
}
