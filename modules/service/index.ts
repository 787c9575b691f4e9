/**
 * service: keeps a service started or stopped and enabled or disabled at boot. The backend
 * follows the `service_mgr` fact as Ansible's `service` action does: systemd through systemctl,
 * anything else through the SysV init script and update-rc.d (Debian) or chkconfig (Red Hat).
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type Facts, type Plan, type Step } from '../../src/core/module.js';
import { keyValues } from '../../src/core/probe.js';
import { oneOf } from '../../src/core/schema.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';

const schema = Type.Object(
  {
    name: Type.String({
      description: 'Name of the service (a systemd unit name or an /etc/init.d script name).',
      minLength: 1,
      pattern: '^[^/\\s-][^/\\s]*$',
    }),
    state: Type.Optional(
      oneOf(['started', 'stopped', 'restarted', 'reloaded'] as const, {
        description:
          '`started`/`stopped` act only when needed; `restarted` always restarts and `reloaded` always reloads (both start a stopped service).',
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'Whether the service starts at boot.' })),
    use: Type.Optional(
      oneOf(['auto', 'systemd', 'sysvinit'] as const, {
        description: 'Service manager to use; `auto` follows the `service_mgr` fact (systemd, else SysV init scripts).',
        default: 'auto',
      }),
    ),
  },
  { additionalProperties: false },
);

type Backend = 'systemd' | 'sysvinit';

export interface ServiceState {
  backend: Backend;
  /** False when the unit or init script does not exist. */
  exists: boolean;
  running: boolean;
  enabled: boolean;
  /** systemd: the raw `is-enabled` word (static, masked...); sysvinit: `S`/`K` links seen. */
  enabledWord: string;
  /** sysvinit: some K link exists in /etc/rc?.d, so the runlevel links were made once. */
  hasKLinks: boolean;
  /** sysvinit: the tool that manages runlevel links on this host. */
  rcTool: 'update-rc.d' | 'chkconfig' | 'none';
  /** systemd: what went wrong when systemctl could not be queried at all. */
  error?: string;
}

function backendFor(use: string | undefined, facts: Facts): Backend {
  if (use === 'systemd' || use === 'sysvinit') return use;
  return facts.service_mgr === 'systemd' ? 'systemd' : 'sysvinit';
}

function systemdProbe(name: string): Shell {
  return lines(
    sh`echo backend=systemd`,
    sh`printf 'load=%s\\n' "$(systemctl show -p LoadState --value -- ${name} 2>&1 | head -n 1)"`,
    sh`printf 'active=%s\\n' "$(systemctl is-active -- ${name} 2>/dev/null | head -n 1)"`,
    sh`printf 'enabled=%s\\n' "$(systemctl is-enabled -- ${name} 2>/dev/null | head -n 1)"`,
  );
}

function sysvProbe(name: string): Shell {
  const script = `/etc/init.d/${name}`;
  return lines(
    sh`echo backend=sysvinit`,
    sh`if [ -x ${script} ]; then echo exists=1; ${script} status >/dev/null 2>&1 </dev/null; echo status=$?; else echo exists=0; fi`,
    sh`s=0; for f in /etc/rc?.d/S??${name}; do if [ -e "$f" ]; then s=1; fi; done; echo slinks=$s`,
    sh`k=0; for f in /etc/rc?.d/K??${name}; do if [ -e "$f" ]; then k=1; fi; done; echo klinks=$k`,
    sh`if command -v update-rc.d >/dev/null 2>&1; then echo rctool=update-rc.d;`,
    sh`elif command -v chkconfig >/dev/null 2>&1; then echo rctool=chkconfig; else echo rctool=none; fi`,
  );
}

/** systemd ActiveStates that count as running, as Ansible's systemd module counts them. */
const RUNNING = new Set(['active', 'activating', 'reloading']);
/** `is-enabled` answers with exit code 0, except the two Ansible treats as disabled. */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'generated', 'linked', 'linked-runtime']);

function parseState(out: ExecResult): ServiceState {
  const kv = keyValues(out.stdout);
  if (kv.get('backend') === 'systemd') {
    const load = kv.get('load') ?? '';
    const word = kv.get('enabled') ?? '';
    const known = ['loaded', 'not-found', 'masked', 'error', 'bad-setting', 'merged', 'stub'].includes(load);
    return {
      backend: 'systemd',
      exists: load !== 'not-found',
      running: RUNNING.has(kv.get('active') ?? ''),
      enabled: ENABLED.has(word),
      enabledWord: word,
      hasKLinks: false,
      rcTool: 'none',
      ...(known ? {} : { error: load || 'no answer from systemctl' }),
    };
  }
  const tool = kv.get('rctool');
  return {
    backend: 'sysvinit',
    exists: kv.get('exists') === '1',
    running: kv.get('status') === '0',
    enabled: kv.get('slinks') === '1',
    enabledWord: kv.get('slinks') === '1' ? 'S' : kv.get('klinks') === '1' ? 'K' : '',
    hasKLinks: kv.get('klinks') === '1',
    rcTool: tool === 'update-rc.d' || tool === 'chkconfig' ? tool : 'none',
  };
}

