#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh - build one of the lab's own debug dom0 kernels.
#
#   tools/tests/lab/debug-kernel.sh [NAME]      (NAME: 6.1-debug, 6.1-kasan;
#                                                default $KERNEL)
#
# Builds from Debian's linux-source package of exactly the version the lab's
# Debian kernel of that series has, with that kernel's own config as the
# base, trimmed by `make localmodconfig` to the modules the lab loads, plus
# the fragments under debug/ (see lab_kernel_built).  The host's gcc-12 (the
# compiler Debian built the series with), nice'd, two jobs; `make
# bindeb-pkg` makes image and headers packages in Debian's layout, which
# fetch.sh extracts like a downloaded kernel.  Source, build tree and
# packages stay in $LAB_CACHE/debug-kernel/NAME-VERSION; built once, then
# reused (rebuilt, incrementally, when a fragment changes).  Writes
# $LAB_CACHE/debug-kernel/NAME.env (KVER, DEBS).
#
# Takes 22 min on two otherwise idle cores (70 min beside other builds),
# so it runs under a lock of its own, never under the cache lock every
# boot takes (see lab_prepare).

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

NAME=${1:-$KERNEL}
read -r SERIES FRAGMENTS < <(lab_kernel_built "$NAME") ||
	lab_die "$NAME is not a kernel the lab builds"
TOP=$LAB_CACHE/debug-kernel
JOBS=${LAB_BUILD_JOBS:-2}

build_tools()
{
	local missing=() pkg
	for pkg in gcc-12 make bc bison flex libssl-dev libelf-dev dpkg-dev \
		fakeroot rsync kmod cpio xz-utils python3; do
		dpkg-query -W -f '${Status}\n' "$pkg" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	lab_log "installing build packages: ${missing[*]}"
	lab_apt update >/dev/null
	DEBIAN_FRONTEND=noninteractive lab_apt install -y \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# The base: the lab's Debian kernel of the series, fetched as usual.
base_kernel()
{
	KERNEL=$SERIES "$LAB_DIR/fetch.sh"
	# shellcheck disable=SC1090
	. "$LAB_CACHE/env/kernel-$SERIES.env"
	BASE_KVER=$KVER
	BASE_CONFIG=$KROOT/boot/config-$KVER
	BASE_DEB=$(compgen -G "$LAB_CACHE/debs/linux-image-${KVER}_*.deb" |
		sort -V | tail -n 1)
	[ -n "$BASE_DEB" ] || lab_die "no package of $KVER in $LAB_CACHE/debs"
	VERSION=$(dpkg-deb -f "$BASE_DEB" Version)
}

# Debian's source of exactly that version (a .deb holding the tarball).
source_deb()
{
	local pkg=linux-source-$SERIES deb
	deb=$(compgen -G "$LAB_CACHE/debs/${pkg}_${VERSION}_all.deb") || {
		lab_log "downloading $pkg $VERSION"
		(cd "$LAB_CACHE/debs" &&
			apt-get -q download "$pkg=$VERSION" >/dev/null 2>&1) || {
			lab_apt update >/dev/null
			(cd "$LAB_CACHE/debs" &&
				apt-get -q download "$pkg=$VERSION" >/dev/null 2>&1)
		} || lab_die "cannot download $pkg=$VERSION"
		deb=$LAB_CACHE/debs/${pkg}_${VERSION}_all.deb
	}
	echo "$deb"
}

unpack()
{
	local deb=$1 tmp=$DIR/deb
	lab_log "unpacking $(basename "$deb")"
	rm -rf "$SRC" "$tmp"
	dpkg -x "$deb" "$tmp"
	nice -n 19 tar -xJf "$tmp/usr/src/linux-source-$SERIES.tar.xz" -C "$DIR"
	rm -rf "$tmp"
}

# Debian's config, only the modules the lab loads (the Xen device drivers
# of mkinitramfs.sh, still modules so payloads can swap xen-gntdev for
# ours, and vgem for the dma-buf cases), then the debug fragments.  Fails
# if olddefconfig dropped a line.
configure()
{
	local lsmod=$DIR/lsmod m frag bad=
	echo "Module Size Used by" >"$lsmod"
	for m in xenfs xen_evtchn xen_privcmd xen_gntdev xen_gntalloc vgem; do
		echo "$m 16384 0" >>"$lsmod"
	done
	cp "$BASE_CONFIG" "$SRC/.config"
	# New symbols take their defaults (olddefconfig runs last).
	make -s -C "$SRC" LSMOD="$lsmod" localmodconfig </dev/null >/dev/null 2>&1
	for frag in $FRAGMENTS; do
		"$SRC/scripts/kconfig/merge_config.sh" -m -O "$SRC" \
			"$SRC/.config" "$LAB_DIR/debug/$frag" >/dev/null
	done
	make -s -C "$SRC" olddefconfig >/dev/null
	for frag in $FRAGMENTS; do
		while read -r line; do
			case "$line" in
			CONFIG_*) grep -qxF "$line" "$SRC/.config" ;;
			"# CONFIG_"*" is not set")
				m=${line#\# }
				! grep -q "^${m%% *}=" "$SRC/.config" ;;
			*) true ;;
			esac || bad+=" '$line'"
		done <"$LAB_DIR/debug/$frag"
	done
	[ -z "$bad" ] || lab_die "config did not take:$bad"
}

