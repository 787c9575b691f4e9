/**
 * Python `re` patterns and replacement templates in JavaScript. Playbooks carry Python syntax
 * (Ansible compiles regexp with `re`), so the few spellings JavaScript lacks are translated:
 * named groups `(?P<n>...)` and `(?P=n)`, leading inline flags such as `(?i)`, `\A` and `\Z`.
 * Everything else is the common Perl-style subset both engines read the same way.
 */

/** Compiles a Python regular expression as a JavaScript RegExp (no `g`, no `u`: bytes-like \w). */
export function pyRegExp(pattern: string): RegExp {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else if (f === 'x') throw new Error(`verbose regular expressions ((?x)) are not supported: ${pattern}`);
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1]!;
      if (!inClass && n === 'A') out += '^';
      else if (!inClass && n === 'Z') out += '$(?![\\s\\S])';
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal in both engines; copy it so it does not close the class.
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += '\\' + src[++i];
      continue;
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(src.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    out += c;
  }
  try {
    return new RegExp(out, flags);
  } catch (e) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', f: '\f', v: '\v', b: '\b', '\\': '\\' };

/** Python's match.expand(template): \1..\99, \g<n>, \g<name> and the usual escapes; unmatched groups are empty. */
export function pyExpand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '\\' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    const g = /^g<([^>]*)>/.exec(rest);
    if (g) {
      const ref = g[1]!;
      const val = /^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref];
      if (/^\d+$/.test(ref) ? Number(ref) >= m.length : !(m.groups && ref in m.groups)) throw new Error(`invalid group reference ${ref} in ${JSON.stringify(template)}`);
      out += val ?? '';
      i += g[0].length;
      continue;
    }
    const oct = /^(0[0-7]{0,2}|[0-7]{3})/.exec(rest);
    if (oct) {
      out += String.fromCharCode(parseInt(oct[1]!, 8));
      i += oct[1]!.length;
      continue;
    }
    const num = /^\d{1,2}/.exec(rest);
    if (num) {
      const n = Number(num[0]);
      if (n >= m.length) throw new Error(`invalid group reference ${n} in ${JSON.stringify(template)}`);
      out += m[n] ?? '';
      i += num[0].length;
      continue;
    }
    const e = rest[0]!;
    out += ESCAPES[e] ?? '\\' + e;
    i += 1;
  }
  return out;
}
