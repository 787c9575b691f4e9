/**
 * Drives a command on a pseudo-terminal (util-linux `script`), 80 columns wide, as a person
 * would: each answer is typed once its question waits at the end of the screen, so the
 * terminal echoes it where a person would see it.
 */
import { spawn } from 'node:child_process';
import { quoteArgv } from '../../src/core/quote.js';

export interface Screen {
  code: number;
  /** What the terminal showed, carriage returns removed. */
  screen: string;
}

export function answering(argv: string[], question: string, answers: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Screen> {
  const inner = `stty cols 80 rows 40; exec ${quoteArgv(argv)}`;
  const child = spawn('script', ['-qec', inner, '/dev/null'], { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  let screen = '';
  let typed = 0;
  child.stdout.on('data', (b) => {
    screen += b;
    // A question waits for its answer at the end of the screen (its banner repeats it, followed by more).
    if (screen.endsWith(question) && typed < answers.length) child.stdin.write(`${answers[typed++]}\n`);
  });
  const timer = setTimeout(() => child.kill(), 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code: code ?? -1, screen: screen.replace(/\r/g, '') });
    });
  });
}
