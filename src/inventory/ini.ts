/**
 * The INI inventory format, ported from Ansible's `ini` inventory plugin: one pass over the
 * lines with `[group]`, `[group:vars]` and `[group:children]` sections, host lines cut by
 * Python's shlex, and every value typed by Python's literal_eval. Where Ansible would reject
 * the file, tsplay reports the same problem, but as a UserError with file and line instead of
 * Ansible's warning followed by a partial or empty inventory.
 */
import { UserError } from '../core/errors.js';
import { RangeSyntaxError, expandHostPattern } from './addresses.js';
import { InventoryData, InventoryError } from './model.js';
import { pyRegExp } from '../py/re.js';
import { ShlexError, shlexSplit } from '../py/shlex.js';
import { LiteralError, literalEval } from './pyliteral.js';

// The ini plugin's own patterns, in Python's dialect (Unicode \s and \w).
const SECTION = pyRegExp(String.raw`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:\#.*)?$`);
const GROUP_NAME = pyRegExp(String.raw`^([^:\]\s]+)\s*(?:\#.*)?$`);

const SECTION_HINT = 'section headers are [group], [group:vars] or [group:children], with no spaces inside the brackets';

/** Python's str.splitlines(): line numbers must match Ansible's, which counts these breaks too. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Types one INI value as Ansible does: a Python literal when it parses as one, else the text itself. */
export function parseIniValue(text: string): unknown {
  const r = literalEval(text);
  return r.ok ? r.value : text;
}

interface Pending {
  line: number;
  state: 'vars' | 'children';
  name: string;
  parents: string[];
}

export function parseIni(inv: InventoryData, file: string, text: string): void {
  let lineno = 0;
  const fail = (message: string, hint?: string, line = lineno): never => {
    throw new UserError(message, { file, line }, hint);
  };
  const guard = <T>(fn: () => T, hint?: string): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof InventoryError || e instanceof RangeSyntaxError || e instanceof LiteralError || e instanceof ShlexError) return fail(e.message, hint);
      throw e;
    }
  };

  const pending = new Map<string, Pending>();
  const addPendingChildren = (group: string): void => {
    for (const parent of pending.get(group)!.parents) {
      guard(() => inv.addChild(parent, group));
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
    pending.delete(group);
  };

  let groupname = 'ungrouped';
  let state = 'hosts';
  for (const raw of splitLines(text.replace(/^\ufeff/, ''))) {
    lineno++;
    const line = raw.trim();
    if (!line || line[0] === '#' || line[0] === ';') continue;

    const m = SECTION.exec(line);
    if (m) {
      groupname = m[1]!;
      state = m[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state)) {
        fail(`Section [${groupname}:${state}] has unknown type: ${state}`, SECTION_HINT);
      }
      if (!inv.groups.has(groupname)) {
        // [g] and [g:children] declare a group; [g:vars] alone must be matched by a declaration.
        if (state === 'vars' && !pending.has(groupname)) pending.set(groupname, { line: lineno, state: 'vars', name: groupname, parents: [] });
        inv.addGroup(groupname);
      }
      const p = pending.get(groupname);
      if (p && state !== 'vars') {
        if (p.state === 'children') addPendingChildren(groupname);
        else pending.delete(groupname);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(`Invalid section entry: '${line}'`, SECTION_HINT);
    }

    if (state === 'hosts') {
      const tokens = guard(() => shlexSplit(line, true), 'check the quotes on this host line');
      const pattern = tokens[0] ?? '';
      const hint = line.startsWith('[') ? SECTION_HINT : 'host ranges look like web[01:20], db[a:f] or h[1:10:2]';
      const { hosts, port } = guard(() => expandHostPattern(pattern), hint);
      if (pattern.trim().endsWith(':') && port === undefined) {
        fail(`Invalid host pattern '${pattern}' supplied, ending in ':' is not allowed, this character is reserved to provide a port.`, 'if this is a YAML inventory, give the file a .yml or .yaml extension');
      }
      if (hosts.some((h) => h.trim() === '---')) {
        fail(`Invalid host pattern '${pattern}' supplied, '---' is normally a sign this is a YAML file.`, 'give a YAML inventory a .yml or .yaml extension');
      }
      const vars: [string, unknown][] = [];
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq < 0) fail(`Expected key=value host variable assignment, got: ${t}`, 'host variables are written name=value; quote values that contain spaces');
        const key = t.slice(0, eq);
        const value = guard(() => parseIniValue(t.slice(eq + 1)));
        const at = vars.findIndex(([k]) => k === key);
        if (at >= 0) vars[at] = [key, value];
        else vars.push([key, value]);
      }
      for (const host of hosts) {
        guard(() => inv.addHost(host, groupname, port), 'host names cannot be empty');
        for (const [k, v] of vars) guard(() => inv.setVariable(host, k, v));
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`Expected key=value, got: ${line}`, `only name = value lines belong in a [${groupname}:vars] section`);
      const key = line.slice(0, eq).trim();
      const value = guard(() => parseIniValue(line.slice(eq + 1).trim()));
      guard(() => inv.setVariable(groupname, key, value));
    } else {
      const cm = GROUP_NAME.exec(line);
      if (!cm) fail(`Expected group name, got: ${line}`, `only group names belong in a [${groupname}:children] section`);
      const child = cm![1]!;
      if (!inv.groups.has(child)) {
        const p = pending.get(child);
        if (!p) pending.set(child, { line: lineno, state: 'children', name: child, parents: [groupname] });
        else p.parents.push(groupname);
      } else guard(() => inv.addChild(groupname, child));
    }
  }

  // Like Ansible, report only the first declaration that was never satisfied.
  for (const decl of pending.values()) {
    if (decl.state === 'vars') {
      fail(`Section [${decl.name}:vars] not valid for undefined group: ${decl.name}`, `declare the group with a [${decl.name}] or [${decl.name}:children] section`, decl.line);
    } else {
      fail(
        `Section [${decl.parents[decl.parents.length - 1]}:children] includes undefined group: ${decl.name}`,
        `declare the group with a [${decl.name}] section, even an empty one`,
        decl.line,
      );
    }
  }
}
