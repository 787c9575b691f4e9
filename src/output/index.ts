/** Chooses the renderer: JSON lines with --json, live progress on a TTY, plain lines otherwise. */
import type { Event } from './events.js';
import { jsonRenderer } from './json.js';
import { plainRenderer } from './plain.js';
import { liveRenderer } from './live.js';

export interface SinkOptions {
  json: boolean;
  verbosity: number;
}

export interface OutputSink {
  emit: (e: Event) => void;
  /** Waits for the renderer to finish drawing. */
  done: () => Promise<void>;
}

export function createSink(o: SinkOptions): OutputSink {
  const write = (s: string) => void process.stdout.write(s);
  if (o.json) return { emit: jsonRenderer(write), done: async () => {} };
  const plain = plainRenderer({ verbosity: o.verbosity, write, warn: (s) => void process.stderr.write(s) });
  // A terminal that reports no width (a pseudo-terminal nobody sized) would wrap every character.
  if (process.stdout.isTTY && process.stdout.columns > 0 && !process.env.CI && o.verbosity === 0) return liveRenderer(plain, write);
  return { emit: plain, done: async () => {} };
}
