#!/usr/bin/env bash
# npm run test:vm: boots Debian's generic 6.1 kernel under qemu (TCG) and runs test/vm/*.vmtest.ts inside it,
# because the kprobe/fentry paths need a kernel with CONFIG_KPROBES and this machine's has none.
#
#   bash test/vm/run-in-vm.sh              run the VM test suite (exit status = the suite's)
#   bash test/vm/run-in-vm.sh CMD ARGS...  run CMD in the guest, in the current directory (debugging)
#
# The guest sees the host's / read-only (9p, under a tmpfs overlay, so writes outside the cwd vanish) and
# the cwd read-write. stdout/stderr come back over virtio-serial; stdin is /dev/null; there is no network.
# When the VM cannot run here (not x86_64, not root, no qemu and no way to install it, no route to the
# Debian archive on the first run), it prints `test:vm: SKIP: <reason>` and exits 0.
#
# Exit codes besides the command's own: 124 timeout, 125 the guest never reported a status.
# Environment: VMTEST_CACHE (default /var/cache/scry-vmtest), VMTEST_TIMEOUT (seconds for qemu, default 600: TCG on a busy 2-CPU host took over 150),
# VMTEST_TIMING=1 (phase timings on stderr), VMTEST_KEEP=1 (keep the run dir with the guest console log).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VMTEST_CACHE:-/var/cache/scry-vmtest}
timeout_s=${VMTEST_TIMEOUT:-600}
t0=$(date +%s.%N)

skip() {
  rm -rf "$cache/tmp"
  echo "test:vm: SKIP: $*"
  exit 0
}
die() {
  echo "test:vm: $*" >&2
  exit 1
}
elapsed() { echo "$(date +%s.%N) $t0" | awk '{ printf "%.2f", $1 - $2 }'; }
timing() { if [[ ${VMTEST_TIMING:-} ]]; then echo "test:vm: [$(elapsed) s] $*" >&2; fi; }

[[ $(uname -m) == x86_64 ]] || skip "needs an x86_64 host, this is $(uname -m)"
[[ $(id -u) == 0 ]] || skip "needs root (to install qemu, fill $cache and share files with the guest as root)"

