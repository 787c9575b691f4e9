/**
 * lookup('password'): a random password made once and kept in a file on the controller, so
 * that later tasks, other hosts and later runs all get the same one (the file is the record;
 * `/dev/null` asks for a fresh password every time). The term is `path [length=N] [chars=...]`,
 * and `length=` / `chars=` may also be keyword arguments, as in ansible-core 2.14. `encrypt`,
 * `ident` and `seed` are refused: tsplay has no crypt hashes, and a seed would have to
 * reproduce Python's Mersenne Twister to give Ansible's password.
 */
import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseKV, splitArgs } from '../playbook/kv.js';
import { pyStrip } from './methods.js';
import { fail, pyRepr, pyStr } from './pyvalues.js';
import { expandHome, termText, type Plugin } from './lookups.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const WHITESPACE = ' \t\n\r\x0b\x0c';

/** Python's `string` constants, which a `chars` item may name; any other item is taken literally. */
const CHARSETS: Record<string, string> = {
  ascii_letters: LOWER + UPPER,
  ascii_lowercase: LOWER,
  ascii_uppercase: UPPER,
  digits: DIGITS,
  hexdigits: `${DIGITS}abcdefABCDEF`,
  octdigits: '01234567',
  punctuation: PUNCTUATION,
  whitespace: WHITESPACE,
  printable: DIGITS + LOWER + UPPER + PUNCTUATION + WHITESPACE,
};
const DEFAULT_CHARS = ['ascii_letters', 'digits', '.,:-_'];
const PARAMS = ['length', 'chars', 'encrypt', 'ident', 'seed'];

/** `path key=value...`: the path is the first word, and words that are not key=value join it (a path with spaces). */
function parseTerm(term: string): { path: string; params: Record<string, unknown> } {
  const space = term.indexOf(' ');
  if (space < 0) return { path: term, params: {} };
  const params = parseKV(term.slice(space + 1), '_raw_params', PARAMS);
  let path = term.slice(0, space);
  const extra = params._raw_params;
  delete params._raw_params;
  if (typeof extra === 'string') {
    const unknown = splitArgs(extra).filter((w) => w.indexOf('=') > 0);
    if (unknown.length) fail(`Unrecognized parameter(s) given to password lookup: ${unknown.map((w) => w.slice(0, w.indexOf('='))).join(', ')}`);
    path = `${path} ${extra}`;
    if (!term.startsWith(path)) fail('Unrecognized value after key=value parameters given to password lookup');
  }
  return { path, params };
}

function integer(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  const s = pyStrip(pyStr(v), null);
  if (!/^[+-]?\d+$/.test(s)) fail(`invalid literal for int() with base 10: ${pyRepr(pyStr(v))}`);
  return Number(s);
}

/** The candidate characters: inline `chars=a,b` (`,,` is a comma) or a keyword list, names expanded, quotes dropped as Ansible drops them. */
function candidates(inline: unknown, keyword: unknown): string[] {
  let specs: string[];
  if (typeof inline === 'string') specs = [...(inline.includes(',,') ? [','] : []), ...inline.replace(/,,/g, ',').split(',').filter(Boolean)];
  else if (typeof keyword === 'string') specs = keyword.split(',').map((s) => pyStrip(s, null));
  else if (Array.isArray(keyword)) specs = keyword.map((s) => pyStr(s));
  else specs = DEFAULT_CHARS;
  const chars = Array.from(specs.map((s) => CHARSETS[s] ?? s).join('').replace(/["']/g, ''));
  if (!chars.length) fail('the password lookup was given no characters to use');
  return chars;
}

/** The saved password: the file's text, right-stripped, without the ` salt=...` Ansible appends for encrypt=. */
function readSaved(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = pyStrip(readFileSync(file, 'utf8'), WHITESPACE, false, true);
  const salt = text.lastIndexOf(' salt=');
  return salt >= 0 ? text.slice(0, salt) : text;
}

/** Saves a new password readable by its owner only; a missing folder is made private (0700), its parents as usual. */
function save(file: string, password: string): void {
  const folder = dirname(file);
  if (!existsSync(folder)) {
    mkdirSync(dirname(folder), { recursive: true });
    mkdirSync(folder, { mode: 0o700 });
  }
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export const password: Plugin = (terms, options, { dir }) =>
  terms.map((t) => {
    const { path, params } = parseTerm(termText('password', t));
    for (const k of ['encrypt', 'ident', 'seed']) {
      if ((params[k] ?? options[k] ?? null) !== null) fail(`the password lookup's ${k} option is not supported by tsplay`);
    }
    const length = integer(params.length ?? options.length ?? 20);
    const file = resolve(dir, expandHome(path));
    const saved = file === '/dev/null' ? undefined : readSaved(file);
    if (saved !== undefined) return saved;
    const chars = candidates(params.chars, options.chars);
    const made = Array.from({ length }, () => chars[randomInt(chars.length)]).join('');
    if (file !== '/dev/null') save(file, made);
    return made;
  });
