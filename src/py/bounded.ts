/**
 * Regular expressions from a playbook run against a host's data with a deadline. V8's engine
 * backtracks: `^(a+)+$` on a line of 32 `a`s and a `!` runs for minutes, and on the controller's
 * one thread that would stall every host. The matching runs in a worker thread; the caller waits
 * for it synchronously (plan() stays pure and synchronous) for at most DEADLINE_MS, and a
 * pattern that runs out of time is terminated with its worker and fails that host's task only.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

export const DEADLINE_MS = 1000;

export class RegexTimeoutError extends Error {
  constructor(pattern: string) {
    super(
      `the regular expression ${JSON.stringify(pattern)} ran longer than ${DEADLINE_MS / 1000} s on this host's data, and was stopped; ` +
        'a nested quantifier such as (a+)+ backtracks exponentially: simplify it (e.g. a+)',
    );
    this.name = 'RegexTimeoutError';
  }
}

// Plain CommonJS, so the same text runs from the sources (tsx) and from dist.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const done = new Int32Array(workerData.done);
parentPort.once('message', ({ port }) => {
  port.on('message', ({ source, flags, texts }) => {
    const re = new RegExp(source, flags);
    const out = texts.map((t) => {
      re.lastIndex = 0;
      const m = re.exec(t);
      return m && { all: [...m], index: m.index, groups: m.groups };
    });
    port.postMessage(out);
    Atomics.store(done, 0, 1);
    Atomics.notify(done, 0);
  });
});`;

interface Matcher {
  worker: Worker;
  port: MessagePort;
  done: Int32Array;
}

let matcher: Matcher | undefined;

function start(): Matcher {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER, { eval: true, workerData: { done: done.buffer }, execArgv: [] });
  worker.unref();
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ port: port2 }, [port2]);
  return { worker, port: port1, done };
}

/** re.exec on each text (lastIndex 0), in the worker, within DEADLINE_MS for them all; `pattern` (as the user wrote it) names it in the error. */
export function execEach(re: RegExp, texts: readonly string[], pattern = re.source): (RegExpExecArray | null)[] {
  if (texts.length === 0) return [];
  const m = (matcher ??= start());
  Atomics.store(m.done, 0, 0);
  m.port.postMessage({ source: re.source, flags: re.flags.replace(/[gy]/g, ''), texts });
  if (Atomics.wait(m.done, 0, 0, DEADLINE_MS) === 'timed-out') {
    void m.worker.terminate();
    matcher = undefined;
    throw new RegexTimeoutError(pattern);
  }
  const reply = receiveMessageOnPort(m.port)!.message as ({ all: string[]; index: number; groups?: Record<string, string> } | null)[];
  return reply.map((r, i) => r && (Object.assign(r.all, { index: r.index, input: texts[i]!, groups: r.groups }) as unknown as RegExpExecArray));
}
