#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - the drop-in test, built and run in the Xen lab.
#
#   tools/tests/dropin/check.sh
#
# Builds our library (make lib), then for each lab dom0 kernel our
# gntdev.ko and a payload (build.sh), and boots one lab per kernel through
# runq.sh: Debian's and our libxengnttab.so.1, each on the stock xen-gntdev
# and on gntdev.ko, every libxengnttab symbol of the program bound to the
# library put first (see run).  Exits non-zero if any boot failed.
#
# Environment: LAB_KERNELS ("6.1 6.12"), and the lab's own (lab-lib.sh).

set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lab/lab-lib.sh
. "$HERE/../lab/lab-lib.sh"

KERNELS=${LAB_KERNELS:-6.1 6.12}
JOBFILE=$LAB_BUILD/dropin.jobs
mkdir -p "$LAB_BUILD/payloads"
: >"$JOBFILE"

make -s -C "$LAB_TOP" lib
for k in $KERNELS; do
	d=$LAB_BUILD/payloads/dropin-$k
	"$HERE/build.sh" "$d"
	KERNEL=$k "$LAB_DIR/kbuild.sh" "$LAB_TOP/drivers/xen/gntdev" \
		"$d/build" GNTDEV_TOP="$LAB_TOP"
	cp "$d/build/gntdev.ko" "$d/"
	rm -rf "$d/build"
	echo "dropin-$k 0 $d KERNEL=$k TIMEOUT=300" >>"$JOBFILE"
done

rc=0
"$LAB_DIR/runq.sh" "$JOBFILE" || rc=$?
# Each boot's verdicts and binding summaries.
for k in $KERNELS; do
	echo "--- dropin-$k:"
	tr -d '\r' <"$LAB_BUILD/out/dropin-$k.out" 2>/dev/null |
		grep -E '^dropin:|passed, [0-9]+ failed$' || true
done
exit $rc
