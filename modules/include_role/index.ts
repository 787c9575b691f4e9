/**
 * include_role and import_role: a role's tasks in a task list. These are the schemas and
 * documentation; the playbook parser (src/playbook/roles.ts) reads roles, the strategy
 * (src/executor/strategy.ts) runs include_role. Nothing runs on a host.
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type LocalResult } from '../../src/core/module.js';
import { BLOCK_KEYWORDS } from '../../src/playbook/schema.js';

const from = (what: string) => Type.Optional(Type.String({ description: `The file of the role's ${what}/ to read instead of main.yml.`, minLength: 1 }));

const options = {
  name: Type.String({ description: 'The role: its name (found in roles/ beside the playbook, then roles_path) or a path.', minLength: 1 }),
  tasks_from: from('tasks'),
  vars_from: from('vars'),
  defaults_from: from('defaults'),
  handlers_from: from('handlers'),
  allow_duplicates: Type.Optional(Type.Boolean({ description: 'Run the role again in this play even with the same parameters (default true).' })),
  rolespec_validate: Type.Optional(Type.Boolean({ description: "Accepted for Ansible's sake; tsplay reads no argument_specs." })),
};

/** Never called: the parser or the strategy acts on these tasks before any module would run. */
const handledElsewhere = (name: string) => (): LocalResult => ({ failed: true, msg: `${name} is run by the strategy, not as a module` });

export const includeRole = defineModule({
  name: 'include_role',
  description:
    "Runs a role's tasks when the task runs, as a task that may loop and be conditional. Its own `when` and `tags` decide the " +
    "include only; `apply` gives keywords to every task of the role. The role's defaults and vars are seen by its own tasks " +
    '(and by the rest of the play with `public: true`); its handlers join the play\'s.',
  schema: Type.Object(
    {
      ...options,
      public: Type.Optional(Type.Boolean({ description: "Make the role's defaults and vars visible to the rest of the play (default false)." })),
      apply: Type.Optional(Type.Object(BLOCK_KEYWORDS, { additionalProperties: false, description: 'Task keywords applied to every task of the role.' })),
    },
    { additionalProperties: false },
  ),
  examples: `- include_role:
    name: webapp
    tasks_from: deploy
  when: deploy | bool
`,
  local: handledElsewhere('include_role'),
});

export const importRole = defineModule({
  name: 'import_role',
  description:
    "Puts a role's tasks in place of this task when the playbook is read, as `roles:` does: the task's keywords apply to every task " +
    "of the role, the role's defaults and vars are seen by the whole play, and its handlers join the play's. It cannot loop.",
  schema: Type.Object(options, { additionalProperties: false }),
  examples: `- import_role:
    name: common
  vars: { motd: "managed by tsplay" }
`,
  local: handledElsewhere('import_role'),
});

export default includeRole;
