/** The playbook-language fixtures (test/fixtures/lang): where they are, and the exit codes ansible-playbook gave them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export const LANG = join(ROOT, 'test/fixtures/lang');

export function langBooks(dir = LANG): [string, number][] {
  return readFileSync(join(dir, 'exit-codes.txt'), 'utf8').trim().split('\n').map((l) => {
    const [name, code] = l.split(' ');
    return [name!, Number(code)];
  });
}
