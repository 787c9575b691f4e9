/**
 * bond: a Linux bonding interface over one or more NICs, live (iproute2) and in the host's
 * network files; everything it shares with vlan and bridge is in src/net.
 */
import { bondSchema } from '../../src/net/args.js';
import { netModule } from '../../src/net/module.js';

export const bond = netModule('bond', {
  schema: bondSchema,
  description:
    'A bonding interface over NICs (failover or aggregation), made live with iproute2 and persisted in the files of the backend the host runs ' +
    '(ifupdown, systemd-networkd, NetworkManager or Red Hat ifcfg). Options left unset keep what the host has; a change the kernel cannot make in ' +
    'place (the mode) remakes the bond. A change that touches the interface tsplay is connected through is applied under an automatic rollback.',
  examples: `- bond:
    name: bond0
    slaves: [eth0, eth1]
    mode: active-backup
    miimon: 100
    inherit_address_from: eth0
- bond: { name: bond1, slaves: [eth2, eth3], mode: 802.3ad, lacp_rate: fast, xmit_hash_policy: layer3+4, method: manual }`,
});

export default bond;
