/**
 * drift.json, the report `tsplay audit` writes for programs: its JSON Schema (TypeBox), from
 * which its TypeScript types come and docs/drift.schema.json is written (a test keeps the two
 * equal). Version 1. A new optional key keeps the version; a key removed or changed in meaning
 * bumps it.
 */
import { type Static, Type as T } from '@sinclair/typebox';

export const SCHEMA_VERSION = 1;

/** What a task would do on a host, judged in check mode. */
export const TASK_STATUSES = ['in sync', 'drifted', 'would fail', 'skipped', 'unpredictable'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const HOST_STATUSES = ['in sync', 'drifted', 'unreachable'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

const Nullable = <S extends ReturnType<typeof T.String>>(s: S) => T.Union([s, T.Null()]);

const FileHash = T.Object(
  {
    path: T.String({ description: 'as given on the command line' }),
    sha256: T.String({ description: 'of the file; of a folder, of its files (relative path and content) in sorted order; of an inline host list, of its text' }),
  },
  { additionalProperties: false },
);

export const DiffSchema = T.Object(
  {
    path: T.String({ description: 'a file path, or a live setting such as `sysctl vm.swappiness`' }),
    before: T.String(),
    after: T.String(),
    unified: T.String({ description: 'before and after as a unified diff (the text --diff prints)' }),
  },
  { additionalProperties: false },
);

export const TaskDriftSchema = T.Object(
  {
    name: T.String({ description: 'the task name as the run printed it (templated, `role : name`)' }),
    module: T.String(),
    file: T.String({ description: 'the file the task is written in, relative to the working directory when inside it' }),
    line: T.Integer({ minimum: 0 }),
    play: T.String(),
    handler: T.Boolean(),
    status: T.Union(TASK_STATUSES.map((s) => T.Literal(s)), {
      description: 'in sync: nothing to change; drifted: a run would change something; would fail: the task fails in check mode; skipped: a condition or a tag left it out; unpredictable: what it would do cannot be known without running it (command, shell)',
    }),
    diff: T.Array(DiffSchema, { description: 'what differs; empty for no_log tasks and tasks with diff: false' }),
    msg: Nullable(T.String({ description: 'the module\'s message; null for no_log tasks' })),
    no_log: T.Boolean({ description: 'the task hides its values: the status is shown, never what drifted' }),
    ignored: T.Boolean({ description: 'a failure the task ignores (ignore_errors)' }),
    items: T.Array(T.String(), { description: 'the loop items the task ran over (their labels), when it loops' }),
    since: T.Optional(T.Union([T.Literal('new'), T.Literal('still')], { description: 'with --since, for a drifted or failing task: new since the previous audit, or still there' })),
  },
  { additionalProperties: false },
);

const TaskRef = T.Object({ name: T.String(), module: T.String(), file: T.String(), line: T.Integer({ minimum: 0 }) }, { additionalProperties: false });

export const HostDriftSchema = T.Object(
  {
    reachable: T.Boolean(),
    reason: Nullable(T.String({ description: 'why the host could not be reached' })),
    status: T.Union(HOST_STATUSES.map((s) => T.Literal(s)), { description: 'drifted when any task drifted or would fail' }),
    facts: T.Union([
      T.Object(
        {
          os: Nullable(T.String({ description: 'distribution and version, e.g. Debian 12' })),
          kernel: Nullable(T.String()),
          arch: Nullable(T.String()),
          hostname: Nullable(T.String()),
        },
        { additionalProperties: false },
      ),
      T.Null(),
    ], { description: 'null when no facts were gathered' }),
    tasks: T.Array(TaskDriftSchema),
    fixed: T.Optional(T.Array(TaskRef, { description: 'with --since: tasks that drifted or failed in the previous audit and are in sync now' })),
  },
  { additionalProperties: false },
);

const Counts = T.Object(
  {
    hosts: T.Integer({ minimum: 0 }),
    in_sync: T.Integer({ minimum: 0 }),
    drifted: T.Integer({ minimum: 0 }),
    unreachable: T.Integer({ minimum: 0 }),
    would_fail: T.Integer({ minimum: 0, description: 'hosts with a task that would fail (counted in drifted too)' }),
    drifted_tasks: T.Integer({ minimum: 0, description: 'host x task results that drifted or would fail' }),
    new: T.Optional(T.Integer({ minimum: 0, description: 'with --since: drifted results that are new' })),
    fixed: T.Optional(T.Integer({ minimum: 0, description: 'with --since: results fixed since' })),
  },
  { additionalProperties: false },
);

export const DriftReportSchema = T.Object(
  {
    schema_version: T.Literal(SCHEMA_VERSION),
    run: T.Object(
      {
        started: T.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', description: 'ISO 8601, UTC' }),
        finished: T.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', description: 'ISO 8601, UTC' }),
        duration_ms: T.Integer({ minimum: 0 }),
        tsplay_version: T.String(),
        cwd: T.String(),
        playbooks: T.Array(FileHash),
        inventory: T.Array(FileHash),
        limit: Nullable(T.String()),
        since: Nullable(T.String({ description: 'the previous drift.json compared with (--since)' })),
      },
      { additionalProperties: false },
    ),
    summary: Counts,
    hosts: T.Record(T.String(), HostDriftSchema, { description: 'keyed by inventory name, in the order the run met them' }),
  },
  { additionalProperties: false, title: 'tsplay drift report (drift.json)' },
);

export type DriftReport = Static<typeof DriftReportSchema>;
export type HostDrift = Static<typeof HostDriftSchema>;
export type TaskDrift = Static<typeof TaskDriftSchema>;
export type Diff = Static<typeof DiffSchema>;

/** The schema as published in docs/drift.schema.json (draft-07, as `tsplay schema`). */
export function driftJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(DriftReportSchema)) };
}