build()
{
	local start secs
	# Said even under LAB_QUIET: nobody should wait an hour unwarned.
	echo "lab: building $NAME from linux-source-$SERIES $VERSION" \
		"(log: $DIR/build.log; 20 min or more)" >&2
	start=$(date +%s)
	nice -n 19 make -C "$SRC" -j"$JOBS" CC=gcc-12 HOSTCC=gcc-12 \
		LOCALVERSION="$LOCALVERSION" KDEB_PKGVERSION="$VERSION" \
		bindeb-pkg >"$DIR/build.log" 2>&1 || {
		tail -n 30 "$DIR/build.log" >&2
		lab_die "build of $NAME failed (log: $DIR/build.log)"
	}
	secs=$(($(date +%s) - start))
	echo "built in ${secs}s" >>"$DIR/build.log"
	lab_log "built $NAME in $((secs / 60)) min $((secs % 60)) s"
}

# What the build is made of besides the source: its config fragments.
recipe()
{
	local frag
	for frag in $FRAGMENTS; do
		cat "$LAB_DIR/debug/$frag"
	done | md5sum | cut -d' ' -f1
}

prepare()
{
	local kver image headers env
	build_tools
	base_kernel
	LOCALVERSION=-gntdev-${NAME#*-}
	DIR=$TOP/$NAME-$VERSION
	SRC=$DIR/linux-source-$SERIES
	if [ "$(cat "$DIR/.complete" 2>/dev/null)" != "$(recipe)" ]; then
		mkdir -p "$DIR"
		[ -e "$SRC/.unpacked" ] || {
			unpack "$(source_deb)"
			touch "$SRC/.unpacked"
		}
		rm -f "$DIR/.complete" "$DIR"/*.deb
		configure
		build
		recipe >"$DIR/.complete"
		# Packages of the same names, new contents: a new env file
		# makes fetch.sh look again.
		rm -f "$TOP/$NAME.env"
	fi
	kver=$(make -s -C "$SRC" LOCALVERSION="$LOCALVERSION" kernelrelease)
	image=$(compgen -G "$DIR/linux-image-${kver}_${VERSION}_*.deb")
	headers=$(compgen -G "$DIR/linux-headers-${kver}_${VERSION}_*.deb")
	env=$(printf 'KVER=%s\nDEBS="%s"\nBASE_KVER=%s\n' "$kver" \
		"$image $headers" "$BASE_KVER")
	# Rewritten only when it changes or the kernel was rebuilt: fetch.sh
	# looks again when it is newer than its stamp.
	[ "$(cat "$TOP/$NAME.env" 2>/dev/null)" = "$env" ] ||
		echo "$env" >"$TOP/$NAME.env"
}

mkdir -p "$TOP"
(
	flock 8
	prepare
) 8>"$TOP/.lock"
