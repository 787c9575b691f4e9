/**
 * Ansible's filters for data formats, encodings, hashes, regular expressions and paths:
 * `to_json`/`to_nice_json` (Python's json.dumps), `to_yaml`/`to_nice_yaml` (PyYAML's
 * emitter), `from_json`/`from_yaml`, `b64encode`, `hash`, `regex_*`, `basename`, `quote`.
 * Output matches what Ansible writes, since these filters mostly end up in config files.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { parse as yamlParse, parseAllDocuments } from 'yaml';
import { jsonDumps } from './json.js';
import { parseFloatPy } from './filters.js';
import { defineFilter } from './registry.js';
import { pyRegex, regexExec, regexIter, regexSub } from './regex.js';
import { fail, mkFloat, pyStr, pyTruthy, toNum, tuple } from './pyvalues.js';
import { yamlDump } from './yamldump.js';

const str = pyStr;

defineFilter('to_json', ['value', '**kw'], ([v, kw]) =>
  jsonDumps(v, {
    indent: kw.indent === undefined || kw.indent === null ? null : toNum(kw.indent),
    sortKeys: pyTruthy(kw.sort_keys ?? false),
    separators: Array.isArray(kw.separators) ? [str(kw.separators[0]), str(kw.separators[1])] : undefined,
    ensureAscii: pyTruthy(kw.ensure_ascii ?? true),
  }),
);
defineFilter('to_nice_json', ['value', 'indent', 'sort_keys', '**kw'], ([v, indent = 4, sortKeys = true, kw]) =>
  jsonDumps(v, { indent: toNum(indent), sortKeys: pyTruthy(sortKeys), separators: [',', ': '], ensureAscii: pyTruthy(kw.ensure_ascii ?? true) }),
);
defineFilter('tojson', ['value', 'indent'], ([v, indent = null]) =>
  jsonDumps(v, { indent: indent === null ? null : toNum(indent), sortKeys: true })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/'/g, '\\u0027'),
);
defineFilter('from_json', ['value'], ([v]) => {
  try {
    return JSON.parse(str(v));
  } catch (e) {
    fail(`from_json: ${(e as Error).message}`);
  }
});

defineFilter('to_yaml', ['value', '**kw'], ([v, kw]) =>
  yamlDump(v, { indent: kw.indent === undefined ? 2 : toNum(kw.indent), flowStyle: kw.default_flow_style === undefined || kw.default_flow_style === null ? null : pyTruthy(kw.default_flow_style) }),
);
defineFilter('to_nice_yaml', ['value', 'indent', '**kw'], ([v, indent = 4]) => yamlDump(v, { indent: toNum(indent), flowStyle: false }));

const PY_FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/;

/**
 * YAML 1.1 as PyYAML resolves it: `y`/`n` stay strings, `1e3` (no dot) is a string, and `1.0`
 * is a float that prints as 1.0.
 */
function pyYamlTags(tags: any[]): any[] {
  return tags.map((t) => {
    if (t.tag === 'tag:yaml.org,2002:bool') {
      const truthy = t.test?.test('true');
      return { ...t, test: truthy ? /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/ : /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/ };
    }
    if (t.tag === 'tag:yaml.org,2002:float' && !t.format && t.test?.test('1.5')) {
      return { ...t, test: PY_FLOAT, resolve: (s: string) => mkFloat(parseFloatPy(s.replace(/_/g, ''))) };
    }
    if (t.tag === 'tag:yaml.org,2002:float' && t.format === 'EXP') return { ...t, test: /^\0never$/ };
    return t;
  });
}

/** Parses YAML text the way Ansible's from_yaml (PyYAML, YAML 1.1) does. */
export function fromYaml(text: string): unknown {
  try {
    return yamlParse(text, { version: '1.1', customTags: pyYamlTags, merge: true });
  } catch (e) {
    fail(`from_yaml: ${(e as Error).message}`);
  }
}
defineFilter('from_yaml', ['value'], ([v]) => (typeof v === 'string' ? fromYaml(v) : v));
defineFilter('from_yaml_all', ['value'], ([v]) =>
  typeof v === 'string' ? parseAllDocuments(v, { version: '1.1', customTags: pyYamlTags, merge: true }).map((d: any) => d.toJS()) : v,
);

defineFilter('b64encode', ['value', 'encoding'], ([v]) => Buffer.from(str(v), 'utf8').toString('base64'));
defineFilter('b64decode', ['value', 'encoding'], ([v]) => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(str(v), 'base64'));
  } catch {
    fail("'utf-8' codec can't decode the base64 data");
  }
});

const HASHES: Record<string, string> = { blake2b: 'blake2b512', blake2s: 'blake2s256', sha3_224: 'sha3-224', sha3_256: 'sha3-256', sha3_384: 'sha3-384', sha3_512: 'sha3-512' };
function digest(v: unknown, type: string): string {
  try {
    return createHash(HASHES[type] ?? type)
      .update(str(v), 'utf8')
      .digest('hex');
  } catch {
    fail(`unsupported hash type ${type}`);
  }
}
defineFilter('hash', ['value', 'hashtype'], ([v, type = 'sha1']) => digest(v, str(type)));
defineFilter(['checksum', 'sha1'], ['value'], ([v]) => digest(v, 'sha1'));
defineFilter('md5', ['value'], ([v]) => digest(v, 'md5'));

