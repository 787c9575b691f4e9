/**
 * setup: gathers facts again during a play, as Ansible users re-gather them after a change (an
 * address added, a package installed). The probe is the fact script itself, run when the task
 * runs (never batched ahead); the chosen facts replace the host's and are registered under
 * `ansible_facts` with their `ansible_` names, as Ansible's setup module returns them.
 */
import { type Static, Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type Facts } from '../../src/core/module.js';
import { raw } from '../../src/core/sh.js';
import { factsScript, parseFacts } from '../../src/facts/index.js';
import { selectFacts } from '../../src/facts/subsets.js';

const list = (description: string) => Type.Union([Type.String(), Type.Array(Type.String())], { description });

const schema = Type.Object(
  {
    gather_subset: Type.Optional(
      list('Subsets to gather: all, min, hardware, network; `!name` leaves one out. min is always gathered unless `!min`. Default: all.'),
    ),
    filter: Type.Optional(list('Only the facts whose names (ansible_...) match one of these shell-style patterns, e.g. ansible_eth*.')),
  },
  { additionalProperties: false },
);

type Args = Static<typeof schema>;

/** Ansible's list-or-comma-string form. */
function asList(v: string | string[] | undefined, dflt: string[]): string[] {
  if (v === undefined) return dflt;
  return (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

export const setup = defineModule({
  name: 'setup',
  description:
    'Gathers facts again (one round trip) and updates the host\'s facts and ansible_* variables with the chosen subsets ' +
    '(gather_subset) and names (filter). Never changed.',
  schema,
  examples: `- setup:
    gather_subset: [network]
- setup:
    filter: ['ansible_default_ipv4', 'ansible_eth*']`,
  // The facts are read when the task runs: a batch ahead would read them before the tasks before it.
  prefetch: false,
  probe: () => raw(factsScript()),
  parse: (out: ExecResult): Facts => {
    if (out.rc !== 0 && !out.stdout) throw new Error(`fact gathering failed: ${out.stderr.trim()}`);
    return parseFacts(out.stdout);
  },
  plan(args: Args, gathered: Facts) {
    let facts: Facts;
    try {
      facts = selectFacts(gathered, asList(args.gather_subset, ['all']), asList(args.filter, []));
    } catch (e) {
      return { steps: [], failed: (e as Error).message };
    }
    const prefixed = Object.fromEntries(Object.entries(facts).map(([k, v]) => [`ansible_${k}`, v]));
    return { steps: [], changed: false, facts, reason: `${Object.keys(facts).length} facts gathered`, result: { ansible_facts: prefixed } };
  },
});

export default setup;
