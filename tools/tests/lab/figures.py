#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# figures.py - the robustness figures of the last lab run, a few lines on
# stdout, per dom0 kernel: bad inputs run on each driver (checked against
# docs/bad-inputs.md), kill -9s, lifecycle sequences, worker-seconds of
# concurrency, the syscall fuzzer's sequences, operations and seed, then
# failures, oops/WARN lines and leaked grants, which must all be 0.
#
#   tools/tests/lab/figures.py [--all] [--fuzz-log LOG]
#
# It reads the job list check.sh wrote ($LAB_BUILD/jobs) and, for each
# boot of the conform and robust groups, its output in
# $LAB_BUILD/out: the "FIGURES prog key=value ..." lines the test programs
# print, the grant-table check and the console and dmesg, matched with
# lab-lib.sh's LAB_CRASH_RE as run.sh does.  --all (make check) wants
# every kernel of LAB_KERNELS to have all of those boots; --fuzz-log adds
# the host libFuzzer run (make check-fuzz's log).  A figure that is
# missing is an error, never a 0: exit 1 with what is missing.

import argparse
import importlib.util
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Boots by job name (check.sh's groups), and the FIGURES lines each must
# have: (program, driver, keys).  torture-stock and the *-long boots run on
# the default kernel.
KINDS = [
    ("conform", r"conform-",
     [("conform", "stock", ["bad_inputs", "lifecycle"]),
      ("conform", "ours", ["bad_inputs", "lifecycle"])]),
    ("torture-stock", r"torture-stock$", [("torture", "stock", [])]),
    ("torture", r"torture-",
     [("torture", "ours", ["kills", "kill_loops", "threads", "processes",
                           "conc_seconds", "worker_seconds"])]),
    ("fuzz", r"fuzz-", [("fuzz", "ours", ["sequences", "ops", "seed"])]),
]
# What --all wants on each kernel.
NEEDED = ["conform", "torture", "fuzz"]


class Fail(Exception):
    pass


def lab_env():
    """LAB_BUILD, the default KERNEL and LAB_CRASH_RE, from lab-lib.sh."""
    out = subprocess.run(
        ["bash", "-c", '. "$1"; printf "%s\\0" "$LAB_BUILD" "$KERNEL" '
         '"$LAB_CRASH_RE"', "-", os.path.join(HERE, "lab-lib.sh")],
        check=True, capture_output=True, text=True).stdout
    return out.split("\0")[:3]


def catalogue():
    """Bad inputs per (suite, driver) in a full run: docs/bad-inputs.md."""
    path = os.path.join(HERE, "..", "suites", "conform", "mkdoc.py")
    spec = importlib.util.spec_from_file_location("mkdoc", path)
    mkdoc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mkdoc)
    want = {}
    for r in mkdoc.bad_inputs():
        suite = r["suite"].split()[0]
        want[(suite, "ours")] = want.get((suite, "ours"), 0) + 1
        if r["on_stock"]:
            want[(suite, "stock")] = want.get((suite, "stock"), 0) + 1
    return want


def jobs(jobfile, default_kernel):
    """(name, kernel) of every boot the last check.sh ran."""
    out = []
    with open(jobfile) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            k = default_kernel
            for v in w[3:]:
                if v.startswith("KERNEL="):
                    k = v[len("KERNEL="):]
            out.append((w[0], k))
    return out


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().replace("\r", "")
    except OSError as e:
        raise Fail(f"{path}: {e.strerror}")


def figures_lines(text):
    """[(prog, {key: value})] of the FIGURES lines, in order."""
    out = []
    for m in re.finditer(r"^FIGURES (\S+)((?: \w+=\S*)*)\s*$", text, re.M):
        out.append((m.group(1), dict(re.findall(r"(\w+)=(\S*)",
                                                m.group(2)))))
    return out


def number(s, what):
    try:
        return float(s) if "." in s else int(s)
    except ValueError:
        raise Fail(f"{what}: '{s}' is not a number")


def boot(name, outdir, crash_re, kind):
    """One boot's figures: {(prog, driver): [dicts]}, crash lines, leaks."""
    out = os.path.join(outdir, name + ".out")
    text = read(out)
    console = read(os.path.join(outdir, name + ".console.log"))
    m = re.search(r"^XENLAB-DMESG-BEGIN$(.*?)^XENLAB-DMESG-END$", text,
                  re.M | re.S)
    if not m:
        raise Fail(f"{out}: no dmesg section")
    crashes = sum(1 for line in (console + m.group(1)).splitlines()
                  if crash_re.search(line))
    m = re.search(r"^GRANT-LEAK: (\d+) unexpected", text, re.M)
    if m:
        leaked = int(m.group(1))
    elif re.search(r"^GRANT-CHECK: clean ", text, re.M):
        leaked = 0
    else:
        raise Fail(f"{out}: no grant-table check result")
    figs = {}
    for prog, kv in figures_lines(text):
        figs.setdefault((prog, kv.get("driver", "?")), []).append(kv)
    for prog, driver, keys in kind:
        got = figs.get((prog, driver))
        if not got:
            raise Fail(f"{out}: no 'FIGURES {prog} driver={driver}' "
                          "line")
        for kv in got:
            for key in keys + ["failed"]:
                if key not in kv:
                    raise Fail(f"{out}: 'FIGURES {prog} "
                                  f"driver={driver}' has no {key}=")
    return figs, crashes, leaked


