/** What the executor knows about one host for the whole run. */
import type { Facts } from '../core/module.js';
import type { Task } from '../playbook/types.js';
import { emptyStats, type HostStats } from '../output/events.js';
import type { Transport } from '../transport/index.js';
import { ProbeCache } from './probes.js';
import type { Vars } from './vars.js';

export class HostState {
  facts?: Facts;
  /** Facts as variables (ansible_facts, ansible_hostname...), once gathered. */
  factVars: Vars = {};
  /** set_fact values and registered results: they outlive the play, as in Ansible. */
  hostFacts: Vars = {};
  transport?: Transport;
  connecting?: Promise<void>;
  /** The host address tsplay's connection arrives at, once asked ('' when unknown; see guard.ts). */
  connectedAddress?: string;
  /** Where tsplay connects when that is no longer the inventory's address (a change moved it: confirm_address). */
  address?: string;
  /** Why the host is unreachable, once it is. */
  unreachable?: string;
  failed = false;
  /** The task the host failed (or became unreachable) at, for a rollout's account of where each host stopped. */
  failedAt?: string;
  /** How many enclosing blocks, in whose tasks the host is, have a rescue: a failure then counts as rescued. */
  rescuable = 0;
  stats: HostStats = emptyStats();
  /** Handlers notified in the current section. */
  notified = new Set<Task>();
  /** Probe results fetched ahead in a batch (see probes.ts). */
  probes = new ProbeCache();

  constructor(
    readonly name: string,
    /** Inventory-level variables, group_vars and host_vars included. */
    readonly inventoryVars: Vars,
  ) {}
}
