/**
 * debug: prints a message or a variable on the controller, as Ansible's debug action does.
 * Nothing runs on the host.
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type LocalResult } from '../../src/core/module.js';

const schema = Type.Object(
  {
    // No schema default: a filled-in msg would then clash with var.
    msg: Type.Optional(Type.Unknown({ description: 'The message to print (any value; templated with the task). Default "Hello world!".' })),
    var: Type.Optional(Type.String({ description: 'A variable name or bare expression whose value is printed as `"var": value`.', minLength: 1 })),
    verbosity: Type.Optional(
      Type.Integer({ description: 'Print only when the run is at least this verbose (`-v` is 1); otherwise the task is skipped.', minimum: 0, default: 0 }),
    ),
  },
  { additionalProperties: false },
);

/** What Ansible prints for a `var` that is not defined. */
export const NOT_DEFINED = 'VARIABLE IS NOT DEFINED!';

/** Whether an evaluation error means "undefined variable" (Ansible's AnsibleUndefinedVariable). */
function isUndefinedError(e: unknown): boolean {
  const err = e as { name?: unknown; message?: unknown };
  return /undefined/i.test(String(err?.name ?? '')) || /undefined|is not defined/i.test(String(err?.message ?? ''));
}

export const debug = defineModule({
  name: 'debug',
  description:
    'Prints `msg` (default "Hello world!") or the value of the variable or expression `var` on the controller; ' +
    'an undefined `var` prints "VARIABLE IS NOT DEFINED!". Never changes anything. With `verbosity: N` the ' +
    'task is skipped unless the run is at least that verbose.',
  schema,
  examples: `- debug:
    msg: "{{ inventory_hostname }} runs {{ ansible_facts.distribution }}"

- debug:
    var: result.stdout_lines
    verbosity: 1
`,
  local(args, ctx): LocalResult {
    if (args.msg !== undefined && args.var !== undefined) {
      return { failed: true, msg: "'msg' and 'var' are incompatible options" };
    }
    const verbosity = args.verbosity ?? 0;
    const level = Number(ctx.vars.ansible_verbosity ?? 0);
    if (verbosity > (Number.isFinite(level) ? level : 0)) {
      return { changed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' };
    }
    // Ansible's msg may be any value (a list prints as a list); LocalResult types it as text.
    if (args.var === undefined) return { changed: false, msg: (args.msg ?? 'Hello world!') as string };
    let value: unknown;
    try {
      value = ctx.evaluate(args.var);
    } catch (e) {
      if (!isUndefinedError(e)) throw e;
      value = undefined;
    }
    return { changed: false, [args.var]: value === undefined ? NOT_DEFINED : value };
  },
});

export default debug;
