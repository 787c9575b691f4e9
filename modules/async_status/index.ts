/**
 * async_status: reads a background job that an `async` task with `poll: 0` started (the job
 * folder of src/core/jobs.ts), as Ansible's async_status: finished 0 while it runs, then its
 * rc, stdout and stderr (failed on a non-zero rc or when its time ran out). `mode: cleanup`
 * removes the job's folder.
 */
import { randomBytes } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type Plan } from '../../src/core/module.js';
import { JOB_ID, jobStatus, type JobState, parseJobStatus } from '../../src/core/jobs.js';

const schema = Type.Object(
  {
    jid: Type.String({ description: 'The job id an async task registered (`ansible_job_id`).', pattern: JOB_ID.source }),
    mode: Type.Optional(Type.Union([Type.Literal('status'), Type.Literal('cleanup')], { description: 'status (default) or cleanup (remove the job folder).', default: 'status' })),
  },
  { additionalProperties: false },
);

type Args = Static<typeof schema>;

/** The probe's end-of-stdout marker: fixed per process, random enough that no job prints it. */
const MARKER = `--tsplay-job-${randomBytes(8).toString('hex')}--`;

const outputLines = (s: string) => (s === '' ? [] : s.split('\n'));

export const asyncStatus = defineModule({
  name: 'async_status',
  description:
    'Reads a job started by a task with `async` and `poll: 0`: `finished` is 0 while it runs (use it with `until`), then 1 with ' +
    'its `rc`, `stdout` and `stderr`, failing on a non-zero rc or a job its time ran out on. `mode: cleanup` removes the job.',
  schema,
  examples: `- command: /usr/local/bin/long-backup
  async: 3600
  poll: 0
  register: backup

- async_status: { jid: "{{ backup.ansible_job_id }}" }
  register: job
  until: job.finished
  retries: 120
  delay: 30
`,
  // Each read must see the job as it is now, never a result fetched ahead.
  prefetch: false,
  probe: (args: Args) => jobStatus(args.jid, MARKER),
  parse: (out: ExecResult): JobState => parseJobStatus(out.stdout, MARKER),
  plan(args: Args, state: JobState): Plan {
    const job = { ansible_job_id: args.jid };
    // As Ansible's: a job that is not there reads as finished (an until on it ends), and failed.
    if (state.state === 'missing') return { steps: [], failed: `could not find job ${args.jid}`, result: { ...job, started: 1, finished: 1 } };
    const results_file = state.dir;
    if (args.mode === 'cleanup') {
      return { steps: [{ kind: 'exec', argv: ['rm', '-rf', '--', state.dir] }], changed: false, result: { ...job, results_file, erased: state.dir } };
    }
    if (state.state === 'running') return { steps: [], changed: false, result: { ...job, results_file, started: 1, finished: 0 } };
    const r = state.result;
    const result = { ...job, results_file, started: 1, finished: 1, rc: r.rc, stdout: r.stdout, stderr: r.stderr, stdout_lines: outputLines(r.stdout), stderr_lines: outputLines(r.stderr) };
    if (state.timedOut) return { steps: [], changed: false, failed: 'async task did not complete within the requested time', result };
    if (r.rc !== 0) return { steps: [], changed: true, failed: 'non-zero return code', result };
    return { steps: [], changed: true, result };
  },
});

export default asyncStatus;
