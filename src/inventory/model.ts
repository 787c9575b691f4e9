/**
 * The inventory graph, ported from ansible.inventory.{group,host,data}: groups with ordered
 * hosts and child groups, depth bookkeeping (used to order group variables), cycle detection,
 * and the `all`/`ungrouped` reconciliation. Orders matter as much as contents here, because
 * host patterns and `groups[...]` return hosts in the order these structures yield them.
 */

/** A problem in the inventory structure; parsers add the file and line where it arose. */
export class InventoryError extends Error {}

export const LOCALHOST_NAMES = ['127.0.0.1', 'localhost', '::1'];

/**
 * Sets a key that comes from user data. Plain assignment would treat `__proto__` as the
 * prototype setter; a variable or host may legitimately be called that.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const PORT_VARS = new Set(['ansible_port', 'ansible_ssh_port']);

/**
 * Connection variables with a fixed type are checked where they are written (the loaders turn
 * the error into file:line): a port that is not a number would otherwise be looked up as
 * "[ip]:NaN" in known_hosts. A template ("{{ p }}") is checked when it is used.
 */
function checkVariable(key: string, value: unknown): void {
  if (!PORT_VARS.has(key) || (typeof value === 'string' && value.includes('{{'))) return;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InventoryError(`${key} must be a port number from 1 to 65535, got ${JSON.stringify(value)}`);
}

export class Host {
  vars: Record<string, unknown> = {};
  /** Groups this host was added to directly, in the order it was added. */
  readonly directGroups: Group[] = [];
  implicit = false;

  constructor(readonly name: string) {}

  /** Direct groups and all their ancestors: what Ansible keeps in Host.groups. */
  allGroups(): Group[] {
    const out = new Set<Group>();
    for (const g of this.directGroups) {
      for (const a of g.ancestors()) out.add(a);
      out.add(g);
    }
    return [...out];
  }
}

export class Group {
  depth = 0;
  priority = 1;
  vars: Record<string, unknown> = {};
  readonly hosts: Host[] = [];
  readonly childGroups: Group[] = [];
  readonly parentGroups: Group[] = [];

  constructor(readonly name: string) {}

  private walk(rel: 'childGroups' | 'parentGroups', includeSelf: boolean): Group[] {
    // Breadth-first like Group._walk_relationship; Python iterates sets there, tsplay uses
    // insertion order, which agrees with Ansible whenever each level has a single parent.
    const seen = new Set<Group>();
    let unprocessed = new Set<Group>(this[rel]);
    if (includeSelf) unprocessed.add(this);
    const ordered: Group[] = includeSelf ? [this, ...this[rel]] : [...this[rel]];
    while (unprocessed.size > 0) {
      for (const g of unprocessed) seen.add(g);
      const next = new Set<Group>();
      for (const g of unprocessed) {
        for (const item of g[rel]) {
          next.add(item);
          if (!seen.has(item)) ordered.push(item);
        }
      }
      for (const s of seen) next.delete(s);
      unprocessed = next;
    }
    return ordered;
  }

  ancestors(): Set<Group> {
    return new Set(this.walk('parentGroups', false));
  }

  descendants(includeSelf = false): Group[] {
    return [...new Set(this.walk('childGroups', includeSelf))];
  }

  addChildGroup(child: Group): boolean {
    if (child === this) throw new InventoryError(`group '${this.name}' cannot be a child of itself`);
    if (this.childGroups.includes(child)) return false;
    if (this.ancestors().has(child)) {
      throw new InventoryError(`Adding group '${child.name}' as child to '${this.name}' creates a recursive dependency loop.`);
    }
    this.childGroups.push(child);
    child.depth = Math.max(this.depth + 1, child.depth);
    child.checkChildrenDepth();
    if (!child.parentGroups.some((g) => g.name === this.name)) child.parentGroups.push(this);
    return true;
  }

  /** Pushes depth down to descendants after a new edge, as Group._check_children_depth. */
  private checkChildrenDepth(): void {
    let depth = this.depth;
    const start = depth;
    const seen = new Set<Group>();
    let unprocessed = new Set<Group>(this.childGroups);
    while (unprocessed.size > 0) {
      for (const g of unprocessed) seen.add(g);
      depth += 1;
      const toProcess = [...unprocessed];
      unprocessed = new Set();
      for (const g of toProcess) {
        if (g.depth < depth) {
          g.depth = depth;
          for (const c of g.childGroups) unprocessed.add(c);
        }
      }
      if (depth - start > seen.size) throw new InventoryError(`The group named '${this.name}' has a recursive dependency loop.`);
    }
  }

  addHost(host: Host): boolean {
    if (this.hosts.includes(host)) return false;
    this.hosts.push(host);
    if (!host.directGroups.includes(this)) host.directGroups.push(this);
    return true;
  }

