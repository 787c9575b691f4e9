/**
 * command: runs a program with an argv (no shell: `cmd` is split as Python's shlex does, as
 * Ansible does). Its effect cannot be predicted, so it always runs (and is always "changed")
 * unless `creates`/`removes` settle it; only then is there something to probe. shell reuses
 * the probe, plan and result built here with ['/bin/sh', '-c', cmd] as the argv.
 */
import { type Static, Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type Plan } from '../../src/core/module.js';
import { probeOutput } from '../../src/core/probe.js';
import { cdOperand } from '../../src/core/script.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';
import { shlexSplit } from '../../src/py/shlex.js';

export interface RunState {
  /** creates/removes was given and its pattern matched an existing path. */
  createsExists?: boolean;
  removesExists?: boolean;
  /** chdir does not exist (only probed with creates/removes). */
  noChdir?: boolean;
}

export const runOptions = {
  chdir: Type.Optional(Type.String({ description: 'Change into this directory before running the command.', minLength: 1 })),
  creates: Type.Optional(
    Type.String({ description: 'A path or glob pattern: when it matches an existing path, the command is not run (relative to chdir).', minLength: 1 }),
  ),
  removes: Type.Optional(
    Type.String({ description: 'A path or glob pattern: when it matches no existing path, the command is not run (relative to chdir).', minLength: 1 }),
  ),
  stdin: Type.Optional(Type.String({ description: 'Text fed to the command on standard input.' })),
  stdin_add_newline: Type.Optional(Type.Boolean({ description: 'Append a newline to stdin.', default: true })),
  strip_empty_ends: Type.Optional(Type.Boolean({ description: 'Strip trailing newlines from stdout and stderr in the result.', default: true })),
};

const runSchema = Type.Object(runOptions);
/** What command and shell share. */
export type RunArgs = Static<typeof runSchema>;

/**
 * Prints whether a glob pattern matches an existing path. The pattern reaches the shell quoted,
 * in a variable; expanding it unquoted with IFS empty does pathname expansion and nothing else.
 */
function globTest(key: 'creates' | 'removes', pattern: string): Shell {
  return lines(
    sh`p=${pattern}; found=0`,
    sh`IFS=; for f in $p; do if [ -e "$f" ] || [ -L "$f" ]; then found=1; break; fi; done; unset IFS`,
    sh`printf '%s=%s\\n' ${key} "$found"`,
  );
}

/** Empty (no round trip) unless creates/removes need a look. */
export function runProbe(args: RunArgs): Shell {
  if (args.creates === undefined && args.removes === undefined) return lines();
  return lines(
    args.chdir !== undefined && sh`cd ${cdOperand(args.chdir)} 2>/dev/null || { echo nochdir=1; exit 0; }`,
    args.creates !== undefined && globTest('creates', args.creates),
    args.removes !== undefined && globTest('removes', args.removes),
  );
}

export function runParse(out: ExecResult, args: RunArgs): RunState {
  if (args.creates === undefined && args.removes === undefined) return {};
  const kv = probeOutput(out, 'command');
  return {
    noChdir: kv.get('nochdir') === '1',
    createsExists: args.creates !== undefined ? kv.get('creates') === '1' : undefined,
    removesExists: args.removes !== undefined ? kv.get('removes') === '1' : undefined,
  };
}

/** The plan of a command whose argv is known: run it, unless creates/removes say it is done. */
export function runPlan(args: RunArgs, state: RunState, argv: string[], shown: string | string[], env?: Record<string, string>): Plan {
  const result = { cmd: shown };
  if (state.noChdir) return { steps: [], failed: `Unable to change directory before execution: ${args.chdir}`, result };
  if (args.creates !== undefined && state.createsExists) {
    return { steps: [], changed: false, reason: `skipped, since ${args.creates} exists`, result: { ...result, rc: 0, stdout: `skipped, since ${args.creates} exists` } };
  }
  if (args.removes !== undefined && state.removesExists === false) {
    return { steps: [], changed: false, reason: `skipped, since ${args.removes} does not exist`, result: { ...result, rc: 0, stdout: `skipped, since ${args.removes} does not exist` } };
  }
  const stdin = args.stdin === undefined ? undefined : args.stdin + (args.stdin_add_newline === false ? '' : '\n');
  return {
    steps: [{ kind: 'exec', argv, ...(env ? { env } : {}), ...(args.chdir !== undefined ? { cwd: args.chdir } : {}), ...(stdin !== undefined ? { stdin } : {}) }],
    unpredictable: true,
    reason: `run ${typeof shown === 'string' ? shown : sh`${shown}`.text}`,
    result,
  };
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  return s.replace(/\r?\n$/, '').split(/\r?\n/);
}

/** rc, stdout, stderr and their lines after a run (nothing to add when the command did not run). */
export function runResult(args: RunArgs, applied: ExecResult | undefined): Record<string, unknown> {
  if (!applied) return {};
  const strip = args.strip_empty_ends !== false;
  const stdout = strip ? applied.stdout.replace(/[\r\n]+$/, '') : applied.stdout;
  const stderr = strip ? applied.stderr.replace(/[\r\n]+$/, '') : applied.stderr;
  return {
    rc: applied.rc,
    stdout,
    stderr,
    stdout_lines: splitLines(stdout),
    stderr_lines: splitLines(stderr),
    ...(applied.rc !== 0 ? { msg: 'non-zero return code' } : {}),
  };
}

const schema = Type.Object(
  {
    cmd: Type.Optional(Type.String({ description: 'The command line, split into words as a POSIX shell would but never run by one (no pipes, redirections or variables).', minLength: 1 })),
    argv: Type.Optional(Type.Array(Type.String(), { description: 'The command as a list of words, instead of cmd.', minItems: 1 })),
    ...runOptions,
  },
  {
    additionalProperties: false,
    if: { not: { required: ['argv'] } },
    then: { required: ['cmd'] },
  },
);

export const command = defineModule({
  name: 'command',
  description:
    'Runs a program on the host without a shell. Always reported changed unless creates/removes show the work is done; ' +
    'skipped in check mode. A non-zero exit code fails the task; the result has rc, stdout, stderr and their lines.',
  schema,
  freeForm: 'cmd',
  examples: `- command: /usr/sbin/update-grub
- command: tar -xzf /tmp/app.tgz
  args:
    chdir: /srv/app
    creates: /srv/app/bin
- command:
    argv: [useradd, --system, app]`,
  probe: (args) => runProbe(args),
  parse: (out, args) => runParse(out, args),
  plan(args, state: RunState) {
    if (args.cmd !== undefined && args.argv !== undefined) return { steps: [], failed: 'parameters are mutually exclusive: cmd|argv' };
    let argv: string[];
    try {
      argv = args.argv ?? shlexSplit(args.cmd!);
    } catch (e) {
      return { steps: [], failed: (e as Error).message };
    }
    if (argv.length === 0) return { steps: [], failed: 'no command given' };
    return runPlan(args, state, argv, argv);
  },
  result: (args, _state, applied) => runResult(args, applied),
});

export default command;
