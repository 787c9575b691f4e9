/**
 * Live progress on a TTY with listr2: one list per task with a line per host that spins until
 * that host's result arrives. Everything else (banners, diffs, recap) goes through the plain
 * renderer, queued behind the lists so that nothing interleaves with the drawing.
 */
import { Listr } from 'listr2';
import type { Event } from './events.js';
import { diffLines } from './plain.js';

interface Pending {
  resolve: (e: Extract<Event, { kind: 'host_result' }> | undefined) => void;
}

export function liveRenderer(plain: (e: Event) => void, write: (s: string) => void) {
  let chain: Promise<unknown> = Promise.resolve();
  let playHosts: string[] = [];
  let pending = new Map<string, Pending>();
  /** The title of each host's spinning line: a progress event writes its percent there. */
  let titles = new Map<string, (title: string) => void>();
  const queue = (fn: () => unknown) => (chain = chain.then(fn).catch(() => undefined));
  const settle = () => {
    for (const p of pending.values()) p.resolve(undefined);
    pending = new Map();
    titles = new Map();
  };

  const emit = (e: Event) => {
    if (e.kind === 'play_start') playHosts = e.hosts;
    if (e.kind === 'task_start') {
      settle();
      const waits = new Map(playHosts.map((h) => [h, new Promise<Extract<Event, { kind: 'host_result' }> | undefined>((resolve) => pending.set(h, { resolve }))]));
      const title = `${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.name}]`;
      const list = new Listr(
        [
          {
            title,
            task: (_ctx, task) =>
              task.newListr(
                [...waits].map(([host, wait]) => ({
                  title: host,
                  task: async (_c, sub) => {
                    titles.set(host, (t) => (sub.title = t));
                    const r = await wait;
                    if (!r) return sub.skip(`${host}: not run`);
                    if (r.status === 'skipped') return sub.skip(`skipping: ${host}`);
                    sub.title = `${r.status}: ${host}${r.ignored ? ' (ignored)' : ''}`;
                    if (r.status === 'failed' || r.status === 'unreachable') throw new Error(`${r.status}: ${host}: ${r.msg ?? ''}`);
                  },
                })),
                { concurrent: true, exitOnError: false },
              ),
          },
        ],
        { exitOnError: false, rendererOptions: { collapseSubtasks: false, collapseErrors: false } },
      );
      queue(() => list.run());
      return;
    }
    if (e.kind === 'host_result' && e.item === undefined) {
      const p = pending.get(e.host);
      if (p) {
        pending.delete(e.host);
        p.resolve(e);
      }
      // Diffs are printed after the task's list completes.
      const diff = diffLines(e);
      if (diff.length) queue(() => write(diff.join('\n') + '\n'));
      return;
    }
    if (e.kind === 'host_result') return;
    if (e.kind === 'progress') return titles.get(e.host)?.(`${e.host}: ${e.text ? `${e.text} ` : ''}${e.percent.toFixed(1)}%${e.rate ? ` at ${e.rate}` : ''}`);
    if (e.kind === 'recap' || e.kind === 'no_hosts_left' || e.kind === 'play_start') settle();
    queue(() => plain(e));
  };
  return { emit, done: () => chain.then(() => undefined) };
}
