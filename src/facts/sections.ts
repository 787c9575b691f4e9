/** Splits the fact script's output into its sections (see script.ts for the format). */
import { SECTION_MARK } from './script.js';

export type Sections = Map<string, string>;

/**
 * The sections of the script's output, by name, each with exactly the text the commands printed.
 * A section that appears twice keeps its first occurrence.
 */
export function splitSections(stdout: string): Sections {
  const sections: Sections = new Map();
  const text = stdout.replace(/\r\n/g, '\n');
  const mark = `\n${SECTION_MARK} `;
  // The first mark is preceded by a newline that printf emitted; anything before it is noise
  // (a login banner, a message from a shell profile).
  let at = text.indexOf(mark);
  while (at >= 0) {
    const nameStart = at + mark.length;
    const nameEnd = text.indexOf('\n', nameStart);
    const name = text.slice(nameStart, nameEnd < 0 ? undefined : nameEnd);
    if (nameEnd < 0) {
      if (!sections.has(name)) sections.set(name, '');
      break;
    }
    const next = text.indexOf(mark, nameEnd);
    // Each mark is printed with a leading newline of its own: the data ends just before it.
    const body = text.slice(nameEnd + 1, next < 0 ? undefined : next);
    if (!sections.has(name)) sections.set(name, body);
    at = next;
  }
  return sections;
}

/** The non-empty lines of a section. */
export function lines(body: string | undefined): string[] {
  if (!body) return [];
  return body.split('\n').filter((l) => l !== '');
}

/**
 * The `files` section, `path:content` lines from `grep -H ''`, grouped by file. The paths are
 * the script's own constants, so the first `:` always ends the path.
 */
export function fileContents(body: string | undefined): Map<string, string[]> {
  const files = new Map<string, string[]>();
  if (!body) return files;
  for (const line of body.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon);
    let list = files.get(path);
    if (!list) files.set(path, (list = []));
    list.push(line.slice(colon + 1));
  }
  return files;
}
