/**
 * Secrets decrypted from vaults, and the masking of their every occurrence in what tsplay
 * prints or writes. A value is tainted where it is decrypted (a `!vault` value, a vaulted file's
 * strings); anything built from it that still holds it (a template, a registered result, an
 * error message, a diff) shows `********` where it stood, whether or not the task says no_log.
 * A multi-line secret is also masked line by line, as diffs and -v output cut it into lines.
 *
 * Values shorter than MIN_LENGTH are not masked: replacing every "on" or "42" would garble the
 * output and hide nothing.
 */
import { jsonDumps } from '../template/json.js';

export const MASK = '********';
const MIN_LENGTH = 3;

const secrets = new Set<string>();
let pattern: RegExp | undefined;

function add(value: string): void {
  if (value.length < MIN_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  pattern = undefined;
}

/**
 * The forms a value takes in output: as it is, inside a JSON string (quotes, backslashes and
 * control characters escaped; non-ASCII also as \uXXXX), and inside a single-quoted shell word
 * (scripts shown at -v).
 */
function forms(value: string): string[] {
  const inner = (json: string) => json.slice(1, -1);
  return [value, inner(JSON.stringify(value)), inner(jsonDumps(value)), inner(jsonDumps(value, { ensureAscii: true })), value.replace(/'/g, `'\\''`)];
}

/** Marks a decrypted value (and each of its lines) as secret. */
export function taint(value: string): void {
  const parts = [value, value.trim(), ...(value.includes('\n') ? value.split(/\r?\n/).map((l) => l.trim()) : [])];
  for (const part of parts) for (const f of forms(part)) add(f);
}

/** Marks every string inside a decrypted document (a vaulted vars file) as secret. */
export function taintStrings(value: unknown): void {
  if (typeof value === 'string') taint(value);
  else if (Array.isArray(value)) value.forEach(taintStrings);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(taintStrings);
}

export function hasSecrets(): boolean {
  return secrets.size > 0;
}

function maskPlain(text: string): string {
  pattern ??= new RegExp([...secrets].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return text.replace(pattern, MASK);
}

/** Base64 that decodes to something holding a secret: a whole file's content in a script (src/core/script.ts puts it in 76-column lines) or a probe's `key=BASE64` line. */
const BASE64 = /[A-Za-z0-9+/]{16,}(?:\n[A-Za-z0-9+/]{4,})*={0,2}/g;

function hidesSecret(b64: string): boolean {
  const decoded = Buffer.from(b64.replace(/\n/g, ''), 'base64').toString('utf8');
  return maskPlain(decoded) !== decoded;
}

/** The text with each secret replaced by the mask (longest first, so a secret inside another goes with it), base64 of one too. */
export function mask(text: string): string {
  if (!secrets.size) return text;
  return maskPlain(text.replace(BASE64, (b64) => (hidesSecret(b64) ? MASK : b64)));
}

/** Masks everything this process writes to stdout and stderr from now on (installed once). */
let installed = false;
export function maskStandardStreams(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (!secrets.size) return write(chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : undefined;
      return write(text === undefined ? chunk : mask(text), ...rest);
    }) as typeof stream.write;
  }
}
