/**
 * plan.json, a saved plan (`tsplay plan`), read back by `tsplay apply` and `tsplay show`. For
 * each host: how to connect, and in run order each module run with the probe it made (the
 * script and a hash of what it printed) and the exact script apply will run. Version 1.
 *
 * A plan holds what would be written to the hosts, no_log values included (the scripts carry
 * them): it is written with mode 0600, and should be kept as the playbook's secrets are.
 */
import { type Static, Type as T } from '@sinclair/typebox';

export const PLAN_VERSION = 1;

const Nullable = <S extends ReturnType<typeof T.String>>(s: S) => T.Union([s, T.Null()]);

const FileHash = T.Object({ path: T.String(), sha256: T.String() }, { additionalProperties: false });

export const EntrySchema = T.Object(
  {
    task: T.String({ description: 'the task name as the run printed it' }),
    module: T.String(),
    file: T.String(),
    line: T.Integer({ minimum: 0 }),
    /** The loop item's index, for a looped task. */
    item: T.Union([T.Integer({ minimum: 0 }), T.Null()]),
    no_log: T.Boolean(),
    probe: T.Union([T.Object({ script: T.String(), sha256: T.String({ description: 'of the probe\'s exit code and output' }) }, { additionalProperties: false }), T.Null()]),
    /** The script apply runs; null when nothing is to change. */
    apply: Nullable(T.String()),
    /** Check mode cannot tell whether it changes anything (command, shell): apply runs it. */
    unpredictable: T.Boolean(),
    become: T.Union([T.String(), T.Literal(false)]),
    env: T.Union([T.Record(T.String(), T.String()), T.Null()]),
    timeout_ms: T.Union([T.Integer({ minimum: 1 }), T.Null()]),
    diff: T.Array(T.Object({ path: T.String(), before: T.String(), after: T.String() }, { additionalProperties: false }), { description: 'empty for no_log tasks' }),
    /** Why apply cannot run this plan on the host: what the task does depends on what an earlier one changes. */
    unplannable: Nullable(T.String()),
  },
  { additionalProperties: false },
);

export const HostPlanSchema = T.Object(
  {
    reachable: T.Boolean(),
    reason: Nullable(T.String()),
    /** The ansible_* connection variables, passwords left out (apply takes them from -i). */
    connection: T.Record(T.String(), T.Unknown()),
    /** The task that would fail in check mode: apply refuses the host. */
    would_fail: T.Union([T.Object({ task: T.String(), file: T.String(), line: T.Integer(), msg: T.String() }, { additionalProperties: false }), T.Null()]),
    entries: T.Array(EntrySchema),
  },
  { additionalProperties: false },
);

export const PlanFileSchema = T.Object(
  {
    plan_version: T.Literal(PLAN_VERSION),
    created: T.String(),
    tsplay_version: T.String(),
    playbooks: T.Array(FileHash),
    /** Absolute paths: apply reads the inventory again for connection passwords. */
    inventory: T.Array(FileHash),
    limit: Nullable(T.String()),
    hosts: T.Record(T.String(), HostPlanSchema),
  },
  { additionalProperties: false },
);

export type PlanFile = Static<typeof PlanFileSchema>;
export type HostPlan = Static<typeof HostPlanSchema>;
export type Entry = Static<typeof EntrySchema>;
