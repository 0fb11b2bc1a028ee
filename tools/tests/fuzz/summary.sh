#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# summary.sh LOG NAME - one line of figures from a libFuzzer log written
# with -print_final_stats=1: runs (iterations), seconds, speed, coverage,
# corpus size, seed.  A figure missing from the log fails (exit 1): a
# summary must never show a number it did not read.

log=$1
name=$2
stat()
{
	sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$log" | tail -n 1
}
runs=$(stat number_of_executed_units)
speed=$(stat average_exec_per_sec)
secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" |
	tail -n 1)
seed=$(sed -n 's/^INFO: Seed: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
# The last status line, e.g. "#200000 DONE cov: 412 ft: 1803 corp: 311/21Kb"
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
for v in runs secs speed cov corp seed; do
	eval "val=\$$v"
	if [ -z "$val" ]; then
		echo "fuzz: FAIL $name: no '$v' figure in $log"
		exit 1
	fi
done
echo "fuzz: PASS $name: $runs iterations in $secs s ($speed exec/s)," \
	"$cov coverage points, corpus $corp inputs, seed $seed"
