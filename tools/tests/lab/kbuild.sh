#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh - build an out-of-tree module against a lab kernel's headers.
#
#   KERNEL=6.1|6.12|6.12-trixie|trixie-bpo|sid|6.1-debug \
#   tools/tests/lab/kbuild.sh SRCDIR OUTDIR [make args...]
#
# Builds in OUTDIR, a copy of SRCDIR, so objects for different kernels
# never mix and the source tree stays clean.  Prints nothing but errors.
# A kernel is built with the compiler that built it (its .config says
# which): the host's when it has it, else in a build root of the kernel's
# Debian release (buildroot.sh), where OUTDIR, the kernel tree and the
# repository (for make arguments naming it) appear at their own paths.

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

[ $# -ge 2 ] || lab_die "usage: kbuild.sh SRCDIR OUTDIR [make args...]"
SRC=$(realpath "$1")
OUT=$2
shift 2

LAB_QUIET=1 lab_prepare
# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"

mkdir -p "$OUT"
OUT=$(realpath "$OUT")
# Only the sources: stale objects from another kernel must not come along.
(cd "$SRC" && find . -name '*.[ch]' -o -name Kbuild -o -name Makefile) |
	while read -r f; do
		mkdir -p "$OUT/$(dirname "$f")"
		cp -p "$SRC/$f" "$OUT/$f"
	done

# Run a command in build root $1 (lab_in_root): OUT and the kernel tree
# at their own paths (the headers name themselves by absolute path).
in_root()
{
	lab_in_root "$1" "$OUT" "$KROOT" -- "${@:2}"
}

cc=$(lab_kernel_cc "$KDIR")
[ -n "$cc" ] || lab_die "no CONFIG_CC_VERSION_TEXT in $KDIR/.config"
run=()
pahole=pahole
if ! command -v "$cc" >/dev/null 2>&1; then
	suites=$(lab_kernel_suites "$KERNEL")
	[ "$suites" != host ] ||
		lab_die "KERNEL=$KERNEL is built with $cc, which this host lacks"
	[ "$(id -u)" -eq 0 ] ||
		lab_die "KERNEL=$KERNEL needs $cc: its build runs chrooted, as root"
	root=$(lab_release_root "$KERNEL" "$KDIR")
	run=(in_root "$root")
	pahole=$root/usr/bin/pahole
fi

args=()
# Module BTF needs pahole; without it, build the module without BTF.
[ -x "$(command -v "$pahole")" ] || args+=(CONFIG_DEBUG_INFO_BTF_MODULES=)
log=$OUT/.kbuild.log
if ! "${run[@]}" make -s -j"$(nproc)" -C "$KDIR" M="$OUT" "${args[@]}" "$@" modules \
	>"$log" 2>&1; then
	cat "$log" >&2
	lab_die "module build in $OUT failed"
fi
grep -v 'Skipping BTF generation' "$log" >&2 || true
