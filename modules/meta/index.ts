/**
 * meta: steers the run itself rather than a host (flush handlers, end the play or a host, clear
 * host errors). The executor runs these (src/executor/strategy.ts); this module is their
 * schema and documentation, and runs `noop`.
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type LocalResult } from '../../src/core/module.js';

export const META_ACTIONS = ['noop', 'flush_handlers', 'end_play', 'end_host', 'end_batch', 'clear_host_errors', 'clear_facts', 'refresh_inventory'] as const;
export type MetaAction = (typeof META_ACTIONS)[number];

const schema = Type.Object(
  {
    free_form: Type.Union(
      META_ACTIONS.map((a) => Type.Literal(a)),
      { description: `The action: ${META_ACTIONS.join(', ')}.` },
    ),
  },
  { additionalProperties: false, required: ['free_form'] },
);

export const meta = defineModule({
  name: 'meta',
  description:
    'Acts on the run as Ansible\'s meta does: `flush_handlers` runs the handlers notified so far; `end_host` ends the play for ' +
    'the host, `end_play` (and `end_batch`) for every host; `clear_host_errors` lets hosts that failed run the next plays; ' +
    '`clear_facts` forgets gathered facts; `refresh_inventory` (the inventory is read once per run) and `noop` do nothing. ' +
    'A `when` decides per host (for end_play and clear_host_errors, the first host decides). Nothing is counted in the recap.',
  schema,
  freeForm: 'free_form',
  examples: `- meta: flush_handlers

- meta: end_host
  when: ansible_facts.distribution != 'Debian'
`,
  local(): LocalResult {
    return { changed: false, msg: 'noop' };
  },
});

export default meta;
