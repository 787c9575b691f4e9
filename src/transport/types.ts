import type { ExecResult } from '../core/module.js';

export interface RunOptions {
  /** Run as this user through `sudo -n -u USER` (false or undefined: as the login user). */
  become?: string | false;
  /** Fail the command (not the host) after this many milliseconds. */
  timeoutMs?: number;
}

/**
 * One connection to one host, opened once and reused for the whole run. Every call of run()
 * is one round trip: a channel (ssh) or a process (local) running one POSIX shell script.
 */
export interface Transport {
  readonly name: string;
  /** Round trips made so far: the unit of cost, reported in tests and benchmarks. */
  roundTrips: number;
  connect(): Promise<void>;
  /** The host key the server proved it holds, and the port (ssh only): what a new connection to another address of the same host must find again. */
  readonly hostKey?: { port: number; blob: Buffer };
  run(script: string, opts?: RunOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

/** The host cannot be reached or dropped mid-run: reported UNREACHABLE, other hosts carry on. */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/** A command that ran out of its per-task time. The host stays reachable. */
export class CommandTimeoutError extends Error {
  constructor(public timeoutMs: number) {
    super(`command timed out after ${timeoutMs / 1000} s`);
    this.name = 'CommandTimeoutError';
  }
}
