#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh [-t SECONDS] [-l LOGDIR] TEST... - run user-space test
# binaries and report them one way
#
# Runs the driver core's unit tests, the library's and the CLI's host
# tests (make check-unit). Each TEST is a program and its arguments, as
# one word ("test-core-tsan threads"). A test prints TAP-like lines and
# ends with "N passed, N failed" (tools/tests/include/t-harness.h does
# this for C tests). Its output is shown indented, then its own summary;
# the last line sums every test's cases:
#
#   test-core: 26 passed, 0 failed
#   ...
#   45 passed, 0 failed
#
# A test that dies before its summary, exits non-zero after a clean one
# (a sanitizer report), skips (exit 77: no test here has a reason to) or
# runs out of time (-t, default 300 s) counts one failure. Exit status: 0
# when every case of every test passed, 1 otherwise. Each test's output is
# kept in LOGDIR/NAME.log, NAME the program's file name (default LOGDIR:
# the program's directory).

timeout=300
logdir=
while getopts t:l: opt; do
	case $opt in
	t) timeout=$OPTARG ;;
	l) logdir=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-l LOGDIR] TEST..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	echo "usage: $0 [-t SECONDS] [-l LOGDIR] TEST..." >&2
	exit 2
fi
# A test that hangs is a failure, not a stuck build.
tmo=
command -v timeout >/dev/null 2>&1 && tmo="timeout $timeout"

summary='^[0-9][0-9]* passed, [0-9][0-9]* failed$'
pass=0
fail=0
for t in "$@"; do
	# shellcheck disable=SC2086 # "PROGRAM ARG...": split on purpose
	set -- $t
	name=$(basename "$1")
	log=${logdir:-$(dirname "$1")}/$name.log
	$tmo "$@" >"$log" 2>&1
	rc=$?
	grep -v "$summary" "$log" | sed 's/^/  /'
	last=$(tail -n 1 "$log")
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, [0-9]* failed$/\1/p')
	x=$(echo "$last" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p')
	if [ $rc -eq 124 ] && [ -n "$tmo" ]; then
		echo "  $name: timed out after $timeout s"
		p=${p:-0}
		x=$((${x:-0} + 1))
	elif [ $rc -eq 77 ]; then
		echo "  $name: skipped (exit 77), which no test here may"
		p=${p:-0}
		x=$((${x:-0} + 1))
	elif [ -z "$p" ]; then
		echo "  $name: exit $rc before its summary"
		p=0
		x=1
	elif [ $rc -ne 0 ] && [ "$x" -eq 0 ]; then
		echo "  $name: exit $rc after its summary"
		x=1
	fi
	echo "$name: $p passed, $x failed"
	pass=$((pass + p))
	fail=$((fail + x))
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
