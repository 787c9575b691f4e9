/**
 * YAML as Ansible reads it: PyYAML's YAML 1.1 implicit types (`yes`/`on` are booleans, `017` is
 * octal, `1:20` is sexagesimal, `1e3` stays a string), JSON tried first as Ansible's DataLoader
 * does, `!unsafe` accepted, and one document per file. Errors become UserErrors with file,
 * line and column; tsplay also refuses duplicate keys, which Ansible merely warns about.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type ScalarTag, type Tags } from 'yaml';
import { UserError } from '../core/errors.js';
import { openVaulted } from '../vault/context.js';
import { isVault } from '../vault/format.js';
import { taintStrings } from '../vault/taint.js';

function pyInt(text: string): number {
  let v = text.replace(/_/g, '');
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '0') return 0;
  if (v.startsWith('0b')) return sign * Number(BigInt(v));
  if (v.startsWith('0x')) return sign * Number(BigInt(v));
  if (v[0] === '0') return sign * Number(BigInt('0o' + v.slice(1)));
  if (v.includes(':')) return sign * v.split(':').reduce((acc, part) => acc * 60 + parseInt(part, 10), 0);
  return sign * Number(BigInt(v));
}

function pyFloat(text: string): number {
  let v = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) return sign * v.split(':').reduce((acc, part) => acc * 60 + parseFloat(part), 0);
  return sign * parseFloat(v);
}

/** The implicit resolvers of PyYAML's SafeLoader (resolver.py), which Ansible's loader uses. */
const PYYAML_TAGS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:bool', default: true, test: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/, resolve: (s) => ['yes', 'true', 'on'].includes(s.toLowerCase()) },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    resolve: pyFloat,
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
    resolve: pyInt,
  },
  { tag: 'tag:yaml.org,2002:null', default: true, test: /^(?:~|null|Null|NULL|)$/, resolve: () => null },
  // `!unsafe` marks text Ansible must not template; tsplay keeps it as a plain string.
  { tag: '!unsafe', resolve: (s) => s },
];

/** `!vault |` values: decrypted with the run's vault (src/vault/context.ts) as they are read; a failure is the node's error. */
const VAULT_TAG: ScalarTag = {
  tag: '!vault',
  resolve: (s, onError) => {
    try {
      return openVaulted(s, 'this !vault value');
    } catch (e) {
      onError((e as Error).message);
      return s;
    }
  },
};

