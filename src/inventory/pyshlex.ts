/**
 * Python's `shlex.split(line, comments=True)` (POSIX mode), which the INI inventory plugin uses
 * to cut a host line into `name key=value ...` tokens. It differs from a POSIX shell: `#` starts
 * a comment even in the middle of a word (`x=a#b` gives `x=a`), and inside double quotes a
 * backslash only escapes `"` and `\`. The state machine mirrors CPython's shlex.read_token.
 */

const WHITESPACE = ' \t\r\n';
const QUOTES = `'"`;

export class ShlexError extends Error {}

export function pyShlexSplit(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  // Each iteration reads one token as read_token() does; null marks the end of input.
  for (;;) {
    let state: string | null = ' ';
    let token = '';
    let quoted = false;
    let escapedState = ' ';
    for (;;) {
      const c = i < line.length ? line[i++]! : '';
      if (state === ' ') {
        if (!c) {
          state = null;
          break;
        } else if (WHITESPACE.includes(c)) {
          if (token || quoted) break;
        } else if (c === '#') {
          i = line.length;
        } else if (c === '\\') {
          escapedState = 'a';
          state = c;
        } else if (QUOTES.includes(c)) {
          state = c;
        } else {
          token = c;
          state = 'a';
        }
      } else if (state === "'" || state === '"') {
        quoted = true;
        if (!c) throw new ShlexError('No closing quotation');
        if (c === state) state = 'a';
        else if (c === '\\' && state === '"') {
          escapedState = state;
          state = c;
        } else token += c;
      } else if (state === '\\') {
        if (!c) throw new ShlexError('No escaped character');
        // Inside double quotes the backslash stays unless it escapes a quote or a backslash.
        if (QUOTES.includes(escapedState) && c !== '\\' && c !== escapedState) token += '\\';
        token += c;
        state = escapedState;
      } else {
        if (!c) {
          state = null;
          break;
        } else if (WHITESPACE.includes(c)) {
          state = ' ';
          if (token || quoted) break;
        } else if (c === '#') {
          i = line.length;
          state = ' ';
          if (token || quoted) break;
        } else if (QUOTES.includes(c)) {
          state = c;
        } else if (c === '\\') {
          escapedState = 'a';
          state = c;
        } else token += c;
      }
    }
    if (!quoted && token === '') {
      if (state === null || i >= line.length) return tokens;
      continue;
    }
    tokens.push(token);
    if (state === null) return tokens;
  }
}
