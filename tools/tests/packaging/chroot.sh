#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot.sh - make (once) Debian's bookworm or trixie with the Xen
# toolstack, and print where it is.
#
#   tools/tests/packaging/chroot.sh [--image] [bookworm|trixie]
#
# A minbase system of the suite (bookworm by default) with libxengnttab1,
# libxen-dev, the suite's xen-utils (4.17, 4.20: xenstored, xenconsoled,
# xl), dkms and the headers of the suite's lab kernel (6.1, 6.12-trixie),
# in $LAB_CACHE/chroot-SUITE, from the host's apt sources (bookworm) or
# the lab's private apt configuration of the suite (trixie, fetch.sh),
# which names the host's mirrors.  Trixie's also has what `make deb
# SUITE=trixie` builds the packages with.  Made once (a few minutes),
# again when the lab's kernel ABI moves on.  Nobody changes it afterwards:
# debs.sh and deb.sh work in overlays on it, the lab's debproof groups
# boot a copy-on-write disk image of it (--image prints that image's path
# instead, made from the chroot when older).  Needs root.

set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
. "$top/tools/tests/lab/lab-lib.sh"

# The suite's Debian sources, as "deb URI SUITE COMPONENT" lines: the
# host's own for its release, else the lab's private ones for the suite
# (the host's mirrors too); the same archive as the host's apt either way.
suite_sources()
{
	if [ "$SUITE" != bookworm ]; then
		cat "$LAB_CACHE/apt-$SUITE/sources.list"
		return
	fi
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
		'Created-By: Packages' 'Origin: Debian' 'Architecture: amd64' |
		awk '$2 ~ /^bookworm(-updates|-security)?$/ && $3 == "main" {
			print "deb " $0 }' | sort -u
}

# The lab's Debian headers packages for $KVER (and the kbuild package
# they need), so the chroot needs no kernel download of its own.
header_debs()
{
	local hdr common ver
	hdr=$(ls "$LAB_CACHE/debs/linux-headers-${KVER}_"*.deb | tail -n 1)
	common=$(ls "$LAB_CACHE/debs/linux-headers-${KVER%-amd64}-common_"*.deb |
		tail -n 1)
	ver=$(dpkg-deb -f "$hdr" Version)
	echo "$hdr" "$common" \
		"$(ls "$LAB_CACHE/debs/linux-kbuild-"*"_${ver}_amd64.deb" | tail -n 1)"
}

# Debian's SUITE with what the tests need, unless it is there for the
# lab's kernel ABI already; built aside and moved in whole, so a run that
# is killed leaves no half chroot behind.
make_chroot()
{
	local base=$1 debs
	local -a mirrors
	local key="$KVER $PKGS${EXCLUDE:+ $EXCLUDE}"
	local -a opts=()
	[ "$(cat "$base/.gntdev-kver" 2>/dev/null)" = "$key" ] && return 0
	[ -z "$EXCLUDE" ] || opts=(--dpkgopt="path-exclude=$EXCLUDE")
	echo "packaging: making the $SUITE chroot $base" >&2
	debs=$(header_debs)
	mapfile -t mirrors < <(suite_sources)
	[ ${#mirrors[@]} -gt 0 ] || lab_die "no Debian $SUITE source in apt's configuration"
	rm -rf "$base.new" "$base"
	# shellcheck disable=SC2016,SC2086
	nice -n 10 mmdebstrap --quiet --variant=minbase --mode=root \
		--aptopt='APT::Install-Recommends "false"' \
		"${opts[@]}" \
		--include="$PKGS" \
		--customize-hook='mkdir -p "$1/tmp/hdr"' \
		--customize-hook="copy-in $debs /tmp/hdr" \
		--customize-hook='chroot "$1" sh -c "apt-get install -y -q /tmp/hdr/*.deb >/dev/null && rm -rf /tmp/hdr && apt-get clean"' \
		"$SUITE" "$base.new" "${mirrors[@]}" >&2
	echo "$key" >"$base.new/.gntdev-kver"
	mv "$base.new" "$base"
}

# The chroot as an ext4 file system image, for a lab boot's disk (QEMU
# opens it copy-on-write, so one image serves every boot).  Sparse: it
# takes the chroot's size on disk, with room for a DKMS build.
make_image()
{
	local base=$1 img=$1.ext4
	[ "$img" -nt "$base/.gntdev-kver" ] && return 0
	echo "packaging: making the disk image $img" >&2
	rm -f "$img.new"
	mkfs.ext4 -q -F -L "$SUITE" -d "$base" "$img.new" 2G >&2
	mv "$img.new" "$img"
}

image=
if [ "${1:-}" = --image ]; then
	image=1
	shift
fi
SUITE=${1:-bookworm}
PKGS=libxengnttab1,libxen-dev,dkms,kmod,libelf1
EXCLUDE=
case "$SUITE" in
bookworm)
	KERNEL=6.1
	PKGS+=,xen-utils-4.17
	;;
trixie)
	KERNEL=6.12-trixie
	PKGS+=,xen-utils-4.20,build-essential,debhelper,pkgconf
	# Trixie's headers depend on the kernel image.  Its 4,230 modules
	# (dom0 boots with the lab's own) are left out: depmod read every
	# one of them, xz-compressed, at each DKMS install and removal in
	# the debproof boot, 28 s each time under TCG.
	EXCLUDE='/usr/lib/modules/*/kernel/*'
	;;
*) lab_die "usage: chroot.sh [--image] [bookworm|trixie]" ;;
esac
export KERNEL
LAB_QUIET=1 lab_prepare
# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"
command -v mmdebstrap >/dev/null || "$top/tools/deps.sh"
base=$LAB_CACHE/chroot-$SUITE
# Its own lock: the lab's is held through long preparations.
(
	flock 9
	make_chroot "$base"
	[ -z "$image" ] || make_image "$base"
) 9>"$base.lock"
echo "$base${image:+.ext4}"
