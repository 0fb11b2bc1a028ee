#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make demo`: boot real Xen with a Linux dom0 in QEMU and map a
# self-grant there.
#
# Until our driver exists this shows the lab doing the main job with the
# stock in-tree xen-gntdev: gntalloc grants pages to dom0 itself, gntdev
# maps them into a process, and the data is checked both ways.

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

cat <<'BANNER'
== gntdev demo ==================================================
Booting Xen + a Linux PV dom0 in QEMU.  Our driver is not written
yet, so this maps self-granted pages through the STOCK in-tree
xen-gntdev driver (gntalloc grants, gntdev maps).
=================================================================
BANNER
"$LAB_DIR/fetch.sh"
make -s -C "$LAB_DIR/src" O="$LAB_BUILD/tools"
d=$LAB_BUILD/payloads/demo
rm -rf "$d"
mkdir -p "$d"
cp "$LAB_DIR/stock/selfgrant/run" "$LAB_BUILD/tools/selfgrant" "$d/"
exec "$LAB_DIR/run.sh" -n demo "$d"
