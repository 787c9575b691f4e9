/**
 * group: a local group with groupadd/groupmod/groupdel, read back with `getent group`.
 */
import { Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type Plan } from '../../src/core/module.js';
import { oneOf } from '../../src/core/schema.js';
import { sh } from '../../src/core/sh.js';

const schema = Type.Object(
  {
    name: Type.String({ description: 'Name of the group.', pattern: '^[A-Za-z0-9_.][A-Za-z0-9_.$-]*$', maxLength: 256 }),
    state: Type.Optional(oneOf(['present', 'absent'] as const, { description: 'Whether the group exists.', default: 'present' })),
    gid: Type.Optional(Type.Integer({ description: 'Numeric group id; an existing group is renumbered to it.', minimum: 0 })),
    system: Type.Optional(Type.Boolean({ description: 'Create a system group (only matters on creation).', default: false })),
  },
  { additionalProperties: false },
);

export interface GroupState {
  exists: boolean;
  gid?: number;
  members?: string[];
}

export const group = defineModule({
  name: 'group',
  description: 'Creates, renumbers or deletes a local group with groupadd, groupmod and groupdel.',
  schema,
  examples: `- name: deploy group
  group:
    name: deploy
    gid: 2000

- name: no games
  group:
    name: games
    state: absent
`,
  probe(args) {
    return sh`if g=$(getent group -- ${args.name}); then printf 'group\\t%s\\n' "$g"; fi`;
  },
  parse(out: ExecResult): GroupState {
    const line = out.stdout.split('\n').find((l) => l.startsWith('group\t'));
    if (!line) return { exists: false };
    const f = line.slice('group\t'.length).split(':');
    return { exists: true, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter((m) => m !== '') };
  },
  plan(args, state): Plan {
    const name = args.name;
    const path = `group ${name}`;
    if ((args.state ?? 'present') === 'absent') {
      if (!state.exists) return { steps: [], reason: `group ${name} is absent`, result: { name, state: 'absent' } };
      return {
        steps: [{ kind: 'exec', argv: ['groupdel', name] }],
        reason: `remove group ${name}`,
        result: { name, state: 'absent' },
        diff: [{ path, before: `state: present\ngid: ${state.gid}\n`, after: 'state: absent\n' }],
      };
    }
    const system = Boolean(args.system);
    if (!state.exists) {
      const argv = ['groupadd', ...(args.gid !== undefined ? ['-g', String(args.gid)] : []), ...(system ? ['-r'] : []), name];
      return {
        steps: [{ kind: 'exec', argv }],
        reason: `create group ${name}`,
        result: { name, state: 'present', system, ...(args.gid !== undefined ? { gid: args.gid } : {}) },
        diff: [{ path, before: 'state: absent\n', after: `state: present\n${args.gid !== undefined ? `gid: ${args.gid}\n` : ''}` }],
      };
    }
    if (args.gid !== undefined && args.gid !== state.gid) {
      return {
        steps: [{ kind: 'exec', argv: ['groupmod', '-g', String(args.gid), name] }],
        reason: `change gid of group ${name} from ${state.gid} to ${args.gid}`,
        result: { name, state: 'present', system, gid: args.gid },
        diff: [{ path, before: `state: present\ngid: ${state.gid}\n`, after: `state: present\ngid: ${args.gid}\n` }],
      };
    }
    return { steps: [], reason: `group ${name} is present as requested`, result: { name, state: 'present', system, gid: state.gid } };
  },
});

export default group;
