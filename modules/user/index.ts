/**
 * user: a local account with useradd/usermod/userdel. The probe reads the account from NSS
 * (`getent passwd`, `id -Gn`) and looks up every group the task names, so plan() can tell a
 * missing group from a change and never guesses.
 */
import { createHash } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { defineModule, type ExecResult, type Plan, type Step } from '../../src/core/module.js';
import { oneOf } from '../../src/core/schema.js';
import { lines, type Shell, sh } from '../../src/core/sh.js';

const schema = Type.Object(
  {
    name: Type.String({
      description: 'Login name of the account.',
      pattern: '^[A-Za-z0-9_.][A-Za-z0-9_.$-]*$',
      maxLength: 256,
    }),
    state: Type.Optional(oneOf(['present', 'absent'] as const, { description: 'Whether the account exists.', default: 'present' })),
    uid: Type.Optional(Type.Integer({ description: 'Numeric user id.', minimum: 0 })),
    group: Type.Optional(Type.String({ description: 'Primary group, by name or gid; it must exist.', minLength: 1 })),
    groups: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], {
        description:
          'Supplementary groups (list or comma-separated string). Without `append` the account ends up in exactly these; an empty string removes all.',
      }),
    ),
    append: Type.Optional(Type.Boolean({ description: 'Add the `groups` to the current ones instead of replacing them.', default: false })),
    shell: Type.Optional(Type.String({ description: 'Login shell.', minLength: 1 })),
    home: Type.Optional(Type.String({ description: 'Home directory.', minLength: 1 })),
    create_home: Type.Optional(
      Type.Boolean({ description: 'Create the home directory (from /etc/skel) when it does not exist.', default: true }),
    ),
    move_home: Type.Optional(Type.Boolean({ description: 'When `home` changes, move the old home directory there.', default: false })),
    system: Type.Optional(Type.Boolean({ description: 'Create a system account (only matters on creation).', default: false })),
    comment: Type.Optional(Type.String({ description: 'GECOS field (full name).' })),
    password: Type.Optional(Type.String({ description: 'Crypted password hash, as written to /etc/shadow (not clear text).', pattern: '^[^:\n]*$' })),
    update_password: Type.Optional(
      oneOf(['always', 'on_create'] as const, { description: '`always` resets a differing hash; `on_create` sets it on new accounts only.', default: 'always' }),
    ),
    remove: Type.Optional(Type.Boolean({ description: 'With `state: absent`, also delete the home directory and mail spool (userdel -r).', default: false })),
    force: Type.Optional(Type.Boolean({ description: 'With `state: absent`, delete even if the user is logged in (userdel -f).', default: false })),
  },
  { additionalProperties: false },
);

interface GroupEntry {
  name: string;
  gid: number;
}

export interface UserState {
  exists: boolean;
  uid?: number;
  gid?: number;
  comment?: string;
  home?: string;
  shell?: string;
  /** Name of the primary group. */
  primary?: string;
  /** Supplementary groups (primary group excluded). */
  groups?: string[];
  /** The current home (or the requested `home`) exists as a directory. */
  homeExists?: boolean;
  /** The requested `home` exists (when it differs from the current one). */
  newHomeExists?: boolean;
  /**
   * sha256 of the shadow hash without its lock marks (and a newline), read only when the task
   * sets `password`: the hash itself never appears in a probe's output (shown at -v).
   */
  passwordDigest?: string;
  /** Every group the task names (and one named like the user), keyed as the task wrote it; null when missing. */
  lookup: Record<string, GroupEntry | null>;
}

/** Ansible's list-or-comma-string form, trimmed; `''` is kept apart as "no groups". */
function groupList(groups: string | string[] | undefined): string[] | undefined {
  if (groups === undefined) return undefined;
  const list = Array.isArray(groups) ? groups : groups.split(',');
  return list.map((g) => g.trim()).filter((g) => g !== '');
}

function probe(args: Static<typeof schema>): Shell {
  const n = args.name;
  const keys = new Set([args.name, ...(args.group !== undefined ? [args.group] : []), ...(groupList(args.groups) ?? [])]);
  return lines(
    sh`if pw=$(getent passwd -- ${n}); then`,
    sh`  printf 'passwd\\t%s\\n' "$pw"`,
    sh`  printf 'primary\\t%s\\n' "$(id -gn ${n})"`,
    sh`  printf 'groups\\t%s\\n' "$(id -Gn ${n})"`,
    sh`  h=$(printf '%s' "$pw" | cut -d: -f6); if [ -d "$h" ]; then printf 'home_exists\\t1\\n'; fi`,
    args.home !== undefined && sh`  if [ -d ${args.home} ]; then printf 'new_home_exists\\t1\\n'; fi`,
    args.password !== undefined && sh`  printf 'shadow\\t%s\\n' "$(getent shadow -- ${n} | cut -d: -f2 | sed 's/^!*//' | sha256sum | cut -d' ' -f1)"`,
    sh`fi`,
    ...[...keys].map((g) => sh`if gr=$(getent group -- ${g}); then printf 'group\\t%s\\t%s\\n' ${g} "$gr"; fi`),
  );
}

