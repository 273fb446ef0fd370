#!/bin/sh
# refbox box shim: one per box, started by refbox as
#   unshare --mount --propagation private sh box-shim.sh CMD [ARGS...]
# so every mount below exists only in this box's private mount namespace. It brings the box's disk
# up (qcow2 -> qemu-storage-daemon FUSE export -> loop mount with discard), starts the box's main
# process in its own pid namespace chrooted into that disk, waits for it, and takes everything down.
# If this shim is SIGKILLed the kernel still releases everything: the storage daemon and the box get
# a parent-death signal, the namespace's mounts die with its last process, the loop device autoclears.
#
# Input (environment, set by refbox): REFBOX_BOX_DIR, REFBOX_QSD_FILE / REFBOX_QSD_MOUNT (the qcow2
# and disk.raw paths, escaped for qemu option syntax), REFBOX_TMP_SIZE, REFBOX_RESIZE (1 = grow the
# filesystem to the disk's virtual size first), REFBOX_COUNT_DISCARDS, and the knobs REFBOX_MOUNT_DISCARD,
# REFBOX_TMPFS, REFBOX_REFUSE_FULL, REFBOX_SHARE_ROOT that refbox's defect switches turn, and REFBOX_VOLUMES
# (src/refbox/volumes.ts shimVolumeLines: one line per volume, KIND RO SOURCE BOX_PATH, tab-separated). The command is "$@",
# never parsed by this script.
set -u
box=$REFBOX_BOX_DIR
raw=$box/disks/disk.raw
root=$box/root
run=$box/run
qsd_pid=
box_pid=

say() { echo "refbox-shim: $*"; }
# True while a child runs (kill -0 also succeeds on a child that exited but was not reaped yet).
alive() {
  st=$(cut -d')' -f2 < "/proc/$1/stat" 2>/dev/null) || return 1
  case "$st" in " Z"* | " X"* | "") return 1 ;; esac
}

