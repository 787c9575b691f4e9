/**
 * Shell-style wildcards as Python's fnmatch reads them (fnmatch.translate), the one place for
 * them: `*` any run of characters, `?` one, `[seq]` and `[!seq]` a set and its complement (a
 * `]` first in the set is one of its characters), a `[` that never closes a literal `[`. No
 * special case for `/` or a leading dot. Used by --start-at-task, fact filters, with_fileglob
 * and systemd-networkd's Name= matching.
 */

/** A set's body (between `[` and `]`) as Python 3.11's translate writes it: reversed ranges dropped, `-` and `\\` escaped. */
function setBody(seg: string): string {
  if (!seg.includes('-')) return seg.replace(/\\/g, '\\\\');
  const chunks: string[] = [];
  let from = 0;
  let k = seg.startsWith('!') ? 2 : 1;
  for (;;) {
    k = seg.indexOf('-', k);
    if (k < 0) break;
    chunks.push(seg.slice(from, k));
    from = k + 1;
    k += 3;
  }
  const last = seg.slice(from);
  if (last) chunks.push(last);
  else chunks[chunks.length - 1] += '-';
  for (let q = chunks.length - 1; q > 0; q--) {
    if (chunks[q - 1]!.slice(-1) > chunks[q]![0]!) {
      chunks[q - 1] = chunks[q - 1]!.slice(0, -1) + chunks[q]!.slice(1);
      chunks.splice(q, 1);
    }
  }
  return chunks.map((c) => c.replace(/\\/g, '\\\\').replace(/-/g, '\\-')).join('-');
}

/** The anchored regular expression of a pattern. */
export function fnmatchRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        re += '\\[';
        continue;
      }
      // A ] that opens the set is one of its characters: JavaScript wants it escaped.
      let body = setBody(pattern.slice(i + 1, j)).replace(/([&~|\]])/g, '\\$1');
      i = j;
      if (!body) re += '(?!)';
      else if (body === '!') re += '.';
      else {
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        else if (body.startsWith('^') || body.startsWith('[')) body = `\\${body}`;
        re += `[${body}]`;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** Whether `name` matches the pattern (case-sensitive, as fnmatch.fnmatchcase). */
export function fnmatch(pattern: string, name: string): boolean {
  return fnmatchRegex(pattern).test(name);
}
