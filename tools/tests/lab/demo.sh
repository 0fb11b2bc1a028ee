#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make demo`: boot real Xen with a Linux dom0 and a PV domU in
# QEMU and show our gntdev.ko doing the main job (tools/demo/run).
#
#   tools/tests/lab/demo.sh          the demo, for people
#   KERNEL=6.12 tools/tests/lab/demo.sh
#
# The payload prints machine-checkable "DEMO-..." lines beside its human
# ones; only the failures among them are shown here (tools/demo/check.sh
# asserts them all).  Exits with run.sh's status (0: all went as shown).

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

cat <<'BANNER'
== gntdev demo ==================================================
Xen 4.17 + a Debian PV dom0 in QEMU.  Our gntdev.ko is loaded before
xenstored and xenconsoled start, so they map guest rings through it.
A PV domU (xl create) grants a 9-page ring and an event channel and
publishes them in xenstore; a dom0 backend on our libxengnttab maps
the ring with an unmap notify and they exchange CRC-checked messages.
Session 1 ends cleanly, session 2's backend is killed with SIGKILL;
both times the domU sees the notify, and nothing stays mapped.
Booting takes a few minutes under emulation; the output follows.
=================================================================
BANNER
make -s -C "$LAB_TOP/tools/demo" O="$LAB_BUILD/demo" KERNEL="$KERNEL" \
	payload-ko
set +e
BASE=xl TIMEOUT=${TIMEOUT:-600} "$LAB_DIR/run.sh" -n demo \
	"$LAB_BUILD/demo/payload" |
	grep -vE '^(domU\| )?DEMO-(TOOLSTACK|FE|BE|LIST|KILLED|NOTHING)'
exit "${PIPESTATUS[0]}"
