#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debs.sh - the Debian packages (make deb) on a bookworm system: in a
# chroot of Debian's bookworm with xen-utils (xenstored) and libxen-dev,
# installing libxengnttab1-gntdev makes the loader resolve
# libxengnttab.so.1 to our build, removing it gives Debian's back, and
# gntdev-dkms builds gntdev.ko for the kernel that has headers and reports
# the kernels that have none, without failing the installation.  The
# packages, bookworm's and trixie's, are also held to lintian.
#
# The chroot (minbase, xen-utils-4.17, libxen-dev, dkms, the lab's kernel
# headers) is made once by chroot.sh in $LAB_CACHE/chroot-bookworm, from
# the host's apt sources; each run works in an overlay on it and throws
# that away.
# Run by check.sh (make check-packaging); needs root.  VERBOSE=1 shows
# what each passing check saw too.

set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
. "$top/tools/tests/lab/lab-lib.sh"
passed=0
failed=0
log=$(mktemp)
work=$(mktemp -d)
root=$work/root
ma=x86_64-linux-gnu
lib=/usr/lib/$ma/libxengnttab.so.1
xenstored=/usr/lib/xen-4.17/bin/xenstored

check()
{
	local what=$1 t0=$SECONDS
	shift
	if "$@" >"$log" 2>&1; then
		echo "ok - $what ($((SECONDS - t0)) s)"
		[ -z "${VERBOSE:-}" ] || sed 's/^/    /' "$log"
		passed=$((passed + 1))
	else
		echo "not ok - $what"
		sed 's/^/    /' "$log"
		failed=$((failed + 1))
	fi
}

cleanup()
{
	local m
	for m in "$root/proc" "$root/dev" "$root"; do
		mountpoint -q "$m" && umount -l "$m"
	done
	# --one-file-system: never into a bind mount left behind.
	rm -rf --one-file-system "$work" "$log"
}
trap cleanup EXIT

