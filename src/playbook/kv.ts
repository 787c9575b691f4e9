/**
 * Ansible's `key=value` argument strings, as in `copy: src=a dest="/tmp/x y" mode=0644` or the
 * free-form `command: echo hi chdir=/tmp creates=/x`. A faithful port of ansible-core's
 * parsing/splitter.py (split_args, parse_kv, join_args) and parsing/quoting.py (unquote),
 * quirks included, so that a task line means the same thing here as under ansible-playbook:
 *
 * - words are split on spaces and newlines only (a tab is part of a word);
 * - quotes and Jinja `{{ }}`, `{% %}`, `{# #}` blocks hold a word together across spaces;
 * - `\=` does not separate a key from its value; Python-style escapes (`\n`, `\t`, `\\`, `\"`,
 *   `\xNN`, `\uNNNN`, `\UNNNNNNNN`) in a word are decoded before it is split at `=`;
 * - the key and the value are trimmed and one pair of matching outer quotes is removed from the
 *   value; values always stay strings (`mode=0644` is the string "0644");
 * - for a free-form module, words that are not `key=value`, and `key=value` words whose key is
 *   not one of the module's special keys, are joined back (original spacing and newlines kept)
 *   into the free-form argument.
 *
 * Parsing only: nothing here builds shell text.
 */
import { UserError } from '../core/errors.js';
import { PY_SIMPLE_ESCAPES } from '../py/escape.js';
import { pyStrip } from '../py/re.js';

/**
 * The keys Ansible extracts from a free-form module's text (parse_kv with check_raw=True);
 * every other `k=v` word stays part of the command.
 */
export const COMMAND_SPECIAL_KEYS: ReadonlySet<string> = new Set([
  'creates',
  'removes',
  'chdir',
  'executable',
  'warn',
  'stdin',
  'stdin_add_newline',
  'strip_empty_ends',
]);

/** Python's unicode-escape sequences as Ansible's _decode_escapes matches them (\N{name} aside). */
const ESCAPE_RE = /\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\['"\\abfnrtv]/g;

function decodeEscapes(s: string): string {
  return s.replace(ESCAPE_RE, (m) => {
    const kind = m[1]!;
    if (kind === 'U' || kind === 'u' || kind === 'x') {
      const code = parseInt(m.slice(2), 16);
      if (code > 0x10ffff) throw new UserError(`invalid escape sequence ${m} in argument string`);
      return String.fromCodePoint(code);
    }
    return PY_SIMPLE_ESCAPES[kind]!;
  });
}

/** ansible.parsing.quoting.is_quoted */
function isQuoted(data: string): boolean {
  return data.length > 1 && data[0] === data[data.length - 1] && (data[0] === '"' || data[0] === "'") && data[data.length - 2] !== '\\';
}

/** ansible.parsing.quoting.unquote: removes one pair of matching outer quotes. */
export function unquote(data: string): string {
  return isQuoted(data) ? data.slice(1, -1) : data;
}

/** Whether the quote state is open at the end of token (an unescaped quote toggles it). */
function quoteState(token: string, quoteChar: string | null): string | null {
  for (let i = 0; i < token.length; i++) {
    const c = token[i]!;
    const prev = i > 0 ? token[i - 1] : null;
    if ((c === '"' || c === "'") && prev !== '\\') {
      if (quoteChar) {
        if (c === quoteChar) quoteChar = null;
      } else {
        quoteChar = c;
      }
    }
  }
  return quoteChar;
}

/** Non-overlapping occurrences, like Python's str.count. */
function countOf(token: string, sub: string): number {
  return token.split(sub).length - 1;
}

function jinjaDepth(token: string, depth: number, open: string, close: string): number {
  const opens = countOf(token, open);
  const closes = countOf(token, close);
  if (opens !== closes) {
    depth += opens - closes;
    if (depth < 0) depth = 0;
  }
  return depth;
}

/** Joins words produced by splitArgs back into one string, keeping the original newlines. */
export function joinArgs(words: readonly string[]): string {
  let result = '';
  for (const w of words) {
    if (result.length === 0 || result.endsWith('\n')) result += w;
    else result += ' ' + w;
  }
  return result;
}

/**
 * Splits an argument string into words on spaces and newlines, reassembling words split inside
 * quotes or Jinja blocks; the quotes stay in the words (ansible.parsing.splitter.split_args).
 */
export function splitArgs(args: string): string[] {
  const params: string[] = [];
  const items = args.split('\n');
  let quoteChar: string | null = null;
  let insideQuotes = false;
  let printDepth = 0;
  let blockDepth = 0;
  let commentDepth = 0;

  const last = (): number => {
    // Python raises IndexError here (`params[-1]` on an empty list), e.g. for leading spaces.
    if (params.length === 0) throw new UserError(`unable to parse argument string: ${JSON.stringify(args)}`, undefined, 'remove the leading spaces or newlines');
    return params.length - 1;
  };

  items.forEach((item, itemIdx) => {
    const tokens = item.split(' ');
    let lineContinuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) {
        params[last()] += ' ';
        return;
      }
      if (token === '\\' && !insideQuotes) {
        lineContinuation = true;
        return;
      }
      const wasInsideQuotes = insideQuotes;
      quoteChar = quoteState(token, quoteChar);
      insideQuotes = quoteChar !== null;
      const inJinja = (): boolean => printDepth > 0 || blockDepth > 0 || commentDepth > 0;

      let appended = false;
      if (insideQuotes && !wasInsideQuotes && !inJinja()) {
        params.push(token);
        appended = true;
      } else if (inJinja() || insideQuotes || wasInsideQuotes) {
        const i = last();
        if (idx === 0 && wasInsideQuotes) params[i] = params[i] + token;
        else if (tokens.length > 1) params[i] = params[i] + (idx > 0 ? ' ' : '') + token;
        else params[i] = params[i] + '\n' + token;
        appended = true;
      }

      const prevPrint = printDepth;
      printDepth = jinjaDepth(token, printDepth, '{{', '}}');
      if (printDepth !== prevPrint && !appended) {
        params.push(token);
        appended = true;
      }
      const prevBlock = blockDepth;
      blockDepth = jinjaDepth(token, blockDepth, '{%', '%}');
      if (blockDepth !== prevBlock && !appended) {
        params.push(token);
        appended = true;
      }
      const prevComment = commentDepth;
      commentDepth = jinjaDepth(token, commentDepth, '{#', '#}');
      if (commentDepth !== prevComment && !appended) {
        params.push(token);
        appended = true;
      }
      if (!inJinja() && !insideQuotes && !appended && token !== '') params.push(token);
    });
    if (items.length > 1 && itemIdx !== items.length - 1 && !lineContinuation) params[last()] += '\n';
  });

  if (printDepth || blockDepth || commentDepth || insideQuotes) {
    throw new UserError(
      `failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${args}`,
      undefined,
      'check the quotes and {{ }} pairs, or write the arguments as a YAML mapping',
    );
  }
  return params;
}

