/** bridge: a Linux bridge over NICs, bonds or VLANs (or none), live and persisted (see src/net). */
import { bridgeSchema } from '../../src/net/args.js';
import { netModule } from '../../src/net/module.js';

export const bridge = netModule('bridge', {
  schema: bridgeSchema,
  description:
    'A Linux bridge with ports (NICs, bonds, VLANs), made live with iproute2 and persisted in the backend files; the bridge for KVM or Xen guests. ' +
    'Addresses move to the bridge with inherit-free settings: give the bridge the address its port had (and confirm_address when that is the one tsplay uses).',
  examples: `- bridge:
    name: vlan16
    ports: [bond0.16]
    address: 192.0.2.10/24
    gateway: 192.0.2.1
- bridge: { name: vlan48, ports: [bond0.48], method: manual }`,
});

export default bridge;