function parse(out: ExecResult, args: { name: string; group?: string; groups?: string | string[] }): UserState {
  const state: UserState = { exists: false, lookup: {} };
  const keys = [args.name, ...(args.group !== undefined ? [args.group] : []), ...(groupList(args.groups) ?? [])];
  for (const k of keys) state.lookup[k] = null;
  for (const line of out.stdout.split('\n')) {
    const [tag, ...rest] = line.split('\t');
    const value = rest.join('\t');
    if (tag === 'passwd') {
      const f = value.split(':');
      Object.assign(state, { exists: true, uid: Number(f[2]), gid: Number(f[3]), comment: f[4] ?? '', home: f[5] ?? '', shell: f[6] ?? '' });
    } else if (tag === 'primary') state.primary = value;
    else if (tag === 'groups') state.groups = value.split(' ').filter((g) => g !== '');
    else if (tag === 'home_exists') state.homeExists = true;
    else if (tag === 'new_home_exists') state.newHomeExists = true;
    else if (tag === 'shadow') state.passwordDigest = value;
    else if (tag === 'group') {
      const f = (rest[1] ?? '').split(':');
      state.lookup[rest[0] ?? ''] = { name: f[0] ?? '', gid: Number(f[2]) };
    }
  }
  if (state.exists) {
    state.homeExists ??= false;
    if (state.groups && state.primary !== undefined) state.groups = state.groups.filter((g) => g !== state.primary);
  }
  return state;
}

/** What the probe prints for a shadow hash: its sha256 without lock marks, as sha256sum prints it. */
function digest(hash: string): string {
  return createHash('sha256').update(`${hash.replace(/^!+/, '')}\n`).digest('hex');
}

/**
 * The hash is set with `chpasswd -e` reading `name:hash` on its standard input, never with
 * useradd/usermod -p, whose command line any user of the host can read while it runs.
 */
function setPassword(name: string, hash: string | undefined): Step[] {
  return hash === undefined ? [] : [{ kind: 'exec', argv: ['chpasswd', '-e'], stdin: `${name}:${hash}\n` }];
}

function describe(fields: Record<string, string | number | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
}

