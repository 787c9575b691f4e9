/**
 * What a rollout has done, kept for --resume: for each serial play of a playbook, the hosts that
 * finished it and those that failed, written after every batch to a state file (.tsplay/ beside
 * the playbook) by a write to a temporary file and a rename, so that a controller killed at any
 * point leaves the last whole state. A resumed run leaves out of each play the hosts that
 * finished it and starts again at the first batch with a host left.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeAtomic } from '../core/local-files.js';

interface PlayState {
  /** Hosts that ran the whole play without failing. */
  done: string[];
  failed: string[];
}

interface StateFile {
  version: 1;
  playbook: string;
  /** Keyed by the play's number in the playbook (from 1). */
  plays: Record<string, PlayState>;
}

/** Where the state of a playbook's rollouts is kept. */
export function stateFile(playbook: string): string {
  return join(dirname(playbook), '.tsplay', `${basename(playbook)}.state.json`);
}

export class RolloutState {
  private state: StateFile;

  private constructor(
    private readonly file: string,
    playbook: string,
    state?: StateFile,
    /** Check mode changes no host, so it records nothing (a --check --resume only reads). */
    private readonly keep = true,
  ) {
    this.state = state ?? { version: 1, playbook, plays: {} };
  }

  /** A fresh state, or (resume) the one the last run left, which must exist; `keep` false records nothing. */
  static open(playbook: string, resume: boolean, keep = true): RolloutState {
    const file = stateFile(playbook);
    if (!resume) {
      // Saved at once: a run killed before its first batch ends must not leave an older run's state to resume.
      const fresh = new RolloutState(file, playbook, undefined, keep);
      fresh.save();
      return fresh;
    }
    if (!existsSync(file)) throw new UserError(`--resume: no rollout of ${playbook} to resume (${file} does not exist)`, undefined, 'run it once without --resume: a playbook with serial plays keeps its state there');
    let data: StateFile;
    try {
      data = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
    } catch (e) {
      throw new UserError(`--resume: cannot read ${file}: ${(e as Error).message}`);
    }
    if (data.version !== 1 || typeof data.plays !== 'object') throw new UserError(`--resume: ${file} is not a tsplay rollout state`);
    return new RolloutState(file, playbook, data, keep);
  }

  /** The hosts that finished play `n` in the run being resumed. */
  done(n: number): Set<string> {
    return new Set(this.state.plays[n]?.done ?? []);
  }

  /** Records a batch of play `n`: its hosts that finished and those that failed; saved at once. */
  record(n: number, done: string[], failed: string[]): void {
    const p = (this.state.plays[n] ??= { done: [], failed: [] });
    p.done = [...new Set([...p.done, ...done])];
    p.failed = [...new Set([...p.failed.filter((h) => !done.includes(h)), ...failed])];
    this.save();
  }

  private save(): void {
    if (!this.keep) return;
    writeAtomic(this.file, `${JSON.stringify(this.state, null, 2)}\n`);
  }
}
