#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# platforms.sh - the README's platform table, from the last lab run.
#
#   tools/tests/lab/platforms.sh [JOBFILE...]
#
# One Markdown row per dom0 kernel of the job list check.sh last wrote
# ($LAB_BUILD/jobs), or of several (copies kept from runs of single
# groups; a job named twice counts once): the Debian suite it comes from, its package version,
# the compiler that built it (kbuild.sh builds our module with the same),
# the hypervisor it booted on, the boots (and DKMS builds) that ran and
# how many passed (their summaries); names without the kernel's suffix.  Regenerate the README's table after
# make check (or make check-matrix) with tools/tests/lab/platforms.sh.

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

[ $# -gt 0 ] || set -- "$LAB_BUILD/jobs"
JOBFILES=("$@")
OUT=$LAB_BUILD/out
for f in "${JOBFILES[@]}"; do
	[ -s "$f" ] || lab_die "no job list $f: run check.sh first"
done

# "KERNEL NAME XEN WANT" for each job, in the job list's order; builds that
# are no boots ("# build NAME ...", e.g. check.sh's dkms) too.
jobs_by_kernel()
{
	awk -v k="$KERNEL" '/^# build / { sub(/^# build /, "") }
		!/^#/ && NF {
		kern = k; xen = ""
		for (i = 4; i <= NF; i++) {
			if ($i ~ /^KERNEL=/) kern = substr($i, 8)
			if ($i ~ /^XEN=/) xen = substr($i, 5)
		}
		if (!($1 in seen)) { seen[$1] = 1; print kern, $1, (xen == "" ? "-" : xen), $2 } }' \
		"${JOBFILES[@]}"
}

# The suite a kernel comes from: the host's own release, or the first
# suite of its private apt configuration.
suite()
{
	local s
	s=$(lab_kernel_suites "$1")
	[ "$s" != host ] || s=$(. /etc/os-release && echo "$VERSION_CODENAME")
	echo "${s%% *}"
}

# "gcc-14 14.2.0-19" from the kernel's CONFIG_CC_VERSION_TEXT.
compiler()
{
	sed -En 's/^CONFIG_CC_VERSION_TEXT="([^ ]*-)?(gcc-[0-9]+) \(Debian ([^)]*)\).*/\2 \3/p' \
		"$1/.config"
}

# The version of the package an extracted file list came from.
deb_version()
{
	local deb
	deb=$(compgen -G "$LAB_CACHE/debs/$1_*.deb" | sort -V | tail -n 1) ||
		return 0
	dpkg-deb -f "$deb" Version
}

echo "| suite | kernel (package version) | compiler | Xen | boots and builds | passed |"
echo "|---|---|---|---|---|---|"
for k in $(jobs_by_kernel | awk '!seen[$1]++ { print $1 }'); do
	# shellcheck disable=SC1090
	. "$LAB_CACHE/env/kernel-$k.env"
	names=() pass=0 xen='' booted=''
	while read -r kern name x want; do
		[ "$kern" = "$k" ] || continue
		names+=("${name%-"$k"}")
		[ "$x" != - ] || x=
		[ -n "$xen" ] || [ "${name%%-*}" = dkms ] ||
			xen=${x:-$(lab_kernel_xen "$k")}
		# A boot that has not ended has no summary yet.
		[ -e "$OUT/$name.summary" ] || continue
		# Passed: the status it should have (the lab's self-tests
		# expect failures); a build says PASS.
		st=$(sed -n 's/^lab: [^ ]*: [A-Z]* (status \([0-9]*\).*/\1/p' \
			"$OUT/$name.summary")
		if [ -n "$st" ]; then
			[ "$st" != "$want" ] || pass=$((pass + 1))
		elif grep -q ": PASS " "$OUT/$name.summary"; then
			pass=$((pass + 1))
		fi
		[ -n "$booted" ] || booted=$(sed -n \
			's/.*\[xen=\([^ ]*\) kernel=.*/\1/p' "$OUT/$name.summary")
	done < <(jobs_by_kernel)
	xen=${xen:-$(lab_kernel_xen "$k")}
	# shellcheck disable=SC1090
	. "$LAB_CACHE/env/xen-$xen.env"
	printf '| %s | %s (%s) | %s | %s (%s) | %s | %d of %d |\n' \
		"$(suite "$k")" "$KVER" "$(deb_version "linux-image-$KVER")" \
		"$(compiler "$KDIR")" "$XEN_PKG_VERSION" "${booted:-not booted}" \
		"${names[*]}" "$pass" "${#names[@]}"
done
