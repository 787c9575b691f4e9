/**
 * The keywords of plays, tasks and handlers as JSON Schemas (TypeBox), checked with ajv before
 * any host is contacted. The module of a task is every key these schemas do not list; its
 * arguments are checked against the module's own schema (args.ts). Each keyword's schema carries
 * a `description` of what it accepts, which the error message quotes.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ORDERS } from './types.js';

/** Ansible's boolean spellings, or a template deciding at run time. */
export const BOOL_STRING = /^(yes|no|true|false|on|off|y|n|1|0|\{\{.*\}\})$/is;

const Str = Type.Union([Type.String(), Type.Number()], { description: 'a string' });
const Bool = Type.Union([Type.Boolean(), Type.String({ format: 'ansible-bool' })], { description: 'a boolean (true/false, yes/no, or a template)' });
const Mapping = Type.Record(Type.String(), Type.Unknown(), { description: 'a mapping' });
const Names = Type.Union([Str, Type.Array(Str)], { description: 'a string or a list of strings' });
const Tags = Type.Union([Str, Type.Array(Type.Union([Str, Type.Boolean()]))], { description: 'a tag or a list of tags' });
const Cond = Type.Union([Type.String(), Type.Boolean(), Type.Array(Type.Union([Type.String(), Type.Boolean()]))], {
  description: 'a condition or a list of conditions (all must hold)',
});
const TaskList = Type.Array(Type.Unknown(), { description: 'a list of tasks' });
const Seconds = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\s*\\{\\{.*\\}\\}\\s*$' })], {
  description: 'a whole number of seconds',
});

/** Every keyword is optional but those listed first (hosts). */
const optional = (props: Record<string, TSchema>) => Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)]));

export const PlaySchema = Type.Object(
  {
    hosts: Type.Union([Type.String({ minLength: 1 }), Type.Array(Str, { minItems: 1 })], { description: 'a host pattern or a list of them' }),
    ...optional({
      name: Str,
      vars: Mapping,
      vars_files: Names,
      gather_facts: Bool,
      become: Bool,
      become_user: Str,
      become_method: Type.Literal('sudo', { description: "'sudo' (the only method tsplay runs)" }),
      remote_user: Str,
      connection: Type.Union([Type.Literal('ssh'), Type.Literal('local')], { description: "'ssh' or 'local'" }),
      pre_tasks: TaskList,
      roles: Type.Array(Type.Unknown(), { description: 'a list of roles (names, or mappings with role: and its keywords and parameters)' }),
      tasks: TaskList,
      post_tasks: TaskList,
      handlers: TaskList,
      tags: Tags,
      environment: Mapping,
      any_errors_fatal: Bool,
      ignore_unreachable: Bool,
      check_mode: Bool,
      diff: Bool,
      no_log: Bool,
      serial: Type.Union([Str, Type.Array(Str, { minItems: 1 })], { description: 'a number of hosts, a percentage ("25%"), or a list of them (the last repeats)' }),
      max_fail_percentage: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.String({ pattern: '^\\s*\\{\\{.*\\}\\}\\s*$' })], {
        description: 'a percentage (0-100) of a batch that may fail before the play stops',
      }),
      order: Type.Union(ORDERS.map((o) => Type.Literal(o)), { description: `one of ${ORDERS.join(', ')}` }),
      strategy: Type.Union([Type.Literal('linear'), Type.Literal('free')], { description: "'linear' (the default: every host finishes a task before the next) or 'free' (each host as fast as it can)" }),
      batch_check: Type.Array(Type.Unknown(), { description: "tsplay's own: tasks each batch's hosts must pass before the next batch starts" }),
      batch_pause: Seconds,
      max_fail_total: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*(\\d+\\s*%|\\{\\{.*\\}\\})\\s*$' })], {
        description: "tsplay's own: how many of the play's hosts (a number, or a percentage) may fail across all its batches before no further batch starts",
      }),
    }),
  },
  { additionalProperties: false },
);

