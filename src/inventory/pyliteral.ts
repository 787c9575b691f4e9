/**
 * Python literals in INI inventories: Ansible types every INI value by trying ast.literal_eval
 * (src/py/literal.ts) and keeps the raw text when Python raises ValueError or SyntaxError. So
 * `5432` is an int, `True` a bool, `['/a']` a list and `1, 2` a tuple, while `yes`, `010` and
 * `hello world` stay strings. Values become JSON-like data: tuples and sets are lists, dict keys
 * are the text Python's json module would write.
 */
import { LiteralError as PyLiteralError, type PyLiteral, literalEval as pyLiteralEval } from '../py/literal.js';

/** Thrown for literals Python accepts but tsplay cannot represent, or Python itself rejects with an uncaught error. */
export class LiteralError extends Error {}

function jsonKey(k: PyLiteral): string {
  const v = toJson(k);
  if (Array.isArray(v)) throw new LiteralError('tuple dictionary keys are not supported in inventory values');
  return v === null ? 'null' : String(v);
}

function toJson(v: PyLiteral): unknown {
  switch (v.type) {
    case 'int':
      return Number(v.value);
    case 'float':
    case 'str':
    case 'bytes':
    case 'bool':
      return v.value;
    case 'none':
      return null;
    case 'tuple':
    case 'list':
    case 'set':
      return v.items.map(toJson);
    case 'dict': {
      const out: Record<string, unknown> = {};
      v.keys.forEach((k, i) => Object.defineProperty(out, jsonKey(k), { value: toJson(v.values[i]!), enumerable: true, writable: true, configurable: true }));
      return out;
    }
    case 'complex':
      throw new LiteralError('complex numbers are not supported in inventory values');
    case 'ellipsis':
      throw new LiteralError('the Ellipsis literal `...` cannot be used as an inventory value');
  }
}

export type LiteralResult = { ok: true; value: unknown } | { ok: false };

/**
 * Evaluates `text` as Python's ast.literal_eval would. `{ok: false}` means Python raised
 * ValueError or SyntaxError (the INI plugin then keeps the text); LiteralError means Python
 * would have succeeded or crashed in a way tsplay does not reproduce.
 */
export function literalEval(text: string): LiteralResult {
  let tree: PyLiteral;
  try {
    tree = pyLiteralEval(text);
  } catch (e) {
    if (!(e instanceof PyLiteralError)) throw e;
    if (e.kind === 'invalid') return { ok: false };
    if (e.kind === 'type') throw new LiteralError(`${e.message} (Python raises TypeError here, so Ansible cannot load this value either)`);
    throw new LiteralError(e.message);
  }
  return { ok: true, value: toJson(tree) };
}