/**
 * Parses a `key=value` argument string into a mapping of strings.
 *
 * Without `freeFormKey`, every word must be `key=value`; anything else is a UserError (Ansible:
 * "this task has extra params"). With `freeFormKey` (command, shell, raw...), only the keys in
 * `specialKeys` are taken as options; every other word is joined, original spacing kept, into
 * `result[freeFormKey]`.
 */
export function parseKV(
  text: string,
  freeFormKey?: string,
  specialKeys: ReadonlySet<string> | readonly string[] = COMMAND_SPECIAL_KEYS,
): Record<string, unknown> {
  const special = specialKeys instanceof Set ? specialKeys : new Set(specialKeys as readonly string[]);
  const checkRaw = freeFormKey !== undefined;
  const options: Record<string, unknown> = {};
  const raw: string[] = [];

  for (const orig of splitArgs(text)) {
    const x = decodeEscapes(orig);
    if (!x.includes('=')) {
      raw.push(orig);
      continue;
    }
    // The first `=` not preceded by a backslash, searching from the second character.
    let pos = -1;
    for (let i = 1; i < x.length; i++) {
      if (x[i] === '=' && x[i - 1] !== '\\') {
        pos = i;
        break;
      }
    }
    if (pos < 0) {
      raw.push(x.replace(/\\=/g, '='));
      continue;
    }
    const k = x.slice(0, pos);
    const v = x.slice(pos + 1);
    if (checkRaw && !special.has(k)) raw.push(orig);
    else options[pyStrip(k)] = unquote(pyStrip(v));
  }

  if (raw.length > 0) {
    if (!checkRaw) {
      throw new UserError(
        `extra params in a key=value argument string: ${joinArgs(raw)}`,
        undefined,
        'only free-form modules (command, shell, raw...) accept words that are not key=value; quote values that contain spaces',
      );
    }
    options[freeFormKey] = joinArgs(raw);
  }
  return options;
}
