/**
 * `tsplay run --step`: before each task, the question ansible-core 2.14 asks on the terminal
 * (lib/ansible/plugins/strategy/__init__.py, _take_step), read the way Python's input() reads
 * it: the prompt on stdout, one line from stdin. `y`/`yes` runs the task, `c`/`continue` runs
 * it and every task after it without asking, anything else (an empty line included) skips it.
 * The question is then repeated as a banner, as Ansible does. Meta tasks are never asked about
 * (the executor's choice, as Ansible's).
 */
import { createInterface } from 'node:readline';
import { UserError } from '../core/errors.js';
import type { RunSettings } from '../executor/context.js';
import type { OutputSink } from '../output/index.js';
import { plainRenderer } from '../output/plain.js';

export interface Stepper {
  step: NonNullable<RunSettings['step']>;
  /** Stops reading stdin (the run is over). */
  close(): void;
}

/**
 * The questions of --step, asked on the terminal. Off a terminal there is nobody to answer and a
 * pipe would answer at random, so --step is refused (nothing runs) rather than left to hang.
 */
export function terminalStepper(): Stepper {
  if (!process.stdin.isTTY) throw new UserError('--step asks before each task on the terminal, and stdin is not a terminal', undefined, 'run it from a terminal, or drop --step (--start-at-task starts at a task without asking)');
  // terminal: false keeps the terminal in its line mode, as input() does: the terminal echoes and
  // edits the line, Ctrl-C interrupts tsplay as anywhere else. Lines typed ahead wait for their question.
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async step(taskName) {
      const question = `Perform task: TASK: ${taskName} (N)o/(y)es/(c)ontinue: `;
      process.stdout.write(question);
      const line = await lines.next();
      if (line.done) {
        // End of input (Ctrl-D) leaves nobody to answer: stop as Ctrl-C stops tsplay.
        process.kill(process.pid, 'SIGINT');
        return new Promise<never>(() => {});
      }
      // As Python compares input(): the line as typed, in any case, nothing trimmed.
      const answer = line.value.toLowerCase();
      process.stdout.write(`${banner(question.trim())}\n`);
      return answer === 'y' || answer === 'yes' ? 'y' : answer === 'c' || answer === 'continue' ? 'c' : 'n';
    },
    close: () => rl.close(),
  };
}

/** The output of a --step run: plain lines even on a terminal, where live redrawing would overwrite the questions. */
export function stepOutput(verbosity: number): OutputSink {
  const emit = plainRenderer({ verbosity, write: (s) => void process.stdout.write(s), warn: (s) => void process.stderr.write(s) });
  return { emit, done: async () => {} };
}

/** A header line as tsplay's plain output draws every banner: the title, then stars to column 79 (3 at least). */
function banner(title: string): string {
  return `\n${title} ${'*'.repeat(Math.max(3, 79 - title.length))}`;
}
