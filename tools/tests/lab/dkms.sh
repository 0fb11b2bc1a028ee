#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh - DKMS builds our driver for a lab kernel, as it would on a
# Debian host running that kernel.
#
#   KERNEL=6.1|6.12|6.12-trixie|trixie-bpo|sid tools/tests/lab/dkms.sh
#
# Installs the DKMS source tree (packaging/install.sh) into
# $LAB_BUILD/dkms/$KERNEL, then `dkms add` and `dkms build` it there
# against the kernel's extracted headers, and checks the module's
# vermagic.  The build runs as on a Debian host of the kernel's release:
# in the root of that release (lab_release_root: bookworm's for
# bookworm's kernels and its backports', trixie's, sid's) with its dkms,
# the compiler that built the kernel (its .config names it; the headers'
# .kernelvariables call it) and pahole, which the 6.12 and later
# headers' module BTF step runs.  Prints one line: the module,
# its vermagic and dkms's version.

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

# dkms add + build in DIR for KVER against KDIR; run on the host or in
# the root (dkms.sh --build DIR KVER KDIR).
dkms_build()
{
	local dir=$1 kver=$2 kdir=$3 version ko vm
	version=$(cat "$dir/version")
	rm -rf "$dir/tree"
	mkdir -p "$dir/tree"
	dkms add --sourcetree "$dir/root/usr/src" --dkmstree "$dir/tree" \
		-m gntdev -v "$version"
	dkms build --sourcetree "$dir/root/usr/src" --dkmstree "$dir/tree" \
		-m gntdev -v "$version" -k "$kver" --kernelsourcedir "$kdir"
	ko=$(find "$dir/tree" -name 'gntdev.ko*' | head -n 1)
	[ -n "$ko" ] || lab_die "dkms built no gntdev.ko"
	case "$ko" in
	*.xz) xz -dc "$ko" >"$dir/gntdev.ko" ;;
	*.zst) zstd -dcq "$ko" >"$dir/gntdev.ko" ;;
	*) cp "$ko" "$dir/gntdev.ko" ;;
	esac
	vm=$(modinfo -F vermagic "$dir/gntdev.ko")
	[ "${vm%% *}" = "$kver" ] ||
		lab_die "dkms built gntdev.ko for '$vm', not $kver"
	echo "dkms: ${ko#"$dir"/}: vermagic $vm; $(dkms --version)"
}

if [ "${1:-}" = --build ]; then
	shift
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin
	dkms_build "$@"
	exit
fi

LAB_QUIET=1 lab_prepare
# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"
dir=$LAB_BUILD/dkms/$KERNEL
rm -rf "$dir"
mkdir -p "$dir"
cp "$LAB_TOP/VERSION" "$dir/version"
"$LAB_TOP/packaging/install.sh" "$dir/root" >/dev/null

root=$(lab_release_root "$KERNEL" "$KDIR")
log=$dir/dkms.log
lab_in_root "$root" "$dir" "$KROOT" -- \
	bash "$LAB_DIR/dkms.sh" --build "$dir" "$KVER" "$KDIR" \
	>"$log" 2>&1 || rc=$?
if [ "${rc:-0}" -ne 0 ]; then
	cat "$log" >&2
	find "$dir/tree" -name make.log -exec cat {} + >&2 2>/dev/null || true
	lab_die "KERNEL=$KERNEL: dkms build failed"
fi
grep '^dkms: ' "$log"
