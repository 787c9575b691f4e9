/**
 * The Templar's literal_eval: after templating a playbook value, Ansible's ansible_eval_concat
 * parses a result that starts with `[` or `{` or is `True`/`False` with Python's
 * ast.literal_eval, so `"[{{ a }}, {{ b }}]"` becomes a list; JSON's true/false/null are read
 * too, as this layer always has. Parsing is src/py/literal.ts; here Python's values become the
 * template layer's (tuples marked, integral floats wrapped, dict keys as str() prints them). Values this layer has no type for (sets, bytes, complex, Ellipsis)
 * throw like a non-literal, and the caller keeps the string.
 */
import { type PyLiteral, literalEval as pyLiteralEval } from '../py/literal.js';
import { mkFloat, pyStr, setKey, tuple } from './pyvalues.js';

function toTemplate(v: PyLiteral): unknown {
  switch (v.type) {
    case 'int':
      return Number(v.value);
    case 'float':
      return mkFloat(v.value);
    case 'str':
    case 'bool':
      return v.value;
    case 'none':
      return null;
    case 'tuple':
      return tuple(v.items.map(toTemplate));
    case 'list':
      return v.items.map(toTemplate);
    case 'dict': {
      const out: Record<string, unknown> = {};
      v.keys.forEach((k, i) => {
        const key = toTemplate(k);
        setKey(out, typeof key === 'string' ? key : pyStr(key), toTemplate(v.values[i]!));
      });
      return out;
    }
    default:
      throw new SyntaxError(`a Python ${v.type} has no template value`);
  }
}

/** Parses `text` as a Python literal (JSON's true/false/null included) into template values, or throws. */
export function literalEval(text: string): unknown {
  return toTemplate(pyLiteralEval(text, true));
}
