/**
 * YAML loading that keeps positions: every mapping and sequence produced remembers where it and
 * each of its keys/items came from, so any later error can name file:line:column. Typing is
 * the inventory loader's, which reads YAML as Ansible's PyYAML does: `yes` is true, `0644` is
 * octal, but `n` stays a string.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { type SourcePos, UserError } from '../core/errors.js';
import { readTextFileSync } from '../core/text.js';
import { loadYamlDocument } from '../inventory/yamlload.js';

interface PosInfo {
  self: SourcePos;
  children: Map<string, SourcePos>;
}

const positions = new WeakMap<object, PosInfo>();

/** Where an object/array (or one of its keys or indexes) was written. */
export function posOf(value: unknown, key?: string | number): SourcePos | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const info = positions.get(value);
  if (!info) return undefined;
  return key === undefined ? info.self : (info.children.get(String(key)) ?? info.self);
}

/**
 * Gives `target` the positions of `source` (a copy made from it), with `renames` mapping a
 * key of target to the key of source it came from: errors about the copy point at the text.
 */
export function samePositions(target: object, source: object, renames: Record<string, string> = {}): void {
  const info = positions.get(source);
  if (!info) return;
  const children = new Map(info.children);
  for (const [to, from] of Object.entries(renames)) {
    const at = info.children.get(from);
    if (at) children.set(to, at);
  }
  positions.set(target, { self: info.self, children });
}

/** The position of the deepest node along a path (e.g. an ajv instancePath). */
export function posAt(root: unknown, path: (string | number)[]): SourcePos | undefined {
  let best = posOf(root);
  let cur: any = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') break;
    best = posOf(cur, seg) ?? best;
    cur = cur[seg];
  }
  return best;
}

type At = (node: Node | null | undefined) => SourcePos;

function convert(node: Node | null | undefined, at: At, doc: Document): unknown {
  if (!node) return null;
  if (isAlias(node)) return convert(node.resolve(doc) as Node, at, doc);
  if (isMap(node)) {
    const obj: Record<string, unknown> = {};
    const children = new Map<string, SourcePos>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const raw = isScalar(keyNode) ? keyNode.value : keyNode;
      const key = String(raw);
      if (typeof raw === 'symbol' || key === '<<') {
        Object.assign(obj, convert(pair.value as Node, at, doc));
        continue;
      }
      obj[key] = convert(pair.value as Node, at, doc);
      children.set(key, at(keyNode));
    }
    positions.set(obj, { self: at(node), children });
    return obj;
  }
  if (isSeq(node)) {
    const arr: unknown[] = [];
    const children = new Map<string, SourcePos>();
    node.items.forEach((item, i) => {
      arr.push(convert(item as Node, at, doc));
      children.set(String(i), at(item as Node | null));
    });
    positions.set(arr, { self: at(node), children });
    return arr;
  }
  if (isScalar(node)) return node.value;
  return null;
}

/** Parses YAML text as Ansible does (PyYAML's 1.1 types); a syntax error is a UserError at its line. */
export function parseYaml(text: string, file: string): unknown {
  let loaded;
  try {
    loaded = loadYamlDocument(text, file);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`malformed YAML: ${e.message}`, e.pos, e.hint ?? 'check indentation, quoting and the colon after each key');
    throw e;
  }
  if (!loaded.doc) return null;
  return convert(loaded.doc.contents as Node, loaded.pos, loaded.doc);
}

export function loadYamlFile(file: string): unknown {
  return parseYaml(readTextFileSync(file), file);
}