teardown() {
  hold_disk
  # Volumes first, newest mount first (one may lie under another's box path).
  if [ -s "$run/volume-mounts" ]; then
    tac "$run/volume-mounts" | while IFS= read -r m; do
      if mountpoint -q "$m" 2>/dev/null; then umount "$m" 2>/dev/null || umount -l "$m"; fi
    done
  fi
  for m in "$root/proc" "$root/dev" "$root/tmp" "$root"; do
    if mountpoint -q "$m" 2>/dev/null; then umount "$m" 2>/dev/null || umount -l "$m"; fi
  done
  report_discards
  # SIGTERM makes the storage daemon flush the qcow2 and remove its FUSE export. Seen once under
  # load: a daemon that took the SIGTERM and never exited, pinning the namespace. So it gets 20 s,
  # then SIGKILL (the data was flushed by the unmount above; at worst the qcow2 leaks clusters).
  if [ -n "$qsd_pid" ]; then
    kill -TERM "$qsd_pid" 2>/dev/null
    i=0
    while alive "$qsd_pid" && [ "$i" -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    if alive "$qsd_pid"; then say "qemu-storage-daemon ignored SIGTERM for 20 s: killing it"; kill -KILL "$qsd_pid" 2>/dev/null; fi
    wait "$qsd_pid"
  fi
}

# Site coverage (REFBOX_COUNT_DISCARDS=1, see src/refbox/sites.ts): the discards the disk received
# while the box ran, and during the final unmount (which issues the last ones), into run/discards.
# A loop device's counters outlive its earlier users, hence the differences. An open descriptor on
# the loop device keeps it from autoclearing until the count is read; it closes with the shim.
disk_dev=
discards_at_start=
discards_at_stop=
discards() { awk '{print $12}' "/sys/block/$disk_dev/stat"; }
count_discards_from_here() {
  [ "${REFBOX_COUNT_DISCARDS:-0}" = 1 ] && [ -z "${REFBOX_SHARE_ROOT:-}" ] || return 0
  disk_dev=$(basename "$(readlink -f "/sys/dev/block/$(tr -d " " < "$run/rootdev")")")
  discards_at_start=$(discards) || disk_dev=
}
hold_disk() {
  [ -n "$disk_dev" ] || return 0
  command exec 9<"/dev/$disk_dev" 2>/dev/null || disk_dev= # `command`: a failed redirection must not end the shim
  discards_at_stop=$(discards) || disk_dev=
}
report_discards() {
  [ -n "$disk_dev" ] || return 0
  echo "running=$((discards_at_stop - discards_at_start)) unmount=$(($(discards) - discards_at_stop))" > "$run/discards"
  exec 9<&-
  disk_dev=
}

fail() {
  say "error: $*"
  # Written aside and renamed: refbox takes the file's appearance as the end of the boot, and must never
  # read it created but still empty (a start then failed with no reason, seen once under load).
  printf '%s\n' "$*" > "$run/failed.tmp" && mv -f "$run/failed.tmp" "$run/failed"
  if [ -n "$box_pid" ]; then kill -KILL "$box_pid" 2>/dev/null; wait "$box_pid"; fi
  teardown
  exit 1
}

trap 'if [ -n "$box_pid" ]; then kill -KILL "$box_pid" 2>/dev/null; else teardown; exit 1; fi' TERM INT HUP

mkdir -p "$run" "$root" || fail "cannot create $run"

if [ -n "${REFBOX_SHARE_ROOT:-}" ]; then
  # Started inside a peer box's mount namespace: reuse its mounted disk.
  mount --bind "$REFBOX_SHARE_ROOT" "$root" || fail "cannot bind the shared rootfs"
else
  : > "$raw" || fail "cannot create $raw" # the FUSE export's mount point must be a regular file
  setpriv --pdeathsig TERM -- qemu-storage-daemon \
    --blockdev "driver=file,filename=$REFBOX_QSD_FILE,node-name=f,discard=unmap" \
    --blockdev "driver=qcow2,file=f,node-name=q,discard=unmap" \
    --export "type=fuse,id=e,node-name=q,mountpoint=$REFBOX_QSD_MOUNT,writable=on" &
  qsd_pid=$!
  echo "$qsd_pid" > "$run/qsd.pid"
  i=0
  until findmnt -n --mountpoint "$raw" >/dev/null 2>&1; do
    alive "$qsd_pid" || { wait "$qsd_pid"; qsd_pid=; fail "qemu-storage-daemon exited before exporting the disk"; }
    i=$((i + 1))
    [ "$i" -le 400 ] || fail "timed out waiting for the disk's FUSE export"
    sleep 0.05
  done
  if [ "${REFBOX_RESIZE:-0}" = 1 ]; then
    resize2fs -f "$raw" >"$run/resize.log" 2>&1 || fail "resize2fs failed: $(tail -n 1 "$run/resize.log")"
    : > "$run/resized"
  fi
  # The kernel's clock before the mount: `refbox logs` shows the loop device's messages from then on.
  cut -d' ' -f1 /proc/uptime > "$run/boot-uptime"
  mount -o "loop,noatime,${REFBOX_MOUNT_DISCARD:-discard}" "$raw" "$root" || fail "cannot loop-mount the box disk"
  findmnt -n -o SOURCE --mountpoint "$root" > "$run/loopdev" || fail "cannot read the box disk's loop device"
fi

# The image decides what these are; a symlink here would send the mounts below out of the box.
for d in tmp dev proc; do
  [ -L "$root/$d" ] && fail "the image's /$d is a symlink"
  mkdir -p "$root/$d" || fail "cannot create /$d in the box"
done
if [ "${REFBOX_TMPFS:-1}" = 1 ]; then
  mount -t tmpfs -o "nosuid,nodev,mode=1777,size=${REFBOX_TMP_SIZE:-64m}" tmpfs "$root/tmp" || fail "cannot mount /tmp"
fi
# A minimal /dev of its own: never the host's.
mount -t tmpfs -o nosuid,noexec,mode=755,size=64k tmpfs "$root/dev" || fail "cannot mount /dev"
mkdev() { mknod -m 666 "$root/dev/$1" c "$2" "$3" || fail "cannot create /dev/$1"; }
mkdev null 1 3; mkdev zero 1 5; mkdev full 1 7; mkdev random 1 8; mkdev urandom 1 9

# The box path of a volume, made in the box's disk one component at a time. A symlink on the way (the
# image's, or the box's own) would send the mount out of the box onto the host, so it is refused.
# $2 = file: the last component is a file (a single-file volume), else a directory.
volume_target() (
  shape=$2
  p=$root
  IFS=/
  set -f
  set -- $1
  n=$#
  i=0
  for c in "$@"; do
    i=$((i + 1))
    [ -n "$c" ] || continue
    p=$p/$c
    [ -L "$p" ] && exit 1
    if [ ! -e "$p" ]; then
      if [ "$i" -eq "$n" ] && [ "$shape" = file ]; then : > "$p" || exit 1; else mkdir "$p" || exit 1; fi
    fi
  done
  printf '%s\n' "$p"
)
tab=$(printf '\t')
if [ -n "${REFBOX_VOLUMES:-}" ]; then
  printf '%s\n' "$REFBOX_VOLUMES" > "$run/volumes"
  : > "$run/volume-mounts"
  while IFS=$tab read -r kind ro src guest; do
    shape=dir
    [ "$kind" = bind ] && [ -f "$src" ] && shape=file
    target=$(volume_target "$guest" "$shape") || fail "cannot make the volume's box path $guest (a symlink, or no room)"
    case "$kind" in
      bind)
        mount --bind "$src" "$target" || fail "cannot mount the volume $src on $guest"
        echo "$target" >> "$run/volume-mounts"
        if [ "$ro" = 1 ]; then
          mount -o remount,bind,ro "$target" || fail "cannot make the volume on $guest read-only"
        fi
        ;;
      image)
        opts=loop,noatime
        [ "$ro" = 1 ] && opts=$opts,ro
        mount -t ext4 -o "$opts" "$src" "$target" || fail "cannot mount the sized volume $src on $guest"
        echo "$target" >> "$run/volume-mounts"
        ;;
      dir) ;;
      *) fail "unknown volume kind $kind" ;;
    esac
  done < "$run/volumes"
