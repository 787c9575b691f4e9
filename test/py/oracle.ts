/**
 * The Python oracle of test/py: one python3 process per test file gets every case as JSON on
 * stdin and prints its answers as JSON, so thousands of comparisons cost one interpreter start.
 * Generators draw from a seeded PRNG so that a failure reproduces on every run.
 */
import { execFileSync } from 'node:child_process';

/** Runs `script` (which reads `cases` from stdin as JSON and prints JSON) with python3. */
export function python<T>(script: string, cases: unknown): T {
  const out = execFileSync('python3', ['-X', 'utf8', '-W', 'ignore', '-c', script], { input: JSON.stringify(cases), maxBuffer: 1 << 28 });
  return JSON.parse(out.toString('utf8')) as T;
}

/** mulberry32: a small seeded PRNG, enough for generating test inputs. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const str = (alphabet: readonly string[], max: number): string => Array.from({ length: int(max + 1) }, () => pick(alphabet)).join('');
  return { next, int, pick, str, chance: (p: number) => next() < p };
}
