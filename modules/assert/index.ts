/**
 * assert: evaluates conditions on the controller and fails on the first false one, with the
 * result keys Ansible gives (`assertion`, `evaluated_to`).
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type LocalResult } from '../../src/core/module.js';

// Boolean first: ajv's type coercion would otherwise turn a templated-to-true value into the text 'true'.
const condition = Type.Union([Type.Boolean(), Type.String({ minLength: 1 })]);
const message = Type.Union([Type.String(), Type.Array(Type.String())]);

const schema = Type.Object(
  {
    that: Type.Union([condition, Type.Array(condition, { minItems: 1 })], {
      description: 'A condition or list of conditions: bare Jinja expressions as in `when:`; all must be true.',
    }),
    fail_msg: Type.Optional(Type.Union(message.anyOf, { description: 'Message when an assertion fails (default "Assertion failed").' })),
    msg: Type.Optional(Type.Union(message.anyOf, { description: 'Alias of `fail_msg`.' })),
    success_msg: Type.Optional(Type.Union(message.anyOf, { description: 'Message when all assertions pass (default "All assertions passed").' })),
    quiet: Type.Optional(Type.Boolean({ description: 'Show less output when assertions pass (accepted; the result is the same).', default: false })),
  },
  { additionalProperties: false },
);

export const assert = defineModule({
  name: 'assert',
  description:
    'Checks that every expression in `that` is true (evaluated like `when:` on the controller). The first false one ' +
    'fails the task with `fail_msg` (default "Assertion failed") and reports it as `assertion`, with ' +
    '`evaluated_to: false`; otherwise the task is ok with `success_msg`.',
  schema,
  examples: `- assert:
    that:
      - ansible_facts.memtotal_mb >= 1024
      - app_port | int > 1024
    fail_msg: "{{ inventory_hostname }} is too small"
`,
  local(args, ctx): LocalResult {
    const conditions = Array.isArray(args.that) ? args.that : [args.that];
    for (const cond of conditions) {
      let holds: boolean;
      if (typeof cond === 'boolean') holds = cond;
      else {
        try {
          holds = ctx.condition(cond);
        } catch (e) {
          return { failed: true, msg: `The conditional check '${cond}' failed. The error was: ${(e as Error).message}` };
        }
      }
      if (!holds) {
        return {
          changed: false,
          failed: true,
          assertion: cond,
          evaluated_to: false,
          // Any value, as in Ansible (a list of lines prints as a list); LocalResult types msg as text.
          msg: (args.fail_msg ?? args.msg ?? 'Assertion failed') as string,
        };
      }
    }
    return { changed: false, msg: (args.success_msg ?? 'All assertions passed') as string };
  },
});

export default assert;
