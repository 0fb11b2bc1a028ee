#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh - install the driver's DKMS source tree and modprobe config.
#
#   packaging/install.sh [DESTDIR]
#
# Writes $DESTDIR/usr/src/gntdev-$VERSION (sources + dkms.conf) and
# $DESTDIR/etc/modprobe.d/gntdev.conf.  On a real host, follow with
#   dkms install -m gntdev -v $VERSION
# (see README, "Install on a real Xen host").

set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
destdir=${1:-}
version=$(cat "$top/VERSION")
src=$destdir/usr/src/gntdev-$version

rm -rf "$src"
install -d "$src/include/xen/public" "$destdir/etc/modprobe.d"
install -m 0644 "$top"/drivers/xen/gntdev/*.[ch] \
	"$top/drivers/xen/gntdev/Kbuild" "$src/"
install -m 0644 "$top/include/xen/public/gntdev.h" "$src/include/xen/public/"
sed "s/@VERSION@/$version/" "$top/packaging/dkms.conf.in" >"$src/dkms.conf"
install -m 0644 "$top/packaging/gntdev-modprobe.conf" \
	"$destdir/etc/modprobe.d/gntdev.conf"
echo "installed $src and $destdir/etc/modprobe.d/gntdev.conf"
