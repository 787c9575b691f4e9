/**
 * YAML loading that keeps positions: every mapping and sequence produced remembers where it and
 * each of its keys/items came from, so any later error can name file:line:column. YAML 1.1 is
 * used because Ansible reads YAML with PyYAML (1.1): `yes` is true and `0644` is octal.
 */
import { readFileSync } from 'node:fs';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { type SourcePos, UserError } from '../core/errors.js';

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

function convert(node: Node | null | undefined, file: string, lc: LineCounter, doc: Document): unknown {
  const at = (offset: number | undefined): SourcePos => {
    const p = lc.linePos(offset ?? 0);
    return { file, line: p.line, col: p.col };
  };
  if (!node) return null;
  if (isAlias(node)) return convert(node.resolve(doc) as Node, file, lc, doc);
  if (isMap(node)) {
    const obj: Record<string, unknown> = {};
    const children = new Map<string, SourcePos>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const raw = isScalar(keyNode) ? keyNode.value : keyNode;
      const key = String(raw);
      if (typeof raw === 'symbol' || key === '<<') {
        Object.assign(obj, convert(pair.value as Node, file, lc, doc));
        continue;
      }
      obj[key] = convert(pair.value as Node, file, lc, doc);
      children.set(key, at(keyNode?.range?.[0]));
    }
    positions.set(obj, { self: at(node.range?.[0]), children });
    return obj;
  }
  if (isSeq(node)) {
    const arr: unknown[] = [];
    const children = new Map<string, SourcePos>();
    node.items.forEach((item, i) => {
      arr.push(convert(item as Node, file, lc, doc));
      children.set(String(i), at((item as Node | null)?.range?.[0]));
    });
    positions.set(arr, { self: at(node.range?.[0]), children });
    return arr;
  }
  if (isScalar(node)) return node.value;
  return null;
}

/** Parses YAML text; a syntax error becomes a UserError at its line and column. */
export function parseYaml(text: string, file: string): unknown {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: '1.1', prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const p = lc.linePos(err.pos[0]);
    const msg = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    throw new UserError(`malformed YAML: ${msg}`, { file, line: p.line, col: p.col }, 'check indentation, quoting and the colon after each key');
  }
  return convert(doc.contents as Node, file, lc, doc);
}

export function loadYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  return parseYaml(text, file);
}