if [[ $# -eq 0 ]]; then
  cwd=$repo
  for f in node_modules/uvu/bin.js node_modules/tsx dist/scry.cjs build/Release/scry_native.node; do
    [[ -e $repo/$f ]] || die "$repo/$f is missing: run npm install (and npm run build) first"
  done
  set -- node --import tsx node_modules/uvu/bin.js test/vm '\.vmtest\.ts$'
else
  cwd=$PWD
fi
[[ $cwd != / ]] || die "run it from a directory other than / (the cwd is shared read-write)"

# --- apt, used only for what is missing ----------------------------------------------------------------
apt_log=$(mktemp)
apt_updated=
# Fail fast without a network (apt's defaults retry with back-off and wait 120 s for a connection), and
# wait for another apt/dpkg to finish rather than fail on its lock.
apt_opts=(-o Acquire::Retries=1 -o Acquire::http::Timeout=15 -o Acquire::https::Timeout=15 -o DPkg::Lock::Timeout=120)
apt_update() {
  [[ -z $apt_updated ]] || return 0
  apt_updated=1
  timing "apt-get update"
  apt-get "${apt_opts[@]}" update >>"$apt_log" 2>&1
}
# Retries once after apt-get update: the package lists may be missing or name files the archive dropped.
apt_retry() {
  "$@" >>"$apt_log" 2>&1 && return 0
  [[ -z $apt_updated ]] || return 1
  apt_update || return 1
  "$@" >>"$apt_log" 2>&1
}
apt_install() {
  command -v apt-get >/dev/null || return 1
  timing "apt-get install $*"
  apt_retry env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends "$@"
}
apt_tail() { grep -v '^\s*$' "$apt_log" | tail -n 1 | tr -s ' \t' ' '; }

if ! command -v qemu-system-x86_64 >/dev/null; then
  command -v apt-get >/dev/null || skip "qemu-system-x86_64 is missing and there is no apt-get to install it"
  apt_install qemu-system-x86 || skip "qemu-system-x86_64 is missing and apt-get install qemu-system-x86 failed: $(apt_tail)"
fi

# --- the cache: kernel, modules, busybox, initramfs (built once, under a lock) -----------------------------
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9

# Modules the initramfs loads (when the kernel has them as modules): PCI virtio, the serial ports, 9p, overlay.
want_modules="virtio_pci virtio_console 9pnet_virtio 9p overlay"

# newest_kernel: the newest linux-image-6.1.0-N-amd64-unsigned in apt's lists (the generic flavour:
# the cloud one has no 9p).
newest_kernel() {
  apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' 2>/dev/null |
    awk '{ print $1 }' | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | sort -V | tail -n 1 || true
}

# download PKG DIR: apt-get download into DIR; after a failure, updates the lists once and retries.
download() {
  local back=$PWD rc=0
  cd "$2"
  apt_retry apt-get "${apt_opts[@]}" -o APT::Sandbox::User=root download "$1" || rc=$?
  cd "$back"
  return $rc
}

# modinfo_field KO FIELD: a field of the module's .modinfo section (depends=a,b → a,b).
modinfo_field() { tr '\0' '\n' <"$1" | sed -n "s/^$2=//p" | head -n 1; }

prepare_kernel() {
  local work=$cache/tmp pkg ver root kdir mods
  command -v apt-get >/dev/null || skip "no guest kernel in $cache and no apt-get to download one"
  command -v xz >/dev/null || apt_install xz-utils || skip "xz is missing and apt-get install xz-utils failed: $(apt_tail)"
  rm -rf "$work"
  mkdir -p "$work"
  pkg=$(newest_kernel)
  if [[ -z $pkg ]]; then
    apt_update || true
    pkg=$(newest_kernel)
  fi
  [[ -n $pkg ]] || skip "apt knows no linux-image-6.1.0-*-amd64-unsigned package (is this Debian 12?)"
  timing "downloading $pkg"
  if ! download "$pkg" "$work"; then
    pkg=$(newest_kernel) # the lists changed: the newest may be another
    download "$pkg" "$work" || skip "cannot download $pkg from the Debian archive: $(apt_tail)"
  fi
  ver=${pkg#linux-image-}
  ver=${ver%-unsigned}
  timing "unpacking $pkg"
  root=$work/root
  dpkg-deb -x "$work"/"$pkg"_*.deb "$root"
  kdir=$cache/kernel/$ver
  rm -rf "$kdir"
  mkdir -p "$kdir/modules"
  cp "$root/boot/config-$ver" "$kdir/config"
  # The bzImage is XZ-compressed; booting the plain vmlinux via PVH saves ~2.5 s of decompression under
  # TCG. busybox's xz cannot unpack it (BCJ filter), xz-utils can. tail dies of SIGPIPE: ignore that.
  local z=$root/boot/vmlinuz-$ver off
  off=$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$z" | head -n 1 | cut -d: -f1 || true)
  [[ -n $off ]] || die "no XZ stream in $z"
  { tail -c +$((off + 1)) "$z" || true; } | xz -dc --single-stream >"$kdir/vmlinux"
  # The modules the initramfs needs, with their dependencies, in load order (dependencies first).
  mods=$root/lib/modules/$ver
  local order=() seen=" "
  add_module() {
    local name=$1 file dep
    [[ $seen == *" $name "* ]] && return 0
    seen+="$name "
    file=$(find "$mods/kernel" -name "$name.ko" -o -name "$name.ko.xz" -o -name "${name//_/-}.ko" -o -name "${name//_/-}.ko.xz" | head -n 1)
    if [[ -z $file ]]; then
      grep -qE "/(${name}|${name//_/-})\.ko$" "$mods/modules.builtin" || die "$pkg has no module $name, built in or not"
      return 0
    fi
    if [[ $file == *.xz ]]; then
      xz -dc "$file" >"$kdir/modules/$name.ko"
    else
      cp "$file" "$kdir/modules/$name.ko"
    fi
    for dep in $(modinfo_field "$kdir/modules/$name.ko" depends | tr ',' ' '); do add_module "$dep"; done
    order+=("$name.ko")
  }
  for m in $want_modules; do add_module "$m"; done
  printf '%s\n' "${order[@]}" >"$kdir/modules/order"
  echo "$pkg" >"$kdir/package"
  echo "$want_modules" >"$kdir/ready"
  rm -rf "$work"
}

prepare_busybox() {
  local work=$cache/tmp
  command -v apt-get >/dev/null || skip "no busybox in $cache and no apt-get to download busybox-static"
  rm -rf "$work"
  mkdir -p "$work"
  timing "downloading busybox-static"
  download busybox-static "$work" || skip "cannot download busybox-static from the Debian archive: $(apt_tail)"
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/root"
  cp "$work/root/bin/busybox" "$cache/busybox.new"
  mv "$cache/busybox.new" "$cache/busybox"
  rm -rf "$work"
}

# The newest kernel prepared with today's module list (a ready file holds the list it was prepared with).
cached_kernel() {
  local r
  for r in $(ls -d "$cache"/kernel/*/ready 2>/dev/null | sort -rV); do
    [[ $(cat "$r") == "$want_modules" ]] && dirname "$r" && return 0
  done
  return 0
}
kdir=$(cached_kernel)
if [[ -z $kdir ]]; then
  prepare_kernel
  kdir=$(cached_kernel)
fi
[[ -x $cache/busybox ]] || prepare_busybox

# The initramfs: static busybox, /init and the modules. Named by a hash of its inputs, so editing init.sh
# rebuilds it.
hash=$(cat "$here/init.sh" "$kdir/modules/order" "$kdir/package" "$cache/busybox" | sha256sum | cut -c1-16)
initrd=$cache/initramfs-$hash.cpio
if [[ ! -e $initrd ]]; then
  timing "building the initramfs"
  stage=$cache/tmp/initramfs
  rm -rf "$stage"
  mkdir -p "$stage/bin" "$stage/modules"
  cp "$cache/busybox" "$stage/bin/busybox"
  cp "$here/init.sh" "$stage/init"
  chmod 755 "$stage/init"
  cp "$kdir/modules/"* "$stage/modules/"
  rm -f "$cache"/initramfs-*.cpio
  (cd "$stage" && find . | "$cache/busybox" cpio -o -H newc >"$initrd.new" 2>/dev/null)
  mv "$initrd.new" "$initrd"
  rm -rf "$cache/tmp"
fi
flock -u 9
prepared=$(elapsed)
timing "prepared $(cat "$kdir/package")"

# --- one run ----------------------------------------------------------------------------------------------
run=$(mktemp -d /tmp/scry-vmtest.XXXXXX)
qemu_pid=
cleanup() {
  [[ -z $qemu_pid ]] || kill "$qemu_pid" 2>/dev/null || true
  rm -f "$apt_log"
  if [[ ${VMTEST_KEEP:-} ]]; then echo "test:vm: run dir kept: $run" >&2; else rm -rf "$run"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$run/ctl"
printf '%s' "$cwd" >"$run/ctl/cwd"

# run.sh re-creates the caller's exported environment, then cd's and execs the argv, all quoted for sh.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
  echo '# written by run-in-vm.sh'
  while IFS= read -r name; do
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    case $name in TMPDIR | PWD | OLDPWD | SHLVL | _) continue ;; esac
    echo "export $name=$(q "${!name}")"
  done < <(compgen -e)
  echo 'export VMTEST_GUEST=1 TMPDIR=/tmp'
  echo "cd $(q "$cwd") || exit 125"
  printf 'exec'
  for a in "$@"; do printf ' %s' "$(q "$a")"; done
  echo
} >"$run/ctl/run.sh"

mkfifo "$run/out" "$run/err"
cat "$run/out" &
pump_out=$!
cat "$run/err" >&2 &
pump_err=$!

timing "starting qemu"
set +e
timeout -k 5 "$timeout_s" qemu-system-x86_64 \
  -nodefaults -no-user-config -display none -no-reboot \
  -accel tcg,thread=multi -cpu max -smp 2 -m 2G \
  -kernel "$kdir/vmlinux" -initrd "$initrd" \
  -append "console=ttyS0 quiet panic=-1 mitigations=off random.trust_cpu=on i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd" \
  -serial "file:$run/console.log" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$run/ctl,mount_tag=ctl,security_model=none" \
  -virtfs "local,path=${cwd//,/,,},mount_tag=cwd,security_model=passthrough,multidevs=remap" \
  -device virtio-serial-pci,id=vser \
  -chardev "file,id=out,path=$run/out" -device virtserialport,bus=vser.0,chardev=out,name=vmtest.out \
  -chardev "file,id=err,path=$run/err" -device virtserialport,bus=vser.0,chardev=err,name=vmtest.err \
  </dev/null &
qemu_pid=$!
wait "$qemu_pid"
qemu_status=$?
qemu_pid=
set -e
# A FIFO qemu never opened still blocks its reader: an O_RDWR open lets it see EOF.
exec 3<>"$run/out" 4<>"$run/err"
exec 3>&- 4>&-
wait "$pump_out" "$pump_err" || true

for mark in booted started; do
  # the guest writes these files over 9p: their host mtimes say when
  if [[ -e $run/ctl/$mark ]]; then timing "guest $mark at $(date -r "$run/ctl/$mark" +%s.%N | awk -v t="$t0" '{ printf "%.2f", $1 - t }') s"; fi
done
timing "qemu exited ($qemu_status)"
if [[ $qemu_status -eq 124 ]]; then
  echo "test:vm: the guest did not finish within ${timeout_s} s; the end of its console:" >&2
  tail -n 30 "$run/console.log" >&2 || true
  exit 124
fi
if [[ ! -s $run/ctl/status ]]; then
  echo "test:vm: the guest reported no status (qemu exit $qemu_status); the end of its console:" >&2
  tail -n 30 "$run/console.log" >&2 || true
  exit 125
fi
status=$(cat "$run/ctl/status")
echo "test:vm: $(cat "$kdir/package") under qemu TCG: exit $status after $(elapsed) s (prepared in $prepared s)" >&2
exit "$status"