def total(figs, prog, driver, key):
    """The sum of @key over the boots' FIGURES lines of @prog, @driver."""
    return sum(number(kv[key], f"{prog} {key}")
               for f in figs for kv in f.get((prog, driver), []) if key in kv)


def kernel_lines(k, boots, want):
    """The figures of one dom0 kernel; raises Fail if one is absent."""
    kinds = {b["kind"] for b in boots}
    figs = [b["figs"] for b in boots]
    lines, parts = [], []

    if "conform" in kinds:
        ran = {}
        for drv in ("ours", "stock"):
            ran[drv] = total(figs, "conform", drv, "bad_inputs")
            if ran[drv] != want[("conform", drv)]:
                raise Fail(
                    f"{k}: conform ran {ran[drv]} bad inputs on {drv}, "
                    f"docs/bad-inputs.md lists {want[('conform', drv)]}")
        parts.append(f"bad inputs {ran['ours'] + ran['stock']} "
                     f"(ours {ran['ours']}, stock {ran['stock']}"
                     " = docs/bad-inputs.md)")
        o = total(figs, "conform", "ours", "lifecycle")
        s = total(figs, "conform", "stock", "lifecycle")
        parts.append(f"lifecycle sequences {o + s} (ours {o}, stock {s})")
        # The sequences that oops the stock kernel run on ours only, in
        # the conform boot (conform/run's "-g danger").
        d = total(figs, "conform", "ours", "danger")
        if not d:
            raise Fail(f"{k}: the conform boot ran no danger case")
        parts.append(f"danger sequences {d} (ours)")
    if "torture" in kinds:
        parts.append(f"kill -9 {total(figs, 'torture', 'ours', 'kills')} "
                     f"({total(figs, 'torture', 'ours', 'kill_loops')} "
                     "child loops)")
    if parts:
        lines.append("; ".join(parts))
    parts = []
    for f in figs:
        for kv in f.get(("torture", "ours"), []):
            if "worker_seconds" in kv:
                parts.append(f"concurrency {kv['worker_seconds']} "
                             f"worker-seconds ({kv['threads']} threads + "
                             f"{kv['processes']} processes x "
                             f"{kv['conc_seconds']} s)")
    for f in figs:
        for kv in f.get(("fuzz", "ours"), []):
            parts.append(f"syscall fuzzer {kv['sequences']} sequences, "
                         f"{kv['ops']} ops, seed {kv['seed']}")
    if parts:
        lines.append("; ".join(parts))
    failed = sum(number(kv["failed"], "failed") for f in figs
                 for got in f.values() for kv in got)
    crashes = sum(b["crashes"] for b in boots)
    leaked = sum(b["leaked"] for b in boots)
    lines.append(f"failures {failed}, oops/WARN {crashes}, leaked grants "
                 f"{leaked} ({len(boots)} boots)")
    return lines, failed + crashes + leaked


def fuzz_log(path):
    text = read(path)

    def stat(key, pattern):
        m = re.findall(pattern, text, re.M)
        if not m:
            raise Fail(f"{path}: no {key}")
        return m[-1]

    runs = stat("run count", r"^stat::number_of_executed_units:\s*(\d+)")
    secs = stat("duration", r"^Done \d+ runs in (\d+) second")
    seed = stat("seed", r"^INFO: Seed: (\d+)")
    return f"libFuzzer (driver core) {runs} iterations in {secs} s, seed {seed}"


def kernel_order(name):
    """Sort key: 6.1 before 6.12 before 6.12-trixie before sid."""
    return [(0, int(x), "") if x.isdigit() else (1, 0, x)
            for x in re.split(r"[.-]", name)]


def main():
    ap = argparse.ArgumentParser(description="the lab's robustness figures")
    ap.add_argument("--all", action="store_true",
                    help="every kernel must have every robustness boot")
    ap.add_argument("--fuzz-log", help="make check-fuzz's libFuzzer log")
    opt = ap.parse_args()

    build, default_kernel, crash = lab_env()
    crash_re = re.compile(crash)
    outdir = os.path.join(build, "out")
    kernels = os.environ.get("LAB_KERNELS", "6.1 6.12-trixie").split()
    try:
        per_kernel = {}
        for name, k in jobs(os.path.join(build, "jobs"), default_kernel):
            for label, pattern, kind in KINDS:
                if re.match(pattern, name):
                    break
            else:
                continue
            figs, crashes, leaked = boot(name, outdir, crash_re, kind)
            per_kernel.setdefault(k, []).append(
                {"name": name, "kind": label, "figs": figs,
                 "crashes": crashes, "leaked": leaked})
        if opt.all:
            for k in kernels:
                have = {b["kind"] for b in per_kernel.get(k, [])}
                lack = [n for n in NEEDED if n not in have]
                if lack:
                    raise Fail(f"{k}: no {', '.join(lack)} boot in this "
                                  "run")
        if not per_kernel and not opt.fuzz_log:
            return 0
        want = catalogue()
        bad = 0
        out = [f"robustness and security, from {outdir}:"]
        for k in sorted(per_kernel, key=kernel_order):
            lines, b = kernel_lines(k, per_kernel[k], want)
            bad += b
            out += [f"dom0 {k}: {line}" for line in lines]
        if opt.fuzz_log:
            out.append(f"host: {fuzz_log(opt.fuzz_log)}")
    except Fail as e:
        print(f"figures: FAIL: {e}")
        return 1
    for line in out:
        print(f"figures: {line}")
    if bad:
        print("figures: FAIL: failures, oops/WARN or leaked grants above")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
