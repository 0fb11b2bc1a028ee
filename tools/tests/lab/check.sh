#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - the lab part of `make check`.
#
#   tools/tests/lab/check.sh [GROUP...]
#
# Prepares one payload directory per boot under $LAB_BUILD/payloads, writes
# the job list (name, expected status, payload, environment) and hands it to
# runq.sh.  A suite's manifest (see manifest_jobs) says what its boots'
# payloads carry; groups with more to build have a group_ function.  Groups: selftest (the lab reports each kind of outcome with its
# own status), stock (self-grant smoke test through the in-tree xen-gntdev
# on every dom0 kernel), driver (our gntdev.ko takes over from it and
# passes the same test), conform (the conformance suite, unmap notify and
# grant copy among its groups, on both drivers, compared; also on trixie's,
# trixie-backports' and sid's kernels), lib (libxengnttab on both drivers),
# dropin (Debian-built programs on our library and our driver), cli (the
# gnttab tool on both drivers), domu (a PV and a PVH domU map dom0's
# grants; xenlab-domu reports each kind of domU outcome with its own
# status), dmabuf_domu (the dma-buf ioctls between our dom0 driver and a
# PV and a PVH domU), demo (the main job, asserted), debproof (our Debian packages
# installed, used by Debian's toolstack and removed on a bookworm and on
# a trixie dom0),
# robust (torture, fuzzing; robust_long is the long
# version), debug and debug_selftest (make check-debug, not in make
# check: the debug dom0 kernel under the suites, and proof that its
# reports fail a run; their own job list, no figures).  Without
# arguments, all groups but debug run.  dkms is no boot: dkms.sh builds
# our DKMS tree for each kernel as Debian's dkms of its release would.
# Then figures.py prints the
# robustness figures of the boots that ran (bad inputs, kills, worker-
# seconds, fuzzer sequences, oops/WARN and leaked grants) and fails if one
# is missing.

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

