#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - the demo as a test: build its payload, boot it in the lab
# (BASE=xl) and assert every step from its "DEMO-..." lines.
#
#   tools/demo/check.sh              KERNEL=6.1|6.12, TIMEOUT (600 s)
#
# Prints one "ok"/"not ok" line per assertion; exits 0 only if run.sh
# passed (payload status 0, clean console, no grant left mapped) and
# every assertion held.

set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
LAB_BUILD=${LAB_BUILD:-$TOP/build/lab}
OUT=${OUTDIR:-$LAB_BUILD/out}/demo-check.out
KERNEL=${KERNEL:-6.1}
export LAB_BUILD KERNEL

make -s -C "$TOP/tools/demo" O="$LAB_BUILD/demo-check" KERNEL="$KERNEL" \
	payload-ko || exit 1
BASE=xl TIMEOUT=${TIMEOUT:-600} QUIET=1 "$TOP/tools/tests/lab/run.sh" \
	-n demo-check "$LAB_BUILD/demo-check/payload"
rc=$?

fails=0
log=$(tr -d '\r' <"$OUT" 2>/dev/null)

# expect REGEX WHAT: some line of the output matches (grep -E).
expect()
{
	if echo "$log" | grep -Eq "$1"; then
		echo "ok - $2"
	else
		echo "not ok - $2 (no line matching: $1)"
		fails=$((fails + 1))
	fi
}

reject()
{
	if echo "$log" | grep -Eq "$1"; then
		echo "not ok - $2:"
		echo "$log" | grep -E "$1" | sed 's/^/#   /'
		fails=$((fails + 1))
	else
		echo "ok - $2"
	fi
}

if [ $rc -eq 0 ]; then
	echo "ok - lab run passed (payload, console, leak check)"
else
	echo "not ok - lab run status $rc (see $OUT)"
	fails=$((fails + 1))
fi
expect '^DEMO-TOOLSTACK-ON-OURS xenstored=[1-9][0-9]* xenconsoled=[1-9]' \
	"xenstored and xenconsoled run on gntdev.ko"
expect '^domU\| DEMO-FE-READY domid=[1-9][0-9]* pages=9 port=[0-9]+' \
	"domU frontend granted the ring and an event channel"
expect '^DEMO-BE-MAPPED domid=[1-9][0-9]* session=1 pages=9' \
	"session 1: backend mapped the ring"
expect '^domU\| DEMO-FE-PINGPONG n=200 ok=200 bad=0' \
	"session 1: 200 ping-pong messages, all checksums right"
expect '^domU\| DEMO-FE-STREAM n=[1-9][0-9]* ok=[1-9][0-9]* bad=0 mibps=' \
	"session 1: streamed messages, all checksums right"
expect '^DEMO-BE-EXIT session=1 served=[1-9][0-9]* bad=0' \
	"session 1: backend saw no bad checksum and exited"
expect '^domU\| DEMO-FE-UNMAP-NOTIFY session=1 live=0 event=yes bad=0' \
	"session 1: frontend saw the unmap notify (byte and event)"
expect '^DEMO-BE-MAPPED domid=[1-9][0-9]* session=2 pages=9' \
	"session 2: backend mapped the ring"
expect '^DEMO-LIST-WHILE-MAPPED' \
	"session 2: the driver's state lists the backend's and toolstack's maps"
expect '^DEMO-KILLED pid=[0-9]+' "session 2: backend killed mid-stream"
reject '^DEMO-BE-EXIT session=2' "session 2: backend did not exit by itself"
expect '^domU\| DEMO-FE-UNMAP-NOTIFY session=2 live=0 event=yes ok=[1-9][0-9]* bad=0' \
	"session 2: frontend saw the unmap notify after the kill"
expect '^DEMO-NOTHING-MAPPED domid=' \
	"after the kill, Xen's grant table shows nothing of the ring mapped"
expect '^domU\| DEMO-FE-EXIT status=0' "frontend released its ring, status 0"
reject 'DEMO-FAIL' "no failed check in the payload"
expect '^DEMO-RESULT PASS' "payload verdict PASS"
echo "demo check: $fails failed"
[ $fails -eq 0 ]
