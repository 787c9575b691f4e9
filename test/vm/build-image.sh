#!/usr/bin/env bash
# Builds the Debian bookworm guest of the VM test tier, or reuses the cached one.
#
#   bash test/vm/build-image.sh        # as root; prints the image folder on its last line
#
# The guest is debootstrap'd (minbase + test/vm/packages.txt) from the Debian mirror apt is
# configured with, then the distribution kernel is installed into it with a small initramfs
# (MODULES=list: virtio + ext4). Out of it come, in /var/cache/tsplay-vm/<key>/:
#   rootfs.raw        raw ext4 image of / (booted read-only through a qcow2 overlay per run)
#   vmlinuz, initrd.img, cmdline
#   id_ed25519[.pub]  the client key root accepts (made here; root has no password)
#   ssh_host_ed25519_key.pub   the guest's only host key (made here), for known_hosts
#   manifest.json     kernel version, packages, build seconds
# <key> is a hash of packages.txt and this script, so editing either builds a new image and a
# second run with both unchanged only prints the folder. After a build, images of other keys
# unused for 10 minutes are removed.
# TSPLAY_VM_CACHE overrides the cache folder, TSPLAY_VM_MIRROR the Debian mirror.
set -euo pipefail
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
PKGS_FILE=$HERE/packages.txt
SUITE=bookworm
CACHE=${TSPLAY_VM_CACHE:-/var/cache/tsplay-vm}
IMAGE_SIZE=3G
# Host tools: qemu (the guest), qemu-img (overlays), debootstrap, mkfs.ext4 -d,
# ssh-keygen (keys), flock/setpriv/unshare (util-linux).
HOST_PKGS=(qemu-system-x86 qemu-utils debootstrap debian-archive-keyring e2fsprogs openssh-client util-linux)

