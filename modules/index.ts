/**
 * The module registry: every module tsplay runs, found by its short name, by the fully
 * qualified name Ansible content uses (ansible.builtin.copy, ansible.posix.sysctl...) or by the
 * name of an Ansible module that does the same job (systemd -> service).
 */
import type { ModuleDef } from '../src/core/module.js';
import { closest } from '../src/core/suggest.js';
import command from './command/index.js';
import shell from './shell/index.js';
import copy from './copy/index.js';
import template from './template/index.js';
import file from './file/index.js';
import lineinfile from './lineinfile/index.js';
import stat from './stat/index.js';
import waitFor from './wait_for/index.js';
import sysctl from './sysctl/index.js';
import swap from './swap/index.js';
import lvmSnapshot from './lvm_snapshot/index.js';
import aoe from './aoe/index.js';
import clonezilla from './clonezilla/index.js';
import libvirtDomain from './libvirt_domain/index.js';
import service from './service/index.js';
import packageModule from './package/index.js';
import user from './user/index.js';
import group from './group/index.js';
import debug from './debug/index.js';
import assertModule from './assert/index.js';
import setFact from './set_fact/index.js';
import fail from './fail/index.js';
import setup from './setup/index.js';
import { apt } from './package/index.js';
import bond from './bond/index.js';
import vlan from './vlan/index.js';
import bridge from './bridge/index.js';
import meta from './meta/index.js';
import asyncStatus from './async_status/index.js';
import { include, importTasks, includeTasks } from './include_tasks/index.js';
import { importRole, includeRole } from './include_role/index.js';

/** Every module tsplay runs. Adding one is one line here and its import above. */
export const modules: ModuleDef[] = [
  command,
  shell,
  copy,
  template,
  file,
  lineinfile,
  stat,
  waitFor,
  sysctl,
  swap,
  lvmSnapshot,
  aoe,
  clonezilla,
  libvirtDomain,
  service,
  packageModule,
  apt,
  user,
  group,
  debug,
  assertModule,
  setFact,
  fail,
  setup,
  bond,
  vlan,
  bridge,
  meta,
  includeTasks,
  importTasks,
  include,
  includeRole,
  importRole,
  asyncStatus,
];

/** Collections whose modules map to tsplay's by short name. */
const COLLECTIONS = ['ansible.builtin.', 'ansible.legacy.', 'ansible.posix.', 'community.general.'];

/** Ansible modules whose job a tsplay module of another name does; used only when the target is registered. */
const SAME_JOB: Record<string, string> = {
  systemd: 'service',
  systemd_service: 'service',
  sysvinit: 'service',
  dnf: 'package',
  yum: 'package',
};

function shortName(name: string): string {
  const prefix = COLLECTIONS.find((c) => name.startsWith(c));
  return prefix ? name.slice(prefix.length) : name;
}

const table = new Map(modules.map((m) => [m.name, m]));

/** The module for a task key: `copy`, `ansible.builtin.copy`, `ansible.legacy.copy`, `ansible.posix.sysctl`... */
export function findModule(name: string): ModuleDef | undefined {
  const short = shortName(name);
  return table.get(short) ?? (SAME_JOB[short] !== undefined ? table.get(SAME_JOB[short]!) : undefined);
}

/** Every name a task may give a module by (short, fully qualified, another module's job), with the module. */
export function moduleAliases(): Map<string, ModuleDef> {
  const out = new Map<string, ModuleDef>();
  for (const prefix of ['', ...COLLECTIONS]) {
    for (const short of [...modules.map((m) => m.name), ...Object.keys(SAME_JOB)]) {
      const m = findModule(prefix + short);
      if (m) out.set(prefix + short, m);
    }
  }
  return out;
}

/** Short names of every registered module, sorted. */
export function moduleNames(): string[] {
  return modules.map((m) => m.name).sort();
}

/** The registered module name closest to a misspelt one, for "did you mean 'copy'?". */
export function suggestModule(name: string): string | undefined {
  return closest(shortName(name), moduleNames());
}
