/**
 * `tsplay render`, the engine side: a run that contacts no host. Facts come from the facts cache;
 * controller tasks (set_fact, assert, debug, includes) run as usual; a module that declares the
 * files it writes (ModuleDef.renders) has them recorded here, as a run on a host that does not
 * have them yet would write them; any other module is left to the host.
 *
 * What cannot be known without the host stays unknown: a task left to the host registers
 * nothing, so a task that reads its result fails on an undefined variable, as one that reads a
 * fact the cache lacks does. Such a task is listed with the variable it lacked, and the host
 * goes on. To let it go on, the task comes out `unreachable` (the one outcome a run registers
 * nothing for) in plays that ignore unreachable hosts (forRender). A `when` that cannot be
 * judged is left out the same way (task.ts); a loop that cannot be worked out fails its task,
 * and the host stops there, as at any failure.
 */
import { resolveMode } from '../core/attrs.js';
import type { SourcePos } from '../core/errors.js';
import { type ControllerContext, type Facts, NotRenderable, type RenderedFile } from '../core/module.js';
import { factVars } from '../facts/index.js';
import type { Event } from '../output/events.js';
import { displayName, type Playbook, type Task } from '../playbook/types.js';
import { markUnsafe, UndefinedVariableError } from '../template/index.js';
import { controller, resolveArgs } from './args.js';
import type { PlayContext } from './context.js';
import type { HostState } from './host.js';
import { runLocal } from './module.js';
import { failed, type Outcome, unreachable } from './result.js';
import type { Vars } from './vars.js';

/** Modes are resolved as for a new file under the usual umask. */
const UMASK = 0o022;

/** A task the render left out, and why. */
export interface RenderNote {
  task: string;
  module: string;
  pos: SourcePos;
  /** The module needs the host, or the error of the variable the task lacked. */
  reason: string;
  /** That variable: a fact the cache lacks, or a result only a task left to the host registers. */
  variable?: string;
  /** Where the error was found (a template's line), when it says so. */
  at?: SourcePos;
}

/** What a render found: its files, and what it left out, by host. */
export class Rendering {
  /** By host, then path: a later task that writes a path replaces what an earlier one wrote, as on the host. */
  readonly files = new Map<string, Map<string, RenderedFile>>();
  /** Tasks that write files but could not be rendered: each lacked a variable. */
  readonly notRenderable = new Map<string, RenderNote[]>();
  /** Tasks left to the host: modules that write no file render writes, and controller tasks that lacked what only the host gives. */
  readonly leftToHost = new Map<string, RenderNote[]>();
  /** Hosts a play wanted facts for that the cache does not have. */
  readonly uncached = new Set<string>();
  /** The first message of each task that failed, by host: where a failed host stopped. */
  readonly failures = new Map<string, Map<string, string>>();

  constructor(private readonly cache: ReadonlyMap<string, Facts>) {}

  /** Fact gathering, as a render does it: from the cache. A host it lacks gets no facts, so what reads them is not renderable. */
  factsFor(h: HostState): void {
    const facts = this.cache.get(h.name);
    if (!facts) return void this.uncached.add(h.name);
    h.facts = markUnsafe(facts);
    h.factVars = factVars(h.facts);
  }

  private readonly memos = new Map<string, Map<string, unknown>>();

  /** A host's scratch space for modules whose tasks build on each other (ModuleDef.renders). */
  memo(host: string): Map<string, unknown> {
    let m = this.memos.get(host);
    if (!m) this.memos.set(host, (m = new Map()));
    return m;
  }

  /** What earlier tasks wrote at `path` on `host`. */
  file(host: string, path: string): RenderedFile | undefined {
    return this.files.get(host)?.get(path);
  }

  /** Records files with their modes resolved; an invalid mode fails the task, as in a run. */
  write(host: string, files: RenderedFile[]): void {
    const resolved = files.map((f) => {
      const mode = f.mode === undefined ? this.file(host, f.path)?.mode : resolveMode(f.mode, octal(this.file(host, f.path)?.mode), false, UMASK);
      if (typeof mode === 'object') throw new Error(`${f.path}: ${mode.error}`);
      return { ...f, mode };
    });
    const mine = this.files.get(host) ?? new Map<string, RenderedFile>();
    this.files.set(host, mine);
    for (const f of resolved) mine.set(f.path, f);
  }

