/**
 * Python's backslash escapes: the one table behind every reader of Python-style text (string
 * literals for ast.literal_eval, Jinja string constants, key=value arguments) and behind `re`
 * replacement templates, which know the control escapes and `\\` but not the quotes.
 */

/** The one-character control escapes, shared by string literals and re templates. */
export const CONTROL_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** The one-character escapes of Python string literals. */
export const PY_SIMPLE_ESCAPES: Readonly<Record<string, string>> = { ...CONTROL_ESCAPES, '\\': '\\', "'": "'", '"': '"' };

/** An escape Python rejects (truncated `\x`, code point past U+10FFFF), or `\N{...}`, which needs Unicode's name table. */
export class EscapeError extends Error {
  constructor(
    message: string,
    /** True for `\N{name}`: valid Python that tsplay cannot decode. */
    readonly unsupported = false,
  ) {
    super(message);
  }
}

const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * Decodes the body of a non-raw Python string literal (the text between its quotes) as the
 * compiler does: unknown escapes keep their backslash, a backslash-newline joins lines, octal
 * escapes reach 0o777 in text and wrap at 0xff in bytes, and bytes know no `\u`, `\U`, `\N`.
 */
export function pyUnescape(body: string, bytes = false): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    const n = body[i + 1];
    if (c !== '\\' || n === undefined) {
      out += c;
      continue;
    }
    i++;
    if (n === '\n') continue;
    if (n in PY_SIMPLE_ESCAPES) out += PY_SIMPLE_ESCAPES[n];
    else if (n >= '0' && n <= '7') {
      const digits = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      const code = parseInt(digits, 8);
      out += String.fromCharCode(bytes ? code & 0xff : code);
      i += digits.length - 1;
    } else if (n === 'x' || (!bytes && (n === 'u' || n === 'U'))) {
      const len = HEX_LENGTH[n]!;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length < len) throw new EscapeError(`truncated \\${n}${'X'.repeat(len)} escape`);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw new EscapeError(`illegal Unicode character \\${n}${hex}`);
      out += String.fromCodePoint(cp);
      i += len;
    } else if (n === 'N' && !bytes) {
      throw new EscapeError('\\N{...} escapes are not supported; write the character itself', true);
    } else out += '\\' + n;
  }
  return out;
}
