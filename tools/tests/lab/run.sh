#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - boot Xen + a Linux dom0 in QEMU, run one payload, report.
#
#   tools/tests/lab/run.sh [-n NAME] PAYLOAD
#
# PAYLOAD is a directory with an executable `run` (plus whatever it needs:
# test binaries, our .ko, our library) or a single executable.  It becomes
# /test in dom0 and runs as root once the modules in XENLAB_MODS are loaded.
# Its output goes to $OUTDIR/NAME.out, the Xen and kernel console to
# $OUTDIR/NAME.console.log.
#
# Exit status:
#   0        the payload passed, the console is clean, nothing leaked
#   1..122   the payload's own failure status
#   123      the payload passed but grants were left mapped (leak check)
#   124      timeout: the payload or the boot hung
#   125      no status: boot failure or dom0 crash/panic
#   126      a kernel Oops/BUG/WARNING or a Xen crash is in the console or
#            dmesg (whatever the payload said)
#
# A payload may mark phases in the kernel log ("xenlab-phase: NAME", see
# debug/run); reports inside a phase named in FINDING_PHASES (e.g.
# "stock") are findings about code not under test: listed, kept in
# $OUTDIR/NAME.findings, but no failure.
#
# Environment: KERNEL (6.1|6.12|6.12-trixie|trixie-bpo|sid|6.1-debug) XEN
# (4.17|4.20; the kernel's own release's by default) TIMEOUT (s, 120) SMP (1)
# MEM (MiB, 2048) DOM0_MEM (1024M) CPU (max,-smap; BASE=xl:
# max,-smap,-rdtscp,-xsave) ACCEL (auto|tcg|kvm)
# XENLAB_MODS (a:b:c|none) LEAK_CHECK (1|0) LEAK_ALLOW (D:R,...)
# XEN_EXTRA DOM0_EXTRA QEMU_EXTRA OUTDIR QUIET (1: no payload output)
# FINDING_PHASES (phase names, comma-separated)
# DISK (a raw disk image, dom0's /dev/vda through virtio, copy-on-write:
# the boot never changes the file; the payload brings the driver)
# BASE (base|xl: xl boots base-xl.cpio.gz, with the Xen toolstack and a
# domU kernel, for payloads that start a second domain; see xl/xenlab-domu).

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

NAME=
while getopts n: opt; do
	case $opt in
	n) NAME=$OPTARG ;;
	*) lab_die "usage: run.sh [-n NAME] PAYLOAD" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || lab_die "usage: run.sh [-n NAME] PAYLOAD"
PAYLOAD=$(realpath "$1")
[ -e "$PAYLOAD" ] || lab_die "no payload $1"
NAME=${NAME:-$(basename "$PAYLOAD")}

TIMEOUT=${TIMEOUT:-120}
SMP=${SMP:-1}
MEM=${MEM:-2048}
DOM0_MEM=${DOM0_MEM:-1024M}
# A second domain needs more: PVH guests hang on RDTSCP (QEMU's SVM gives
# Xen no next-RIP), and with XSAVE on, user processes in dom0 and in a PV
# domU often crash while the two domains share the CPU (none without it).
cpu_default=max,-smap
[ "${BASE:-base}" != xl ] || cpu_default=max,-smap,-rdtscp,-xsave
CPU=${CPU:-$cpu_default}
ACCEL=${ACCEL:-auto}
LEAK_CHECK=${LEAK_CHECK:-1}
OUTDIR=${OUTDIR:-$LAB_BUILD/out}
export BASE=${BASE:-base}
case "$BASE" in
base) fetch_args=() IMAGE_NAME=base.cpio.gz ;;
xl) fetch_args=(--with-xl) IMAGE_NAME=base-xl.cpio.gz ;;
*) lab_die "unknown BASE=$BASE (supported: base, xl)" ;;
esac

lab_prepare "${fetch_args[@]}"
lab_locked "$LAB_DIR/mkinitramfs.sh"
# shellcheck disable=SC1090
. "$LAB_CACHE/env/kernel-$KERNEL.env"
# shellcheck disable=SC1090
. "$LAB_CACHE/env/xen-$XEN.env"

