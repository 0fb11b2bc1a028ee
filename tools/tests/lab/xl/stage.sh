#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# stage.sh - add what starting a second domain needs to a staged dom0
# initramfs tree (mkinitramfs.sh runs it for BASE=xl).
#
#   KERNEL=6.1|6.12|6.12-trixie|trixie-bpo|sid XEN=4.17|4.20 \
#   tools/tests/lab/xl/stage.sh STAGEDIR
#
# Adds the Xen toolstack from the .debs fetch.sh --with-xl extracted (xl,
# xenstored, xenconsoled, xen-init-dom0, libxl-save-helper, xenstore-*)
# with the closure of the shared libraries they need, xenlab-domu (which
# starts domUs from a payload), the domU kernel (its ELF, gzipped) and
# the constant part of the domU's ramdisk.

set -euo pipefail
. "$(dirname "$0")/../lab-lib.sh"

[ $# -eq 1 ] && [ -d "$1" ] || lab_die "usage: xl/stage.sh STAGEDIR"
stage=$1

# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"
# shellcheck disable=SC1090
. "$LAB_CACHE/env/xl-$XEN.env"

xbin=usr/lib/xen-$XEN/bin
PROGS="$xbin/xl $xbin/xenstored $xbin/xenconsoled $xbin/xen-init-dom0
	$xbin/libxl-save-helper $xbin/xenconsole usr/bin/xenstore"
LIBDIRS="lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu"
# Not in any DT_NEEDED: glibc dlopens it for pthread_cancel, which xl uses.
DLOPENED="libgcc_s.so.1"
# Lab tools every domU gets in /lab/bin.
DOMU_TOOLS="xenlab-map"

# Copy $1 (relative to XL_ROOT) into the stage, symlinks resolved.
put()
{
	mkdir -p "$stage/$(dirname "$1")"
	cp -L "$XL_ROOT/$1" "$stage/$1"
}

# Where a library of that soname lies in the extracted tree.
find_lib()
{
	local d
	for d in $LIBDIRS; do
		if [ -e "$XL_ROOT/$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	lab_die "toolstack: no $1 in $XL_ROOT (add its package to fetch_xl)"
}

# Breadth-first over DT_NEEDED, from the programs down to libc.
declare -A seen=()
queue=()
for p in $PROGS; do
	[ -e "$XL_ROOT/$p" ] || lab_die "toolstack: no $p in $XL_ROOT"
	put "$p"
	queue+=("$p")
done
for lib in $DLOPENED; do
	rel=$(find_lib "$lib")
	seen[$lib]=1
	put "$rel"
	queue+=("$rel")
done
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	for lib in $(readelf -d "$XL_ROOT/$f" |
		sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -z "${seen[$lib]:-}" ] || continue
		seen[$lib]=1
		rel=$(find_lib "$lib")
		put "$rel"
		queue+=("$rel")
	done
done
# The programs' ELF interpreter: in /lib on bookworm, in /usr/lib on
# trixie (merged /usr; the stage keeps /lib apart, busybox's tree).
ld=$(find_lib ld-linux-x86-64.so.2)
put "$ld"
mkdir -p "$stage/lib64"
ln -sf "../$ld" "$stage/lib64/ld-linux-x86-64.so.2"

# Short names on PATH; xenstore-* are the one multi-call binary.
mkdir -p "$stage/usr/sbin"
for p in xl xenstored xenconsoled xen-init-dom0 xenconsole; do
	ln -sf "../lib/xen-$XEN/bin/$p" "$stage/usr/sbin/$p"
done
for p in read write ls list rm exists chmod watch; do
	ln -sf xenstore "$stage/usr/bin/xenstore-$p"
done

# Where the daemons and xl keep state; /var/run is /run, as on Debian.
mkdir -p "$stage"/var/{lib/xen,log/xen/console,lock} "$stage/etc/xen"
ln -sfn ../run "$stage/var/run"
# xl wants its global config; the defaults are right for the lab.
echo "# xl.conf of the lab's dom0: all defaults" >"$stage/etc/xen/xl.conf"

cp "$LAB_DIR/xl/xenlab-domu" "$stage/lab/bin/xenlab-domu"
chmod 755 "$stage/lab/bin/xenlab-domu"

# The domU: its kernel, and the constant part of its ramdisk as an
# uncompressed cpio: dom0's busybox and modules (the same kernel boots
# both), the lab tools in DOMU_TOOLS and the domU /init.  xenlab-domu adds
# the payload at run time.  Every MiB here costs a PVH domU about a second
# of boot under TCG, so other tools travel in the payloads that need them
# (dom0 has them all in /lab/bin).
dom=$stage/lab/domu
mkdir -p "$dom"
# The ELF vmlinux, gzipped: libxenguest inflates it in 2.8 s under TCG,
# where the bzImage's xz payload took 7.1 s of every `xl create`.
gzip -9nc "$VMLINUX" >"$dom/vmlinuz"
droot=$(mktemp -d)
trap 'rm -rf "$droot"' EXIT
mkdir -p "$droot"/{dev,proc,sys,tmp,run,root,etc,lib,lab,test}
# No /sbin/modprobe: the domU kernel's own module requests during boot
# would each start busybox modprobe for nothing; /init loads what the domU
# needs itself.
cp -a "$stage/bin" "$droot/"
cp -a "$stage/lib/modules" "$droot/lib/"
mkdir -p "$droot/lab/bin"
for t in $DOMU_TOOLS; do
	cp "$stage/lab/bin/$t" "$droot/lab/bin/"
done
cp "$LAB_DIR/xl/domu-init" "$droot/init"
chmod 755 "$droot/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$droot/etc/passwd"
echo "root:x:0:" >"$droot/etc/group"
(cd "$droot" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
	>"$dom/base.cpio"