/** Python's posixpath.basename: everything after the last slash (so 'a/b/' gives ''). */
function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
/** Python's posixpath.dirname: up to the last slash, trailing slashes removed unless all slashes. */
function dirname(p: string): string {
  let head = p.slice(0, p.lastIndexOf('/') + 1);
  if (head && !/^\/+$/.test(head)) head = head.replace(/\/+$/, '');
  return head;
}
defineFilter('basename', ['value'], ([v]) => basename(str(v)));
defineFilter('dirname', ['value'], ([v]) => dirname(str(v)));
defineFilter('splitext', ['value'], ([v]) => {
  const p = str(v);
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return tuple([p, '']);
  const cut = p.length - base.length + dot;
  return tuple([p.slice(0, cut), p.slice(cut)]);
});
defineFilter('expanduser', ['value'], ([v]) => str(v).replace(/^~(?=\/|$)/, homedir()));
defineFilter('path_join', ['value'], ([v]) => {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) fail('|path_join expects string or sequence');
  let out = '';
  for (const part of v.map(str)) {
    if (part.startsWith('/')) out = part;
    else if (!out || out.endsWith('/')) out += part;
    else out += '/' + part;
  }
  return out;
});

defineFilter('regex_replace', ['value', 'pattern', 'replacement', 'ignorecase', 'multiline'], ([v = '', pattern = '', repl = '', ic = false, ml = false]) =>
  regexSub(pyRegex(pattern, { ignorecase: pyTruthy(ic), multiline: pyTruthy(ml) }), str(repl), str(v)),
);
defineFilter('regex_search', ['value', 'regex', '*args', '**kw'], ([v, regex, args, kw]) => {
  const groups = (args as unknown[]).map((a) => {
    const s = str(a);
    const g = /^\\g<(\S+)>/.exec(s);
    if (g) return /^\d+$/.test(g[1]!) ? Number(g[1]) : g[1]!;
    const d = /^\\(\d+)/.exec(s);
    if (d) return Number(d[1]);
    fail('Unknown argument');
  });
  const m = regexExec(pyRegex(regex, { ignorecase: pyTruthy(kw.ignorecase ?? false), multiline: pyTruthy(kw.multiline ?? false) }), str(v), false);
  if (!m) return null;
  if (!groups.length) return m[0];
  return groups.map((g) => (typeof g === 'number' ? (g < m.length ? (m[g] ?? null) : fail('no such group')) : (m.groups?.[g] ?? null)));
});
defineFilter('regex_findall', ['value', 'regex', 'multiline', 'ignorecase'], ([v, regex, ml = false, ic = false]) => {
  const re = pyRegex(regex, { ignorecase: pyTruthy(ic), multiline: pyTruthy(ml) });
  return [...regexIter(re, str(v))].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : tuple(m.slice(1).map((g) => g ?? ''))));
});
defineFilter('regex_escape', ['value', 're_type'], ([v, reType = 'python']) => {
  if (reType === 'posix_basic') return str(v).replace(/([\].[^$*\\])/g, '\\$1');
  if (reType !== 'python') fail('Regex type (%s) not yet implemented'.replace('%s', str(reType)));
  return str(v).replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => '\\' + c);
});

/** Python's shlex.quote, byte for byte (`'"'"'` for a quote inside single quotes). */
defineFilter('quote', ['value'], ([v]) => {
  const s = v === null ? '' : str(v);
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
});
defineFilter('to_uuid', ['value', 'namespace'], ([v, ns = '361e6d51-faec-444a-9079-341386da8e2e']) => {
  const nsBytes = Buffer.from(str(ns).replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(nsBytes).update(str(v), 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
});
defineFilter('comment', ['value', 'style', '**kw'], ([v, style = 'plain', kw]) => {
  const styles: Record<string, Record<string, string>> = {
    plain: { decoration: '# ' },
    erlang: { decoration: '% ' },
    c: { decoration: '// ' },
    cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
    xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
  };
  const s = styles[str(style)] ?? fail(`unknown comment style ${str(style)}`);
  const deco = kw.decoration !== undefined ? str(kw.decoration) : s.decoration!;
  const p: Record<string, unknown> = { newline: '\n', beginning: '', prefix: deco.trimEnd(), prefix_count: 1, decoration: '', postfix: deco.trimEnd(), postfix_count: 1, end: '', ...s, ...kw };
  const nl = str(p.newline);
  const d = str(p.decoration);
  const begin = p.beginning ? str(p.beginning) + nl : '';
  const prefix = p.prefix ? (p.prefix !== nl ? str(p.prefix) + nl : nl).repeat(toNum(p.prefix_count)) : '';
  const text = (d + str(v).split(nl).join(nl + d)).split(d + nl).join(d.trimEnd() + nl);
  const postfix = ['', ...Array(toNum(p.postfix_count)).fill(str(p.postfix))].join(nl);
  const end = p.end ? nl + str(p.end) : '';
  return begin + prefix + text + postfix + end;
});
