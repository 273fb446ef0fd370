#!/usr/bin/env bash
# Installs what refbox and the suite need on a Debian 12 host, only when something is missing.
# Safe to run again: it does nothing on a host that already has everything.
#
#   bash scripts/setup.sh [--with-browser] [--no-npm]
#     --with-browser  also Debian's chromium, which only the report check (npm run test:report) uses
#     --no-npm        system packages only: install node_modules yourself, with the Node you chose
set -euo pipefail

with_browser=0
with_npm=1
for arg in "$@"; do
  case "$arg" in
    --with-browser) with_browser=1 ;;
    --no-npm) with_npm=0 ;;
    *) echo "setup: unknown option $arg (use --with-browser, --no-npm)" >&2; exit 2 ;;
  esac
done

# qemu-storage-daemon + qemu-img: the qcow2 overlay; busybox-static: the offline test image;
# e2fsprogs: mkfs/resize2fs; util-linux: unshare/nsenter/losetup; fuse3: the FUSE export.
packages=(qemu-system-common qemu-utils busybox-static e2fsprogs util-linux fuse3 zstd)
[ "$with_browser" = 1 ] && packages+=(chromium)
need_apt=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$p")
done

if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${need_apt[*]}; run as root or: sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ "$with_npm" = 1 ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
echo "setup: ready"
