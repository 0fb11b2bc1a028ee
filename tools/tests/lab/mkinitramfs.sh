#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh - build the lab's dom0 base initramfs for one kernel.
#
#   KERNEL=6.1|6.12|6.12-trixie|trixie-bpo|sid [BASE=xl] \
#   tools/tests/lab/mkinitramfs.sh
#
# The image holds busybox, /init, the lab's own tools in /lab/bin, the
# payloads' shell helpers (/lab/payload-lib.sh) and the Xen modules with
# their dependency closure, so busybox modprobe can load them.
# Payloads are appended at boot as a second cpio (see run.sh).  Output:
# $LAB_BUILD/<kver>/base.cpio.gz; rebuilt only when an input changed.
# BASE=xl builds base-xl.cpio.gz instead, which also holds the Xen
# toolstack and what a second domain needs (see xl/stage.sh).

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

# Modules the lab may load: the Xen device drivers the tests use, and
# vgem, a dma-buf exporter for the conformance suite's dma-buf cases
# (Debian builds it; a kernel without it, such as the debug one, has none).
MODULES="xenfs xen-evtchn xen-privcmd xen-gntdev xen-gntalloc"
OPTIONAL_MODULES="vgem"

# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"
# shellcheck disable=SC1090
. "$LAB_CACHE/env/busybox.env"

BASE=${BASE:-base}
case "$BASE" in
base) IMAGE_NAME=base.cpio.gz ;;
xl) IMAGE_NAME=base-xl.cpio.gz ;;
*) lab_die "unknown BASE=$BASE (supported: base, xl)" ;;
esac

OUT=$LAB_BUILD/$KVER
IMAGE=$OUT/$IMAGE_NAME
TOOLS=$LAB_BUILD/tools
mkdir -p "$OUT" "$TOOLS"

make -s -C "$LAB_DIR/src" O="$TOOLS"

inputs=("$LAB_DIR/init" "$LAB_DIR/payload-lib.sh" "$0" "$BUSYBOX" "$TOOLS"/* "$KROOT/.complete")
if [ "$BASE" = xl ]; then
	# shellcheck disable=SC1090
	. "$LAB_CACHE/env/xl-$XEN.env"
	inputs+=("$LAB_DIR"/xl/* "$XL_ROOT/../.complete")
fi
if [ -e "$IMAGE" ]; then
	stale=
	for f in "${inputs[@]}"; do
		[ "$f" -nt "$IMAGE" ] && stale=1
	done
	[ -n "$stale" ] || exit 0
fi

lab_log "building dom0 initramfs $IMAGE_NAME for $KVER"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,test,lab/bin}
cp "$BUSYBOX" "$stage/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
done
ln -sf ../bin/busybox "$stage/sbin/modprobe"
cp "$LAB_DIR/init" "$stage/init"
chmod 755 "$stage/init"
cp "$TOOLS"/* "$stage/lab/bin/"
cp "$LAB_DIR/payload-lib.sh" "$stage/lab/"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"

# The modules and everything they depend on, decompressed: busybox's
# modprobe cannot read .ko.xz.
mdir=lib/modules/$KVER
mkdir -p "$stage/$mdir"
cp "$KROOT/$mdir"/modules.{order,builtin,builtin.modinfo} "$stage/$mdir/"
for m in $MODULES $OPTIONAL_MODULES; do
	case " $OPTIONAL_MODULES " in
	*" $m "*)
		modprobe -q -d "$KROOT" -S "$KVER" --show-depends "$m" \
			2>/dev/null || true
		;;
	*) modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" ;;
	esac | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do
	rel=${ko#"$KROOT"/}
	mkdir -p "$stage/$(dirname "$rel")"
	case "$ko" in
	*.ko.xz) xz -dc "$ko" >"$stage/${rel%.xz}" ;;
	*.ko.zst) zstd -dcq "$ko" >"$stage/${rel%.zst}" ;;
	*.ko.gz) gzip -dc "$ko" >"$stage/${rel%.gz}" ;;
	*) cp "$ko" "$stage/$rel" ;;
	esac
done
depmod -b "$stage" "$KVER"
[ "$BASE" != xl ] || "$LAB_DIR/xl/stage.sh" "$stage"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -9n >"$IMAGE.tmp"
mv "$IMAGE.tmp" "$IMAGE"
lab_log "wrote $IMAGE ($(du -h "$IMAGE" | cut -f1))"
