#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# runq.sh - run a list of lab boots, two at a time, and check each status.
#
#   tools/tests/lab/runq.sh JOBFILE
#
# Each line of JOBFILE is
#   NAME EXPECTED_STATUS PAYLOAD [VAR=value ...]
# (blank lines and # comments are ignored).  Every boot gets its own
# environment (KERNEL=6.12, TIMEOUT=40, ...).  A boot passes when run.sh
# exits with EXPECTED_STATUS.  Prints one line per boot as it ends and a
# final "N passed, N failed; B boot-seconds in W s"; exits 1 if anything
# failed.
#
# Boots run two at a time: QEMU's TCG runs one vCPU per host thread and this
# machine kind has two cores, so a third boot would only slow the others.

set -uo pipefail
. "$(dirname "$0")/lab-lib.sh"

[ $# -eq 1 ] || lab_die "usage: runq.sh JOBFILE"
JOBS=${LAB_JOBS:-2}
LOGDIR=$LAB_BUILD/out
mkdir -p "$LOGDIR"

# Prepare once, up front, so parallel boots never race on it; under the
# cache lock, as every fetch takes it.
lab_locked "$LAB_DIR/fetch.sh" || exit 1
for k in $(awk '!/^#/ && NF { for (i = 4; i <= NF; i++)
		if ($i ~ /^KERNEL=/) print substr($i, 8) }' "$1" | sort -u) \
	"$KERNEL"; do
	KERNEL=$k lab_locked "$LAB_DIR/fetch.sh" || exit 1
	KERNEL=$k lab_locked "$LAB_DIR/mkinitramfs.sh" || exit 1
done

start=$SECONDS
results=$(mktemp)
trap 'rm -f "$results"' EXIT

run_one()
{
	local name=$1 want=$2 payload=$3 rc
	shift 3
	env "$@" QUIET=1 "$LAB_DIR/run.sh" -n "$name" "$payload" \
		>"$LOGDIR/$name.summary" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		echo "PASS $name (status $rc as expected) $(grep -o 'in [0-9.]*s \[.*\]' "$LOGDIR/$name.summary")"
		t=$(grep -o ' in [0-9.]*s' "$LOGDIR/$name.summary" | head -n 1)
		t=${t#* in }
		echo "pass ${t%s}" >>"$results"
	else
		echo "FAIL $name: status $rc, expected $want"
		sed 's/^/    /' "$LOGDIR/$name.summary"
		if [ -e "$LOGDIR/$name.out" ]; then
			echo "    --- last lines of $name.out:"
			tr -d '\r' <"$LOGDIR/$name.out" | grep -v '^XENLAB-' |
				sed '/^\[/d' | tail -n 25 | sed 's/^/    /'
		fi
		echo fail >>"$results"
	fi
}

while read -r name want payload vars; do
	case "$name" in '' | '#'*) continue ;; esac
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	# shellcheck disable=SC2086
	run_one "$name" "$want" "$payload" $vars &
done <"$1"
wait

passed=$(grep -c pass "$results")
failed=$(grep -c fail "$results")
# Boot-seconds per wall second: how well the two lanes are used.
echo "lab: $passed passed, $failed failed;" \
	"$(awk '$1 == "pass" { s += $2 } END { printf "%d", s }' "$results")" \
	"boot-seconds in $((SECONDS - start)) s"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
