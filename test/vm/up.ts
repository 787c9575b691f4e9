/**
 * Boots the VM tier's guest by hand, for developing modules against a real kernel:
 *
 *   node --import tsx test/vm/up.ts          # as root; Ctrl-C (or SIGTERM) stops it
 *
 * Prints the inventory, known_hosts and an ssh command line, then waits. The guest dies with
 * this process whatever happens (qemu runs under PDEATHSIG).
 */
import { bootGuest, buildImage, stopGuest, vmSkipReason } from './guest.js';

const why = vmSkipReason();
if (why) {
  console.error(`cannot boot the guest: ${why}`);
  process.exit(1);
}
const image = await buildImage();
const guest = await bootGuest(image);
console.log(`guest up in ${guest.bootSeconds.toFixed(1)} s (accel ${guest.accel}, qemu PID ${guest.pid})
  run folder   ${guest.dir}
  console      ${guest.consoleLog}
  tsplay       node bin/tsplay.js run PLAYBOOK -i ${guest.inventory} --known-hosts ${guest.knownHosts}
  ssh          ssh -F /dev/null -o UserKnownHostsFile=${guest.knownHosts} -i ${guest.key} -p ${guest.port} root@127.0.0.1
Ctrl-C stops it.`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stopGuest(guest);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
