/** The persistence backends by name (see each file's header). */
import type { Backend } from '../args.js';
import { ifcfg } from './ifcfg.js';
import { ifupdown } from './ifupdown.js';
import { networkd } from './networkd.js';
import { networkmanager } from './networkmanager.js';
import type { BackendDef } from './types.js';

export const BACKENDS_BY_NAME: Record<Exclude<Backend, 'none'>, BackendDef> = { ifupdown, networkd, networkmanager, ifcfg };