const REPLACED = new Set(['tag:yaml.org,2002:bool', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:timestamp']);

function pythonTags(tags: Tags): Tags {
  return [...tags.filter((t) => typeof t === 'string' || !REPLACED.has(t.tag)), ...PYYAML_TAGS, VAULT_TAG];
}

export interface LoadedYaml {
  doc: Document.Parsed | null;
  /** Line and column (1-based) of a node, for error messages. */
  pos(node: Node | null | undefined): { file: string; line?: number; col?: number };
  /** The value of a node as plain data (aliases and merge keys resolved). */
  toJS(node: unknown): unknown;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Deepest nesting of mappings and sequences accepted (aliases counted where they are used). */
export const MAX_DEPTH = 200;
const DEEP_HINT = 'flatten the data: no playbook, inventory or vars file needs this depth';
/** Most values a document may hold once its aliases are expanded ("billion laughs" stops here). */
export const MAX_VALUES = 1_000_000;

/**
 * Bounds a document before anything expands it: nesting depth, the number of values its
 * aliases expand to (sizes are memoized per node, so this costs one pass over the text's nodes),
 * aliases naming no anchor (PyYAML refuses them; the yaml library would give null) and aliases
 * inside their own anchor.
 */
function checkShape(doc: Document.Parsed, pos: LoadedYaml['pos']): void {
  const memo = new Map<Node, { size: number; height: number } | 'busy'>();
  const tooDeep = (node: Node) => new UserError(`YAML nested deeper than ${MAX_DEPTH} levels`, pos(node), DEEP_HINT);
  const visit = (node: unknown, depth: number): { size: number; height: number } => {
    if (isAlias(node)) {
      const target = node.resolve(doc) as Node | undefined;
      if (!target) throw new UserError(`undefined YAML alias *${node.source}`, pos(node), `define the anchor &${node.source} before this alias, or write the value itself`);
      const known = memo.get(target);
      if (known === 'busy') throw new UserError(`YAML alias *${node.source} is inside its own anchor`, pos(node), 'an alias may only repeat a value that is complete before it');
      const r = known ?? visit(target, depth);
      if (depth + r.height > MAX_DEPTH) throw tooDeep(node);
      return r;
    }
    if (!isMap(node) && !isSeq(node)) return { size: 1, height: 0 };
    const children = isMap(node) ? node.items.flatMap((p) => [p.key, p.value]) : node.items;
    if (depth >= MAX_DEPTH) throw tooDeep(node);
    memo.set(node, 'busy');
    let size = 1;
    let height = 0;
    for (const child of children) {
      if (child === null || child === undefined) continue;
      const r = visit(child, depth + 1);
      size += r.size;
      height = Math.max(height, r.height + 1);
      if (size > MAX_VALUES) {
        throw new UserError(`YAML aliases expand to more than ${MAX_VALUES} values`, pos((isAlias(child) ? child : node) as Node), 'repeat smaller values, or write them out: this looks like a "billion laughs" document');
      }
    }
    const r = { size, height };
    memo.set(node, r);
    return r;
  };
  visit(doc.contents, 0);
}

/** Parses one YAML (or JSON) document with Ansible's typing; throws UserError on any problem. */
export function loadYamlDocument(text: string, file: string): LoadedYaml {
  // A vaulted file is read as its plaintext, every string of which is then a secret.
  const vaulted = isVault(text);
  if (vaulted) text = openVaulted(text, file, { file, line: 1 });
  const lineCounter = new LineCounter();
  // Ansible's DataLoader tries json.loads before YAML, so JSON numbers such as 1e5 stay numbers.
  const options = isJson(text)
    ? { lineCounter, schema: 'core' as const, version: '1.2' as const }
    : { lineCounter, version: '1.1' as const, customTags: pythonTags, merge: true };
  const docs = parseAllDocuments(text, options);
  const pos = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file };
    const lp = lineCounter.linePos(offset);
    return { file, line: lp.line, col: lp.col };
  };
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
    if (problem) {
      // The parser may place an error on the line break before the offending token; skip to the token.
      let at = problem.pos[0];
      while (at < text.length && /\s/.test(text[at]!)) at++;
      const lp = at < text.length ? lineCounter.linePos(at) : problem.linePos?.[0];
      const where = { file, line: lp?.line, col: lp?.col };
      // The parser recurses once per level: only a document far deeper than MAX_DEPTH exhausts it.
      if (/Maximum call stack size exceeded/.test(problem.message)) throw new UserError(`YAML nested deeper than ${MAX_DEPTH} levels`, where, DEEP_HINT);
      const hint = problem.code === 'DUPLICATE_KEY' ? 'Ansible keeps the last value with a warning; tsplay asks you to remove one' : undefined;
      throw new UserError(firstLine(problem.message), where, hint);
    }
  }
  if (list.length > 1) {
    const second = lineCounter.linePos(list[1]!.range[0]);
    throw new UserError('expected a single document in the stream but found another document', { file, line: second.line, col: second.col }, 'remove the second --- separator');
  }
  const doc = list[0] ?? null;
  if (doc) checkShape(doc, pos);
  if (doc && vaulted) taintStrings(doc.toJS({ maxAliasCount: -1 }));
  const toJS = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (doc && (isAlias(node) || isMap(node) || isScalar(node) || (node as Node).toJS)) return (node as Node).toJS(doc, { maxAliasCount: -1 });
    return node;
  };
  return { doc, pos, toJS };
}

/** Parses a YAML or JSON file into plain data, as Ansible's loader would. */
export function parseAnsibleYaml(text: string, file: string): unknown {
  const { doc, toJS } = loadYamlDocument(text, file);
  return doc ? toJS(doc.contents) : null;
}