  removeHost(host: Host): void {
    const i = this.hosts.indexOf(host);
    if (i >= 0) this.hosts.splice(i, 1);
    const j = host.directGroups.indexOf(this);
    if (j >= 0) host.directGroups.splice(j, 1);
  }

  /** Hosts of this group and its descendants, without duplicates, in Ansible's order. */
  getHosts(): Host[] {
    const out = new Set<Host>();
    for (const g of this.descendants(true)) {
      for (const h of g.hosts) {
        if (this.name === 'all' && h.implicit) continue;
        out.add(h);
      }
    }
    return [...out];
  }

  setVariable(key: string, value: unknown): void {
    if (key === 'ansible_group_priority') {
      const n = typeof value === 'number' ? Math.trunc(value) : typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? parseInt(value, 10) : NaN;
      if (Number.isNaN(n)) throw new InventoryError(`ansible_group_priority must be an integer, got ${JSON.stringify(value)}`);
      this.priority = n;
    } else {
      checkVariable(key, value);
      setOwn(this.vars, key, value);
    }
  }
}

/** Sort order Ansible uses to merge group variables: depth, then priority, then name. */
export function sortGroups(groups: Group[]): Group[] {
  return [...groups].sort((a, b) => a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export class InventoryData {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, Host>();
  /** The inventory source being parsed: recorded as inventory_file on hosts it creates. */
  currentSource: { file: string | null; dir: string | null } | null = null;
  /** The first localhost-like host of the inventory, or the implicit one once asked for. */
  private localhost?: Host;

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string): Group {
    if (!name) throw new InventoryError('a group name cannot be empty');
    let g = this.groups.get(name);
    if (!g) {
      g = new Group(name);
      this.groups.set(name, g);
    }
    return g;
  }

  /** Adds a host (and puts it in `group`); a port only counts where the host first appears. */
  addHost(name: string, group?: string, port?: number): Host {
    if (!name) throw new InventoryError('a host name cannot be empty');
    let g: Group | undefined;
    if (group) {
      g = this.groups.get(group);
      if (!g) throw new InventoryError(`Could not find group ${group} in inventory`);
    }
    let h = this.hosts.get(name);
    if (!h) {
      h = new Host(name);
      if (port !== undefined) h.vars.ansible_port = port;
      this.hosts.set(name, h);
      h.vars.inventory_file = this.currentSource?.file ?? null;
      h.vars.inventory_dir = this.currentSource?.dir ?? null;
      if (LOCALHOST_NAMES.includes(name)) this.localhost ??= h;
    }
    g?.addHost(h);
    return h;
  }

  /** Sets a variable on a group or, failing that, a host: a name that is both means the group, as in Ansible. */
  setVariable(entity: string, key: string, value: unknown): void {
    const g = this.groups.get(entity);
    if (g) return g.setVariable(key, value);
    const h = this.hosts.get(entity);
    if (!h) throw new InventoryError(`Could not identify group or host named ${entity}`);
    checkVariable(key, value);
    setOwn(h.vars, key, value);
  }

  addChild(group: string, child: string): boolean {
    const g = this.groups.get(group);
    if (!g) throw new InventoryError(`${group} is not a known group`);
    const cg = this.groups.get(child);
    if (cg) return g.addChildGroup(cg);
    const h = this.hosts.get(child);
    if (h) return g.addHost(h);
    throw new InventoryError(`${child} is not a known host nor group`);
  }

  /** Ensures every group hangs under `all` and that exactly the group-less hosts are in `ungrouped`. */
  reconcile(): void {
    const all = this.groups.get('all')!;
    const ungrouped = this.groups.get('ungrouped')!;
    for (const g of this.groups.values()) {
      if (g !== all && g.ancestors().size === 0) all.addChildGroup(g);
    }
    for (const h of this.hosts.values()) {
      const mine = h.allGroups();
      if (mine.includes(ungrouped)) {
        if (mine.some((g) => g !== all && g !== ungrouped)) ungrouped.removeHost(h);
      } else if (!h.implicit) {
        // By name, as Ansible does: a host named like a group puts that group under ungrouped.
        if (mine.length === 0 || (mine.length === 1 && mine[0] === all)) this.addChild('ungrouped', h.name);
      }
    }
  }

  /**
   * A host by name. `localhost`, `127.0.0.1` and `::1` resolve to the inventory's first
   * localhost-like host, or else to Ansible's implicit localhost (connection local, in no group).
   */
  getHost(name: string): Host | undefined {
    const h = this.hosts.get(name);
    if (h || !LOCALHOST_NAMES.includes(name)) return h;
    if (!this.localhost) {
      this.localhost = new Host(name);
      this.localhost.implicit = true;
      this.localhost.vars.ansible_connection = 'local';
    }
    return this.localhost;
  }
}
