/**
 * fail: ends the task (and so the host's run) with a message, on the controller.
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type LocalResult } from '../../src/core/module.js';

const schema = Type.Object(
  {
    msg: Type.Optional(Type.Unknown({ description: 'The failure message (any value).', default: 'Failed as requested from task' })),
  },
  { additionalProperties: false },
);

export const fail = defineModule({
  name: 'fail',
  description: 'Fails the task with `msg` (default "Failed as requested from task"); usually guarded by `when`.',
  schema,
  examples: `- fail:
    msg: "this role needs Debian, not {{ ansible_facts.os_family }}"
  when: ansible_facts.os_family != 'Debian'
`,
  local(args): LocalResult {
    // Any value, as in Ansible; LocalResult types msg as text.
    return { changed: false, failed: true, msg: (args.msg ?? 'Failed as requested from task') as string };
  },
});

export default fail;
