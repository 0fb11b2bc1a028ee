#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh - build the Debian packages (make deb) into build/deb/.
#
#   packaging/deb.sh [OUTDIR]
#
# dpkg-buildpackage writes its products into the parent of the source tree
# and leaves debian/ full of build state, so build from a copy of the tree
# under OUTDIR/src: the repository and its parent stay clean.  The package
# version is ./VERSION: when debian/changelog's top entry says otherwise,
# the copy gets an entry for VERSION.  Nothing is rebuilt when the
# packages are newer than every file they are built from.

set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
version=$(cat "$top/VERSION")
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

# A changelog entry for VERSION when debian/changelog is behind.
sync_version()
{
	local cl=$src/debian/changelog have
	have=$(dpkg-parsechangelog -l "$cl" -S Version)
	[ "$have" = "$version" ] && return 0
	{
		printf 'gntdev (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Version %s (make deb).\n\n' "$version"
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
	for p in gntdev-dkms_${version}_all libxengnttab1-gntdev_${version}_amd64 \
		libxengnttab-gntdev-dev_${version}_amd64 gnttab_${version}_amd64; do
		[ -e "$out/$p.deb" ] || return 1
	done
	newest=$(tree_files | (cd "$top" && xargs -0 stat -c %Y) | sort -n |
		tail -n 1)
	oldest=$(stat -c %Y "$out"/*.deb | sort -n | head -n 1)
	[ "$newest" -lt "$oldest" ]
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
(cd "$src" && nice -n 10 dpkg-buildpackage -us -uc -b)
mv "$out/src"/*.deb "$out/src"/*.buildinfo "$out/src"/*.changes "$out/"
ls "$out"/*.deb