# KVM only where it can run Xen: the host CPU must offer VMX or SVM (a
# /dev/kvm backed by PVM, as on this project's machines, cannot).
if [ "$ACCEL" = auto ]; then
	ACCEL=tcg
	if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
		ACCEL=kvm
	fi
fi

mkdir -p "$OUTDIR"
OUT=$OUTDIR/$NAME.out
CONSOLE=$OUTDIR/$NAME.console.log
INITRD=$OUTDIR/$NAME.initrd
FINDINGS=$OUTDIR/$NAME.findings
rm -f "$OUT" "$CONSOLE" "$FINDINGS"

# The payload as /test, appended to the base image as a second cpio member.
stage=$(mktemp -d)
trap 'rm -rf "$stage" "$INITRD"' EXIT
mkdir -p "$stage/test"
if [ -d "$PAYLOAD" ]; then
	cp -a "$PAYLOAD"/. "$stage/test/"
else
	cp "$PAYLOAD" "$stage/test/run"
fi
cp "$LAB_BUILD/$KVER/$IMAGE_NAME" "$INITRD"
(cd "$stage" && find test | cpio -o -H newc --quiet -R 0:0) | gzip -1 >>"$INITRD"

dom0_cmdline="console=hvc0 earlyprintk=xen panic=-1 loglevel=5"
dom0_cmdline+=" xenlab.leak=$LEAK_CHECK $(lab_kernel_cmdline "$KERNEL")"
[ -z "${XENLAB_MODS:-}" ] || dom0_cmdline+=" xenlab.mods=$XENLAB_MODS"
[ -z "${LEAK_ALLOW:-}" ] || dom0_cmdline+=" xenlab.allow=$LEAK_ALLOW"
dom0_cmdline+=" ${DOM0_EXTRA:-}"
# A 1 MiB console ring holds a whole grant-table dump for the leak check.
xen_cmdline="dom0_mem=$DOM0_MEM,max:$DOM0_MEM console=com1 com1=115200,8n1"
xen_cmdline+=" conring_size=1M"
xen_cmdline+=" loglvl=all guest_loglvl=all ${XEN_EXTRA:-}"

cpu=$CPU
[ "$ACCEL" = tcg ] || cpu=host
disk=()
[ -z "${DISK:-}" ] ||
	disk=(-drive "file=$DISK,format=raw,if=virtio,snapshot=on")
