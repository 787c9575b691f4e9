/**
 * The YAML inventory format (`all: {hosts:, children:, vars:}`), ported from Ansible's `yaml`
 * inventory plugin. It walks the YAML nodes rather than plain data so that every complaint can
 * point at a line. Ansible skips malformed groups and unknown keys with a warning; tsplay stops
 * with a UserError, since a skipped group silently changes which hosts a play touches.
 */
import { isAlias, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { UserError } from '../core/errors.js';
import { RangeSyntaxError, expandHostPattern } from './addresses.js';
import { InventoryData, InventoryError } from './model.js';
import { loadYamlDocument, type LoadedYaml } from './yamlload.js';

interface Entry {
  key: unknown;
  keyNode: Node;
  value: Node | null;
}

function typeName(node: Node | null, value: unknown): string {
  if (isMap(node)) return 'dict';
  if (isSeq(node)) return 'list';
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'str';
}

export function parseYamlInventory(inv: InventoryData, file: string, text: string): void {
  const y: LoadedYaml = loadYamlDocument(text, file);
  const fail = (message: string, node: Node | null | undefined, hint?: string): never => {
    throw new UserError(message, y.pos(node), hint);
  };
  const deref = (node: unknown): Node | null => {
    let n = node as Node | null | undefined;
    while (n && isAlias(n) && y.doc) n = n.resolve(y.doc) as Node | undefined;
    return n ?? null;
  };
  const isNull = (node: Node | null) => node === null || (isScalar(node) && node.value === null);

  /** Key/value pairs of a mapping, with `<<` merge keys expanded (explicit keys win). */
  const entries = (map: YAMLMap): Entry[] => {
    const out = new Map<string, Entry>();
    for (const pair of map.items as Pair<Node, Node | null>[]) {
      if (isScalar(pair.key) && typeof pair.key.value === 'symbol') {
        const src = deref(pair.value);
        const sources = isSeq(src) ? src.items.map(deref) : [src];
        for (const s of sources) {
          if (!isMap(s)) return fail('merge key << needs a mapping or a list of mappings', s ?? pair.key);
          for (const e of entries(s)) if (!out.has(String(e.key))) out.set(String(e.key), e);
        }
        continue;
      }
      const key = y.toJS(pair.key);
      out.set(String(key), { key, keyNode: pair.key, value: deref(pair.value) });
    }
    return [...out.values()];
  };

  const guard = <T>(node: Node | null, fn: () => T, hint?: string): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof InventoryError || e instanceof RangeSyntaxError) return fail(e.message, node, hint);
      throw e;
    }
  };

  /** Normalises a `hosts:`/`children:`/`vars:` section: a bare string means `{name: null}`. */
  const section = (group: string, name: string, node: Node | null): Entry[] | null => {
    if (isNull(node)) return null;
    if (isScalar(node) && typeof node.value === 'string') return [{ key: node.value, keyNode: node, value: null }];
    if (!isMap(node)) {
      return fail(`Invalid "${name}" entry for "${group}" group, requires a dictionary, found "${typeName(node, y.toJS(node))}" instead.`, node, `write ${name}: as a mapping (name: value), not a list`);
    }
    return entries(node);
  };

  const parseGroup = (name: unknown, keyNode: Node, node: Node | null): string => {
    if (typeof name !== 'string') fail(`Invalid group name supplied, expected a string but got ${typeName(null, name)} for ${String(name)}`, keyNode, 'quote the group name');
    const group = name as string;
    if (!isNull(node) && !isMap(node)) {
      fail(`'${group}' is not a valid group definition: expected a mapping with hosts, children or vars`, node ?? keyNode, 'a group is written name: {hosts: ..., children: ..., vars: ...}');
    }
    guard(keyNode, () => inv.addGroup(group));
    if (!isMap(node)) return group;
    for (const e of entries(node)) {
      const key = String(e.key);
      if (!['vars', 'children', 'hosts'].includes(key)) {
        fail(`unexpected key (${key}) in group (${group}), only "vars", "children" and "hosts" are valid`, e.keyNode, 'Ansible skips such keys with a warning; check the spelling or the indentation');
      }
      const items = section(group, key, e.value);
      if (!items) continue;
      if (key === 'vars') {
        for (const v of items) guard(v.keyNode, () => inv.setVariable(group, String(v.key), y.toJS(v.value)));
      } else if (key === 'children') {
        for (const c of items) {
          const sub = parseGroup(c.key, c.keyNode, c.value);
          guard(c.keyNode, () => inv.addChild(group, sub));
        }
      } else {
        for (const h of items) {
          if (typeof h.key !== 'string') {
            fail(`Host pattern ${String(h.key)} must be a string. Enclose integers/floats in quotation marks.`, h.keyNode);
          }
          const { hosts, port } = guard(h.keyNode, () => expandHostPattern(h.key as string), 'host ranges look like web[01:20], db[a:f] or h[1:10:2]');
          const vars = isNull(h.value) ? [] : isMap(h.value) ? entries(h.value) : fail(`Invalid data for host ${String(h.key)}: expected a dictionary of variables`, h.value, 'write host: {var: value} or leave the value empty');
          for (const host of hosts) {
            guard(h.keyNode, () => inv.addHost(host, group, port));
            for (const v of vars) guard(v.keyNode, () => inv.setVariable(host, String(v.key), y.toJS(v.value)));
          }
        }
      }
    }
    return group;
  };

  const root = deref(y.doc?.contents);
  if (isNull(root)) return;
  if (!isMap(root)) {
    fail(`YAML inventory has invalid structure, it should be a dictionary, got: ${typeName(root, y.toJS(root))}`, root, 'a YAML inventory starts with all: (or a group name) followed by hosts:, children: and vars:');
  }
  const top = entries(root as YAMLMap);
  const plugin = top.find((e) => e.key === 'plugin');
  if (plugin && y.toJS(plugin.value)) fail('inventory plugin configuration files are not supported by tsplay', plugin.keyNode, 'list the hosts in an INI or YAML inventory');
  for (const e of top) parseGroup(e.key, e.keyNode, e.value);
}
