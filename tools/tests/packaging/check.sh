#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - packaging tests: `make install DESTDIR=...` produces the
# expected tree, DKMS builds gntdev.ko from it against the lab's kernel
# headers, and with our modprobe config kmod resolves the in-tree driver's
# name to ours (or, failing that, to the in-tree driver); then the Debian
# packages in a bookworm chroot (debs.sh, needs root).

set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
. "$top/tools/tests/lab/lab-lib.sh"
passed=0
failed=0

check()
{
	local what=$1
	shift
	if "$@" >/tmp/gntdev-pkg.log 2>&1; then
		echo "ok - $what"
		passed=$((passed + 1))
	else
		echo "not ok - $what"
		sed 's/^/    /' /tmp/gntdev-pkg.log
		failed=$((failed + 1))
	fi
}

command -v dkms >/dev/null ||
	DEBIAN_FRONTEND=noninteractive lab_apt install -y \
		--no-install-recommends dkms >/dev/null
LAB_QUIET=1 "$top/tools/tests/lab/fetch.sh"
# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"

version=$(cat "$top/VERSION")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root

check "make install DESTDIR" make -s -C "$top" install DESTDIR="$dest" \
	PREFIX=/usr
expected_tree()
{
	local f
	for f in usr/src/gntdev-$version/dkms.conf \
		usr/src/gntdev-$version/Kbuild \
		usr/src/gntdev-$version/gntdev-main.c \
		usr/src/gntdev-$version/gntdev-core.c \
		usr/src/gntdev-$version/include/xen/public/gntdev.h \
		etc/modprobe.d/gntdev.conf \
		usr/include/xen/public/gntdev.h \
		usr/include/xengnttab.h \
		usr/lib/libxengnttab.so.1.2 \
		usr/lib/libxengnttab.a \
		usr/lib/pkgconfig/xengnttab.pc \
		usr/share/man/man3/xengnttab_map_grant_refs.3 \
		usr/share/man/man3/xengntshr_share_pages.3 \
		usr/bin/gnttab \
		usr/share/man/man1/gnttab.1; do
		[ -s "$dest/$f" ] || { echo "missing $f"; return 1; }
	done
}
check "installed tree has the library, gnttab, headers, man pages, DKMS sources, modprobe config" \
	expected_tree
soname()
{
	[ -L "$dest/usr/lib/libxengnttab.so.1" ] &&
		objdump -p "$dest/usr/lib/libxengnttab.so.1.2" |
		grep -q 'SONAME *libxengnttab.so.1$'
}
check "libxengnttab.so.1 -> .so.1.2 with soname libxengnttab.so.1" soname

dkms_build()
{
	mkdir -p "$tmp/tree"
	dkms add --sourcetree "$dest/usr/src" --dkmstree "$tmp/tree" \
		-m gntdev -v "$version"
	dkms build --sourcetree "$dest/usr/src" --dkmstree "$tmp/tree" \
		-m gntdev -v "$version" -k "$KVER" --kernelsourcedir "$KDIR"
	ko=$(find "$tmp/tree" -name gntdev.ko | head -n 1)
	[ -n "$ko" ] || { echo "no gntdev.ko"; return 1; }
	modinfo -F vermagic "$ko" | grep -q "^$KVER "
}
check "dkms builds gntdev.ko for $KVER from the installed tree" dkms_build

modprobe_resolves()
{
	local out
	out=$(modprobe -n -v -C "$dest/etc/modprobe.d" -d "$KROOT" -S "$KVER" \
		xen-gntdev 2>&1)
	echo "$out"
	echo "$out" | grep -q '^install /sbin/modprobe gntdev || /sbin/modprobe --ignore-install xen-gntdev *$'
}
check "modprobe xen-gntdev loads gntdev instead, else the in-tree driver" \
	modprobe_resolves

# The Debian packages (make deb) in a bookworm chroot: debs.sh prints its
# own ok / not ok lines and counts here as one.
if "$top/tools/tests/packaging/debs.sh"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "packaging: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
