/** Command-line options and arguments that several commands share (run, audit, plan, render). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { vaultOptions } from './vault.js';

export const collect = (v: string, prev: string[]) => prev.concat(v);
export const count = (_: string, prev: number) => prev + 1;

/** Which hosts, variables and tasks: `verb` says what the command does with the tasks it keeps. */
export function selectionOptions(cmd: Command, verb: string): Command {
  return vaultOptions(cmd)
    .option('-i, --inventory <source>', 'inventory file or folder (repeatable)', collect, [])
    .option('-l, --limit <pattern>', 'further limit the hosts with a pattern')
    .option('-e, --extra-vars <vars>', 'k=v, @file.yml or a JSON mapping (repeatable, always win)', collect, [])
    .option('-t, --tags <tags>', `only ${verb} tasks with these tags (comma-separated)`, collect, [])
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma-separated)', collect, []);
}

/** How a run is shown, and how long a task may take. */
export function outputOptions(cmd: Command): Command {
  return cmd
    .option('-v, --verbose', 'show commands run and their output (repeat for more)', count, 0)
    .option('--json', 'write one JSON event per line instead of text')
    .option('--timeout <seconds>', 'per-task command timeout (0: none)', '0');
}

/** An inventory source as Inventory.load takes it: a path made absolute, or an inline host list (`h1,h2,`) as it is. */
export function inventorySource(s: string): string {
  return s.includes(',') && !s.includes('/') ? s : resolve(s);
}
