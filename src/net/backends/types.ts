/** What every persistence backend gets and gives (see src/net/backends/index.ts). */
import type { ExecStep } from '../../core/module.js';
import type { Desired } from '../model.js';
import type { MemberInfo, Persisted } from '../persist.js';

/** A shell glob `dir/prefix*suffix`, whose three parts are quoted when it reaches the probe. */
export interface Glob {
  dir: string;
  prefix: string;
  suffix: string;
}

/** A file as the task wants it: its content, or absent (content undefined). */
export interface FileWant {
  path: string;
  content?: string;
  mode?: string;
}

export interface BackendInput {
  d: Desired;
  p: Persisted;
  members: MemberInfo[];
  /** The content of a file the probe read, undefined when it does not exist. */
  have(path: string): string | undefined;
  /** Files the backend's globs found (their content through have()). */
  found: string[];
  /** networkd's .network files in the order networkd reads them, with their [Match] Name= globs. */
  networkFiles: { path: string; names: string[] }[];
}

export interface BackendDef {
  /** The files the probe reads for this task: those it writes and those it must look at. */
  paths(d: Desired): string[];
  /** Files the task may own besides those (a member it no longer has): DIR/PREFIX*SUFFIX. */
  globs?(d: Desired): Glob[];
  /** The files as they should be (the interface's own file first), or the reason the task cannot go on. */
  files(input: BackendInput): FileWant[] | { error: string };
  /** Commands that make the backend take the changed files in (apply: true); `fresh`: the interface's own file is new. */
  activate?(d: Desired, fresh: boolean): ExecStep[];
  /** The backend brings the interface up itself: tsplay's iproute2 commands would fight it. */
  ownsLive?: boolean;
}
