/**
 * Text files read strictly: a playbook, an inventory, vars or a template that is not valid UTF-8
 * is refused with the file and the byte offset of the first bad byte, never decoded into U+FFFD
 * characters that would then be deployed to hosts. Binary files (a copy `src`) are read as bytes
 * elsewhere and never come through here.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { UserError } from './errors.js';

/** The offset of the first byte that is not part of a valid UTF-8 sequence. */
function badByte(buf: Buffer, text: string): number {
  // Every U+FFFD before the first bad byte was written as EF BF BD; the prefix before it re-encodes exactly.
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i));
    if (!(buf[at] === 0xef && buf[at + 1] === 0xbf && buf[at + 2] === 0xbd)) return at;
  }
  return 0;
}

/** Decodes UTF-8; invalid bytes are a UserError naming the file, line and byte offset. */
export function decodeUtf8(buf: Buffer, file: string): string {
  const text = buf.toString('utf8');
  if (!isUtf8(buf)) {
    const at = badByte(buf, text);
    const line = buf.subarray(0, at).toString('utf8').split('\n').length;
    throw new UserError(
      `invalid UTF-8 at byte offset ${at} (byte 0x${buf[at]!.toString(16).padStart(2, '0')})`,
      { file, line },
      'save the file as UTF-8 (iconv -f LATIN1 -t UTF-8 converts Latin-1 text)',
    );
  }
  return text;
}

function unreadable(file: string, e: unknown): UserError {
  return new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
}

export function readTextFileSync(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw unreadable(file, e);
  }
  return decodeUtf8(buf, file);
}

export async function readTextFile(file: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw unreadable(file, e);
  }
  return decodeUtf8(buf, file);
}
