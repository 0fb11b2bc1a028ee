#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kbuild.sh - build an out-of-tree module against a lab kernel's headers.
#
#   KERNEL=6.1|6.12|6.1-debug tools/tests/lab/kbuild.sh SRCDIR OUTDIR [make args...]
#
# Builds in OUTDIR, a copy of SRCDIR, so objects for different kernels
# never mix and the source tree stays clean.  Prints nothing but errors.

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

args=()
# Module BTF needs pahole; without it, build the module without BTF.
command -v pahole >/dev/null 2>&1 || args+=(CONFIG_DEBUG_INFO_BTF_MODULES=)
log=$OUT/.kbuild.log
if ! make -s -C "$KDIR" M="$OUT" "${args[@]}" "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	lab_die "module build in $OUT failed"
fi
grep -v 'Skipping BTF generation' "$log" >&2 || true
