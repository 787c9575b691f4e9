/**
 * `tsplay run --list-tasks / --list-hosts / --list-tags`: what ansible-core 2.14's
 * ansible-playbook prints for them (lib/ansible/cli/playbook.py), from the parsed playbooks,
 * without connecting to any host. Its quirks are kept, since scripts and habits read this text:
 * task names are printed as written (templates unrendered) while the play's name and hosts are
 * rendered; an unnamed task shows its module as written, without its role; a block's `rescue`
 * and `always` tasks are not listed (Ansible walks `block` only); includes are listed as the
 * include task itself, since what they bring is only known when they run; handlers are not
 * listed. Two things Ansible prints in no stable order (it prints Python sets) are printed here
 * in a stable one: a play's hosts in inventory order, its own tags as written.
 */
import type { RunSettings } from '../executor/context.js';
import { selected } from '../executor/strategy.js';
import type { Inventory } from '../inventory/index.js';
import { displayName, type Entry, type Play, type Playbook, type Task } from '../playbook/types.js';
import { pyRepr, type Templar } from '../template/index.js';

export interface Listing {
  tasks: boolean;
  hosts: boolean;
  tags: boolean;
}

/** The listing of each playbook, `given` being the names as the command line wrote them (Ansible prints those). */
export function listPlaybooks(books: Playbook[], given: string[], what: Listing, inventory: Inventory, templar: Templar, settings: RunSettings): string {
  return books.map((book, i) => `\nplaybook: ${given[i]}\n${book.plays.map((play, n) => listPlay(play, n + 1, what, inventory, templar, settings)).join('')}`).join('');
}

function listPlay(play: Play, n: number, what: Listing, inventory: Inventory, templar: Templar, settings: RunSettings): string {
  const vars = { ...play.vars, ...settings.extraVars };
  const hosts = rendered(templar, play.hosts, vars, play);
  let out = `\n  play #${n} (${hosts}): ${rendered(templar, play.name, vars, play) || hosts}\tTAGS: [${[...new Set(play.tags)].join(',')}]`;
  if (what.hosts) {
    const names = playHosts(inventory, hosts, play, settings.limit);
    out += `\n    pattern: ${pyRepr([hosts])}\n    hosts (${names.length}):${names.map((h) => `\n      ${h}`).join('')}`;
  }
  out += '\n';
  if (!what.tasks && !what.tags) return out;
  const tasks = [play.preTasks, play.tasks, play.postTasks].flatMap((section) => listed(section)).filter((t) => selected(settings, [...play.tags, ...t.tags]));
  const sortedTags = (tags: string[]) => [...new Set([...play.tags, ...tags])].sort().join(', ');
  const lines = what.tasks ? ['    tasks:', ...tasks.map((t) => `      ${t.name ? displayName(t) : t.action}\tTAGS: [${sortedTags(t.tags)}]`)] : [];
  if (what.tags) lines.push(`      TASK TAGS: [${sortedTags(tasks.flatMap((t) => t.tags))}]`);
  return out + lines.map((l) => `${l}\n`).join('');
}

/** The tasks Ansible's listing walks: blocks' `block` lists, nested, but not their rescue or always. */
function listed(entries: Entry[]): Task[] {
  return entries.flatMap((e) => (e.kind === 'task' ? [e] : listed(e.block)));
}

/** The play's hosts as the run would pick them: its pattern, then --limit. */
function playHosts(inventory: Inventory, pattern: string, play: Play, limit: string | undefined): string[] {
  const names = inventory.select(pattern, play.dir);
  if (!limit) return names;
  const allowed = new Set(inventory.select(limit, process.cwd()));
  return names.filter((h) => allowed.has(h));
}

/** A play keyword rendered with the play's vars and the extra vars, as Ansible renders the play before listing it; as written if it cannot be. */
function rendered(templar: Templar, text: string | undefined, vars: Record<string, unknown>, play: Play): string {
  if (text === undefined || !templar.isTemplated(text)) return text ?? '';
  try {
    return String(templar.template(text, vars, play.pos));
  } catch {
    return text;
  }
}
