/** `--json`: one JSON object per line and per event, for programs to consume. */
import type { Event } from './events.js';

export function jsonRenderer(write: (line: string) => void): (e: Event) => void {
  return (e) => write(JSON.stringify({ ...e, time: new Date().toISOString() }) + '\n');
}
