/**
 * set_fact: sets host variables from its arguments, on the controller. Like Ansible with
 * jinja2_native off, the strings true/false/yes/no (any case) become booleans.
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type LocalResult } from '../../src/core/module.js';

const schema = Type.Object(
  {
    cacheable: Type.Optional(Type.Boolean({ description: 'Accepted for compatibility; tsplay has no fact cache, so it does nothing.', default: false })),
  },
  { additionalProperties: true, description: 'Every other key is a variable name and its value.' },
);

/** Python keywords, which Ansible refuses as variable names (str.isidentifier plus keyword check). */
const KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from global ' +
    'if import in is lambda nonlocal not or pass raise return try while with yield').split(' '),
);

export function validVariableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name);
}

export const setFact = defineModule({
  name: 'set_fact',
  description:
    'Sets variables on the current host for the rest of the play, from the task\'s key/value pairs. The strings ' +
    'true/false/yes/no become booleans, as in Ansible. `cacheable` is accepted and ignored.',
  schema,
  examples: `- set_fact:
    app_url: "http://{{ inventory_hostname }}:{{ app_port }}"
    app_ready: true
`,
  local(args): LocalResult {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
      if (k === 'cacheable') continue;
      if (!validVariableName(k)) {
        return {
          failed: true,
          msg: `The variable name '${k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`,
        };
      }
      facts[k] = typeof v === 'string' && /^(true|false|yes|no)$/i.test(v) ? /^(true|yes)$/i.test(v) : v;
    }
    if (Object.keys(facts).length === 0) {
      return { failed: true, msg: 'No key/value pairs provided, at least one is required for this action to succeed' };
    }
    return { changed: false, facts };
  },
});

export default setFact;
