/** vlan: an 802.1Q VLAN interface on a NIC or a bond, live and persisted (see src/net). */
import { vlanSchema } from '../../src/net/args.js';
import { netModule } from '../../src/net/module.js';

export const vlan = netModule('vlan', {
  schema: vlanSchema,
  description:
    'An 802.1Q VLAN interface on a NIC or a bond, made live with iproute2 and persisted in the backend files. A new id or parent remakes the ' +
    'interface (the diff says replace); its addresses come back on the new one.',
  examples: `- vlan: { link: bond0, id: 16, method: manual }
- vlan:
    link: eth0
    id: 2
    address: 203.0.113.10/24
    gateway: 203.0.113.1`,
});

export default vlan;
