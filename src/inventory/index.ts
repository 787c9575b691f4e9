/**
 * The inventory layer's public face. An Inventory is loaded once from the -i sources; after
 * that it is read-only apart from the playbook-side group_vars/host_vars folders, so variable
 * lookups and host patterns can be synchronous. Behaviour follows ansible-core 2.14's
 * InventoryManager and VariableManager; see the module files for the ported pieces.
 */
import { UserError } from '../core/errors.js';
import { isIpAddress } from './addresses.js';
import { type Host, InventoryData, LOCALHOST_NAMES, setOwn, sortGroups } from './model.js';
import { graph, toAnsibleList } from './output.js';
import { type SelectOptions, selectHosts } from './patterns.js';
import { parseSource } from './sources.js';
import { loadVarsDir, type VarsDir } from './varsdir.js';

export { parseIniValue } from './ini.js';
export { splitHostPattern } from './patterns.js';
export { findVarsFiles, loadVarsFile, loadVarsFor } from './varsdir.js';
export { parseAnsibleYaml } from './yamlload.js';

export interface InventoryHost {
  name: string;
  /** Variables set on the host itself in the inventory sources (plus inventory_file/inventory_dir). */
  vars: Record<string, unknown>;
  /** Groups that list the host directly, `ungrouped` included. */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  /** Hosts listed directly in the group, in inventory order. */
  hosts: string[];
  children: string[];
  /** Variables set on the group in the inventory sources (not from group_vars/ files). */
  vars: Record<string, unknown>;
}

export interface LoadOptions {
  /** Folder against which relative sources are resolved (default: process.cwd()). */
  cwd?: string;
}

type Vars = Record<string, unknown>;

export class Inventory {
  readonly hosts = new Map<string, InventoryHost>();
  readonly groups = new Map<string, InventoryGroup>();
  /** Things Ansible would warn about (a name used for both a host and a group). */
  readonly warnings: string[] = [];
  private readonly inventoryVars: VarsDir[] = [];
  private readonly playVars: VarsDir[] = [];
  /** Merged variables per host; the structure never changes after load, only addVarsDirs clears it. */
  private readonly varsCache = new Map<string, Vars>();
  private groupsCache?: Record<string, string[]>;

  private constructor(private readonly data: InventoryData) {
    for (const h of data.hosts.values()) this.hosts.set(h.name, { name: h.name, vars: { ...h.vars }, groups: h.directGroups.map((g) => g.name) });
    for (const g of data.groups.values()) {
      this.groups.set(g.name, { name: g.name, hosts: g.hosts.map((h) => h.name), children: g.childGroups.map((c) => c.name), vars: { ...g.vars } });
      if (data.hosts.has(g.name)) this.warnings.push(`Found both group and host with same name: ${g.name}`);
    }
  }

  /** Parses every source (file, folder or `a,b,` host list) in order and their group_vars/host_vars. */
  static async load(sources: string[], opts: LoadOptions = {}): Promise<Inventory> {
    const cwd = opts.cwd ?? process.cwd();
    const data = new InventoryData();
    const dirs: string[] = [];
    for (const source of sources) {
      if (!source) continue;
      const dir = await parseSource(data, source, cwd);
      if (dir) dirs.push(dir);
    }
    data.reconcile();
    const inv = new Inventory(data);
    for (const dir of dirs) inv.inventoryVars.push(await inv.loadVarsDir(dir));
    return inv;
  }

  private loadVarsDir(dir: string): Promise<VarsDir> {
    return loadVarsDir(dir, this.data.groups.keys(), [...this.data.hosts.keys(), ...LOCALHOST_NAMES]);
  }

  /**
   * Adds the group_vars/ and host_vars/ folders beside a playbook. They rank above the
   * inventory-side folders at each level (all, groups, host), as in Ansible.
   */
  async addVarsDirs(dir: string): Promise<void> {
    if (this.playVars.some((v) => v.dir === dir)) return;
    this.playVars.push(await this.loadVarsDir(dir));
    this.varsCache.clear();
  }

  private host(name: string): Host {
    const h = this.data.getHost(name);
    if (!h) throw new UserError(`unknown host: ${name}`, undefined, 'the host must be listed in the inventory');
    return h;
  }

  /**
   * The inventory-level variables of a host, merged in VariableManager's order: `all` group
   * vars, other groups' vars (by depth, ansible_group_priority, name), group_vars/all beside
   * the inventory then the playbook, group_vars/<group> likewise, the host's own vars and
   * magic names (inventory_hostname, inventory_hostname_short, group_names), then host_vars/.
   */
  hostVars(name: string): Vars {
    const h = this.host(name);
    let cached = this.varsCache.get(h.name);
    if (!cached) this.varsCache.set(h.name, (cached = this.mergeVars(h)));
    return structuredClone(cached);
  }

  /** The uncached merge behind hostVars(). */
  private mergeVars(h: Host): Vars {
    const groups = sortGroups(h.allGroups().filter((g) => g.name !== 'all'));
    let vars: Vars = { ...this.data.groups.get('all')!.vars };
    for (const g of groups) vars = { ...vars, ...g.vars };
    for (const v of [...this.inventoryVars, ...this.playVars]) vars = { ...vars, ...v.groups.get('all') };
    for (const v of this.inventoryVars) for (const g of groups) vars = { ...vars, ...v.groups.get(g.name) };
    for (const v of this.playVars) for (const g of groups) vars = { ...vars, ...v.groups.get(g.name) };
    vars = {
      ...vars,
      ...h.vars,
      inventory_hostname: h.name,
      inventory_hostname_short: isIpAddress(h.name) ? h.name : h.name.split('.')[0],
      group_names: this.groupNames(h.name),
    };
    for (const v of [...this.inventoryVars, ...this.playVars]) vars = { ...vars, ...v.hosts.get(h.name) };
    return vars;
  }

  /** `group_names`: every group of the host including ancestors, sorted, without `all` (Ansible keeps `ungrouped`). */
  groupNames(host: string): string[] {
    return this.host(host)
      .allGroups()
      .map((g) => g.name)
      .filter((n) => n !== 'all')
      .sort();
  }

  /** The `groups` magic variable: every group, `all` and `ungrouped` included, with all its hosts. */
  groupsVar(): Record<string, string[]> {
    if (!this.groupsCache) {
      this.groupsCache = {};
      for (const [name, g] of this.data.groups) setOwn(this.groupsCache, name, g.getHosts().map((h) => h.name));
    }
    const out: Record<string, string[]> = {};
    for (const [name, hosts] of Object.entries(this.groupsCache)) setOwn(out, name, [...hosts]);
    return out;
  }

  /**
   * Host names matching a pattern (`hosts:` or `--limit`), in inventory order. Unknown names
   * match nothing; pass `warn` to hear about them. `baseDir` anchors `@file` patterns.
   */
  select(pattern: string | string[], baseDir?: string, warn?: SelectOptions['warn']): string[] {
    return selectHosts(this.data, pattern, { baseDir, warn }).map((h) => h.name);
  }

  /** The object `ansible-inventory --list` prints (keys sorted as it prints them). */
  toAnsibleList(): Record<string, unknown> {
    return toAnsibleList(this.data, (h) => this.hostVars(h.name));
  }

  /** The text `ansible-inventory --graph [group]` prints. */
  graph(group = 'all'): string {
    return graph(this.data, group);
  }
}
