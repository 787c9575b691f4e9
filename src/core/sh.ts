/**
 * The one way to write shell text. `sh` is a tagged template in the manner of zx's `$`: the
 * literal parts are the author's shell, and every interpolated value is quoted by quote() by
 * construction, so a value can never become syntax. A list becomes several words, a Shell
 * (another sh`` piece) goes in as it is, and anything else must be wrapped on purpose with
 * raw(), which is the one place to look when auditing what reaches a host unquoted.
 *
 * A value interpolated inside quotes written in the literal part (`"${x}"`, `'${x}'`) would be
 * quoted twice and arrive with its quotes; sh refuses that at the call site instead, by
 * following the quoting state of the literal text (a fresh `$(`...`)` inside double quotes is
 * a new context, as in the shell).
 */
import { quote } from './quote.js';

/** Shell text that is safe as it is: made by sh``, raw() or lines(). */
export class Shell {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type ShellWord = string | number;
export type ShellValue = ShellWord | Shell | readonly (ShellWord | Shell)[];

/** Marks text as shell written by tsplay itself (a fixed fragment, base64 text): no quoting. */
export function raw(text: string): Shell {
  return new Shell(text);
}

function piece(v: ShellValue): string {
  if (v instanceof Shell) return v.text;
  if (Array.isArray(v)) return v.map((x: ShellWord | Shell) => piece(x)).join(' ');
  if (typeof v === 'string' || typeof v === 'number') return quote(v);
  throw new TypeError(`sh: cannot interpolate a ${v === null ? 'null' : typeof v} value`);
}

type Context = 'plain' | 'single' | 'double';

/**
 * Where each hole of a template falls: true when it is outside any quotes written in the
 * literal text. Comments and backslash escapes are followed; here-documents are not, so their
 * bodies belong in values, not in literal text.
 */
function holesOutsideQuotes(strings: readonly string[]): boolean[] {
  const stack: Context[] = ['plain'];
  const out: boolean[] = [];
  for (let s = 0; s < strings.length; s++) {
    const text = strings[s]!;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      const top = stack[stack.length - 1]!;
      if (top === 'single') {
        if (c === "'") stack.pop();
        continue;
      }
      if (c === '\\') {
        i++;
        continue;
      }
      if (top === 'double') {
        if (c === '"') stack.pop();
        else if (c === '$' && text[i + 1] === '(') (stack.push('plain'), i++);
        continue;
      }
      if (c === "'") stack.push('single');
      else if (c === '"') stack.push('double');
      else if (c === '$' && text[i + 1] === '(') (stack.push('plain'), i++);
      else if (c === '(') stack.push('plain');
      else if (c === ')' && stack.length > 1) stack.pop();
      else if (c === '#' && (i === 0 ? s === 0 : /[\s;&|()]/.test(text[i - 1]!))) {
        const nl = text.indexOf('\n', i);
        if (nl < 0) break;
        i = nl;
      }
    }
    if (s < strings.length - 1) out.push(stack[stack.length - 1] === 'plain');
  }
  return out;
}

const checked = new WeakMap<TemplateStringsArray, boolean[]>();

/** Shell text whose interpolations are quoted by construction (see the header). */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): Shell {
  let holes = checked.get(strings);
  if (!holes) checked.set(strings, (holes = holesOutsideQuotes(strings)));
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    if (!holes[i]) throw new Error(`sh: value ${i + 1} is interpolated inside quotes in \`${strings.raw.join('${…}')}\`: put it outside the quotes`);
    text += piece(values[i]!) + strings[i + 1]!;
  }
  return new Shell(text);
}

/** Several pieces of shell, one per line; false and undefined pieces are left out. */
export function lines(...parts: (Shell | false | undefined)[]): Shell {
  return new Shell(parts.filter((p): p is Shell => p instanceof Shell).map((p) => p.text).join('\n'));
}