log() { printf '[build-image] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Stage run inside a private mount namespace (see below): everything debootstrap and the
# kernel's maintainer scripts mount in the target vanishes with it, even on SIGKILL.
if [ "${1:-}" = __inner ]; then
  work=$2 mirror=$3
  root=$work/root
  mapfile -t base < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$PKGS_FILE" | grep -v -e '^$' -e '^kernel:')
  mapfile -t kernel < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$PKGS_FILE" | sed -n 's/^kernel://p')
  t=$SECONDS
  log "debootstrap $SUITE (minbase + ${#base[@]} packages) from $mirror"
  IFS=,
  debootstrap --variant=minbase --include="${base[*]}" "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 40 "$work/debootstrap.log" >&2; tail -n 40 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null || true; die "debootstrap failed"; }
  unset IFS
  log "debootstrap done in $((SECONDS - t)) s"

  # A small initramfs: only what finds and mounts / on virtio.
  mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/etc/initramfs-tools/hooks"
  printf 'MODULES=list\nCOMPRESS=gzip\n' >"$root/etc/initramfs-tools/conf.d/tsplay-vm.conf"
  cat >"$root/etc/initramfs-tools/hooks/tsplay-vm" <<'EOF'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
manual_add_modules virtio_pci virtio_blk virtio_net ext4 crc32c_generic
EOF
  chmod 755 "$root/etc/initramfs-tools/hooks/tsplay-vm"
  # aoetools' initramfs local-top script (for an AoE root) would DHCP on every NIC and load
  # aoe before / is mounted: 10+ s per boot, and NICs up before any test asked. A script of
  # the same name under /etc/initramfs-tools overrides it.
  mkdir -p "$root/etc/initramfs-tools/scripts/local-top"
  printf '#!/bin/sh\n# tsplay VM guest: no AoE root, so no network in the initramfs\n[ "$1" = prereqs ] && echo && exit 0\nexit 0\n' \
    >"$root/etc/initramfs-tools/scripts/local-top/aoe"
  chmod 755 "$root/etc/initramfs-tools/scripts/local-top/aoe"

  t=$SECONDS
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --bind /dev "$root/dev"
  # debootstrap wrote a sources.list for $mirror $SUITE main; it kept no package lists.
  chroot "$root" apt-get update -qq >"$work/kernel.log" 2>&1 || { cat "$work/kernel.log" >&2; die "apt-get update in the guest failed"; }
  chroot "$root" apt-get install -y -qq --no-install-recommends "${kernel[@]}" >>"$work/kernel.log" 2>&1 ||
    { tail -n 40 "$work/kernel.log" >&2; die "kernel install failed"; }
  umount "$root/dev" "$root/sys" "$root/proc"
  kver=$(basename "$(ls -d "$root"/lib/modules/*/ | sort -V | tail -n 1)")
  [ -f "$root/boot/vmlinuz-$kver" ] && [ -f "$root/boot/initrd.img-$kver" ] || die "no kernel/initrd for $kver in the guest"
  cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
  cp "$root/boot/initrd.img-$kver" "$work/initrd.img"
  log "kernel $kver and a $(($(stat -c %s "$work/initrd.img") / 1024)) KiB initramfs in $((SECONDS - t)) s"

  # --- The guest's configuration. ---
  echo tsplay-vm >"$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\ttsplay-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  printf '/dev/vda\t/\text4\trw,relatime,errors=remount-ro\t0\t1\n' >"$root/etc/fstab"
  # No name server: the management network (qemu user net, restrict=on) reaches nothing.
  rm -f "$root/etc/resolv.conf"
  printf '# tsplay VM guest: no name server on purpose\n' >"$root/etc/resolv.conf"
  # A fixed machine-id: no first-boot logic (presets) on every clean boot.
  printf '%s\n' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$root/etc/machine-id"
  # Management NIC eth0 (net.ifnames=0 on the command line): the address qemu's hostfwd targets.
  # eth1..eth4 stay unconfigured for the tests.
  mkdir -p "$root/etc/systemd/network"
  cat >"$root/etc/systemd/network/10-tsplay-mgmt.network" <<'EOF'
[Match]
Name=eth0

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
  chroot "$root" systemctl enable -q systemd-networkd.service
  # NetworkManager stays off (masked) until a test starts it for its backend; it never takes eth0
  # from networkd, and never invents a profile for a NIC.
  mkdir -p "$root/etc/NetworkManager/conf.d"
  printf '[main]\nno-auto-default=*\n\n[keyfile]\nunmanaged-devices=interface-name:eth0\n' >"$root/etc/NetworkManager/conf.d/tsplay-vm.conf"
  # Nothing that waits for a network or wakes up on a timer.
  # The dispatcher would run ifupdown's hooks (01-ifupdown: ifenslave, vlan) on the interfaces NetworkManager
  # brings up, and ifenslave's release the bond's ports every second: off, as on a host without ifupdown.
  for u in NetworkManager.service NetworkManager-dispatcher.service NetworkManager-wait-online.service systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer lvm2-monitor.service \
    getty@tty1.service getty-static.service systemd-timesyncd.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$u"
  done

  # SSH: one ed25519 host key and one client key, both made here; root logs in by key only.
  rm -f "$root"/etc/ssh/ssh_host_*
  ssh-keygen -q -t ed25519 -N '' -C root@tsplay-vm -f "$root/etc/ssh/ssh_host_ed25519_key"
  cp "$root/etc/ssh/ssh_host_ed25519_key.pub" "$work/ssh_host_ed25519_key.pub"
  ssh-keygen -q -t ed25519 -N '' -C tsplay-vm-client -f "$work/id_ed25519"
  install -d -m 700 "$root/root/.ssh"
  install -m 600 "$work/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
  cat >"$root/etc/ssh/sshd_config.d/tsplay-vm.conf" <<'EOF'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 100:30:200
MaxSessions 100
EOF
  chroot "$root" usermod -p '*' root

  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log "$root"/debootstrap
  # Kernel modules stay complete in the image (bonding, 8021q, dm-*, aoe, ...).

  t=$SECONDS
  truncate -s "$IMAGE_SIZE" "$work/rootfs.raw"
  mkfs.ext4 -q -F -L tsplay-root -E root_owner=0:0 -d "$root" "$work/rootfs.raw" >&2
  tune2fs -c 0 -i 0 "$work/rootfs.raw" >/dev/null
  log "rootfs.raw ($(du -m "$work/rootfs.raw" | cut -f1) MiB used of $IMAGE_SIZE) in $((SECONDS - t)) s"
  echo "root=/dev/vda rw console=ttyS0,115200 net.ifnames=0 biosdevname=0 fsck.mode=skip panic=-1 systemd.show_status=1" >"$work/cmdline"
  echo "$kver" >"$work/kernel-version"
  rm -rf "$root"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot)"
