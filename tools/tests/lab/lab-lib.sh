# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lab-lib.sh - shared settings and helpers of the Xen lab scripts.
#
# Sourced, never run.  Everything the lab downloads or derives from a
# download lives in $LAB_CACHE, outside the repository; everything built from
# the repository's own sources lives in $LAB_BUILD.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_TOP=$(cd "$LAB_DIR/../../.." && pwd)
LAB_CACHE=${GNTDEV_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gntdev-lab}
LAB_BUILD=${LAB_BUILD:-$LAB_TOP/build/lab}

# Kernel oopses, warnings and stack dumps, lockdep and hung-task reports,
# Xen crashes: what fails a boot (run.sh) and what figures.py counts.  The
# second half is what only the debug kernels (KERNEL=6.1-debug) report:
# KASAN and KFENCE, lockdep's headers, might_sleep(), debugobjects,
# kmemleak (debug/xenlab-debug copies each suspected leak's record to the
# log: "unreferenced object"), SLUB's red zones and poison, list and
# refcount corruption.
LAB_CRASH_RE='Oops|BUG:|Call Trace:|sysfs: cannot create duplicate|kernel BUG at|WARNING: CPU:|WARNING: at |general protection fault|Kernel panic|Unable to handle|possible recursive locking|possible circular locking|suspicious RCU usage|blocked for more than|Bad page (map|state)|list_(add|del) corruption|\(XEN\) .*(Panic on CPU|FATAL TRAP|Xen BUG at|Xen WARN at|----\[ Xen-)|Hardware Dom0 crashed'
LAB_CRASH_RE+='|BUG: KASAN|BUG: KFENCE|WARNING: possible|inconsistent lock state|lock held when returning|bad unlock balance|held lock freed|lock order detected|Nested lock was not taken|BUG: sleeping function called from invalid context|scheduling while atomic|ODEBUG:|kmemleak: [0-9]+ new suspected|unreferenced object 0x|BUG [^ ]+ \((Not tainted|Tainted: [^)]*)\): |refcount_t: '

# Which dom0 kernel; the hypervisor defaults to the one of the kernel's
# Debian release (lab_kernel_xen, at the end).
KERNEL=${KERNEL:-6.1}

lab_log()
{
	[ -n "${LAB_QUIET:-}" ] || echo "lab: $*" >&2
}

lab_die()
{
	echo "lab: error: $*" >&2
	exit 1
}

# Run a command under the cache lock so parallel lab runs never prepare the
# same thing twice at once.
lab_locked()
{
	mkdir -p "$LAB_CACHE"
	(
		flock 9
		"$@"
	) 9>"$LAB_CACHE/.lock"
}

# lab_extract DIR WHAT DEB...: the packages' files in DIR/root.  The
# stamp DIR/.complete holds the package list, so a changed list or version
# extracts afresh and an unchanged one is left as it is.
lab_extract()
{
	local dir=$1 what=$2 deb
	shift 2
	[ "$(cat "$dir/.complete" 2>/dev/null)" != "$*" ] || return 0
	lab_log "extracting $what"
	rm -rf "$dir"
	mkdir -p "$dir/root"
	for deb; do
		dpkg -x "$deb" "$dir/root"
	done
	echo "$*" >"$dir/.complete"
}

# apt with a long lock timeout: a fresh machine may be running its own apt.
lab_apt()
{
	apt-get -q -o DPkg::Lock::Timeout=900 "$@"
}

# lab_in_root ROOT DIR... -- COMMAND...: run COMMAND chrooted in a build
# root (buildroot.sh) in a mount namespace of its own, so that nothing
# stays mounted: the repository read-only and each DIR writable, at their
# own paths, with an empty environment but PATH and HOME.
lab_in_root()
{
	local root=$1 dirs=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		dirs+=("$1")
		shift
	done
	[ "${1:-}" = -- ] || lab_die "usage: lab_in_root ROOT DIR... -- COMMAND..."
	shift
	# shellcheck disable=SC2016
	unshare --mount --propagation private -- bash -euc '
		root=$1 top=$2 n=$3
		shift 3
		mount --rbind /dev "$root/dev"
		mount --rbind /proc "$root/proc"
		mkdir -p "$root$top"
		mount --bind "$top" "$root$top"
		for d in "${@:1:$n}"; do
			mkdir -p "$root$d"
			mount --bind "$d" "$root$d"
		done
		mount -o remount,bind,ro "$root$top"
		shift "$n"
		exec chroot "$root" env -i PATH=/usr/bin:/bin HOME=/tmp "$@"
	' lab_in_root "$root" "$LAB_TOP" "${#dirs[@]}" "${dirs[@]}" "$@"
}

# The compiler that built a kernel, as its Makefile calls it (e.g.
# x86_64-linux-gnu-gcc-14), from the .config of its headers in KDIR.
lab_kernel_cc()
{
	sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$1/.config"
}

