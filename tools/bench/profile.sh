#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# profile.sh - where the time of a gntdev map cycle goes: Debian's perf,
# system-wide, around gntbench's full cycle, for the in-tree xen-gntdev
# ("stock") and our gntdev.ko ("ours"), in one lab boot.
#
#   tools/bench/profile.sh [--batch N]... [--kernel 6.1|6.12]
#                          [--driver stock|ours]... [--secs SECONDS]
#                          [--freq HZ] [--top LINES] [--callers K]
#                          [--no-callgraph] [--clock icount|wall]
#
# Builds gntdev.ko for the lab kernel and the static gntbench as
# run-bench.sh does, downloads Debian's linux-perf and the shared libraries
# it links into the lab cache (extracted there, never installed), boots the
# lab once and, per driver and batch size, runs
#
#   perf record -e cpu-clock -a -g -- gntbench -b N full
#
# (after an untimed warm-up run) then `perf report --stdio --sort symbol`
# in dom0, against /proc/kallsyms (kernel and module symbols).  Each
# report goes to $BENCH_OUT/profile-DRIVER-bN.txt (default build/bench):
# gntbench's RESULT line, the samples by command, the top symbols (self),
# how much lands on the hypercall site and who calls it, then (file only)
# the top symbols inclusive of their callees and the callers of the top
# kernel symbols.  Stdout gets each report up to the inclusive part.  With
# both drivers, profile-compare-bN.txt (and stdout) puts ours against
# stock in guest ns per map cycle: by system call, then the symbols that
# differ most, self and inclusive.
#
#   --batch N     pages per map, repeatable (default: 1 and 64)
#   --kernel      the lab's dom0 kernel (default $KERNEL or 6.1); 6.12 uses
#                 the same bookworm perf, which reads its cpu-clock fine
#   --driver      stock or ours, repeatable (default: both, stock first)
#   --secs        timed seconds of gntbench per profile (default 2)
#   --freq        samples per second (default 4000)
#   --top         symbol lines per report (default 40)
#   --callers     top kernel symbols whose callers the file shows (8)
#   --no-callgraph  perf record without -g (then no caller or inclusive
#                 sections)
#   --clock       icount (default): guest time is instructions executed,
#                 so the cpu-clock profile is an instruction profile;
#                 wall: real emulation time (see run-bench.sh)
#
# GNTDEV_KO=path/to/gntdev.ko profiles that module as "ours" instead of
# building drivers/xen/gntdev of this tree (it must be built for the same
# kernel, e.g. another tree's build/bench/6.1/gntdev/gntdev.ko).
#
# dom0 runs without ASLR here, so both drivers' gntbench get the same
# address layout (with it, a mapping now and then needs a page table of
# its own each cycle: page-table allocation and pinning in one run only).
#
# Reading a report:
# - A guest profile cannot see into the hypervisor: Xen's time for a
#   hypercall is charged to the guest instruction after it (the hypercall
#   site, xen_hypercall_* or hypercall_page), and Xen's time for a trap
#   (page fault, syscall bounce) to where the guest resumes.
# - A sample due while dom0 runs with events masked (interrupts off) is
#   taken when they are unmasked, through a hypercall: the hypercall site
#   under xen_force_evtchn_callback is such time (e.g. the PV syscall
#   entry through Xen, under syscall_enter_from_user_mode), not Xen's.
#   A user-space sample on __ioctl, __mmap64, __munmap is the way back.
# - perf_event_mmap is perf's own cost of each mmap() (a zeroed path
#   buffer and d_path), not the driver's.
# - Under icount each iteration of a rep-prefixed string instruction
#   counts, so memset_erms and memcpy_erms weigh far more than on hardware.

set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$TOP/tools/bench
LAB=$TOP/tools/tests/lab
OUT=${BENCH_OUT:-$TOP/build/bench}

BATCHES=() DRIVERS=() SECS=2 FREQ=4000 TOPN=40 CALLERS=8 CALLGRAPH=1
CLOCK=icount
while [ $# -gt 0 ]; do
	case "$1" in
	--batch) BATCHES+=("$2") && shift ;;
	--kernel) KERNEL=$2 && shift ;;
	--driver) DRIVERS+=("$2") && shift ;;
	--secs) SECS=$2 && shift ;;
	--freq) FREQ=$2 && shift ;;
	--top) TOPN=$2 && shift ;;
	--callers) CALLERS=$2 && shift ;;
	--no-callgraph) CALLGRAPH=0 ;;
	--clock) CLOCK=$2 && shift ;;
	*)
		sed -n '3,/^set -e/s/^# \{0,1\}//p' "$0" >&2
		exit 2
		;;
	esac
	shift
