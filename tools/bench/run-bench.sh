#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh - the gntdev benchmark: the in-tree xen-gntdev and our
# gntdev.ko side by side in one lab boot, both against the hypervisor's own
# floor (gntfloor.ko).
#
#   tools/bench/run-bench.sh [--quick] [--lib] [--clock icount|wall]
#                            [--rounds MIN:MAX] [--spread FRACTION]
#                            [--secs SECONDS] [--base GNTDEV_KO]
#
# Builds gntdev.ko and gntfloor.ko for the lab kernel (KERNEL, default 6.1)
# and the static gntbench, boots the lab once, and there runs rounds of
# (stock, ours) in alternating order, plus the floor, until every headline
# point varies by at most --spread across rounds or the round cap is hit
# (tools/bench/lab/run).  Then, on the host: a table on stdout, and in
# $BENCH_OUT (default build/bench) results.txt (the raw RESULT lines),
# results.csv, results.json, results.png and results.svg (gnuplot,
# installed from Debian if missing).
#
#   --quick   one round, short points, no 10,000-map point, plot only if
#             gnuplot is already there: the smoke run of `make check`.
#             Asserts nothing about speed; fails only if the benchmark,
#             the lab (crash, leak) or the report fails.
#   --lib     also the full cycle through libxengnttab: Debian's, and ours
#             (tools/libgnttab) if it builds
#   --base    a gntdev.ko of another tree (built for KERNEL), run as a
#             third driver "base" in every round of the same boot: the
#             report adds ours/base, before/after figures that one host
#             load shapes alike
#   --clock   icount (default): QEMU counts instructions, 1 ns each, and
#             the guest's clocks follow that count, so a time is the
#             instructions that Xen and dom0 executed: repeatable to a
#             fraction of a percent whatever else the host runs, but blind
#             to what an instruction costs (TLB flushes, cache misses).
#             wall: real time of the emulation, as in the lab facts; it
#             swings with host load (other QEMUs, stolen time), so it
#             needs a quiet host and more rounds.
#
# Either way the absolute numbers are not hardware numbers: compare the
# drivers by their same-boot ratios.

set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$TOP/tools/bench
LAB=$TOP/tools/tests/lab
OUT=${BENCH_OUT:-$TOP/build/bench}
export KERNEL=${KERNEL:-6.1}

QUICK=0 LIB=0 CLOCK=icount ROUNDS='' SPREAD='' SECS='' BASE_KO=''
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--lib) LIB=1 ;;
	--clock) CLOCK=$2 && shift ;;
	--rounds) ROUNDS=$2 && shift ;;
	--spread) SPREAD=$2 && shift ;;
	--secs) SECS=$2 && shift ;;
	--base) BASE_KO=$(realpath "$2") && shift ;;
	*)
		sed -n '3,/^set -e/s/^# \{0,1\}//p' "$0" >&2
		exit 2
		;;
	esac
	shift
done
# Defaults per clock.  Under icount a virtual second costs about 7 real
# ones, and repeats exactly, so points are shorter and spreads small.
LIVES=0,100,1000,10000
case "$CLOCK" in
icount)
	# sleep=off: an idle guest jumps to its next timer, in no real time.
	export QEMU_EXTRA="-icount shift=0,sleep=off ${QEMU_EXTRA:-}"
	: "${ROUNDS:=3:5}" "${SPREAD:=0.10}" "${SECS:=0.02}"
	;;
wall)
	# The host may stop the emulator for many seconds at a time: keep the
	# guest from then calling its TSC unstable (clock_gettime would drop
	# from the vDSO to a syscall mid-run) or reporting an RCU stall.
	export DOM0_EXTRA="tsc=reliable rcupdate.rcu_cpu_stall_timeout=300 ${DOM0_EXTRA:-}"
	: "${ROUNDS:=5:9}" "${SPREAD:=0.10}" "${SECS:=0.3}"
	;;
*)
	echo "run-bench: --clock icount or wall" >&2
	exit 2
	;;
esac
if [ $QUICK = 1 ]; then
	ROUNDS=1:1 SPREAD=1 LIVES=0,100,1000
	SECS=$([ "$CLOCK" = icount ] && echo 0.01 || echo 0.02)