GROUPS_TO_RUN=("$@")
[ ${#GROUPS_TO_RUN[@]} -gt 0 ] || GROUPS_TO_RUN=(dkms debproof selftest stock driver conform robust lib dropin cli domu dmabuf_domu demo)
# The primary rows, where every group runs: bookworm's 6.1 on Xen 4.17
# and trixie's 6.12 on Xen 4.20 (Debian's two supported releases).
KERNELS=${LAB_KERNELS:-6.1 6.12-trixie}
# The other kernels Debian users run (bookworm-backports' 6.12 on Xen
# 4.17; the newest of trixie-backports and of sid on 4.20): our module's
# build and DKMS build, the conformance suite and our driver in a PVH
# domU.  LAB_PLATFORMS names others ("" for none); with
# LAB_KERNELS alone, the kernels it names are all there is.
if [ -n "${LAB_KERNELS:-}" ]; then
	PLATFORMS=${LAB_PLATFORMS:-}
else
	PLATFORMS=${LAB_PLATFORMS-6.12 trixie-bpo sid}
fi

P=$LAB_BUILD/payloads
TOOLS=$LAB_BUILD/tools
JOBFILE=$LAB_BUILD/jobs
# The debug groups have a job list of their own: make check's figures
# read $LAB_BUILD/jobs, and the two may run at the same time.
case "${GROUPS_TO_RUN[0]}" in
debug*)
	JOBFILE=$LAB_BUILD/jobs-debug
	LAB_FIGURES=0
	;;
esac
# Our module, built once per kernel per run (a job list's own directory).
KO=$JOBFILE.ko
rm -rf "$KO"
mkdir -p "$P" "$TOOLS" "$KO"
: >"$JOBFILE"

job()
{
	echo "$*" >>"$JOBFILE"
}

# A payload directory made fresh from the given sources.
payload()
{
	local dir=$P/$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	[ $# -eq 0 ] || cp -a "$@" "$dir/"
	echo "$dir"
}

group_selftest()
{
	local d k
	job selftest-pass 0 "$(payload selftest-pass "$LAB_DIR/selftest/pass/run")"
	job selftest-fail 3 "$(payload selftest-fail "$LAB_DIR/selftest/fail/run")"
	job selftest-panic 125 "$(payload selftest-panic "$LAB_DIR/selftest/panic/run")" TIMEOUT=60
	job selftest-hang 124 "$(payload selftest-hang "$LAB_DIR/selftest/hang/run")" TIMEOUT=20
	d=$(payload selftest-warn "$LAB_DIR/selftest/warn/run")
	kmod 6.1 "$LAB_DIR/selftest/warn" xenlab_warn "$d"
	job selftest-warn 126 "$d"
	d=$(payload selftest-leak "$LAB_DIR/selftest/leak/run" "$TOOLS/selfgrant")
	job selftest-leak 123 "$d"
	# On the other primary kernels too; the leak check reads the grant
	# tables Xen dumps, so it must see a leak on each row's Xen (4.20's).
	for k in $KERNELS; do
		[ "$k" != "$KERNEL" ] || continue
		d=$(payload "selftest-pass-$k" "$LAB_DIR/selftest/pass/run")
		job "selftest-pass-$k" 0 "$d" "KERNEL=$k"
		d=$(payload "selftest-leak-$k" "$LAB_DIR/selftest/leak/run" \
			"$TOOLS/selfgrant")
		job "selftest-leak-$k" 123 "$d" "KERNEL=$k"
	done
}

# kmod KERNEL SRCDIR NAME DIR [MAKEARG...]: the out-of-tree module
# NAME.ko of SRCDIR for one lab kernel into DIR, built the first time this
# run asks for it, copied from $KO after that.
kmod()
{
	local k=$1 ko=$KO/$1 src=$2 name=$3 dir=$4
	shift 4
	if [ ! -e "$ko/$name.ko" ]; then
		rm -rf "$ko/build-$name"
		KERNEL=$k "$LAB_DIR/kbuild.sh" "$src" "$ko/build-$name" "$@"
		cp "$ko/build-$name/$name.ko" "$ko/"
		rm -rf "$ko/build-$name"
	fi
	cp "$ko/$name.ko" "$dir/"
}

# Our module for one lab kernel into a payload directory.
module()
{
	kmod "$1" "$LAB_TOP/drivers/xen/gntdev" gntdev "$2" \
		GNTDEV_TOP="$LAB_TOP"
}

# Every kernel the conformance suite runs on: the full catalogue's and the
# other platforms', each once (a manifest's "all").
suite_kernels()
{
	# shellcheck disable=SC2086
	printf '%s\n' $KERNELS $PLATFORMS | awk '!seen[$0]++'
}

# DKMS on every kernel (dkms.sh): builds, not boots, so each is listed in
# the job file as a comment (runq.sh skips it, platforms.sh counts it)
# with its result in out/dkms-KERNEL.summary like a boot's.
BUILDS_FAILED=
group_dkms()
{
	local k n s
	mkdir -p "$LAB_BUILD/out"
	for k in $(suite_kernels); do
		n=dkms-$k
		job "# build $n 0 - KERNEL=$k"
		s=$(date +%s)
		if KERNEL=$k "$LAB_DIR/dkms.sh" >"$LAB_BUILD/out/$n.log" 2>&1; then
			echo "lab: $n: PASS in $(($(date +%s) - s))s: $(grep '^dkms: ' "$LAB_BUILD/out/$n.log")" |
				tee "$LAB_BUILD/out/$n.summary"
		else
			echo "lab: $n: FAIL (log: $LAB_BUILD/out/$n.log)" |
				tee "$LAB_BUILD/out/$n.summary"
			tail -n 25 "$LAB_BUILD/out/$n.log" | sed 's/^/    /'
			BUILDS_FAILED+=" $n"
		fi
	done
}

# The drop-in test: a program built against Debian's libxen-dev and linked
# with Debian's libxengnttab.so.1, run through its release's loader with
# ours first on the library path (every libxengnttab symbol must bind to
# ours) and with Debian's, on the stock xen-gntdev and on our gntdev.ko.
# The release is the kernel's: bookworm's kernels get a program built on
# the host against bookworm's libxen-dev, the others one built in the
# root of their release (lab_release_root) by the kernel's gcc against
# its libxen-dev, run with its libxengnttab1 and C library; each
# compares our exports with that release's library first
# (suites/dropin/build.sh).
group_dropin()
{
	local k d root cc
	make -s -C "$LAB_TOP" lib
	for k in $KERNELS; do
		d=$P/dropin-$k
		if [ "$(lab_kernel_suites "$k")" = host ]; then
			"$SUITES/dropin/build.sh" "$d"
		else
			KERNEL=$k LAB_QUIET=1 lab_prepare
			# shellcheck disable=SC1090
			root=$(. "$LAB_CACHE/env/kernel-$k.env" &&
				lab_release_root "$k" "$KDIR")
			# shellcheck disable=SC1090
			cc=$(. "$LAB_CACHE/env/kernel-$k.env" &&
				lab_kernel_cc "$KDIR")
			mkdir -p "$d"
			lab_in_root "$root" "$d" -- env "CC=$cc" \
				"$SUITES/dropin/build.sh" "$d"
		fi
		module "$k" "$d"
		job "dropin-$k" 0 "$d" "KERNEL=$k" TIMEOUT=300
	done
}

# A second domain (BASE=xl): a PV and a PVH domU map dom0's grants with the
# stock xen-gntdev, then with ours; PVH is gntdev's auto-translated path.
# A boot starts its domUs one after the other.
group_domu()
{
	local k t d n
	# Stock driver in the domU, PV and PVH, on the default dom0 kernel.
	d=$(payload domu-grantmap "$SUITES/domu/run" "$SUITES/domu/domu")
	echo 'TYPE="pv pvh"' >"$d/grantmap.conf"
	job domu-grantmap 0 "$d" BASE=xl TIMEOUT=600
	# OUR gntdev.ko in the domU: on PVH this is our driver's
	# auto-translated path, which dom0 (PV) cannot exercise; on every
	# kernel for PVH (the other platforms' too), on the default one for
	# PV as well.  Each boots on its kernel's own Xen with that release's
	# toolstack (fetch.sh --with-xl): bookworm's 4.17, trixie's 4.20.
	for k in $(suite_kernels); do
		t=pvh
		[ "$k" != "$KERNEL" ] || t="pvh pv"
		d=$(payload "domu-ours-$k" "$SUITES/domu/run" "$SUITES/domu/domu")
		module "$k" "$d/domu"
		printf 'TYPE="%s"\nDOMU_MODS=%s\n' "$t" \
			xenfs:xen-evtchn:xen-privcmd:xen-gntalloc:gntdev.ko \
			>"$d/grantmap.conf"
		job "domu-ours-$k" 0 "$d" BASE=xl "KERNEL=$k" TIMEOUT=600
	done
	# xenlab-domu's own statuses, four PV domUs in one boot, with each
	# primary row's toolstack (bookworm's xl 4.17, trixie's 4.20).
	for k in $KERNELS; do
		n=domu-selftest
		[ "$k" = "$KERNEL" ] || n=domu-selftest-$k
		d=$(payload "$n" "$LAB_DIR"/selftest/domu/*)
		kmod "$k" "$LAB_DIR/selftest/warn" xenlab_warn "$d/warn"
		job "$n" 0 "$d" BASE=xl "KERNEL=$k" TIMEOUT=600
	done
}

# The dma-buf ioctls with a second domain (suites/dmabuf-domu): our gntdev.ko in
# dom0 grants a vgem buffer to a domU and exports the domU's grants as a
# dma-buf, which a test importer (suites/dmabuf-domu/mod) checks; the domU maps
# with the stock xen-gntdev; a PV and then a PVH domU in one boot.
group_dmabuf_domu()
{
	local k d
	for k in $KERNELS; do
		d=$(payload "dmabuf-domu-$k" "$SUITES/dmabuf-domu/run" \
			"$SUITES/dmabuf-domu/domu" "$TOOLS/xenlab-dmabuf")
		cp "$TOOLS/xenlab-dmabuf" "$d/domu/"
		module "$k" "$d"
		kmod "$k" "$SUITES/dmabuf-domu/mod" xenlab_dmabuf "$d"
		echo "TYPE=\"${LAB_DMABUF_TYPES:-pv pvh}\"" >"$d/dmabuf.conf"
		job "dmabuf-domu-$k" 0 "$d" BASE=xl "KERNEL=$k" TIMEOUT=700
	done
}

# The main job (`make demo`, tools/demo/run): a PV domU frontend and a dom0
# backend on our driver and library, with xenstored and xenconsoled on our
# driver too; a clean exit, then SIGKILL mid-stream; every step asserted.
# On each primary row, with its release's Xen and toolstack; "demo" is the
# default kernel's (make demo's).
group_demo()
{
	local k d n
	make -s -C "$LAB_TOP/tools/demo" O="$LAB_BUILD/demo-lab" payload
	for k in $KERNELS; do
		n=demo
		[ "$k" = "$KERNEL" ] || n=demo-$k
		d=$(payload "$n" "$LAB_BUILD/demo-lab/payload/.")
		module "$k" "$d"
		job "$n" 0 "$d" BASE=xl "KERNEL=$k" TIMEOUT=480
	done
}

# Our Debian packages on Debian's bookworm (Xen 4.17, 6.1) and on trixie
# (Xen 4.20, 6.12), one boot each: dom0 gets a disk of the packaging
# test's chroot of the release (chroot.sh --image, copy-on-write),
# dpkg -i's the release's packages (DKMS builds gntdev.ko in dom0), runs
# Debian's xenstored, xenconsoled, a PV domU and a vchan client on our
# driver and library, removes the packages and shows Debian's library and
# in-tree driver back (debproof/proof.sh).
group_debproof()
{
	make -s -C "$LAB_TOP" deb >/dev/null
	debproof_boot debproof bookworm 6.1 "$LAB_TOP/build/deb"
	debproof_boot debproof-trixie trixie 6.12-trixie "$LAB_TOP/build/deb/trixie"
}

# One release's proof: NAME SUITE KERNEL DEBDIR.  A subshell: the
# kernel's variables stay out of the other groups.
debproof_boot()
(
	local name=$1 suite=$2 debs=$4 d img ko
	img=$("$LAB_TOP/tools/tests/packaging/chroot.sh" --image "$suite")
	# shellcheck disable=SC1090
	. "$LAB_CACHE/env/kernel-$3.env"
	# shellcheck disable=SC1090
	. "$LAB_CACHE/env/busybox.env"
	d=$(payload "$name" "$SUITES"/debproof/{run,proof.sh})
	mkdir -p "$d/debs" "$d/mods" "$d/domu"
	cp "$debs"/*.deb "$d/debs/"
	debproof_expected "$d" "$debs" "$suite"
	# The disk's driver and file system, which dom0's initramfs lacks.
	for ko in virtio_pci virtio_blk ext4; do
		modprobe -d "$KROOT" -S "$KVER" --show-depends "$ko"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
		while read -r ko; do
			debproof_module "$ko" "$d/mods"
		done >"$d/mods/order"
	gzip -9nc "$VMLINUX" >"$d/domu/vmlinuz" # as xl/stage.sh's
	debproof_ramdisk "$d/domu/ramdisk.gz"
	job "$name" 0 "$d" "KERNEL=$3" "XEN=$(lab_kernel_xen "$3")" "DISK=$img" \
		XENLAB_MODS=xenfs:xen-evtchn:xen-privcmd:xen-gntalloc \
		CPU=max,-smap,-rdtscp,-xsave TIMEOUT=1200
)

# The sha256 of our libxengnttab.so.1.2 (the release's package in DEBDIR)
# and of Debian's (the release's chroot, as libxengnttab1 installed it):
# what proof.sh compares the daemons' mapped files with.
debproof_expected()
{
	local ours debian f=usr/lib/x86_64-linux-gnu/libxengnttab.so.1.2
	ours=$(deb_file_sha "$2"/libxengnttab1-gntdev_*_amd64.deb "$f")
	debian=$(sha256sum "$LAB_CACHE/chroot-$3/$f" | cut -d' ' -f1)
	[ -n "$ours" ] && [ -n "$debian" ] && [ "$ours" != "$debian" ] ||
		lab_die "debproof: no distinct library hashes ($ours, $debian)"
	printf 'OURS=%s\nDEBIAN=%s\n' "$ours" "$debian" >"$1/expected"
}

# The sha256 of one file in a .deb, read from the package itself.
deb_file_sha()
{
	dpkg-deb --fsys-tarfile "$1" | tar -xOf - "./$2" | sha256sum | cut -d' ' -f1
}

# A module of the lab kernel into a directory, uncompressed (busybox
# insmod reads no .xz); prints its file name there.
debproof_module()
{
	local ko=$1 name
	name=$(basename "$ko")
	name=${name%.ko*}.ko
	case "$ko" in
	*.ko.xz) xz -dc "$ko" >"$2/$name" ;;
	*.ko.zst) zstd -dcq "$ko" >"$2/$name" ;;
	*.ko.gz) gzip -dc "$ko" >"$2/$name" ;;
	*) cp "$ko" "$2/$name" ;;
	esac
	echo "$name"
}

# The domU's ramdisk: busybox and debproof/domu-init, one gzip member
# (libxenguest inflates no more).
debproof_ramdisk()
{
	local r a
	r=$(mktemp -d)
	mkdir -p "$r"/{bin,dev,proc}
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in sh mount sleep uname; do
		ln -s busybox "$r/bin/$a"
	done
	cp "$SUITES/debproof/domu-init" "$r/init"
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
		gzip -9n >"$1"
	rm -rf "$r"
}

# The suites' manifests: $SUITES/*/manifest says which groups a suite
# serves and what each boot's payload carries, one line per item (words
# split at blanks, "#" lines are comments):
#   make DIR ARG...   first: make -s -C DIR ARG... (DIR from the top)
#   carry FILE...     the payload's files: the suite directory's, or
#                     @tools/PROG (a lab program), @build/PATH (under
#                     $LAB_BUILD), @top/PATH, @module (our gntdev.ko for
#                     the boot's kernel)
#   conf LINE         a line of the payload's ./conf
#   job GROUP NAME KERNELS STATUS [VAR=VALUE...]
#                     a boot per kernel, expected to end with STATUS;
#                     KERNELS: primary (LAB_KERNELS, named NAME-KERNEL),
#                     all (those and the platforms', each once), default
#                     (the default kernel's alone, named NAME); VAR=VALUE
#                     go to run.sh (TIMEOUT, SMP, BASE=xl ...), and
#                     KERNEL:VAR=VALUE only on that kernel's boot
# carry and conf lines before the first job are every job's, after a job
# line that job's.  A group with no group_ function is its manifests' jobs.
SUITES=$LAB_TOP/tools/tests/suites

group_from_manifests()
{
	local m found=
	for m in "$SUITES"/*/manifest; do
		grep -q "^job $1 " "$m" || continue
		manifest_jobs "$m" "$1"
		found=1
	done
	[ -n "$found" ] || lab_die "no group $1: no group_$1, no manifest job"
}

# The boots of GROUP in one manifest.
manifest_jobs()
{
	local m=$1 group=$2 dir kw rest
	local -a w common=() cconf=() carry=() conf=() pending=()
	dir=$(dirname "$m")
	while read -r kw rest; do
		case $kw in
		'' | '#'*) ;;
		make)
			read -ra w <<<"${rest//@build/$LAB_BUILD}"
			make -s -C "$LAB_TOP/${w[0]}" "${w[@]:1}"
			;;
		carry)
			read -ra w <<<"$rest"
			if [ ${#pending[@]} -gt 0 ]; then
				carry+=("${w[@]}")
			else
				common+=("${w[@]}")
			fi
			;;
		conf)
			if [ ${#pending[@]} -gt 0 ]; then
				conf+=("$rest")
			else
				cconf+=("$rest")
			fi
			;;
		job)
			[ ${#pending[@]} -eq 0 ] || manifest_boots "${pending[@]}"
			read -ra pending <<<"$rest"
			[ ${#pending[@]} -ge 4 ] || lab_die "$m: job needs 4 words"
			carry=()
			conf=()
			;;
		*) lab_die "$m: unknown line '$kw $rest'" ;;
		esac
	done <"$m"
	[ ${#pending[@]} -eq 0 ] || manifest_boots "${pending[@]}"
}

# One job line of manifest_jobs (its variables): GROUP NAME KERNELS STATUS
# [VAR=VALUE...].
manifest_boots()
{
	local g=$1 name=$2 kernels=$3 status=$4 k n d c
	local -a env
	shift 4
	[ "$g" = "$group" ] || return 0
	for k in $(manifest_kernels "$kernels"); do
		n=$name
		env=()
		if [ "$kernels" != default ]; then
			n=$name-$k
			env=("KERNEL=$k")
		fi
		d=$(payload "$n")
		for c in "${common[@]}" "${carry[@]}"; do
			case $c in
			@module) module "$k" "$d" ;;
			@tools/*) cp -a "$TOOLS/${c#@tools/}" "$d/" ;;
			@build/*) cp -a "$LAB_BUILD/${c#@build/}" "$d/" ;;
			@top/*) cp -a "$LAB_TOP/${c#@top/}" "$d/" ;;
			*) cp -a "$dir/$c" "$d/" ;;
			esac
		done
		if [ $((${#cconf[@]} + ${#conf[@]})) -gt 0 ]; then
			printf '%s\n' "${cconf[@]}" "${conf[@]}" >"$d/conf"
		fi
		job "$n" "$status" "$d" "${env[@]}" $(manifest_vars "$k" "$@")
	done
}

# The VAR=VALUE words of a job line for kernel $1: all of the plain ones,
# and those written KERNEL:VAR=VALUE for this kernel.
manifest_vars()
{
	local k=$1 v
	shift
	for v; do
		if [[ $v =~ ^([^=:]+):([A-Z_]+=.*)$ ]]; then
			[ "${BASH_REMATCH[1]}" != "$k" ] || echo "${BASH_REMATCH[2]}"
		else
			echo "$v"
		fi
	done
}

manifest_kernels()
{
	case $1 in
	primary) echo "$KERNELS" ;;
	all) suite_kernels ;;
	default) echo "$KERNEL" ;;
	*) lab_die "$m: job $name: no kernels '$1'" ;;
	esac
}

# The debug dom0 kernel (KERNEL=6.1-debug, built the first time: lockdep,
# might_sleep, debugobjects, KFENCE, kmemleak, SLUB checks, fault
# injection) under the conformance suite (stock, ours, danger, regress),
# a short torture and 30 s of the fuzzer.  debug/run marks the
# phases of each boot: what the kernel reports while the stock driver runs
# is a finding, listed at the end; about ours, a failure.  Lockdep turns
# itself off at its first report, and the stock driver gives one: the
# suites run on ours alone once more (debug/ours), with lockdep still on.
# Timeouts: these boots run 2-4 times as long as on Debian's kernel.
# LAB_DEBUG_KERNEL=6.1 runs the same boots on Debian's kernel.
DEBUG_KERNEL=${LAB_DEBUG_KERNEL:-6.1-debug}
DEBUG_ENV=("KERNEL=$DEBUG_KERNEL" "FINDING_PHASES=kernel,stock")

# A payload of the debug group: its run wrapped by debug/run.
debug_payload()
{
	mv "$1/run" "$1/run.lab"
	cp "$LAB_DIR"/debug/{run,xenlab-debug} "$1/"
	module "$DEBUG_KERNEL" "$1"
}

group_debug()
{
	local d
	d=$(payload debug-conform "$SUITES/conform/run" \
		"$SUITES/conform/expected-differences" "$TOOLS/gntdev-conform")
	debug_payload "$d"
	job debug-conform 0 "$d" "${DEBUG_ENV[@]}" SMP=2 TIMEOUT=2100
	d=$(payload debug-conform-ours "$LAB_DIR/debug/ours" \
		"$TOOLS/gntdev-conform")
	mv "$d/ours" "$d/run"
	printf '%s\n' gntdev-conform "gntdev-conform -g danger" \
		"gntdev-conform -g regress" >"$d/commands"
	debug_payload "$d"
	job debug-conform-ours 0 "$d" "${DEBUG_ENV[@]}" SMP=2 TIMEOUT=1800
	d=$(payload debug-torture "$SUITES/torture/run")
	printf 'STOCK=0\nTORTURE_ARGS="-k 200 -t 10"\n' >"$d/conf"
	debug_payload "$d"
	job debug-torture 0 "$d" "${DEBUG_ENV[@]}" TIMEOUT=900
	d=$(payload debug-fuzz "$SUITES/fuzz/run")
	echo FUZZ_TIME=30 >"$d/conf"
	debug_payload "$d"
	job debug-fuzz 0 "$d" "${DEBUG_ENV[@]}" TIMEOUT=600
}

# The debug kernel's checks can fail a run: each kind of report, made by
# xenlab_debugbug.ko in phase "ours", must give status 126; one made in
# phase "stock" must pass as a finding (debug_findings checks it is
# listed).  One boot each: lockdep stops after its first report.
DEBUG_BUGS="sleep lockdep list leak poison"
group_debug_selftest()
{
	local b d ko=$LAB_BUILD/debugbug
	KERNEL=$DEBUG_KERNEL "$LAB_DIR/kbuild.sh" "$LAB_DIR/selftest/debug" "$ko"
	for b in $DEBUG_BUGS stock-lockdep; do
		case $b in
		stock-*) set -- stock "${b#stock-}" 0 ;;
		*) set -- ours "$b" 126 ;;
		esac
		d=$(payload "debug-selftest-$b" "$LAB_DIR/selftest/debug/run" \
			"$LAB_DIR/debug/xenlab-debug" "$ko/xenlab_debugbug.ko")
		printf 'BUG=%s\nPHASE=%s\n' "$2" "$1" >"$d/conf"
		job "debug-selftest-$b" "$3" "$d" "${DEBUG_ENV[@]}" TIMEOUT=300
	done
}

# What the debug kernel said about code not under test, boot by boot, and
# which phases ran with lockdep already off.
debug_findings()
{
	local f n
	for f in "$LAB_BUILD"/out/debug-*.findings; do
		[ -s "$f" ] || continue
		n=$(basename "$f" .findings)
		echo "lab: findings of $n (console: ${f%.findings}.console.log):"
		sed 's/\[ *[0-9.]*\] //' "$f" | sort | uniq -c | sort -rn |
			head -n 20 | sed 's/^/lab:   /'
		tr -d '\r' <"${f%.findings}.console.log" |
			sed -n 's/.*xenlab-debug: \(lockdep is off.*\)/lab:   \1/p'
	done
}

make -s -j"$(nproc)" -C "$LAB_DIR/src" O="$TOOLS"
for g in "${GROUPS_TO_RUN[@]}"; do
	if declare -F "group_$g" >/dev/null; then
		"group_$g"
	else
		group_from_manifests "$g"
	fi
done
rc=0
# Boots, if any (dkms alone boots nothing).
if grep -qv '^#' "$JOBFILE"; then
	"$LAB_DIR/runq.sh" "$JOBFILE" || rc=1
fi
if [ -n "$BUILDS_FAILED" ]; then
	echo "lab: FAIL builds:$BUILDS_FAILED"
	rc=1
fi
if [ "$JOBFILE" = "$LAB_BUILD/jobs-debug" ]; then
	debug_findings
	# The report made in phase stock is listed, not lost.
	if grep -q '^debug-selftest-stock-lockdep ' "$JOBFILE" &&
		! grep -q 'circular locking' \
			"$LAB_BUILD/out/debug-selftest-stock-lockdep.findings" 2>/dev/null; then
		echo "lab: FAIL debug-selftest-stock-lockdep: its report is not among the findings"
		rc=1
	fi
fi
[ $rc -eq 0 ] || exit 1
# The robustness figures of these boots (none without such boots); make
# check sets LAB_FIGURES=0 and prints them once at its end instead.
[ "${LAB_FIGURES:-1}" = 0 ] || exec "$LAB_DIR/figures.py"