fi

if [ "${REFBOX_REFUSE_FULL:-0}" = 1 ]; then
  avail=$(df --output=avail -k "$root" | tail -n 1)
  [ "$avail" -ge 1024 ] || fail "rootfs is full (${avail} KiB free): refusing to start the box"
fi

findmnt -n -o MAJ:MIN --mountpoint "$root" > "$run/rootdev" || fail "cannot read the box disk's device"
count_discards_from_here
want=$(stat -L -c '%d:%i' "$root")

# The box: pid 1 of a new pid namespace, /proc of its own, chrooted into the disk, with a clean
# environment. The parent-death signal takes it down if this shim dies; --kill-child does the same
# for its child.
setpriv --pdeathsig KILL -- unshare --pid --fork --kill-child sh -c '
  mount -t proc -o nosuid,nodev,noexec proc "$0/proc" &&
  exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root chroot "$0" "$@"' "$root" "$@" &
box_pid=$!
echo "$box_pid" > "$run/unshare.pid"

# Ready once the box's pid 1 (unshare's child) has its root on the box disk.
main=
i=0
while :; do
  alive "$box_pid" || break
  if [ -z "$main" ]; then
    main=$(cat /proc/"$box_pid"/task/*/children 2>/dev/null)
    main=${main%% *}
  fi
  if [ -n "$main" ] && [ "$(stat -L -c '%d:%i' "/proc/$main/root" 2>/dev/null)" = "$want" ]; then
    echo "$main" > "$run/main.pid"
    : > "$run/ready"
    say "box started: pid $main"
    break
  fi
  i=$((i + 1))
  [ "$i" -le 1000 ] || fail "timed out waiting for the box's main process"
  sleep 0.01
done

code=
while [ -z "$code" ]; do
  wait "$box_pid"
  rc=$?
  kill -0 "$box_pid" 2>/dev/null || code=$rc # still there: wait was interrupted by a signal
done
say "box exited: $code"
box_pid=
teardown
echo "$code" > "$box/exit"