function describe(state: string | undefined, enabled: boolean | undefined): string {
  return (state !== undefined ? `state: ${state}\n` : '') + (enabled !== undefined ? `enabled: ${enabled}\n` : '');
}

export const service = defineModule({
  name: 'service',
  description:
    'Controls a service: start, stop, restart or reload it and enable or disable it at boot. Uses systemctl when the ' +
    '`service_mgr` fact is systemd, otherwise the /etc/init.d script with update-rc.d or chkconfig. `restarted` and ' +
    '`reloaded` always report changed. A service that does not exist fails the task.',
  schema,
  examples: `- name: nginx runs and starts at boot
  service:
    name: nginx
    state: started
    enabled: true

- name: reload after a config change
  service:
    name: nginx
    state: reloaded
`,
  probe(args, facts) {
    return backendFor(args.use, facts) === 'systemd' ? systemdProbe(args.name) : sysvProbe(args.name);
  },
  parse(out) {
    return parseState(out);
  },
  plan(args, state): Plan {
    const name = args.name;
    if (args.state === undefined && args.enabled === undefined) {
      return { steps: [], failed: 'one of the following is required: state, enabled' };
    }
    if (state.error !== undefined) {
      return { steps: [], failed: `cannot query ${name} with systemctl: ${state.error}` };
    }
    if (!state.exists) {
      return { steps: [], failed: `Could not find the requested service ${name}: host` };
    }
    const systemd = state.backend === 'systemd';
    const steps: Step[] = [];
    const did: string[] = [];

    if (args.enabled !== undefined && args.enabled !== state.enabled) {
      if (systemd) {
        if (state.enabledWord === 'masked') return { steps: [], failed: `Unit ${name} is masked and cannot be ${args.enabled ? 'enabled' : 'disabled'}` };
        if (!args.enabled && ENABLED.has(state.enabledWord) && state.enabledWord !== 'enabled') {
          return { steps: [], failed: `Unit ${name} is ${state.enabledWord} and cannot be disabled` };
        }
        steps.push({ kind: 'exec', argv: ['systemctl', args.enabled ? 'enable' : 'disable', name] });
      } else if (state.rcTool === 'update-rc.d') {
        if (args.enabled && !state.hasKLinks) steps.push({ kind: 'exec', argv: ['update-rc.d', name, 'defaults'] });
        steps.push({ kind: 'exec', argv: ['update-rc.d', name, args.enabled ? 'enable' : 'disable'] });
      } else if (state.rcTool === 'chkconfig') {
        if (args.enabled && !state.hasKLinks) steps.push({ kind: 'exec', argv: ['chkconfig', '--add', name] });
        steps.push({ kind: 'exec', argv: ['chkconfig', name, args.enabled ? 'on' : 'off'] });
      } else {
        return { steps: [], failed: `cannot ${args.enabled ? 'enable' : 'disable'} ${name}: neither update-rc.d nor chkconfig is installed` };
      }
      did.push(args.enabled ? 'enable' : 'disable');
    }

    // As Ansible does, restarted and reloaded start a stopped service instead.
    let action: string | undefined;
    if (args.state === 'started' && !state.running) action = 'start';
    else if (args.state === 'stopped' && state.running) action = 'stop';
    else if (args.state === 'restarted' || args.state === 'reloaded') action = state.running ? args.state.slice(0, -2) : 'start';
    if (action !== undefined) {
      steps.push({ kind: 'exec', argv: systemd ? ['systemctl', action, name] : [`/etc/init.d/${name}`, action] });
      did.push(action);
    }

    const runningAfter = args.state === undefined ? state.running : args.state !== 'stopped';
    const enabledAfter = args.enabled ?? state.enabled;
    const result = { name, state: runningAfter ? 'started' : 'stopped', enabled: enabledAfter };
    if (steps.length === 0) {
      return { steps, result, reason: `${name} is ${runningAfter ? 'running' : 'stopped'}${args.enabled === undefined ? '' : args.enabled ? ' and enabled' : ' and disabled'}` };
    }
    const before = describe(args.state === undefined ? undefined : state.running ? 'started' : 'stopped', args.enabled === undefined ? undefined : state.enabled);
    const after = describe(args.state === undefined ? undefined : runningAfter ? 'started' : 'stopped', args.enabled);
    return {
      steps,
      result,
      reason: `${did.join(', ')} ${name}`,
      ...(before !== after ? { diff: [{ path: `service ${name}`, before, after }] } : {}),
    };
  },
});

export default service;