boot()
{
	# QEMU's multiboot module list separates modules with commas, so
	# commas in the dom0 command line are doubled; Xen's own -append must
	# not be.
	# shellcheck disable=SC2086
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" \
		-cpu "$cpu" -smp "$SMP" -m "$MEM" -display none -monitor none \
		-no-reboot -nodefaults -serial "file:$CONSOLE" \
		-serial "file:$OUT" -kernel "$XEN_BIN" -append "$xen_cmdline" \
		-initrd "$VMLINUX ${dom0_cmdline//,/,,},$INITRD" \
		"${disk[@]}" ${QEMU_EXTRA:-} </dev/null >"$OUTDIR/$NAME.qemu.log" 2>&1
}

start=$(date +%s.%N)
set +e
boot
qrc=$?
# dom0 dying before the payload starts is no result of the payload's: it
# happens now and then under emulation (e.g. an int3 Oops while 6.12
# patches its text on two vCPUs).  Say so, keep its console, boot again.
if [ $qrc -ne 124 ] && [ $qrc -ne 137 ] &&
	! grep -q '^XENLAB-BOOTED' "$OUT" 2>/dev/null; then
	cp "$CONSOLE" "$OUTDIR/$NAME.boot1.console.log" 2>/dev/null
	echo "lab: $NAME: dom0 died before the payload started (console: $NAME.boot1.console.log); booting once more:"
	tr -d '\r' <"$CONSOLE" 2>/dev/null | grep -E "$LAB_CRASH_RE" | head -n 3 |
		sed 's/^/lab:   | /'
	rm -f "$OUT" "$CONSOLE"
	boot
	qrc=$?
fi
set -e
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# The payload's output, without the lab's own markers and the dmesg copy.
if [ -z "${QUIET:-}" ] && [ -e "$OUT" ]; then
	sed -e '/^XENLAB-DMESG-BEGIN/,/^XENLAB-DMESG-END/d' \
		-e 's/\r$//' "$OUT" | grep -v '^XENLAB-' || true
fi

marker()
{
	sed -n "s/^$1=\([0-9]*\).*/\1/p" "$OUT" 2>/dev/null | tr -d '\r' |
		tail -n 1
}

booted=$(tr -d '\r' <"$OUT" 2>/dev/null | sed -n 's/^XENLAB-BOOTED //p')
prc=$(marker XENLAB-EXIT-STATUS)
lrc=$(marker XENLAB-LEAK-STATUS)
# How long the payload ran (uptime at its exit less uptime at boot): the
# rest of a boot's time is the machine's.
payload=$(tr -d '\r' <"$OUT" 2>/dev/null | awk '
	/^XENLAB-BOOTED / { for (i = 1; i <= NF; i++) if ($i ~ /^uptime=/) b = substr($i, 8) }
	/^XENLAB-EXIT-STATUS=/ { for (i = 1; i <= NF; i++) if ($i ~ /^uptime=/) e = substr($i, 8) }
	END { if (b != "" && e != "") printf " payload=%.1fs", e - b }')
# Each crash line of the console and of the dmesg copy, after the phase it
# is in: "boot" until the payload starts, then the last phase marked.
phased_crashes()
{
	{
		cat "$CONSOLE" 2>/dev/null
		sed -n '/^XENLAB-DMESG-BEGIN/,/^XENLAB-DMESG-END/p' "$OUT" 2>/dev/null
	} | tr -d '\r' | awk '
		/^XENLAB-DMESG-BEGIN/ { phase = "payload" }
		/XENLAB-PAYLOAD-START/ { phase = "payload" }
		/xenlab-phase: / {
			phase = $0
			sub(/.*xenlab-phase: /, "", phase)
			sub(/ .*/, "", phase)
		}
		{ print (phase == "" ? "boot" : phase) "\t" $0 }' |
		grep -E "$LAB_CRASH_RE" || true
}

# The phase of a phased_crashes line is one of FINDING_PHASES.
finding()
{
	local p phases=${FINDING_PHASES:-}
	for p in ${phases//,/ }; do
		[ "${1%%$'\t'*}" = "$p" ] && return 0
	done
	return 1
}

crash=
while IFS= read -r line; do
	if finding "$line"; then
		echo "${line/$'\t'/: }" >>"$FINDINGS"
	else
		crash+=${line#*$'\t'}$'\n'
	fi
done < <(phased_crashes)
crash=$(printf '%s' "$crash" | head -n 5)

if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	status=124
	why="timeout after ${TIMEOUT}s"
elif [ -z "$prc" ]; then
	status=125
	why="no exit status: boot failure or dom0 crash (qemu rc $qrc)"
elif [ -n "$crash" ]; then
	status=126
	why="payload status $prc, but the console shows a crash"
	# A user process's trap is no kernel crash: say so (lab facts §12).
	if ! echo "$crash" | grep -qvE 'traps: |segfault at'; then
		why="payload status $prc, but a dom0 user process crashed (emulation trouble, see CPU for BASE=xl, or memory corruption by the code under test)"
	fi
elif [ "$prc" -ne 0 ]; then
	status=$prc
	why="payload failed"
elif [ "$LEAK_CHECK" = 1 ] && [ -z "$lrc" ]; then
	status=125
	why="no leak-check status: dom0 died after the payload"
elif [ "$LEAK_CHECK" = 1 ] && [ "$lrc" -ne 0 ]; then
	status=123
	why="grants left mapped (leak check status $lrc)"
else
	status=0
	why="passed"
fi

[ $status -eq 0 ] && verdict=PASS || verdict=FAIL
echo "lab: $NAME: $verdict (status $status: $why) in ${secs}s [${booted:-no boot}$payload] accel=$ACCEL"
if [ -n "$crash" ]; then
	echo "$crash" | sed 's/^/lab:   | /'
fi
if [ -s "$FINDINGS" ]; then
	echo "lab:   $(wc -l <"$FINDINGS") finding(s) in phase(s) ${FINDING_PHASES:-}, not failures ($FINDINGS):"
	head -n 5 "$FINDINGS" | sed 's/^/lab:   finding | /'
fi
if [ $status -ne 0 ]; then
	echo "lab:   output: $OUT"
	echo "lab:   console: $CONSOLE"
fi
exit $status