export const HandlerSchema = Type.Object(
  optional({
    name: Str,
    when: Cond,
    loop: Type.Unknown(),
    with_items: Type.Unknown(),
    with_list: Type.Unknown(),
    with_dict: Type.Unknown(),
    with_together: Type.Unknown(),
    with_nested: Type.Unknown(),
    with_sequence: Type.Unknown(),
    with_subelements: Type.Unknown(),
    with_fileglob: Type.Unknown(),
    loop_control: Type.Object(
      optional({
        loop_var: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
        index_var: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
        label: Type.Unknown(),
        pause: Type.Number({ minimum: 0 }),
        extended: Bool,
        extended_allitems: Bool,
      }),
      { additionalProperties: false, description: 'a mapping of loop_var, index_var, label, pause, extended and extended_allitems' },
    ),
    register: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'a variable name' }),
    changed_when: Cond,
    failed_when: Cond,
    ignore_errors: Bool,
    notify: Names,
    listen: Names,
    tags: Tags,
    check_mode: Bool,
    diff: Bool,
    no_log: Bool,
    environment: Mapping,
    become: Bool,
    become_user: Str,
    become_method: Type.Literal('sudo', { description: "'sudo' (the only method tsplay runs)" }),
    vars: Mapping,
    args: Mapping,
    timeout: Seconds,
    until: Cond,
    retries: Type.Union([Type.Integer(), Type.String({ pattern: '^\\s*\\{\\{.*\\}\\}\\s*$' })], { description: 'how many times to retry until `until` holds (default 3)' }),
    delay: Seconds,
    async: Seconds,
    poll: Seconds,
    throttle: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\s*\\{\\{.*\\}\\}\\s*$' })], { description: 'at most this many hosts run the task at once (0: forks)' }),
    delegate_to: Str,
    delegate_facts: Bool,
    run_once: Bool,
    local_action: Type.Union([Type.String(), Mapping], { description: 'a module and its arguments, run on the controller' }),
    action: Type.Union([Type.String(), Mapping], { description: "a module and its arguments ('copy src=a dest=b', or a mapping with module:)" }),
  }),
  { additionalProperties: false },
);

export const TaskSchema = Type.Omit(HandlerSchema, ['listen'], { additionalProperties: false });

/** The keywords a block passes down to the tasks inside it (Ansible's inheritable attributes tsplay has). */
export const INHERITED = ['become', 'become_user', 'become_method', 'ignore_errors', 'check_mode', 'diff', 'no_log', 'timeout', 'notify', 'delegate_to', 'delegate_facts', 'run_once', 'throttle'] as const;

/** The keywords a block (and include_tasks' `apply`, and a role's entry) gives the tasks inside it. */
export const BLOCK_KEYWORDS = optional({
  when: Cond,
  tags: Tags,
  vars: Mapping,
  environment: Mapping,
  ...Object.fromEntries(INHERITED.map((k) => [k, HandlerSchema.properties[k]])),
});

export const BlockSchema = Type.Object(
  {
    block: TaskList,
    ...optional({ name: Str, rescue: TaskList, always: TaskList }),
    ...BLOCK_KEYWORDS,
  },
  { additionalProperties: false },
);

/** A play-level `- import_playbook: FILE`, with the vars and tags it gives the plays it brings in. */
export const ImportPlaybookSchema = Type.Object(
  { import_playbook: Type.String({ minLength: 1, description: 'a playbook file' }), ...optional({ name: Str, vars: Mapping, tags: Tags }) },
  { additionalProperties: false },
);

export type KeywordSchema = typeof PlaySchema | typeof TaskSchema | typeof HandlerSchema | typeof BlockSchema | typeof ImportPlaybookSchema;

export const PLAY_KEYS = Object.keys(PlaySchema.properties);
export const HANDLER_KEYS = Object.keys(HandlerSchema.properties);
export const TASK_KEYS = Object.keys(TaskSchema.properties);
export const BLOCK_KEYS = Object.keys(BlockSchema.properties);

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('ansible-bool', BOOL_STRING);
const validators = new WeakMap<TSchema, ValidateFunction>();

export interface KeywordProblem {
  /** Path of the value at fault inside the checked mapping (for its position). */
  path: string[];
  /** 'unknown' for a key the schema does not list (the caller words it), else 'invalid'. */
  kind: 'unknown' | 'missing' | 'invalid';
  key: string;
  message: string;
}

/** Checks a mapping's keywords (null values count as absent, as in Ansible) against a schema. */
export function checkKeywords(schema: TSchema & { properties: Record<string, TSchema> }, obj: Record<string, unknown>): KeywordProblem[] {
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = ajv.compile(schema)));
  const present = Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined));
  if (validate(present)) return [];
  const out: KeywordProblem[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors as ErrorObject[]) {
    const path = e.instancePath.split('/').slice(1);
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      out.push({ path: [...path, key], kind: 'unknown', key, message: path.length ? `unknown key '${key}' in '${path.join('.')}'` : `unknown keyword '${key}'` });
    } else if (e.keyword === 'required') {
      const key = (e.params as { missingProperty: string }).missingProperty;
      out.push({ path, kind: 'missing', key, message: `'${key}' is required` });
    } else if (path.length && !seen.has(path[0]!)) {
      // One message per keyword: a union reports every branch that failed.
      seen.add(path[0]!);
      const top = schema.properties[path[0]!];
      const described = path.length === 1 ? top?.description : undefined;
      out.push({ path, kind: 'invalid', key: path[0]!, message: `'${path.join('.')}' must be ${described ?? e.message}` });
    }
  }
  return out;
}
