/**
 * `tsplay schema`: a JSON Schema of what tsplay reads (playbooks, task and handler files, roles'
 * meta/main.yml) for editors, yaml-language-server first (VS Code's YAML extension, Neovim).
 * It is built from the schemas tsplay itself checks with, never written apart: the keywords of
 * plays, blocks, tasks and handlers (src/playbook/schema.ts) and each module's options (its own
 * schema), so an editor flags what `tsplay validate` would refuse and completes what it takes.
 * Draft-07, the newest draft yaml-language-server supports throughout.
 *
 * Where tsplay is lenient before a run, the schema is too: a module option may be a template
 * (checked once rendered), and is read as ajv reads it in src/playbook/args.ts (`"10"` for a
 * number, `yes`/`no` for a boolean, a number for a string); a keyword given no value counts as
 * absent. A task is a mapping of task keywords and exactly one module (or `action:`).
 */
import { moduleAliases, modules } from '../../modules/index.js';
import type { ModuleDef } from '../core/module.js';
import { BOOLEANS_FALSE, BOOLEANS_TRUE } from '../py/bool.js';
import { checkArgs } from '../playbook/args.js';
import { BLOCK_KEYWORDS, BlockSchema, BOOL_STRING, HandlerSchema, ImportPlaybookSchema, PlaySchema, TaskSchema } from '../playbook/schema.js';

type Json = Record<string, any>;

export const KINDS = ['playbook', 'tasks', 'handlers', 'meta'] as const;
export type Kind = (typeof KINDS)[number];

/** Task keywords that name the module themselves (`action: copy src=a dest=b`), where the keyword schema has them. */
const ACTION_KEYS = ['action', 'local_action'].filter((k) => k in TaskSchema.properties);
/** Keywords whose value is a list of tasks, handlers or roles: described by reference, so that every task in them is checked. */
const LISTS: Record<string, string> = { pre_tasks: 'tasks', tasks: 'tasks', post_tasks: 'tasks', batch_check: 'tasks', block: 'tasks', rescue: 'tasks', always: 'tasks', handlers: 'handlers', roles: 'roles' };

const ref = (name: string): Json => ({ $ref: `#/definitions/${name}` });
const TEMPLATE = { type: 'string', pattern: '\\{\\{|\\{%', description: 'a template, checked once rendered' };

/** The schema of one kind of file, or (no kind) of any of them. */
export function tsplaySchema(kind?: Kind): Json {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: kind ? `tsplay ${kind === 'meta' ? "role's meta/main.yml" : `${kind} file`}` : 'tsplay playbook, task file, handler file or role meta/main.yml',
    ...(kind ? { allOf: [ref(kind)] } : { anyOf: KINDS.map(ref) }),
    definitions: forEditors(definitions()),
  };
}

/** Each definition titled, so that editors name what they expected ("object(task)", not the whole schema's title). */
function definitions(): Json {
  return Object.fromEntries(Object.entries(untitled()).map(([k, v]) => [k, { title: k.startsWith('module.') ? `${k.slice('module.'.length)} options` : k.replace('_', ' '), ...v }]));
}

function untitled(): Json {
  const moduleKeys = moduleAliases();
  // `type` too: an empty entry (`- ` being written) is then a task to complete, not a block.
  const isBlock = { type: 'object', anyOf: ['block', 'rescue', 'always'].map((k) => ({ required: [k] })) };
  return {
    playbook: { type: 'array', minItems: 1, items: { if: { type: 'object', required: ['import_playbook'] }, then: ref('import_playbook'), else: ref('play') } },
    play: keywords(PlaySchema),
    import_playbook: keywords(ImportPlaybookSchema),
    tasks: { type: 'array', items: { if: isBlock, then: ref('block'), else: ref('task') } },
    handlers: { type: 'array', items: ref('handler') },
    block: keywords(BlockSchema),
    task: task(TaskSchema, moduleKeys),
    handler: task(HandlerSchema, moduleKeys),
    roles: { type: 'array', items: ref('role') },
    role: {
      description: 'a role: its name, or a mapping with role: (or name:), keywords for its tasks and parameters',
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'object', properties: keywords({ properties: { role: { type: 'string' }, name: { type: 'string' }, ...BLOCK_KEYWORDS } }).properties, anyOf: [{ required: ['role'] }, { required: ['name'] }] },
      ],
    },
    // As src/playbook/roles.ts reads a role's meta: any other key is an error.
    meta: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dependencies: { ...ref('roles'), description: 'roles run before this one' },
        allow_duplicates: orNull(plain(BLOCK_KEYWORDS.become)),
        galaxy_info: { type: 'object', description: 'read by ansible-galaxy, ignored by tsplay' },
        collections: { type: 'array', description: 'ignored by tsplay' },
        argument_specs: { type: 'object', description: 'ignored by tsplay' },
      },
    },
    ...Object.fromEntries(modules.map((m) => [`module.${m.name}`, moduleArgs(m)])),
  };
}

