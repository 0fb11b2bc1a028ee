#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh - build the Debian packages (make deb) for bookworm into
# build/deb/, or for trixie into build/deb/trixie/.
#
#   packaging/deb.sh [--suite bookworm|trixie] [OUTDIR]
#
# dpkg-buildpackage writes its products into the parent of the source tree
# and leaves debian/ full of build state, so build from a copy of the tree
# under OUTDIR/src: the repository and its parent stay clean.  The package
# version is ./VERSION for bookworm and VERSION+deb13 for trixie (so a
# host's upgrade to trixie upgrades them too): when debian/changelog's top
# entry says otherwise, the copy gets an entry for it.  Bookworm's are
# built on the host (this machine's release), trixie's with trixie's
# compiler and libraries in an overlay on the lab's trixie chroot
# (tools/tests/packaging/chroot.sh; root).  Nothing is rebuilt when the
# packages are newer than every file they are built from.

set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
suite=bookworm
if [ "${1:-}" = --suite ]; then
	suite=$2
	shift 2
fi
version=$(cat "$top/VERSION")
case "$suite" in
bookworm)
	out=${1:-$top/build/deb}
	pkgversion=$version
	;;
trixie)
	out=${1:-$top/build/deb/trixie}
	pkgversion=$version+deb13
	;;
*)
	echo "usage: deb.sh [--suite bookworm|trixie] [OUTDIR]" >&2
	exit 2
	;;
esac
src=$out/src/gntdev-$version

# What the packages are built from (debian/rules reads nothing else).
inputs=(VERSION COPYING LICENSES debian packaging drivers/xen/gntdev include
	tools/libgnttab tools/gnttab)

# Those files: git's view (tracked and new, not ignored) in a checkout,
# all of them in an unpacked tarball.
tree_files()
{
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files -z --cached --others --exclude-standard \
			-- "${inputs[@]}" |
			while IFS= read -r -d '' f; do
				[ -e "$top/$f" ] && printf '%s\0' "$f"
			done
	else
		(cd "$top" && find "${inputs[@]}" -type f -print0)
	fi
}

copy_tree()
{
	rm -rf "$out/src"
	mkdir -p "$src"
	tree_files | tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
}

# A changelog entry for the package version when debian/changelog is
# behind.
sync_version()
{
	local cl=$src/debian/changelog have
	have=$(dpkg-parsechangelog -l "$cl" -S Version)
	[ "$have" = "$pkgversion" ] && return 0
	{
		printf 'gntdev (%s) %s; urgency=medium\n\n' "$pkgversion" \
			"$([ "$suite" = bookworm ] && echo unstable || echo "$suite")"
		printf '  * Version %s for %s (make deb).\n\n' "$version" "$suite"
		printf ' -- %s  %s\n\n' \
			"$(dpkg-parsechangelog -l "$cl" -S Maintainer)" \
			"$(date -R)"
		cat "$cl"
	} >"$cl.new"
	mv "$cl.new" "$cl"
}

# Up to date: the four packages of this version are there, newer than
# every input file (make's rule, for the packaging test's warm runs).
up_to_date()
{
	local p newest oldest
	for p in gntdev-dkms_${pkgversion}_all \
		libxengnttab1-gntdev_${pkgversion}_amd64 \
		libxengnttab-gntdev-dev_${pkgversion}_amd64 \
		gnttab_${pkgversion}_amd64; do
		[ -e "$out/$p.deb" ] || return 1
	done
	newest=$(tree_files | (cd "$top" && xargs -0 stat -c %Y) | sort -n |
		tail -n 1)
	oldest=$(stat -c %Y "$out"/*.deb | sort -n | head -n 1)
	[ "$newest" -lt "$oldest" ]
}

# dpkg-buildpackage in an overlay on the trixie chroot, the copy of the
# tree bound in: trixie's gcc, debhelper and libxen-dev, its C library's
# symbol versions in the library's dependencies.
build_in_trixie()
{
	local base work root rc=0
	base=$("$top/tools/tests/packaging/chroot.sh" trixie)
	work=$(mktemp -d)
	root=$work/root
	mkdir -p "$root" "$work/upper" "$work/wd"
	mount -t overlay overlay \
		-o "lowerdir=$base,upperdir=$work/upper,workdir=$work/wd" "$root"
	mkdir -p "$root/build"
	mount --bind "$out/src" "$root/build"
	mount -t proc proc "$root/proc"
	nice -n 10 chroot "$root" /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
		DEB_BUILD_OPTIONS="$DEB_BUILD_OPTIONS" \
		sh -c "cd /build/gntdev-$version && dpkg-buildpackage -us -uc -b" ||
		rc=$?
	umount "$root/proc" "$root/build" "$root"
	rm -rf --one-file-system "$work"
	return $rc
}

if [ -z "${GNTDEV_DEB_FORCE:-}" ] && up_to_date; then
	echo "deb: $out is up to date (GNTDEV_DEB_FORCE=1 rebuilds)"
	ls "$out"/*.deb
	exit 0
fi
copy_tree
sync_version
rm -f "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
# No -dbgsym packages: build/deb holds just what a host installs.
export DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}"
if [ "$suite" = bookworm ]; then
	(cd "$src" && nice -n 10 dpkg-buildpackage -us -uc -b)
else
	build_in_trixie
fi
mv "$out/src"/*.deb "$out/src"/*.buildinfo "$out/src"/*.changes "$out/"
ls "$out"/*.deb
