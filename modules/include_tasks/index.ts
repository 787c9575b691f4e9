/**
 * include_tasks, import_tasks and the old include: task files brought into a task list. These
 * are the schemas and documentation; the work is the playbook parser's (imports, src/playbook)
 * and the strategy's (includes, src/executor/strategy.ts). Nothing runs on a host.
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type LocalResult } from '../../src/core/module.js';
import { BLOCK_KEYWORDS } from '../../src/playbook/schema.js';

const file = Type.String({ description: 'The task file: relative to the role\'s tasks/, then the including file\'s folder, then the playbook\'s.', minLength: 1 });

/** Never called: the parser or the strategy acts on these tasks before any module would run. */
function handledElsewhere(name: string) {
  return (): LocalResult => ({ failed: true, msg: `${name} is run by the strategy, not as a module` });
}

export const includeTasks = defineModule({
  name: 'include_tasks',
  description:
    'Runs the tasks of a file, chosen when the task runs: the name may be a template, the task may loop (each item includes the file ' +
    'once, with the loop variable set) and be conditional. Its own `when` and `tags` decide the include only; `apply` gives keywords ' +
    '(tags, become, when...) to every included task, and `vars` are set for them. Prints `included: FILE for HOSTS`, counted ok.',
  schema: Type.Object(
    {
      file: Type.Optional(file),
      _raw_params: Type.Optional(file),
      apply: Type.Optional(Type.Object(BLOCK_KEYWORDS, { additionalProperties: false, description: 'Task keywords applied to every included task.' })),
    },
    { additionalProperties: false },
  ),
  freeForm: '_raw_params',
  examples: `- include_tasks: "{{ ansible_facts.os_family | lower }}.yml"

- include_tasks:
    file: user.yml
    apply: { become: true, tags: [users] }
  loop: "{{ users }}"
`,
  local: handledElsewhere('include_tasks'),
});

export const importTasks = defineModule({
  name: 'import_tasks',
  description:
    'Puts the tasks of a file in place of this task when the playbook is read: its `when`, `tags`, `vars` and other keywords apply to ' +
    'every imported task, and --list-tasks shows them. The file name cannot depend on a host (use include_tasks), and the task cannot loop.',
  schema: Type.Object({ file: Type.Optional(file), _raw_params: Type.Optional(file) }, { additionalProperties: false }),
  freeForm: '_raw_params',
  examples: `- import_tasks: firewall.yml
  tags: [firewall]
`,
  local: handledElsewhere('import_tasks'),
});

export const include = defineModule({
  name: 'include',
  description: "Ansible's deprecated include: tsplay imports the file as import_tasks does (as ansible-core 2.14 does here), with Ansible's deprecation warning.",
  schema: Type.Object({ _raw_params: file }, { additionalProperties: false }),
  freeForm: '_raw_params',
  examples: `- include: common-tasks.yml
`,
  local: handledElsewhere('include'),
});

export default includeTasks;