# lab_release_root KERNEL KDIR: the build root of the kernel's Debian
# release (buildroot.sh; the host's own for bookworm's kernels), with the
# compiler that built the kernel and what kbuild runs with (kbuild.sh),
# that release's dkms (dkms.sh) and libxen-dev (the drop-in test's
# program): one root per release and compiler serves all three.  Made
# the first time; prints its path.
lab_release_root()
{
	local suite cc
	suite=$(lab_kernel_suites "$1")
	# The release itself is the last suite (after its backports).
	suite=${suite##* }
	[ "$suite" != host ] || suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
	cc=$(lab_kernel_cc "$2")
	[ -n "$cc" ] || lab_die "no CONFIG_CC_VERSION_TEXT in $2/.config"
	"$LAB_DIR/buildroot.sh" "$suite" "${cc#*-linux-gnu-}" dkms libxen-dev
}

# The Debian archive the host's apt uses (its mirror or proxy, whatever
# the administrator configured; the repository names no archive host):
# prints "URI KEYRING" of the main archive (KIND=main) or of the security
# archive (KIND=security), KEYRING empty when the entry names none.
lab_debian_archive()
{
	local kind=$1 release uri entry
	release=$(. /etc/os-release && echo "$VERSION_CODENAME")
	[ "$kind" = main ] || release+=-security
	# Origin is known once the lists are there; without, trust the suite.
	read -r uri entry < <({
		lab_archive_targets "$release" 'Origin: Debian'
		lab_archive_targets "$release"
	} | head -n 1) || lab_die "apt has no Debian $release archive configured"
	echo "$uri $(lab_sources_keyring "$entry")"
}

lab_archive_targets()
{
	apt-get indextargets --format '$(REPO_URI) $(SOURCESENTRY)' \
		'Created-By: Packages' "Release: $1" 'Component: main' \
		${2:+"$2"} 2>/dev/null | sort -u
}

# The keyring of a sources entry "FILE:N": Signed-By of the Nth stanza of
# a deb822 .sources file, or signed-by= of line N of a one-line .list.
lab_sources_keyring()
{
	local file=${1%:*} n=${1##*:}
	case "$file" in
	*.sources)
		awk -v n="$n" 'BEGIN { RS = "" }
			NR == n { if (match($0, /(^|\n)Signed-By: *[^\n]*/)) {
				s = substr($0, RSTART, RLENGTH)
				sub(/.*Signed-By: */, "", s); print s } }' "$file" ;;
	*) sed -n "${n}s/.*signed-by=\([^] ]*\).*/\1/p" "$file" ;;
	esac
}

# Debian's package for the dom0 kernel of each supported series.  The
# metapackage's dependency names the current ABI (e.g. 6.1.0-56-amd64).
# A kernel the lab builds (lab_kernel_built) names its base's.
lab_kernel_meta()
{
	case "$1" in
	6.1 | 6.1-debug | 6.1-kasan) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	6.12-trixie | trixie-bpo | sid) echo linux-image-amd64 ;;
	*) lab_die "unknown KERNEL=$1 (supported: 6.1, 6.12, 6.12-trixie, trixie-bpo, sid, 6.1-debug, 6.1-kasan)" ;;
	esac
}

# The Debian suites a kernel comes from: "host" for the host's own
# (bookworm and its backports), else those of a private apt configuration
# (private_apt in fetch.sh), whose first suite's candidates win.  The
# newest kernel Debian users run in each: trixie (Debian 13), its
# backports, and unstable.
lab_kernel_suites()
{
	case "$1" in
	6.12-trixie) echo trixie ;;
	trixie-bpo) echo trixie-backports trixie ;;
	sid) echo sid ;;
	*) echo host ;;
	esac
}

# The hypervisor a kernel boots on when XEN is not given: the one its
# Debian release ships (bookworm 4.17, trixie 4.20; sid's kernel with the
# newest stable one).
lab_kernel_xen()
{
	case "$1" in
	6.12-trixie | trixie-bpo | sid) echo 4.20 ;;
	*) echo 4.17 ;;
	esac
}

# Kernels the lab builds itself from Debian's source (debug-kernel.sh):
# prints the Debian series each is built from and its config fragments
# under debug/; fails for the kernels downloaded as they are.  6.1-kasan
# adds KASAN, which does not boot as a Xen PV dom0 (see debug/kasan.config).
lab_kernel_built()
{
	case "$1" in
	6.1-debug) echo "6.1 kernel.config" ;;
	6.1-kasan) echo "6.1 kernel.config kasan.config" ;;
	*) return 1 ;;
	esac
}

# The bzImage of an extracted kernel (ROOT KVER): in /boot, or since 7.x
# beside the modules.
lab_kernel_image()
{
	if [ -e "$1/boot/vmlinuz-$2" ]; then
		echo "$1/boot/vmlinuz-$2"
	else
		echo "$1/lib/modules/$2/vmlinuz"
	fi
}

# The dom0 kernel's own command-line additions.  Debug kernels: a log ring
# that holds lockdep's reports; KFENCE sampling an allocation every 10 ms
# instead of every 100 ms; SLUB's red zones, poisoning and sanity checks on
# every cache (what catches most use-after-free writes without KASAN);
# with KASAN, every report, not just the first.
lab_kernel_cmdline()
{
	local debug="log_buf_len=8M kfence.sample_interval=10 slub_debug=FZPU"
	case "$1" in
	6.1-debug) echo "$debug" ;;
	6.1-kasan) echo "$debug kasan_multi_shot" ;;
	esac
}

# Fetch (or, for a kernel the lab builds, build first) what a boot of
# $KERNEL needs.  The build takes 20 min or more: it runs under a lock of
# its own, not under the cache lock every boot on this machine takes.
lab_prepare()
{
	if lab_kernel_built "$KERNEL" >/dev/null; then
		"$LAB_DIR/debug-kernel.sh" "$KERNEL"
	fi
	lab_locked "$LAB_DIR/fetch.sh" "$@"
}

# The sources a Xen release comes from: bookworm's own, or trixie's through
# a private apt configuration that never touches the host's.
lab_xen_suite()
{
	case "$1" in
	4.17) echo host ;;
	4.20) echo trixie ;;
	*) lab_die "unknown XEN=$1 (supported: 4.17, 4.20)" ;;
	esac
}

XEN=${XEN:-$(lab_kernel_xen "$KERNEL")}