start=$SECONDS

key=$(cat "$PKGS_FILE" "$SELF" | sha256sum | cut -c1-16)
out=$CACHE/$key
if [ -f "$out/manifest.json" ]; then
  touch "$out/last-used" 2>/dev/null || true # keeps it from another checkout's pruning for a while
  log "cached image $out (reused, 0 s)"
  echo "$out"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
log "waiting for the build lock $CACHE/.lock"
flock 9
if [ -f "$out/manifest.json" ]; then # another process built it meanwhile
  log "cached image $out (built by another process)"
  echo "$out"
  exit 0
fi
rm -rf "$CACHE"/build.* # left by a build that was killed (we hold the lock)

need=()
for p in "${HOST_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  t=$SECONDS
  log "installing host packages: ${need[*]}"
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$CACHE/host-packages.log" 2>&1 ||
    { tail -n 30 "$CACHE/host-packages.log" >&2; die "apt-get install ${need[*]} failed"; }
  log "host packages in $((SECONDS - t)) s"
fi

# The Debian mirror apt is configured with (deb822 .sources first, then one-line lists).
mirror=${TSPLAY_VM_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(awk -v suite="$SUITE" '
    function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && comps ~ /(^| )main( |$)/ && uris != "" && !found) { split(uris, u, " "); print u[1]; found = 1 } types = suites = comps = uris = "" }
    FNR == 1 { flush() }
    /^[[:space:]]*$/ { flush(); next }
    /^Types:/ { sub(/^Types:[[:space:]]*/, ""); types = $0 }
    /^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
    /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
    /^Components:/ { sub(/^Components:[[:space:]]*/, ""); comps = $0 }
    END { flush() }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
fi
if [ -z "$mirror" ]; then
  mirror=$(awk -v suite="$SUITE" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == suite) { print $i; exit } }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || die "no Debian $SUITE mirror in /etc/apt/sources.list(.d); set TSPLAY_VM_MIRROR"

work=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
unshare --mount --propagation private -- bash "$SELF" __inner "$work" "$mirror"

secs=$((SECONDS - start))
kver=$(cat "$work/kernel-version")
pkgs=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e 's/^kernel://' "$PKGS_FILE" | grep -v '^$' | awk '{ printf "%s\"%s\"", (NR > 1 ? "," : ""), $0 }')
printf '{"key":"%s","suite":"%s","mirror":"%s","kernel":"%s","packages":[%s],"buildSeconds":%d,"builtAt":"%s"}\n' \
  "$key" "$SUITE" "$mirror" "$kver" "$pkgs" "$secs" "$(date -u +%FT%TZ)" >"$work/manifest.json"
chmod 755 "$work"
rm -rf "$out"
mv "$work" "$out"
trap - EXIT
touch "$out/last-used"
# Images of other keys go unless used in the last 10 minutes (another checkout may be about to
# boot one); a guest still running on one keeps its open file.
for d in "$CACHE"/*/; do
  d=${d%/}
  case $(basename "$d") in "$key" | build.*) continue ;; esac
  [ -f "$d/manifest.json" ] || continue
  [ -n "$(find "$d/last-used" "$d/manifest.json" -mmin -10 2>/dev/null)" ] && continue
  rm -rf "$d"
done
log "built $out in $secs s (kernel $kver)"
echo "$out"
