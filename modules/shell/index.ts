/**
 * shell: runs a command line through a shell (/bin/sh unless `executable` says otherwise), so
 * pipes, redirections and variables work. Everything else is command's.
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type Plan } from '../../src/core/module.js';
import { runOptions, runParse, runPlan, runProbe, runResult, type RunState } from '../command/index.js';

const schema = Type.Object(
  {
    cmd: Type.String({ description: 'The shell command line.', minLength: 1 }),
    executable: Type.Optional(Type.String({ description: 'Absolute path of the shell that runs cmd (with -c).', default: '/bin/sh', pattern: '^/' })),
    ...runOptions,
  },
  { additionalProperties: false },
);

/**
 * The command line reaches its shell in the environment, read and unset before it runs: a
 * command line is readable by every user of the host (/proc/PID/cmdline), an environment only
 * by its owner. The shell runs it as `sh -c` would.
 */
const FROM_ENV = 'tsplay_cmd=$TSPLAY_CMD; unset TSPLAY_CMD; eval "$tsplay_cmd"';

export const shell = defineModule({
  name: 'shell',
  description:
    'Runs a command line through /bin/sh (or executable) on the host. Always reported changed unless creates/removes show the ' +
    'work is done; skipped in check mode. A non-zero exit code fails the task; the result has rc, stdout, stderr and their lines.',
  schema,
  freeForm: 'cmd',
  examples: `- shell: dmesg | grep -i bonding > /tmp/bonding.log
- shell: echo "$HOME"
  args:
    executable: /bin/bash`,
  probe: (args) => runProbe(args),
  parse: (out, args) => runParse(out, args),
  plan: (args, state: RunState): Plan => runPlan(args, state, [args.executable ?? '/bin/sh', '-c', FROM_ENV], args.cmd, { TSPLAY_CMD: args.cmd }),
  result: (args, _state, applied) => runResult(args, applied),
});

export default shell;
