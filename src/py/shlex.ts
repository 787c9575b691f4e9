/**
 * Python's shlex.split in POSIX mode, as Ansible uses it: the command module cuts `cmd` into an
 * argv with `shlex.split(cmd)`, and the INI inventory cuts host lines with
 * `shlex.split(line, comments=True)`. It is not a POSIX shell: whitespace is only space, tab,
 * CR and LF; inside double quotes a backslash escapes only `"` and `\`; and with comments, `#`
 * ends the line even in the middle of a word (`x=a#b` gives `x=a`). The state machine follows
 * CPython's shlex.read_token. Parsing only: nothing here builds shell text.
 */

const WHITESPACE = ' \t\r\n';

/** Python's ValueError from shlex: "No closing quotation" or "No escaped character". */
export class ShlexError extends Error {}

/** shlex.split(line, comments) in POSIX mode. */
export function shlexSplit(line: string, comments = false): string[] {
  const words: string[] = [];
  let i = 0;
  const skipComment = (): void => {
    const nl = line.indexOf('\n', i);
    i = nl < 0 ? line.length : nl + 1;
  };
  for (;;) {
    // One read_token(): ' ' between words, 'a' in a word, a quote inside quotes, '\\' after an escape.
    let state = ' ';
    let escaped = 'a';
    let word = '';
    for (;;) {
      const c = i < line.length ? line[i++]! : '';
      if (state === "'" || state === '"') {
        if (!c) throw new ShlexError('No closing quotation');
        if (c === state) state = 'a';
        else if (c === '\\' && state === '"') {
          escaped = state;
          state = c;
        } else word += c;
      } else if (state === '\\') {
        if (!c) throw new ShlexError('No escaped character');
        // Inside double quotes the backslash stays unless it escapes a quote or a backslash.
        if (escaped === '"' && c !== '\\' && c !== '"') word += '\\';
        word += c;
        state = escaped;
      } else if (!c) {
        if (state === 'a') words.push(word);
        return words;
      } else if (WHITESPACE.includes(c)) {
        if (state === 'a') break;
      } else if (comments && c === '#') {
        skipComment();
        if (state === 'a') break;
      } else if (c === '\\') {
        escaped = 'a';
        state = c;
      } else if (c === "'" || c === '"') state = c;
      else {
        word += c;
        state = 'a';
      }
    }
    words.push(word);
  }
}