done
export KERNEL=${KERNEL:-6.1}
[ ${#BATCHES[@]} -gt 0 ] || BATCHES=(1 64)
[ ${#DRIVERS[@]} -gt 0 ] || DRIVERS=(stock ours)
for b in "${BATCHES[@]}"; do
	[[ $b =~ ^[1-9][0-9]*$ ]] || { echo "profile: bad --batch $b" >&2 && exit 2; }
done
for d in "${DRIVERS[@]}"; do
	case "$d" in
	stock | ours) ;;
	*) echo "profile: --driver stock or ours, not $d" >&2 && exit 2 ;;
	esac
done
case "$CLOCK" in
icount) export QEMU_EXTRA="-icount shift=0,sleep=off ${QEMU_EXTRA:-}" ;;
wall) export DOM0_EXTRA="tsc=reliable rcupdate.rcu_cpu_stall_timeout=300 ${DOM0_EXTRA:-}" ;;
*) echo "profile: --clock icount or wall" >&2 && exit 2 ;;
esac

# shellcheck disable=SC1091
. "$LAB/lab-lib.sh"

say()
{
	echo "profile: $*"
}

# Debian's perf and the shared libraries it links, from the .debs of
# linux-perf and of every library package it depends on, downloaded into
# $LAB_CACHE/debs and extracted into $LAB_CACHE/perf/VERSION/root.  Writes
# $LAB_CACHE/env/perf.env (PERF_ROOT, PERF_VERSION).  Quiet and quick when
# done before and apt's lists have not changed since.
fetch_perf()
{
	local stamp=$LAB_CACHE/env/.fetched-perf lists ver dir pkgs level next
	local deps d f missing files
	# shellcheck disable=SC2012 # as fetch.sh: apt's own file names
	lists=$(ls -t /var/lib/apt/lists/*Packages* 2>/dev/null | head -n 1)
	if [ -e "$stamp" ] && [ -e "$LAB_CACHE/env/perf.env" ] &&
		{ [ -z "$lists" ] || [ "$stamp" -nt "$lists" ]; }; then
		return 0
	fi
	ver=$(apt-cache policy linux-perf 2>/dev/null |
		awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		lab_log "apt-get update"
		lab_apt update >/dev/null
		ver=$(apt-cache policy linux-perf | awk '/Candidate:/ { print $2 }')
		if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
			lab_die "no linux-perf in Debian's archive"
		fi
	fi
	# The library packages it depends on, level by level (one apt-cache
	# call per level): not perl or python themselves, nor the python
	# standard library, whose own dependencies (ssl, krb5, ...) serve
	# extension modules that perf never loads.
	declare -A seen=([linux-perf]=1)
	pkgs=(linux-perf) level=(linux-perf)
	while [ ${#level[@]} -gt 0 ]; do
		deps=$(apt-cache depends --no-recommends --no-suggests \
			--no-conflicts --no-breaks --no-replaces --no-enhances \
			"${level[@]}" 2>/dev/null |
			awk '$1 ~ /Depends:$/ && $2 !~ /^</ { print $2 }' | sort -u)
		next=()
		for d in $deps; do
			case "$d" in
			*-stdlib | *-minimal | *-common) continue ;;
			lib* | zlib1g) ;;
			*) continue ;;
			esac
			[ -z "${seen[$d]:-}" ] || continue
			seen[$d]=1
			next+=("$d")
		done
		pkgs+=("${next[@]}")
		level=("${next[@]}")
	done
	# The exact file names of the candidates; download the ones missing.
	mkdir -p "$LAB_CACHE/debs"
	files=$(apt-get download --print-uris "${pkgs[@]}" 2>/dev/null |
		awk '{ print $2 }')
	[ -n "$files" ] || lab_die "apt-get download --print-uris ${pkgs[*]} failed"
	missing=()
	for f in $files; do
		[ -e "$LAB_CACHE/debs/$f" ] || missing+=("${f%%_*}")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		lab_log "downloading linux-perf $ver and its libraries (${#missing[@]} packages)"
		(cd "$LAB_CACHE/debs" &&
			apt-get -q download "${missing[@]}" >/dev/null 2>&1) ||
			lab_die "apt-get download ${missing[*]} failed"
	fi
	dir=$LAB_CACHE/perf/$ver
	# shellcheck disable=SC2086
	(cd "$LAB_CACHE/debs" && lab_extract "$dir" "linux-perf $ver" $files)
	mkdir -p "$LAB_CACHE/env"
	cat >"$LAB_CACHE/env/perf.env" <<-EOF
		PERF_ROOT=$dir/root
		PERF_VERSION=$ver
	EOF
	touch "$stamp"
}

# perf and the closure of its DT_NEEDED libraries (the loader among them,
# as libc's), in $1/perf and $1/perf/lib: the payload links /lib64's loader
# there and sets LD_LIBRARY_PATH.
stage_perf()
{
	local dst=$1/perf f lib rel d
	local libdirs="lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu"
	mkdir -p "$dst/lib"
	cp -L "$PERF_ROOT/usr/bin/perf" "$dst/perf"
	declare -A seen=()
	local queue=("$dst/perf")
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		for lib in $(readelf -d "$f" |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -z "${seen[$lib]:-}" ] || continue
			seen[$lib]=1
			rel=
			for d in $libdirs; do
				[ -e "$PERF_ROOT/$d/$lib" ] && rel=$d/$lib && break
			done
			[ -n "$rel" ] ||
				lab_die "perf: no $lib in $PERF_ROOT (its package is not among linux-perf's dependencies?)"
			cp -L "$PERF_ROOT/$rel" "$dst/lib/$lib"
			queue+=("$dst/lib/$lib")
		done
	done
}

# Ours against stock from two reports of one batch size: each symbol's
# samples as guest nanoseconds per map cycle (the report's event count
# over gntbench's iterations), self and inclusive, the largest differences
# first.  Under icount a nanosecond is an instruction.
compare()
{
	awk -v top="$TOPN" '
	FNR == 1 { f++; sec = "" }
	/^RESULT / {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "iters") iters[f] = kv[2]
			if (kv[1] == "value") rate[f] = kv[2]
		}
	}
	/^# Event count/ { ev[f] = $NF }
	/^## / { sec = $0; next }
	sec == "## self, all symbols" && /%/ {
		v[1, f, $3] += $1; seen[1, $3] = 1
	}
	sec == "## inclusive, all symbols" && /%/ {
		v[2, f, $4] += $1; seen[2, $4] = 1
	}
	function table(k, title,   n, s, i, j, t, d, per1, per2) {
		per1 = ev[1] / iters[1] / 100
		per2 = ev[2] / iters[2] / 100
		n = 0
		for (s in seen) {
			split(s, ks, SUBSEP)
			if (ks[1] != k) continue
			t = ks[2]
			d = v[k, 2, t] * per2 - v[k, 1, t] * per1
			n++; sym[n] = t; diff[n] = d
			for (i = n; i > 1 && (diff[i - 1] < 0 ? -diff[i - 1] : diff[i - 1]) < (d < 0 ? -d : d); i--) {
				sym[i] = sym[i - 1]; diff[i] = diff[i - 1]
				sym[i - 1] = t; diff[i - 1] = d
			}
		}
		if (!n) return
		printf "## %s: ns per map cycle, largest differences\n", title
		printf "%10s %10s %10s  %s\n", "stock", "ours", "ours-stock", "symbol"
		for (i = 1; i <= n && i <= top; i++)
			printf "%10.0f %10.0f %+10.0f  %s\n", v[k, 1, sym[i]] * per1,
				v[k, 2, sym[i]] * per2, diff[i], sym[i]
	}
	END {
		if (!iters[1] || !iters[2] || !ev[1] || !ev[2]) {
			print "(no comparison: a report lacks its RESULT line or event count)"
			exit
		}
		printf "per map cycle: stock %.0f ns, ours %.0f ns (%+.1f%%); pages/s stock %.0f, ours %.0f\n",
			ev[1] / iters[1], ev[2] / iters[2],
			100 * (ev[2] / iters[2]) / (ev[1] / iters[1]) - 100,
			rate[1], rate[2]
		# The cycle by system call: the user-side wrappers, inclusive
		# of the kernel below them and of Xen on the way in and out.
		per1 = ev[1] / iters[1] / 100
		per2 = ev[2] / iters[2] / 100
		printf "## by system call (inclusive ns per map cycle)\n"
		printf "%10s %10s %10s  %s\n", "stock", "ours", "ours-stock", "call"
		split("__ioctl __mmap64 __munmap", calls, " ")
		for (i = 1; i <= 3; i++) {
			a = v[2, 1, calls[i]] * per1; b = v[2, 2, calls[i]] * per2
			sa += a; sb += b
			printf "%10.0f %10.0f %+10.0f  %s\n", a, b, b - a, calls[i]
		}
		a = ev[1] / iters[1] - sa; b = ev[2] / iters[2] - sb
		printf "%10.0f %10.0f %+10.0f  %s\n", a, b, b - a, "(the rest: gntbench, perf, idle)"
		table(1, "self")
		table(2, "inclusive")
	}' "$1" "$2"
}

t_start=$(date +%s)
PAYLOAD=$OUT/profile-payload
say "building for kernel $KERNEL into $OUT"
rm -rf "$PAYLOAD"
mkdir -p "$PAYLOAD"
lab_locked "$LAB/fetch.sh"
# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"
if [[ " ${DRIVERS[*]} " == *" ours "* ]]; then
	if [ -n "${GNTDEV_KO:-}" ]; then
		[ -f "$GNTDEV_KO" ] || lab_die "GNTDEV_KO=$GNTDEV_KO: no such file"
		KO=$(realpath "$GNTDEV_KO")
	else
		"$LAB/kbuild.sh" "$TOP/drivers/xen/gntdev" "$OUT/$KERNEL/gntdev" \
			GNTDEV_TOP="$TOP"
		KO=$OUT/$KERNEL/gntdev/gntdev.ko
	fi
	vermagic=$(modinfo -F vermagic "$KO")
	[ "${vermagic%% *}" = "$KVER" ] ||
		lab_die "$KO is built for ${vermagic%% *}, the lab runs $KVER"
	cp "$KO" "$PAYLOAD/gntdev.ko"
	say "ours: $KO"
fi
make -s -C "$BENCH" O="$OUT" all
cp "$OUT/gntbench" "$PAYLOAD/"
cp "$BENCH/lab/profile" "$PAYLOAD/run"
lab_locked fetch_perf
# shellcheck disable=SC1091
. "$LAB_CACHE/env/perf.env"
stage_perf "$PAYLOAD"
kpkg=$(compgen -G "$LAB_CACHE/debs/linux-image-${KVER}_*.deb" | head -n 1) || true
kver_pkg=$(basename "${kpkg:-x_unknown_}" | cut -d_ -f2)
say "perf: linux-perf $PERF_VERSION (kernel package $KVER $kver_pkg)"
[ "${PERF_VERSION%-*}" = "${kver_pkg%-*}" ] ||
	say "note: perf $PERF_VERSION is not the kernel's own version $kver_pkg; cpu-clock works across versions"

cat >"$PAYLOAD/profile.conf" <<EOF
DRIVERS="${DRIVERS[*]}"
BATCHES="${BATCHES[*]}"
SECS=$SECS
FREQ=$FREQ
TOPN=$TOPN
CALLERS=$CALLERS
CALLGRAPH=$CALLGRAPH
EOF

# Each profile costs about 7 real seconds per guest second under icount,
# plus a minute or two of perf report; allow for a busy host.
n=$((${#DRIVERS[@]} * ${#BATCHES[@]}))
timeout=$(awk -v n="$n" -v s="$SECS" 'BEGIN { printf "%d", 300 + n * (180 + 30 * s) }')
load=$(cut -d' ' -f1 /proc/loadavg)
say "booting the lab: clock $CLOCK, drivers ${DRIVERS[*]}, batches ${BATCHES[*]}, ${SECS}s each at ${FREQ} Hz, host load $load"
t_boot=$(date +%s)
rc=0
QUIET=1 OUTDIR="$OUT/profile-lab" TIMEOUT=$timeout "$LAB/run.sh" -n profile \
	"$PAYLOAD" || rc=$?
t_lab=$(($(date +%s) - t_boot))
log=$OUT/profile-lab/profile.out
tr -d '\r' <"$log" 2>/dev/null | grep '^profile: ' || true

# One file per report, between the payload's markers.
rm -f "$OUT"/profile-*-b*.txt
tr -d '\r' <"$log" 2>/dev/null | awk -v out="$OUT" '
	/^PROFILE-BEGIN / {
		split($2, d, "="); split($3, b, "=")
		f = out "/profile-" d[2] "-b" b[2] ".txt"
		printf "" >f
		next
	}
	/^PROFILE-END/ { close(f); f = ""; next }
	f != "" { print >>f }'
for d in "${DRIVERS[@]}"; do
	for b in "${BATCHES[@]}"; do
		f=$OUT/profile-$d-b$b.txt
		[ -s "$f" ] || continue
		echo
		echo "=== $d, batch $b ($f)"
		sed -E '/^## (inclusive|self, all symbols)/,$d' "$f"
	done
done
rm -f "$OUT"/profile-compare-b*.txt
if [[ " ${DRIVERS[*]} " == *" stock ours "* ]]; then
	for b in "${BATCHES[@]}"; do
		s=$OUT/profile-stock-b$b.txt o=$OUT/profile-ours-b$b.txt
		if [ ! -s "$s" ] || [ ! -s "$o" ]; then
			continue
		fi
		echo
		echo "=== ours vs stock, batch $b ($OUT/profile-compare-b$b.txt)"
		compare "$s" "$o" | tee "$OUT/profile-compare-b$b.txt"
	done
fi
echo
if [ $rc -ne 0 ]; then
	tr -d '\r' <"$log" 2>/dev/null | grep -v '^RESULT ' |
		sed -e '/^XENLAB-DMESG-BEGIN/,/^XENLAB-DMESG-END/d' | tail -n 20
	say "FAIL: the lab run failed with status $rc (output: $log)"
	exit 1
fi
say "reports: $(cd "$OUT" && echo profile-*-b*.txt) in $OUT"
say "total $(($(date +%s) - t_start))s (lab boot and run ${t_lab}s)"
