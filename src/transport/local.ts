/** `ansible_connection=local`: scripts run on the controller, one process per round trip. */
import { spawn } from 'node:child_process';
import type { ExecResult } from '../core/module.js';
import { remoteCommand } from './command.js';
import { CommandTimeoutError, type RunOptions, type Transport } from './types.js';

export class LocalTransport implements Transport {
  roundTrips = 0;
  constructor(readonly name: string) {}

  async connect(): Promise<void> {}

  run(script: string, opts: RunOptions = {}): Promise<ExecResult> {
    const { argv, stdin } = remoteCommand(script, opts.become);
    this.roundTrips++;
    return new Promise((resolve, reject) => {
      // Its own process group, so a timeout ends the script's children too (they hold its pipes).
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          }, opts.timeoutMs)
        : undefined;
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) return reject(new CommandTimeoutError(opts.timeoutMs!));
        resolve({ rc: code ?? (signal ? 128 : 255), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      // A script that exits without reading its stdin closes the pipe first: that EPIPE is not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    });
  }

  async close(): Promise<void> {}
}
