#!/bin/busybox sh
# PID 1 of the scry test VM (busybox, from the initramfs that run-in-vm.sh builds). It mounts the host's /
# (9p, read-only) under a tmpfs overlay, the kernel's pseudo filesystems and the host cwd (9p, read-write),
# runs /run/vmtest/run.sh chrooted with stdout/stderr pumped to the virtio ports, writes the exit status
# to the control share and powers off.
/bin/busybox mkdir -p /bin /proc /sys /dev /ctl /lower /rw /newroot
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
  echo "vmtest init: $*" >/dev/console
  sync
  reboot -f
  sleep 10
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do
  insmod "/modules/$m" || fail "insmod $m failed"
done </modules/order

# msize: 9p's default 8 KiB messages make every read of node's files a crawl; 512000 is virtio's most.
p9=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$p9" ctl /ctl || fail "cannot mount the control share"
echo >/ctl/booted
mount -t 9p -o "$p9,ro,cache=loose" hostroot /lower || fail "cannot mount the host root"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "cannot mount the overlay"

r=/newroot
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts devpts $r/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $r/tmp
mount -t tmpfs -o mode=0755 tmpfs $r/run
mount -t tracefs tracefs $r/sys/kernel/tracing
mount -t debugfs debugfs $r/sys/kernel/debug
mount -t bpf bpf $r/sys/fs/bpf
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup
mkdir -p $r/run/vmtest
mount --bind /ctl $r/run/vmtest
cwd=$(cat /ctl/cwd)
mkdir -p "$r$cwd"
mount -t 9p -o "$p9,cache=mmap" cwd "$r$cwd" || fail "cannot mount the cwd share at $cwd"

# The command writes into FIFOs, so it sees pipes (not a char device); cat copies them to the ports.
for p in /sys/class/virtio-ports/*; do
  case $(cat "$p/name") in
    vmtest.out) out=/dev/${p##*/} ;;
    vmtest.err) err=/dev/${p##*/} ;;
  esac
done
[ -n "$out" ] && [ -n "$err" ] || fail "virtio ports vmtest.out/vmtest.err not found"
mkfifo /out /err
cat /out >"$out" &
pump_out=$!
cat /err >"$err" &
pump_err=$!

echo >/ctl/started
# A background job plus wait: as a foreground job, ash would print "Killed" into the command's stderr.
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin chroot $r /bin/sh /run/vmtest/run.sh </dev/null >/out 2>/err &
wait $!
status=$?

# Give the pumps 2 s to drain (a background job of the command may still hold the FIFOs open).
i=0
while [ $i -lt 20 ] && { kill -0 $pump_out 2>/dev/null || kill -0 $pump_err 2>/dev/null; }; do
  sleep 0.1
  i=$((i + 1))
done
echo $status >/ctl/status
sync
reboot -f