/** A task (or handler): its keywords, and exactly one module key (or action:). */
function task(schema: Json, moduleKeys: Map<string, ModuleDef>): Json {
  const kw = keywords(schema);
  // Draft-07 ignores what stands beside a $ref: doNotSuggest goes beside an allOf holding it.
  const modulesProps = Object.fromEntries([...moduleKeys].map(([key, m]) => [key, suggested(key) ? ref(`module.${m.name}`) : { allOf: [ref(`module.${m.name}`)], doNotSuggest: true }]));
  // Said as tsplay says it, where editors would name the first module of the list as missing.
  const errorMessage = 'a task needs one module (e.g. copy:, command:, sysctl:)';
  return { ...kw, properties: { ...kw.properties, ...modulesProps }, oneOf: [...moduleKeys.keys(), ...ACTION_KEYS].map((k) => ({ required: [k], errorMessage })) };
}

/** Editors offer modules by their short names and as ansible.builtin.NAME; the other collections' names are accepted, not offered. */
function suggested(key: string): boolean {
  return !key.includes('.') || key.startsWith('ansible.builtin.');
}

/** A keyword mapping's schema: lists by reference, each optional keyword also valid empty (absent, as tsplay counts it). */
function keywords(schema: Json): Json {
  const json = plain(schema);
  const required: string[] = json.required ?? [];
  const property = (k: string, v: Json) => (k in LISTS ? ref(LISTS[k]!) : v);
  return { ...json, properties: Object.fromEntries(Object.entries<Json>(json.properties).map(([k, v]) => [k, required.includes(k) ? property(k, v) : orNull(property(k, v))])) };
}

const orNull = (schema: Json): Json => ({ description: schema.description, anyOf: [schema, { type: 'null' }] });

/**
 * A module's options: the mapping, or a string of `k=v` options (the free-form text for a
 * free-form module, `command: echo hi`), or nothing at all when no option is required.
 */
function moduleArgs(m: ModuleDef): Json {
  const args = plain(m.schema);
  const text = m.freeForm ? option(args.properties[m.freeForm]) : { type: 'string', pattern: '=', description: 'options as key=value words' };
  const empty = checkArgs(m, {}).length === 0 ? [{ type: 'null' }] : [];
  return { description: m.description, anyOf: [text, loose(args), ...empty] };
}

/** A module option: as written, in another spelling ajv coerces, or a template. */
function option(schema: Json): Json {
  const { description, default: dflt, ...rest } = schema;
  return { description, default: dflt, anyOf: [loose(rest), ...spellings(rest), TEMPLATE] };
}

/** The options inside a schema made options (recursively). */
function loose(schema: Json): Json {
  const out = { ...schema };
  if (out.properties) out.properties = Object.fromEntries(Object.entries<Json>(out.properties).map(([k, v]) => [k, option(v)]));
  if (out.items && !Array.isArray(out.items)) out.items = option(out.items);
  if (out.anyOf) out.anyOf = out.anyOf.flatMap((s: Json) => [loose(s), ...spellings(s)]);
  return out;
}

/** The other spellings of a typed value that ajv's coerceTypes and Ansible's booleans (src/playbook/args.ts) accept. */
function spellings(schema: Json): Json[] {
  const types: string[] = [schema.type ?? []].flat();
  const out: Json[] = [];
  if (types.includes('boolean')) out.push({ type: 'string', pattern: portable(new RegExp(`^\\s*(${[...BOOLEANS_TRUE, ...BOOLEANS_FALSE].join('|')})\\s*$`, 'i')) }, { enum: [0, 1] });
  if (!types.includes('string') && types.some((t) => t === 'integer' || t === 'number')) out.push({ type: 'string', pattern: '^\\s*-?\\d+(\\.\\d+)?\\s*$' });
  if (types.includes('string') && schema.const === undefined && schema.enum === undefined) out.push({ type: 'number' });
  return out;
}

/**
 * tsplay's own schema extensions in their portable form, everywhere: its format for Ansible's
 * booleans as a pattern any validator knows, its words for a failed pattern (patternMessage)
 * as the patternErrorMessage that VS Code and yaml-language-server show.
 */
function forEditors(node: unknown): any {
  if (Array.isArray(node)) return node.map(forEditors);
  if (node === null || typeof node !== 'object') return node;
  const { format, patternMessage, ...rest } = node as Json;
  const out: Json = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, forEditors(v)]));
  if (format === 'ansible-bool') out.pattern = portable(BOOL_STRING);
  else if (format !== undefined) out.format = forEditors(format);
  if (typeof patternMessage === 'string') out.patternErrorMessage = patternMessage;
  else if (patternMessage !== undefined) out.patternMessage = forEditors(patternMessage);
  return out;
}

/** A RegExp as a JSON Schema pattern, which takes no flags: `i` spelt out letter by letter, `s` as [\s\S]. */
function portable(re: RegExp): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < re.source.length; i++) {
    const c = re.source[i]!;
    const letter = re.ignoreCase && /[a-z]/i.test(c);
    if (c === '\\') out += c + re.source[++i];
    else if (inClass) {
      inClass = c !== ']';
      out += letter ? c.toLowerCase() + c.toUpperCase() : c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '.' && re.dotAll) out += '[\\s\\S]';
    else out += letter ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

/** A TypeBox schema as plain JSON (its symbol keys dropped), safe to rebuild. */
function plain(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema));
}