fi
RMIN=${ROUNDS%%:*} RMAX=${ROUNDS##*:}

say()
{
	echo "bench: $*"
}

t_start=$(date +%s)
say "building for kernel $KERNEL into $OUT"
PAYLOAD=$OUT/payload
rm -rf "$PAYLOAD"
mkdir -p "$PAYLOAD"
"$LAB/kbuild.sh" "$TOP/drivers/xen/gntdev" "$OUT/$KERNEL/gntdev" \
	GNTDEV_TOP="$TOP"
"$LAB/kbuild.sh" "$BENCH/floor" "$OUT/$KERNEL/floor"
make -s -C "$BENCH" O="$OUT" all
cp "$OUT/$KERNEL/gntdev/gntdev.ko" "$OUT/$KERNEL/floor/gntfloor.ko" \
	"$OUT/gntbench" "$BENCH/lab/run" "$PAYLOAD/"
DRIVERS="stock ours"
if [ -n "$BASE_KO" ]; then
	cp "$BASE_KO" "$PAYLOAD/base.ko"
	DRIVERS="stock ours base"
fi

LIB_TESTS=
if [ $LIB = 1 ]; then
	ourlib=
	if make -s -C "$TOP/tools/libgnttab" O="$OUT/libgnttab" all \
		>"$OUT/libgnttab.log" 2>&1; then
		ourlib=$OUT/libgnttab/libxengnttab.a
	else
		say "warning: tools/libgnttab does not build (see $OUT/libgnttab.log); Debian's library only"
	fi
	make -s -C "$BENCH" O="$OUT" lib OURLIB="$ourlib"
	LIB_TESTS=gntbench-lib-debian
	cp "$OUT/gntbench-lib-debian" "$PAYLOAD/"
	if [ -n "$ourlib" ]; then
		LIB_TESTS="$LIB_TESTS gntbench-lib-ours"
		cp "$OUT/gntbench-lib-ours" "$PAYLOAD/"
	fi
fi

cat >"$PAYLOAD/bench.conf" <<EOF
ROUNDS_MIN=$RMIN
ROUNDS_MAX=$RMAX
DRIVERS="$DRIVERS"
SPREAD=$SPREAD
BENCH_ARGS="-t $SECS -l $LIVES"
FLOOR_ARGS="-t $SECS"
LIB_TESTS="$LIB_TESTS"
LIB_ARGS="-t $SECS"
EOF

# A full round takes about a minute on an idle host; allow for a busy one.
timeout=$((RMAX * 300 + 120))
load=$(cut -d' ' -f1 /proc/loadavg)
say "booting the lab: clock $CLOCK, rounds $RMIN..$RMAX, ${SECS}s per point, host load $load"
t_boot=$(date +%s)
rc=0
QUIET=1 OUTDIR="$OUT/lab" TIMEOUT=$timeout "$LAB/run.sh" -n bench "$PAYLOAD" ||
	rc=$?
t_lab=$(($(date +%s) - t_boot))
tr -d '\r' <"$OUT/lab/bench.out" | grep '^bench: ' || true
if [ $rc -ne 0 ]; then
	tr -d '\r' <"$OUT/lab/bench.out" | grep -v '^RESULT ' |
		sed -e '/^XENLAB-DMESG-BEGIN/,/^XENLAB-DMESG-END/d' | tail -n 20
	say "FAIL: the lab run failed with status $rc"
	exit 1
fi

tr -d '\r' <"$OUT/lab/bench.out" | grep '^RESULT ' >"$OUT/results.txt" || true
python3 "$BENCH/report.py" "$OUT/results.txt" "$OUT" \
	mode="$([ $QUICK = 1 ] && echo quick || echo full)" kernel="$KERNEL" \
	clock="$CLOCK" \
	rounds="$RMIN:$RMAX" spread="$SPREAD" secs="$SECS" \
	host_load="$load" lab_seconds="$t_lab" \
	date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	commit="$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo none)"

# The plot: gnuplot from Debian, unless this is the smoke run.
if ! command -v gnuplot >/dev/null 2>&1 && [ $QUICK = 0 ]; then
	say "installing gnuplot-nox"
	apt-get -q -o DPkg::Lock::Timeout=900 install -y --no-install-recommends \
		gnuplot-nox >"$OUT/apt.log" 2>&1 ||
		say "warning: could not install gnuplot-nox (see $OUT/apt.log)"
fi
if command -v gnuplot >/dev/null 2>&1; then
	for fmt in png svg; do
		(cd "$OUT/plot" && gnuplot -e "out='$OUT/results.$fmt'" \
			-e "clock='$CLOCK'" "$BENCH/plot.gp")
	done
	say "plot: $OUT/results.png, $OUT/results.svg"
else
	say "plot: skipped (no gnuplot)"
fi
say "results: $OUT/results.{txt,csv,json}"
say "total $(($(date +%s) - t_start))s (lab boot and run ${t_lab}s)"
