/**
 * Task lists: each entry is a task or a block (block / rescue / always), nested to any depth.
 * A block's keywords are checked against BlockSchema (an unknown one is an error, as Ansible
 * refuses it) and handed down to the tasks inside (task.ts, Scope).
 */
import type { Block, Entry } from './types.js';
import { BlockSchema } from './schema.js';
import { checkKeys, type Collector, inside, isObj, type Obj, parseTask, type Scope, TOP } from './task.js';
import { posOf } from './yaml.js';

const isBlock = (raw: Obj) => ['block', 'rescue', 'always'].some((k) => k in raw);

function parseBlock(raw: Obj, file: string, c: Collector, scope: Scope): Block {
  if (!('block' in raw)) {
    const key = 'rescue' in raw ? 'rescue' : 'always';
    c.add(`'${key}' belongs to a block, and this mapping has no 'block:'`, posOf(raw, key), `put the tasks it guards under 'block:' beside '${key}:'`);
  }
  checkKeys(raw, BlockSchema, 'block', c);
  const inner = inside(scope, raw);
  const list = (k: string) => parseEntries(raw[k], file, c, false, inner);
  return {
    kind: 'block',
    name: raw.name == null ? undefined : String(raw.name),
    block: list('block'),
    rescue: list('rescue'),
    always: list('always'),
    pos: posOf(raw) ?? { file },
  };
}

/** A list of tasks and blocks; problems go to the collector, each with its file:line:column. */
export function parseEntries(list: unknown, file: string, c: Collector, isHandler = false, scope: Scope = TOP): Entry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return []; // reported by the enclosing schema
  const out: Entry[] = [];
  for (const raw of list) {
    const entry = !isHandler && isObj(raw) && isBlock(raw) ? parseBlock(raw, file, c, scope) : parseTask(raw, file, c, isHandler, scope);
    if (entry) out.push(entry);
  }
  return out;
}
