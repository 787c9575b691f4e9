/** `tsplay facts`: one connection and one round trip per host, in parallel; with `cache`, kept in that facts cache. */
import pLimit from 'p-limit';
import type { Facts } from '../core/module.js';
import { writeCachedFacts } from '../facts/cache.js';
import { factsScript, parseFacts } from '../facts/index.js';
import type { Inventory } from '../inventory/index.js';
import { createTransport, type TransportSettings } from '../transport/index.js';

export async function gatherAll(inv: Inventory, pattern: string, forks: number, settings: TransportSettings, cache?: string) {
  const facts: Record<string, Facts> = {};
  const unreachable: Record<string, string> = {};
  const limit = pLimit(forks);
  await Promise.all(
    inv.select(pattern).map((name) =>
      limit(async () => {
        const t = createTransport(name, inv.hostVars(name), settings);
        try {
          await t.connect();
          const out = await t.run(factsScript());
          facts[name] = parseFacts(out.stdout);
        } catch (e) {
          unreachable[name] = (e as Error).message;
        } finally {
          await t.close();
        }
      }),
    ),
  );
  if (cache) for (const [name, f] of Object.entries(facts)) writeCachedFacts(cache, name, f);
  return { facts, unreachable };
}