  /** A task left out: the outcome that registers nothing and, in plays as forRender makes them, keeps the host going. */
  leave(list: Map<string, RenderNote[]>, host: string, task: Task, reason: string, lacked?: UndefinedVariableError): Outcome {
    const notes = list.get(host) ?? [];
    list.set(host, notes);
    notes.push({ task: displayName(task), module: task.module.name, pos: task.pos, reason, variable: lacked?.variable, at: lacked?.pos });
    return unreachable(`not rendered: ${reason}`);
  }

  /** The run's events, for the failures: where each failed host stopped. */
  readonly observe = (e: Event): void => {
    if (e.kind !== 'host_result' || e.status !== 'failed' || e.ignored) return;
    const mine = this.failures.get(e.host) ?? new Map<string, string>();
    this.failures.set(e.host, mine);
    if (!mine.has(e.task)) mine.set(e.task, e.msg ?? 'failed');
  };
}

/** A mode already resolved (octal text), for a symbolic mode applied over it. */
function octal(mode: RenderedFile['mode']): string | undefined {
  return typeof mode === 'string' && /^[0-7]{4}$/.test(mode) ? mode : undefined;
}

/** The playbooks as a render runs them: every play ignores unreachable hosts (see the header). */
export function forRender(books: Playbook[]): Playbook[] {
  return books.map((b) => ({ ...b, plays: b.plays.map((p) => ({ ...p, ignoreUnreachable: true })) }));
}

/**
 * A controller task, run as in a run. One that fails on an undefined variable (assert catches
 * the error itself and fails with its message) lacked what only the host gives: it is left out.
 */
async function renderLocal(rendering: Rendering, h: HostState, task: Task, cc: ControllerContext, args: Vars, factsTo: HostState): Promise<Outcome> {
  let lacked: UndefinedVariableError | undefined;
  const watch =
    <A extends unknown[], R>(fn: (...a: A) => R) =>
    (...a: A): R => {
      try {
        return fn(...a);
      } catch (e) {
        if (e instanceof UndefinedVariableError) lacked ??= e;
        throw e;
      }
    };
  const watched = { ...cc, render: watch(cc.render), evaluate: watch(cc.evaluate), condition: watch(cc.condition) };
  const out = await runLocal(task.module, args, watched, factsTo);
  if (out.status !== 'failed' || !lacked) return out;
  return rendering.leave(rendering.leftToHost, h.name, task, lacked.message, lacked);
}

/**
 * runModule under `tsplay render`: the args and a controller task as in a run, then the files
 * the module declares, for the host `on` (the delegate, with delegate_to). Whether a host has
 * the file already is unknown: a task that wrote something says changed, as on a new host, so
 * its handlers run (and are rendered, or left to the host).
 */
export async function renderModule(ctx: PlayContext, h: HostState, task: Task, vars: Vars, on: HostState, factsTo: HostState): Promise<Outcome> {
  const rendering = ctx.settings.render!;
  const module = task.module;
  try {
    const resolved = resolveArgs(ctx, task, vars);
    if (resolved.problem) return failed(resolved.problem);
    const cc = controller(ctx, h, vars, task);
    if (module.local) return await renderLocal(rendering, h, task, cc, resolved.args, factsTo);
    if (!module.renders) return rendering.leave(rendering.leftToHost, h.name, task, `${module.name} works on the host`);
    const args = module.prepare ? await module.prepare(resolved.args, cc) : resolved.args;
    const files = module.renders(args, on.facts ?? {}, (path) => rendering.file(on.name, path), rendering.memo(on.name));
    rendering.write(on.name, files);
    const changed = files.length > 0;
    return { status: changed ? 'changed' : 'ok', result: { changed, msg: changed ? `rendered ${files.map((f) => f.path).join(', ')}` : 'nothing to render' } };
  } catch (e) {
    if (e instanceof NotRenderable) return rendering.leave(rendering.notRenderable, h.name, task, e.message);
    if (!(e instanceof UndefinedVariableError)) throw e;
    return rendering.leave(module.renders ? rendering.notRenderable : rendering.leftToHost, h.name, task, e.message, e);
  }
}
