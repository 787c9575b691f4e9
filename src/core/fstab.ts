/**
 * The /etc/fstab lines modules own (swap, aoe): each follows a marker comment naming what it is
 * for, so a later run finds and rewrites its own line and leaves every other line, byte for byte.
 */
import { unescapeMountField } from '../facts/hardware.js';

export const FSTAB = '/etc/fstab';

/** A path as an fstab field: whitespace and backslashes as octal escapes (\040 for a space). */
export function fstabField(s: string): string {
  return s.replace(/[\s\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** The first field of a line that is not a comment, unescaped ('' for a comment or a blank line). */
export function fstabSource(row: string): string {
  return row.trimStart().startsWith('#') ? '' : unescapeMountField(row.trim().split(/\s+/)[0] ?? '');
}

/**
 * fstab with the line after `marker` set to `line`, or removed with its marker (undefined). A
 * line another hand wrote for the same thing (`standing`) stands for it: none is added beside it.
 */
export function setOwnLine(text: string | undefined, marker: string, line: string | undefined, standing: (row: string) => boolean = () => false): string {
  const rows = (text ?? '').replace(/\n$/, '').split('\n').filter((r, _, all) => !(all.length === 1 && r === ''));
  const at = rows.indexOf(marker);
  if (at >= 0) rows.splice(at, 2);
  if (line !== undefined && !rows.some(standing)) rows.splice(at >= 0 ? at : rows.length, 0, marker, line);
  return rows.length ? rows.join('\n') + '\n' : '';
}
