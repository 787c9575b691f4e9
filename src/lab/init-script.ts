/**
 * The shell script that becomes PID 1 of one lab host.
 *
 * It is started as `nsenter --net=/run/netns/NS unshare --uts --ipc --mount --pid --fork
 * --propagation private sh lab-init.sh NAME IP PREFIXLEN HOSTDIR MACHINE_ID`, so it already
 * runs in the host's network namespace and in fresh UTS, IPC, PID and (private) mount
 * namespaces. Everything it mounts exists only in that mount namespace: when the last process
 * of the host dies (killing this PID 1 kills them all) the kernel drops every mount with it,
 * so a crashed controller leaves no mount behind anywhere.
 *
 * Steps: hostname; addresses; record our PID as the controller sees it; a tmpfs holding the
 * overlay's upper and work dirs; overlay with the machine's / as the read-only lower layer;
 * fresh /run, /tmp, /dev (device nodes, a private devpts, /dev/shm), /proc (of the new PID
 * namespace; /proc/sys read-only except /proc/sys/net, which belongs to the host's network
 * namespace, so `sysctl -w vm.*` fails instead of changing the machine), /sys read-only (its
 * net class shows the host's interfaces); a fresh /root with stock dot files; the SSH material
 * copied into /run/tsplay-lab;
 * an empty tmpfs over the lab directory (the host cannot read the client key or other hosts'
 * keys); pivot_root into the overlay and lazily detach the machine's tree; start sshd; then stay
 * PID 1 forever, reaping orphans.
 */
export const INIT_SCRIPT = `# tsplay lab host init (PID 1 of the host's PID namespace). Args: NAME IP PREFIXLEN HOSTDIR MACHINE_ID
set -eu
name=$1 ip=$2 plen=$3 dir=$4 machine_id=$5
labdir=\${dir%/hosts/*}
# This mount namespace is a private copy of the machine's: drop its copies of the lab's
# /run/netns bind mounts, which would otherwise pin the other hosts' network namespaces.
umount -l -c -n /run/netns 2>/dev/null || :
hostname "$name"
ip -batch - <<EOF
link set lo up
addr replace $ip/$plen dev eth0
link set eth0 up
EOF
# /proc is still the machine's here, so /proc/self/stat holds our PID as the controller sees
# it. Written once the address is up: the controller probes port 22 only after this.
read -r mypid _ </proc/self/stat
echo "$mypid" >"$dir/init.pid"
s=$dir/stage
r=$s/root
mount -t tmpfs -o mode=755 tsplay-lab "$s"
mkdir "$s/upper" "$s/work" "$r"
mount -t overlay -o "lowerdir=/,upperdir=$s/upper,workdir=$s/work" tsplay-lab "$r"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$r/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/tmp"
mount -t tmpfs -o mode=755,nosuid tmpfs "$r/dev"
# Device nodes from the machine, and the fd/stdin/stdout/stderr/ptmx symlinks the controller made.
cp -a /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty "$labdir/devlinks/." "$r/dev/"
mkdir "$r/dev/pts" "$r/dev/shm" "$r/run/sshd" "$r/run/lock" "$r/run/tsplay-lab"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$r/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm"
# Without PAM, sshd refuses even key logins to a locked account ("!" password): unlock root
# on this host (only if needed; "*" means "no password" and is fine).
while IFS=: read -r user pass rest; do
  if [ "$user" = root ]; then
    case $pass in !*) sed -i 's/^root:![^:]*:/root:*:/' "$r/etc/shadow" ;; esac
    break
  fi
done <"$r/etc/shadow"
# A fresh root home (Debian's stock dot files): the machine's /root, with its shell setup and
# whatever it keeps, is not the hosts' business.
mount -t tmpfs -o mode=700 tsplay-root-home "$r/root"
cp -a "$labdir/roothome/." "$r/root/"
cp "$dir/sshd_config" "$dir/ssh_host_ed25519_key" "$dir/ssh_host_ed25519_key.pub" "$dir/authorized_keys" "$r/run/tsplay-lab/"
echo "$name" >"$r/etc/hostname"
echo "$machine_id" >"$r/etc/machine-id"
printf '127.0.0.1\\tlocalhost\\n127.0.1.1\\t%s\\n%s\\t%s\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n' "$name" "$ip" "$name" >"$r/etc/hosts"
mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
mount -o bind,ro "$r/proc/sys" "$r/proc/sys"
mount --bind "$r/proc/sys/net" "$r/proc/sys/net"
mount -o remount,bind,rw "$r/proc/sys/net"
if [ -e "$r/proc/sysrq-trigger" ]; then mount -o bind,ro "$r/proc/sysrq-trigger" "$r/proc/sysrq-trigger"; fi
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
# Hide the lab directory (client key, other hosts' keys) from the host.
if [ -d "$r$labdir" ]; then mount -t tmpfs -o size=16k,mode=755 tsplay-lab-hidden "$r$labdir"; fi
cd "$r"
pivot_root . .
umount -l -c -n .
cd /
/usr/sbin/sshd -D -e -f /run/tsplay-lab/sshd_config </dev/null &
trap '' HUP INT TERM QUIT USR1 USR2 PIPE
while :; do sleep infinity & wait $! || :; done
`;

/** sshd_config of one host: root by key only, on every address of the host, many sessions per connection. */
export function sshdConfig(version: [number, number] = [0, 0]): string {
  const [major, minor] = version;
  // OpenSSH 9.8+ penalises sources whose connections end before authentication (port probes,
  // host-key-mismatch tests); every lab connection comes from the bridge address: switch it off.
  const penalties = major > 9 || (major === 9 && minor >= 8) ? ['PerSourcePenalties no'] : [];
  return [
    `# tsplay lab host sshd (generated)`,
    // Every address of the host, as a real sshd listens: its own, its loopback (a ProxyJump
    // target), and one a network change moves it to (the network modules' confirm_address).
    `ListenAddress 0.0.0.0:22`,
    `HostKey /run/tsplay-lab/ssh_host_ed25519_key`,
    `PidFile /run/tsplay-lab/sshd.pid`,
    `PermitRootLogin prohibit-password`,
    `PubkeyAuthentication yes`,
    `PasswordAuthentication no`,
    `KbdInteractiveAuthentication no`,
    `HostbasedAuthentication no`,
    `AuthorizedKeysFile /run/tsplay-lab/authorized_keys .ssh/authorized_keys`,
    `UsePAM no`,
    `UseDNS no`,
    `MaxSessions 1000`,
    `MaxStartups 1000:30:2000`,
    `MaxAuthTries 10`,
    `LoginGraceTime 60`,
    `PrintMotd no`,
    `PrintLastLog no`,
    `X11Forwarding no`,
    `AcceptEnv LANG LC_*`,
    `Subsystem sftp internal-sftp`,
    ...penalties,
    '',
  ].join('\n');
}