export const user = defineModule({
  name: 'user',
  sensitive: ['password'],
  description:
    'Manages a local user account with useradd, usermod and userdel: uid, primary and supplementary groups, shell, ' +
    'home, comment and password hash. Groups must exist already. With `state: absent` the account is deleted, ' +
    'with `remove: true` its home too.',
  schema,
  examples: `- name: deploy account
  user:
    name: deploy
    shell: /bin/bash
    groups: [sudo, www-data]
    append: true

- name: no guest account
  user:
    name: guest
    state: absent
    remove: true
`,
  probe,
  parse,
  plan(args, state): Plan {
    const name = args.name;
    if ((args.state ?? 'present') === 'absent') {
      if (!state.exists) return { steps: [], reason: `user ${name} is absent`, result: { name, state: 'absent' } };
      const argv = ['userdel', ...(args.force ? ['-f'] : []), ...(args.remove ? ['-r'] : []), name];
      return {
        steps: [{ kind: 'exec', argv }],
        reason: `remove user ${name}`,
        result: { name, state: 'absent', force: Boolean(args.force), remove: Boolean(args.remove) },
        diff: [{ path: `user ${name}`, before: describe({ state: 'present', uid: state.uid, home: state.home }), after: 'state: absent\n' }],
      };
    }

    const wanted = groupList(args.groups);
    for (const g of [...(args.group !== undefined ? [args.group] : []), ...(wanted ?? [])]) {
      if (!state.lookup[g]) return { steps: [], failed: `Group ${g} does not exist` };
    }
    const primary = args.group !== undefined ? state.lookup[args.group]! : undefined;
    const groupNames = wanted?.map((g) => state.lookup[g]!.name);
    const createHome = args.create_home ?? true;

    if (!state.exists) {
      const argv = ['useradd'];
      if (args.uid !== undefined) argv.push('-u', String(args.uid));
      if (args.group !== undefined) argv.push('-g', args.group);
      // As Ansible: a group already named like the user would make useradd fail creating it.
      else if (state.lookup[name]) argv.push('-N');
      if (groupNames && groupNames.length) argv.push('-G', groupNames.join(','));
      if (args.comment !== undefined) argv.push('-c', args.comment);
      if (args.home !== undefined) argv.push('-d', args.home);
      if (args.shell !== undefined) argv.push('-s', args.shell);
      argv.push(createHome ? '-m' : '-M');
      if (args.system) argv.push('-r');
      argv.push(name);
      const after = {
        state: 'present',
        uid: args.uid,
        group: primary?.name,
        groups: groupNames?.join(','),
        comment: args.comment,
        home: args.home,
        shell: args.shell,
        password: args.password !== undefined ? '(set)' : undefined,
      };
      return {
        steps: [{ kind: 'exec', argv }, ...setPassword(name, args.password)],
        reason: `create user ${name}`,
        result: { name, system: Boolean(args.system), create_home: createHome, ...after },
        diff: [{ path: `user ${name}`, before: 'state: absent\n', after: describe(after) }],
      };
    }

    const mod: string[] = [];
    let newHash: string | undefined;
    const before: Record<string, string | number | undefined> = { state: 'present' };
    const after: Record<string, string | number | undefined> = { state: 'present' };
    const note = (key: string, from: string | number | undefined, to: string | number | undefined) => {
      before[key] = from;
      after[key] = to;
    };
    if (args.uid !== undefined && args.uid !== state.uid) {
      mod.push('-u', String(args.uid));
      note('uid', state.uid, args.uid);
    }
    if (primary && primary.gid !== state.gid) {
      mod.push('-g', String(primary.gid));
      note('group', state.primary, primary.name);
    }
    if (groupNames !== undefined) {
      // Compared without the primary group, which id(1) always lists.
      const primaryName = primary?.name ?? state.primary;
      const want = new Set(groupNames.filter((g) => g !== primaryName));
      const have = new Set(state.groups ?? []);
      const missing = [...want].filter((g) => !have.has(g));
      const extra = args.append ? [] : [...have].filter((g) => !want.has(g));
      if (missing.length || extra.length) {
        mod.push(...(args.append ? ['-a'] : []), '-G', groupNames.join(','));
        const final = args.append ? [...have, ...missing] : groupNames;
        note('groups', [...have].join(','), final.join(','));
      }
    }
    if (args.comment !== undefined && args.comment !== state.comment) {
      mod.push('-c', args.comment);
      note('comment', state.comment, args.comment);
    }
    const homeChanged = args.home !== undefined && args.home !== state.home;
    if (homeChanged) {
      mod.push('-d', args.home!, ...(args.move_home ? ['-m'] : []));
      note('home', state.home, args.home);
    }
    if (args.shell !== undefined && args.shell !== state.shell) {
      mod.push('-s', args.shell);
      note('shell', state.shell, args.shell);
    }
    if (
      args.password !== undefined &&
      (args.update_password ?? 'always') === 'always' &&
      digest(args.password) !== state.passwordDigest
    ) {
      newHash = args.password;
      note('password', '(set)', '(changed)');
    }

    const steps: Step[] = [];
    const did: string[] = [];
    if (mod.length || newHash !== undefined) {
      if (mod.length) steps.push({ kind: 'exec', argv: ['usermod', ...mod, name] });
      steps.push(...setPassword(name, newHash));
      did.push(`change ${Object.keys(after).filter((k) => k !== 'state').join(', ')} of user ${name}`);
    }
    // Ansible creates a missing home directory for an existing account too (unless create_home is false).
    const homeWillExist = homeChanged ? state.newHomeExists || (args.move_home && state.homeExists) : state.homeExists;
    if (createHome && !homeWillExist) {
      steps.push({ kind: 'exec', argv: ['mkhomedir_helper', name] });
      did.push(`create home ${args.home ?? state.home}`);
      before.home_directory = 'absent';
      after.home_directory = 'present';
    }
    const result = {
      name,
      state: 'present',
      uid: args.uid ?? state.uid,
      group: primary?.gid ?? state.gid,
      groups: (after.groups as string | undefined) ?? state.groups?.join(','),
      comment: args.comment ?? state.comment,
      home: args.home ?? state.home,
      shell: args.shell ?? state.shell,
      append: Boolean(args.append),
    };
    if (!steps.length) return { steps, result, reason: `user ${name} is present as requested` };
    return { steps, result, reason: did.join('; '), diff: [{ path: `user ${name}`, before: describe(before), after: describe(after) }] };
  },
});

export default user;