# A throw-away view of the chroot: an overlay, with /dev and /proc.
enter_overlay()
{
	mkdir -p "$root" "$work/upper" "$work/wd"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$work/upper,workdir=$work/wd" "$root"
	mount --bind /dev "$root/dev"
	mount -t proc proc "$root/proc"
	mkdir -p "$root/tmp/debs"
	cp "$top"/build/deb/*.deb "$root/tmp/debs/"
}

in_root()
{
	nice -n 10 chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
}

deb_of()
{
	echo "/tmp/debs/${1}_$(cat "$top/VERSION")_$2.deb"
}

build_id()
{
	in_root readelf -n "$1" | awk '/Build ID/ { print $3 }'
}

# Build IDs of the file the loader picks for xenstored, and of the one
# entry ld.so.cache has for the soname.
loader_ids()
{
	local path entries
	path=$(in_root ldd "$xenstored" | awk '$1 == "libxengnttab.so.1" { print $3 }')
	entries=$(in_root ldconfig -p | awk '$1 == "libxengnttab.so.1" { print $NF }')
	[ "$(echo "$entries" | wc -l)" -eq 1 ] || {
		echo "ld.so.cache: $entries"
		return 1
	}
	echo "$(build_id "$path") $(build_id "$entries")"
}

resolves_to()
{
	local want=$1 got
	got=$(loader_ids) || return 1
	echo "ldd xenstored, ldconfig -p: $got (want $want $want)"
	[ "$got" = "$want $want" ]
}

ours_id()
{
	local x=$work/ours
	mkdir -p "$x"
	dpkg-deb -x "$root$(deb_of libxengnttab1-gntdev amd64)" "$x"
	readelf -n "$x/usr/lib/$ma/libxengnttab.so.1.2" | awk '/Build ID/ { print $3 }'
}

installed()
{
	local p
	for p; do
		in_root dpkg-query -W -f '${Package} ${Status}\n' "$p" |
			grep -q ' install ok installed$' || {
			echo "$p is not configured"
			return 1
		}
	done
	# Nothing half-installed or with broken dependencies.
	[ -z "$(in_root dpkg --audit)" ] && in_root apt-get check -q
}

install_lib()
{
	in_root dpkg -i "$(deb_of libxengnttab1-gntdev amd64)" \
		"$(deb_of gnttab amd64)" "$(deb_of libxengnttab-gntdev-dev amd64)" &&
		installed libxengnttab1-gntdev gnttab libxengnttab-gntdev-dev \
			libxengnttab1 libxen-dev xen-utils-4.17 &&
		in_root dpkg-divert --list | grep -c gntdev | grep -qx 6 &&
		[ "$(build_id "/usr/lib/$ma/gntdev-diverted/libxengnttab.so.1.2")" = "$debian" ]
}

# The header is ours (libxen-dev's diverted), and gnttab runs on ours.
dev_is_ours()
{
	cmp "$root/usr/include/xengnttab.h" \
		"$top/tools/libgnttab/include/xengnttab.h" &&
		in_root dpkg -S /usr/include/xengnttab.h |
		grep -q '^diversion by libxengnttab-gntdev-dev' &&
		in_root gnttab --version | grep -q "$(cat "$top/VERSION")"
}

remove_lib()
{
	in_root dpkg -r libxengnttab-gntdev-dev gnttab libxengnttab1-gntdev &&
		installed libxengnttab1 libxen-dev xen-utils-4.17 &&
		! in_root dpkg-divert --list | grep gntdev &&
		in_root dpkg --verify libxengnttab1 libxen-dev &&
		! in_root test -e "/usr/lib/$ma/gntdev-diverted"
}

# A kernel directory without headers, one whose "headers" cannot build,
# and the host's running kernel (not in the chroot): each reported; $KVER
# built; dpkg configured all the same.
install_dkms()
{
	local out
	in_root mkdir -p /lib/modules/0.0.0-noheaders-amd64 \
		/lib/modules/0.0.1-broken-amd64/build/include
	out=$(in_root dpkg -i "$(deb_of gntdev-dkms all)" 2>&1) || {
		echo "$out"
		return 1
	}
	echo "$out"
	echo "$out" | grep -q "gntdev.ko built and installed for $KVER" &&
		echo "$out" | grep -q 'no headers for kernel 0.0.0-noheaders-amd64, gntdev.ko not built' &&
		echo "$out" | grep -q 'building gntdev.ko for kernel 0.0.1-broken-amd64 failed:' &&
		echo "$out" | grep -q "no gntdev.ko for the running kernel $(uname -r)" &&
		installed gntdev-dkms &&
		in_root modinfo -F vermagic "/lib/modules/$KVER/updates/dkms/gntdev.ko" |
		grep -q "^$KVER " &&
		in_root test -s /etc/modprobe.d/gntdev.conf
}

remove_dkms()
{
	in_root dpkg --purge gntdev-dkms &&
		! in_root test -e "/lib/modules/$KVER/updates/dkms/gntdev.ko" &&
		! in_root test -e /etc/modprobe.d/gntdev.conf &&
		[ -z "$(in_root dkms status gntdev)" ]
}

# lintian's verdict is kept until the packages change (a warm run's
# saving: lintian is slow to start).
lintian_clean()
{
	local ok=$top/build/deb/lintian.ok
	local -a debs
	debs=("$top"/build/deb/*.deb "$top"/build/deb/trixie/*.deb)
	if [ -e "$ok" ] && [ -z "$(find "${debs[@]}" -newer "$ok")" ]; then
		echo "packages unchanged since lintian passed"
		return 0
	fi
	rm -f "$ok"
	nice -n 10 lintian --pedantic --fail-on error,warning "${debs[@]}" &&
		touch "$ok"
}

start=$(date +%s)
LAB_QUIET=1 "$top/tools/tests/lab/fetch.sh"
# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"

check "make deb (bookworm, trixie)" make -s -C "$top" deb
check "lintian: no error or warning (overrides explained in debian/)" lintian_clean
base=$("$top/tools/tests/packaging/chroot.sh")
enter_overlay "$base"

debian=$(build_id "$lib.2")
ours=$(ours_id)
check "our build and Debian's libxengnttab.so.1.2 differ ($ours, $debian)" \
	test -n "$ours" -a -n "$debian" -a "$ours" != "$debian"
check "before: xenstored loads Debian's libxengnttab" resolves_to "$debian"
check "dpkg -i libxengnttab1-gntdev gnttab -dev: diverts Debian's, dpkg consistent" install_lib
check "after install: ldd xenstored and ld.so.cache give ours" resolves_to "$ours"
check "-dev diverts libxen-dev's xengnttab.h, gnttab runs" dev_is_ours
check "dpkg -r: Debian's files back, no diversion left" remove_lib
check "after removal: xenstored loads Debian's again" resolves_to "$debian"
check "dpkg -i gntdev-dkms: builds for $KVER, reports no headers and a failed build, configured" \
	install_dkms
check "dpkg --purge gntdev-dkms: module, config and DKMS tree gone" remove_dkms

echo "packaging (debs): $passed passed, $failed failed, $(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
