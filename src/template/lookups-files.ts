/**
 * The lookups that read the controller: file, template, first_found and fileglob find files
 * the way Ansible does (files/ or templates/ of the task's role, then the role's folder, then
 * the same beside the playbook), and pipe and lines run a command in the playbook's folder.
 * They run where tsplay runs, never on a host.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { boolean } from '../py/bool.js';
import { decodeUtf8 } from '../core/text.js';
import { openFileBytes } from '../vault/context.js';
import { loopItems } from '../playbook/loops.js';
import { pyStrip, splitlines } from './methods.js';
import { fail, isMapping, pyRepr, pyStr, typeName } from './pyvalues.js';
import { findFile, searched, termText, type Plugin } from './lookups.js';

/** A found file's text; a vault-encrypted one decrypted (tainted), as Ansible's lookups do. */
function readText(path: string): string {
  try {
    const bytes = openFileBytes(readFileSync(path), path);
    return decodeUtf8(bytes, path);
  } catch (e) {
    fail(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The template lookup's options that change how Jinja reads the file; tsplay does not offer them, so they fail rather than be ignored. */
const TEMPLATE_UNSUPPORTED = ['convert_data', 'jinja2_native', 'variable_start_string', 'variable_end_string', 'comment_start_string', 'comment_end_string'];

/** The variables Ansible adds for a template it renders (generate_ansible_template_vars), but for the two dates. */
function templateVars(name: string, path: string): Record<string, unknown> {
  return { template_host: hostname(), template_path: name, template_fullpath: path, template_destpath: null, ansible_managed: 'Ansible managed' };
}

/** Ansible's _split_on for first_found's `files` and `paths`: a string is split at every separator, a list item by item. */
function splitOn(value: unknown, separators: RegExp): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(',').flatMap((s) => pyStrip(s, null).split(separators));
  if (Array.isArray(value)) return value.flatMap((v) => splitOn(v, separators));
  return [pyStr(value)];
}

/** Python's os.path.join of two parts. */
const pyJoin = (a: string, b: string): string => (b.startsWith('/') ? b : a === '' || a.endsWith('/') ? a + b : `${a}/${b}`);

/**
 * The names first_found tries, in order (Ansible's _process_terms, quirks kept): a string
 * term is itself a name unless `files` is given, which then replaces the whole list; a dict
 * term brings its own files/paths/skip; a list term is read item by item; every path is
 * combined with every file. The last term's `skip` decides what happens when nothing is found.
 */
function firstFoundSearch(terms: unknown[], options: Record<string, unknown>): { names: string[]; skip: boolean } {
  let names: string[] = [];
  let skip = false;
  for (const term of terms) {
    if (Array.isArray(term)) {
      const inner = firstFoundSearch(term, options);
      names.push(...inner.names);
      skip = inner.skip;
      continue;
    }
    if (!isMapping(term) && typeof term !== 'string') fail(`Invalid term supplied, can handle string, mapping or list of strings but got: <class '${typeName(term)}'> for ${pyStr(term)}`);
    const given = isMapping(term) ? term : options;
    const files = splitOn(given.files, /[,;]/);
    const paths = splitOn(given.paths, /[,:;]/);
    skip = boolean(given.skip ?? false, false);
    if (paths.length) names.push(...paths.flatMap((p) => files.map((f) => pyJoin(p, f))));
    else if (files.length) names = files;
    else names.push(term as string);
  }
  return { names, skip };
}

/** Runs the user's own shell text with /bin/sh -c in the playbook's folder, as Ansible's pipe and lines do: it is a command line by design, so it is not quoted. */
function runCommand(plugin: string, command: string, cwd: string): string {
  const r = spawnSync('/bin/sh', ['-c', command], { cwd, input: '', stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: Infinity });
  if (r.error) fail(`lookup_plugin.${plugin}(${command}) could not run: ${r.error.message}`);
  const code = r.status ?? -(constants.signals[r.signal as keyof typeof constants.signals] ?? 0);
  if (code !== 0) fail(`lookup_plugin.${plugin}(${command}) returned ${code}`);
  return r.stdout.toString('utf8');
}

export const FILE_LOOKUPS: Record<string, Plugin> = {
  /** Each file's text, right-stripped unless `rstrip=False`, left-stripped with `lstrip=True`. */
  file: (terms, options, { search }) =>
    terms.map((t) => {
      const name = termText('file', t);
      const path = findFile(search, 'files', name) ?? fail(`could not locate file in lookup: ${name} (looked for ${searched(search, 'files', name)})`);
      let text = readText(path);
      if (boolean(options.lstrip ?? false, false)) text = pyStrip(text, null, true, false);
      if (boolean(options.rstrip ?? true, false)) text = pyStrip(text, null, false, true);
      return text;
    }),

  /** Each template rendered with the task's variables, the template_* ones and `template_vars` on top. */
  template(terms, options, { session, search }) {
    const unsupported = TEMPLATE_UNSUPPORTED.filter((k) => options[k] !== undefined);
    if (unsupported.length) fail(`the template lookup's ${unsupported.join(', ')} option is not supported by tsplay`);
    const extra = options.template_vars ?? {};
    if (!isMapping(extra)) fail(`template_vars must be a dict, got ${pyRepr(extra)}`);
    return terms.map((t) => {
      const name = termText('template', t);
      const path = findFile(search, 'templates', name) ?? fail(`the template file ${name} could not be found for the lookup (looked for ${searched(search, 'templates', name)})`);
      return session.renderFile(readText(path), path, { ...templateVars(name, path), ...extra });
    });
  },

  first_found(terms, options, { search }) {
    const { names, skip } = firstFoundSearch(terms, options);
    for (const name of names) {
      const path = findFile(search, 'files', name);
      if (path) return [path];
    }
    if (skip) return [];
    fail('No file was found when using first_found.');
  },

  /** Each pattern's files, from the first search folder where it matches any. */
  fileglob: (terms, _o, { search }) =>
    terms.flatMap((t) => {
      const pattern = [termText('fileglob', t)];
      for (const dir of search) {
        const found = loopItems('fileglob', pattern, dir);
        if (found.length) return found;
      }
      return [];
    }),

  /** The command's stdout, right-stripped; a non-zero exit fails the lookup. */
  pipe: (terms, _o, { dir }) => terms.map((t) => pyStrip(runCommand('pipe', pyStr(t), dir), null, false, true)),

  /** The command's stdout, one item per line. */
  lines: (terms, _o, { dir }) => terms.flatMap((t) => splitlines(runCommand('lines', termText('lines', t), dir))),
};
