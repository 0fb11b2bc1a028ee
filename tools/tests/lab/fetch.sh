#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch.sh - get everything the lab needs from Debian's packages.
#
#   KERNEL=6.1|6.12|6.12-trixie|trixie-bpo|sid|6.1-debug XEN=4.17|4.20 \
#   tools/tests/lab/fetch.sh [--with-xl]
#
# Installs on the host only what must run there (QEMU and the build tools);
# kernels, headers, the hypervisor, busybox and the Xen toolstack are
# downloaded as .debs into $LAB_CACHE and extracted there, never installed.
# The debug kernels are built instead (debug-kernel.sh), the first time.
# Idempotent and quiet when everything is already in place.  Writes
# $LAB_CACHE/env/kernel-$KERNEL.env and xen-$XEN.env for the other scripts.

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

WITH_XL=
for arg in "$@"; do
	case "$arg" in
	--with-xl) WITH_XL=1 ;;
	*) lab_die "usage: fetch.sh [--with-xl]" ;;
	esac
done

APT_UPDATED=

apt_update_once()
{
	[ -z "$APT_UPDATED" ] || return 0
	lab_log "apt-get update"
	lab_apt update >/dev/null
	APT_UPDATED=1
}

# Host commands the lab runs, and the package that provides each.
host_tools()
{
	local missing=() cmd pkg
	while read -r cmd pkg; do
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
	done <<-EOF
		qemu-system-x86_64 qemu-system-x86
		gcc gcc
		make make
		cpio cpio
		depmod kmod
		xz xz-utils
		zstd zstd
		python3 python3
		flock util-linux
		gzip gzip
	EOF
	# Static test binaries and out-of-tree modules need these too.
	[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(libc6-dev)
	[ -e /usr/include/xen/gntalloc.h ] || missing+=(linux-libc-dev)
	ldconfig -p | grep -q 'libelf\.so\.1 ' || missing+=(libelf1)
	[ ${#missing[@]} -eq 0 ] && return 0
	lab_log "installing host packages: ${missing[*]}"
	apt_update_once
	DEBIAN_FRONTEND=noninteractive lab_apt install -y \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# Print the candidate version of a package in the current apt config.
candidate()
{
	local v
	v=$(apt-cache "${APT_OPTS[@]}" policy "$1" 2>/dev/null |
		awk '/Candidate:/ { print $2 }')
	[ -n "$v" ] && [ "$v" != "(none)" ] && echo "$v"
}

# Download packages into $LAB_CACHE/debs unless the candidate is there.
# Prints the path of each .deb, one per line.
download()
{
	local pkg ver deb
	mkdir -p "$LAB_CACHE/debs"
	for pkg in "$@"; do
		ver=$(candidate "$pkg") || {
			[ "${APT_PRIVATE:-}" ] || apt_update_once
			ver=$(candidate "$pkg") ||
				lab_die "no package $pkg in Debian's archive"
		}
		deb=$(compgen -G "$LAB_CACHE/debs/${pkg}_*${ver#*:}_*.deb" |
			head -n 1) || true
		if [ -z "$deb" ]; then
			lab_log "downloading $pkg $ver"
			(cd "$LAB_CACHE/debs" &&
				apt-get "${APT_OPTS[@]}" -q download \
					"$pkg=$ver" >/dev/null 2>&1) ||
				lab_die "apt-get download $pkg=$ver failed"
			deb=$(compgen -G "$LAB_CACHE/debs/${pkg}_*${ver#*:}_*.deb" |
				head -n 1)
		fi
		echo "$deb"
	done
}

# Name of the first dependency of $1 that matches the regex $2.
dependency()
{
	apt-cache "${APT_OPTS[@]}" depends "$1" |
		awk -v re="$2" '/Depends:/ && $2 ~ re { print $2; exit }'
}

fetch_kernel()
{
	local meta image headers common kbuild kver root debs suites
	if lab_kernel_built "$KERNEL" >/dev/null; then
		fetch_built_kernel
		return
	fi
	meta=$(lab_kernel_meta "$KERNEL")
	suites=$(lab_kernel_suites "$KERNEL")
	APT_OPTS=()
	APT_PRIVATE=
	# shellcheck disable=SC2086
	[ "$suites" = host ] || private_apt $suites
	[ "$(candidate "$meta")" ] || [ "$APT_PRIVATE" ] || apt_update_once
	image=$(dependency "$meta" '^linux-image-[0-9]')
	[ -n "$image" ] || lab_die "cannot resolve $meta"
	kver=${image#linux-image-}
	headers=linux-headers-$kver
	common=$(dependency "$headers" '^linux-headers-.*-common')
	kbuild=$(dependency "$headers" '^linux-kbuild-')
	root=$LAB_CACHE/kernel/$kver
	if [ ! -e "$root/.complete" ]; then
		# shellcheck disable=SC2046
		debs=$(download "$image" $(image_parts "$image" "$kver") \
			"$headers" "$common" "$kbuild")
		# shellcheck disable=SC2086
		extract_kernel "$root" "$kver" $debs
		touch "$root/.complete"
	fi
	kernel_env "$root" "$kver"
	APT_OPTS=()
	APT_PRIVATE=
}

# Since 7.x, Debian's linux-image-KVER only depends on the parts holding
# the files: linux-binary-KVER (the image), linux-modules-KVER and
# linux-base-KVER (config, System.map).  Earlier images hold everything
# and print nothing here.
image_parts()
{
	apt-cache "${APT_OPTS[@]}" depends "$1" | awk -v k="-$2" '
		/Depends:/ && substr($2, length($2) - length(k) + 1) == k {
			print $2 }'
}

# A kernel the lab builds (debug-kernel.sh; built once, then reused): its
# image and headers packages are extracted like Debian's.  The stamp names
# the packages and their times, so a rebuild re-extracts.
fetch_built_kernel()
{
	local root KVER DEBS stamp
	"$LAB_DIR/debug-kernel.sh" "$KERNEL"
	# shellcheck disable=SC1090
	. "$LAB_CACHE/debug-kernel/$KERNEL.env"
	root=$LAB_CACHE/kernel/$KVER
	# A rebuild writes packages of the same names: their times tell.
	# shellcheck disable=SC2086
	stamp="$DEBS $(stat -c %Y $DEBS)"
	if [ "$(cat "$root/.complete" 2>/dev/null)" != "$stamp" ]; then
		# shellcheck disable=SC2086
		extract_kernel "$root" "$KVER" $DEBS
		echo "$stamp" >"$root/.complete"
	fi
	kernel_env "$root" "$KVER"
}

# extract_kernel ROOT KVER DEB...: a kernel's packages unpacked afresh
# into ROOT and made usable there.
extract_kernel()
{
	local root=$1 kver=$2 deb
	shift 2
	lab_log "extracting kernel $kver"
	rm -rf "$root"
	mkdir -p "$root"
	for deb in "$@"; do
		dpkg -x "$deb" "$root"
	done
	fixup_kernel "$root" "$kver"
}

# The env file the other scripts read for $KERNEL: kernel-$KERNEL.env.
kernel_env()
{
	mkdir -p "$LAB_CACHE/env"
	cat >"$LAB_CACHE/env/kernel-$KERNEL.env" <<-EOF
		KVER=$2
		KROOT=$1
		KDIR=$1/usr/src/linux-headers-$2
		VMLINUX=$1/vmlinux
	EOF
}

# Make the extracted kernel usable where it lies: the headers' Makefile
# names the headers by absolute path (the common part, and since 7.x the
# build directory too), modules.dep is made by the package's postinst,
# and Xen boots faster from an uncompressed ELF.  Trixie's kernels live
# in /usr/lib (merged /usr): lib is made the link it is on such a system,
# for depmod and modprobe -d; 7.x has its image there too, not in /boot.
fixup_kernel()
{
	local root=$1 kver=$2 mk
	mk=$root/usr/src/linux-headers-$kver/Makefile
	sed -i "s#^\(include \|KBUILD_OUTPUT=\)/usr/src/#\1$root/usr/src/#" "$mk"
	[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
	depmod -b "$root" "$kver"
	python3 "$LAB_DIR/extract-vmlinux.py" \
		"$(lab_kernel_image "$root" "$kver")" "$root/vmlinux"
}

# Private apt configuration for suites the host does not use (trixie,
# trixie-backports, sid), named after the first, whose candidates win:
# backports are pinned below their base release otherwise.  Stable
# releases come with their security suite.  The lists are refreshed once a
# day: the lab follows the newest kernel of each suite.
private_apt()
{
	local dir=$LAB_CACHE/apt-$1 kind uri key s sfx
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	# The host's own mirrors, for other suites.
	for s in "$@"; do
		for kind in main security; do
			sfx=
			if [ $kind = security ]; then
				suite_has_security "$s" || continue
				sfx=-security
			fi
			read -r uri key < <(lab_debian_archive $kind)
			echo "deb ${key:+[signed-by=$key] }$uri $s$sfx main"
		done
	done >"$dir/sources.list.new"
	# A new mirror in the host's configuration means new lists.
	cmp -s "$dir/sources.list.new" "$dir/sources.list" || rm -f "$dir/.updated"
	mv "$dir/sources.list.new" "$dir/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache::Archives=$dir/archives"
		-o "Dir::Cache::pkgcache=$dir/pkgcache.bin"
		-o "Dir::Cache::srcpkgcache=$dir/srcpkgcache.bin"
		-o APT::Architecture=amd64)
	# A mirror's copy of unstable may lag behind its Valid-Until.
	[ "$1" != sid ] || APT_OPTS+=(-o Acquire::Check-Valid-Until=false)
	case "$1" in
	*-backports) APT_OPTS+=(-o "APT::Default-Release=$1") ;;
	esac
	APT_PRIVATE=1
	if [ -z "$(find "$dir/.updated" -mmin -1440 2>/dev/null)" ]; then
		lab_log "apt-get update ($*, private)"
		apt-get "${APT_OPTS[@]}" -q update >/dev/null ||
			lab_die "apt-get update for $* failed"
		touch "$dir/.updated"
	fi
}

# Unstable and backports have no security suite of their own.
suite_has_security()
{
	case "$1" in
	sid | unstable | experimental | *-backports) return 1 ;;
	esac
}

fetch_xen()
{
	local pkg="xen-hypervisor-$XEN-amd64" dir deb
	APT_OPTS=()
	APT_PRIVATE=
	# shellcheck disable=SC2046
	[ "$(lab_xen_suite "$XEN")" = host ] ||
		private_apt $(lab_xen_suite "$XEN")
	deb=$(download "$pkg")
	dir=$LAB_CACHE/xen/$(basename "$deb" .deb)
	if [ ! -e "$dir/.complete" ]; then
		lab_log "extracting $(basename "$deb")"
		rm -rf "$dir"
		mkdir -p "$dir/root"
		dpkg -x "$deb" "$dir/root"
		# QEMU's multiboot loader takes the uncompressed ELF.
		zcat "$dir"/root/boot/xen-*-amd64.gz >"$dir/xen"
		touch "$dir/.complete"
	fi
	mkdir -p "$LAB_CACHE/env"
	cat >"$LAB_CACHE/env/xen-$XEN.env" <<-EOF
		XEN_BIN=$dir/xen
		XEN_PKG_VERSION=$(basename "$deb" .deb | cut -d_ -f2)
	EOF
	APT_OPTS=()
	APT_PRIVATE=
}

fetch_busybox()
{
	local deb dir
	deb=$(download busybox-static)
	dir=$LAB_CACHE/busybox/$(basename "$deb" .deb)
	if [ ! -e "$dir/.complete" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg -x "$deb" "$dir"
		touch "$dir/.complete"
	fi
	echo "BUSYBOX=$dir/bin/busybox" >"$LAB_CACHE/env/busybox.env"
}

# The Xen toolstack (xl, xenstored, xenconsoled, xen-init-dom0,
# libxl-save-helper, xenstore-*) and the closure of shared libraries they
# link, libc included, for starting a second domain from the dom0
# initramfs: Debian's packages of the release XEN comes from (bookworm's
# for 4.17, trixie's for 4.20, with that release's C library), so that
# each hypervisor runs with its own toolstack.  libgcc_s is not linked but
# dlopened by glibc's pthread_cancel.  mkinitramfs.sh checks that every
# DT_NEEDED library is in this tree.
fetch_xl()
{
	local dir=$LAB_CACHE/xl-$XEN debs pkgs
	pkgs=("xen-utils-$XEN" xenstore-utils "libxenmisc$XEN" libxenstore4
		libxengnttab1 libxenevtchn1 libxencall1 libxenforeignmemory1
		libxendevicemodel1 libxentoollog1 libxentoolcore1 libxenhypfs1
		libyajl2 libuuid1 liblzma5 libzstd1 zlib1g libgcc-s1 libc6)
	APT_OPTS=()
	APT_PRIVATE=
	# shellcheck disable=SC2046
	[ "$(lab_xen_suite "$XEN")" = host ] ||
		private_apt $(lab_xen_suite "$XEN")
	debs=$(download "${pkgs[@]}")
	# shellcheck disable=SC2086
	lab_extract "$dir" "the Xen $XEN toolstack" $debs
	echo "XL_ROOT=$dir/root" >"$LAB_CACHE/env/xl-$XEN.env"
	APT_OPTS=()
	APT_PRIVATE=
}

# A finished fetch stays valid until apt's package lists change, or for a
# kernel the lab builds, until it is built anew; one that used a private
# apt configuration for a day, when private_apt looks for newer packages.
STAMP=$LAB_CACHE/env/.fetched-$KERNEL-$XEN${WITH_XL:+-xl}
LISTS=$(ls -t /var/lib/apt/lists/*Packages* 2>/dev/null | head -n 1)
BUILT=$LAB_CACHE/debug-kernel/$KERNEL.env
fresh()
{
	[ -e "$STAMP" ] || return 1
	[ -z "$LISTS" ] || [ "$STAMP" -nt "$LISTS" ] || return 1
	[ ! -e "$BUILT" ] || [ "$STAMP" -nt "$BUILT" ] || return 1
	if [ "$(lab_kernel_suites "$KERNEL")" != host ] ||
		[ "$(lab_xen_suite "$XEN")" != host ]; then
		[ -n "$(find "$STAMP" -mmin -1440)" ] || return 1
	fi
	command -v qemu-system-x86_64 >/dev/null
}
! fresh || exit 0

APT_OPTS=()
APT_PRIVATE=
host_tools
fetch_kernel
fetch_busybox
fetch_xen
[ -z "$WITH_XL" ] || fetch_xl
touch "$STAMP"
