#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - the drop-in test, built and run in the Xen lab.
#
#   tools/tests/suites/dropin/check.sh
#
# The lab's dropin group (check.sh dropin) for each lab dom0 kernel: our
# library, gntdev.ko and a payload built in the kernel's Debian release
# (the host's, or a trixie root for trixie's kernels), one boot per
# kernel through runq.sh: Debian's and our libxengnttab.so.1, each on the
# stock xen-gntdev and on gntdev.ko, every libxengnttab symbol of the
# program bound to the library put first (see run).  Exits non-zero if
# any boot failed.
#
# Environment: LAB_KERNELS ("6.1 6.12-trixie"), and the lab's own (lab-lib.sh).

set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lab/lab-lib.sh
. "$HERE/../../lab/lab-lib.sh"

KERNELS=${LAB_KERNELS:-6.1 6.12-trixie}

rc=0
LAB_KERNELS=$KERNELS LAB_PLATFORMS='' "$LAB_DIR/check.sh" dropin || rc=$?
# Each boot's verdicts and binding summaries.
for k in $KERNELS; do
	echo "--- dropin-$k:"
	tr -d '\r' <"$LAB_BUILD/out/dropin-$k.out" 2>/dev/null |
		grep -E '^dropin:|passed, [0-9]+ failed$' || true
done
exit $rc
