#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# report.py - turn gntbench RESULT lines into a table, CSV, JSON and plot
# data.
#
#   tools/bench/report.py [--stat best|mean] RESULTS OUTDIR [key=value ...]
#
# RESULTS holds the lines the lab payload printed, one per point and round:
#   RESULT round=R driver=D test=T batch|live|segs=X value=V best=B unit=U
# where V is the point's mean and B its fastest chunk (see gntbench.c).
# Each point's statistic (--stat, default best: host noise only ever adds
# time, so the fastest chunk is the steadier estimate) is summarised over
# the rounds by its median and spread.  Writes OUTDIR/results.csv,
# OUTDIR/results.json (key=value arguments go into its "meta"; both
# statistics are there), and OUTDIR/plot/*.dat for plot.gp; prints the
# table.  Exits 1 if RESULTS has no result or misses a driver a ratio
# needs.

import json
import os
import statistics
import sys

# Units where a larger value is better; the others are times.
RATES = {"pages/s", "MiB/s"}
# Table order of the tests; anything else follows alphabetically.
ORDER = ["full", "step-map", "step-mmap", "step-touch", "step-munmap",
         "step-unmap", "alloc-pages", "alloc-arrays", "ioctl", "live-setup",
         "copy-in", "copy-out", "clock"]


def parse(path):
    points = {}
    for line in open(path):
        if not line.startswith("RESULT "):
            continue
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        param = next(k for k in ("batch", "live", "segs") if k in f)
        key = (f["test"], param, int(f[param]), f["unit"])
        points.setdefault(key, {}).setdefault(f["driver"], []).append({
            "round": int(f.get("round", 1)),
            "mean": float(f["value"]),
            "best": float(f.get("best", f["value"])),
        })
    return points


def stats(vals, stat):
    v = [x[stat] for x in sorted(vals, key=lambda x: x["round"])]
    med = statistics.median(v)
    return {
        "rounds": len(v),
        "median": med,
        "min": min(v),
        "max": max(v),
        "spread_pct": 100.0 * (max(v) - min(v)) / med if med else 0.0,
        "values": v,
    }


def paired(a, b, stat):
    """Median of the per-round ratios a/b, rounds where both ran."""
    rb = {x["round"]: x[stat] for x in b}
    r = [x[stat] / rb[x["round"]] for x in a if rb.get(x["round"])]
    return statistics.median(r) if r else None


def order(key):
    test = key[0]
    return (ORDER.index(test) if test in ORDER else len(ORDER), test,
            key[2])


def fmt(v):
    if v is None:
        return "-"
    if v >= 1000:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def ratio(a, b):
    return a / b if a is not None and b else None


def main():
    args = sys.argv[1:]
    stat = "best"
    if len(args) > 1 and args[0] == "--stat":
        stat = args[1]
        args = args[2:]
    if len(args) < 2 or stat not in ("best", "mean"):
        sys.exit("usage: report.py [--stat best|mean] RESULTS OUTDIR "
                 "[key=value ...]")
    points = parse(args[0])
    out = args[1]
    meta = dict(a.split("=", 1) for a in args[2:])
    meta["stat"] = stat
    if not points:
        sys.exit("report: no RESULT lines in %s" % args[0])
    drivers = sorted({d for p in points.values() for d in p})
    for need in ("stock", "ours"):
        if need not in drivers:
            sys.exit("report: no results for driver %s" % need)

    rows = []
    for key in sorted(points, key=order):
        test, param, x, unit = key
        st = {d: stats(v, stat) for d, v in points[key].items()}
        other = "mean" if stat == "best" else "best"
        med = {d: s["median"] for d, s in st.items()}
        row = {
            "test": test, "param": param, "x": x, "unit": unit,
            "higher_is_better": unit in RATES,
            "drivers": st,
            "drivers_" + other: {d: stats(v, other)
                                 for d, v in points[key].items()},
            "ours_per_stock": ratio(med.get("ours"), med.get("stock")),
            "ours_per_stock_paired": paired(points[key].get("ours", []),
                                            points[key].get("stock", []),
                                            stat),
            "ours_per_base": ratio(med.get("ours"), med.get("base")),
            "ours_per_base_paired": paired(points[key].get("ours", []),
                                           points[key].get("base", []),
                                           stat),
            "ours_per_floor": ratio(med.get("ours"), med.get("floor")),
            "stock_per_floor": ratio(med.get("stock"), med.get("floor")),
            "ours_per_floor2": ratio(med.get("ours"), med.get("floor2")),
            "stock_per_floor2": ratio(med.get("stock"), med.get("floor2")),
        }
        rows.append(row)

    os.makedirs(os.path.join(out, "plot"), exist_ok=True)
    with open(os.path.join(out, "results.csv"), "w") as f:
        f.write("driver,test,param,x,unit,stat,rounds,median,min,max,"
                "spread_pct,mean_median,ours_per_stock\n")
        for r in rows:
            for d, s in sorted(r["drivers"].items()):
                mean = (s if stat == "mean" else r["drivers_mean"][d])
                f.write("%s,%s,%s,%d,%s,%s,%d,%.3f,%.3f,%.3f,%.1f,%.3f,%s\n"
                        % (d, r["test"], r["param"], r["x"], r["unit"],
                           stat, s["rounds"], s["median"], s["min"],
                           s["max"], s["spread_pct"], mean["median"],
                           "" if r["ours_per_stock"] is None else
                           "%.4f" % r["ours_per_stock"]))
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "points": rows}, f, indent=1)

    # Plot data: one file per test, a column per driver (medians).
    plot_drivers = ["stock", "ours", "floor", "floor2"]
    for test in {r["test"] for r in rows}:
        with open(os.path.join(out, "plot", test + ".dat"), "w") as f:
            f.write("# x " + " ".join(plot_drivers) + "\n")
            for r in (r for r in rows if r["test"] == test):
                f.write("%d %s\n" % (r["x"], " ".join(
                    "%.6g" % r["drivers"][d]["median"]
                    if d in r["drivers"] else "NaN"
                    for d in plot_drivers)))

    # The table.
    print("Statistic: %s (%s).  Medians over rounds; +-N%% = (max-min)/median."
          "\nours/stock is the ratio of the values: >1 is better for pages/s "
          "and MiB/s,\n<1 is better for us (times); paired = median of the "
          "per-round ratios.\nfloor = raw hypercalls in gntfloor.ko, 1 "
          "mapping per grant, into a PTE (as ours\nissues on PV); floor2 = "
          "2 per grant, PTE + kernel address (as stock issues).\nFloor "
          "step-mmap/munmap = its map/unmap hypercalls alone." % (
              stat, "fastest chunk of each point" if stat == "best"
              else "mean over each point"))
    hdr = ("%-12s %6s %-8s %16s %16s %8s %8s %11s %10s %10s %10s" % (
        "test", "x", "unit", "stock", "ours", "ours/", "paired",
        "floor", "floor2", "ours/", "stock/"))
    hdr2 = ("%-12s %6s %-8s %16s %16s %8s %8s %11s %10s %10s %10s" % (
        "", "", "", "", "", "stock", "", "", "", "floor", "floor"))
    print(hdr)
    print(hdr2)
    print("-" * len(hdr))
    last = None
    for r in rows:
        if last and r["test"] != last:
            print()
        last = r["test"]
        d = r["drivers"]

        def cell(name, width):
            if name not in d:
                return "%*s" % (width, "-")
            s = d[name]
            return "%*s" % (width, "%s +-%.0f%%" % (fmt(s["median"]),
                                                   s["spread_pct"]))
        print("%-12s %6d %-8s %16s %16s %8s %8s %11s %10s %10s %10s" % (
            r["test"], r["x"], r["unit"], cell("stock", 16),
            cell("ours", 16), fmt(r["ours_per_stock"]),
            fmt(r["ours_per_stock_paired"]),
            fmt(d["floor"]["median"]) if "floor" in d else "-",
            fmt(d["floor2"]["median"]) if "floor2" in d else "-",
            fmt(r["ours_per_floor"]), fmt(r["stock_per_floor"])))
    rounds = max(s["rounds"] for r in rows for s in r["drivers"].values())
    print("\n%d round(s); drivers: %s" % (rounds, ", ".join(drivers)))
    if "base" in drivers:
        print_base(rows)
    # The step breakdown reads the clock around every step.
    for r in rows:
        if r["test"] != "clock":
            continue
        for d, s in sorted(r["drivers"].items()):
            if s["max"] > 1000:
                print("warning: clock_gettime took up to %.0f ns under %s "
                      "(a syscall, not the vDSO):\nstep-* times include "
                      "about one clock read each" % (s["max"], d))


def print_base(rows):
    """Ours against another tree's module (run-bench.sh --base), same boot."""
    print("\nours/base: this tree against the --base module in the same "
          "rounds (>1 is better\nfor pages/s and MiB/s, <1 for times); "
          "base/stock is the base's ours/stock.")
    hdr = "%-12s %6s %-8s %16s %16s %8s %8s %8s" % (
        "test", "x", "unit", "base", "ours", "ours/", "paired", "base/")
    print(hdr)
    print("%-12s %6s %-8s %16s %16s %8s %8s %8s" % (
        "", "", "", "", "", "base", "", "stock"))
    print("-" * len(hdr))
    for r in rows:
        d = r["drivers"]
        if "base" not in d or "ours" not in d:
            continue
        print("%-12s %6d %-8s %16s %16s %8s %8s %8s" % (
            r["test"], r["x"], r["unit"],
            "%s +-%.0f%%" % (fmt(d["base"]["median"]),
                             d["base"]["spread_pct"]),
            "%s +-%.0f%%" % (fmt(d["ours"]["median"]),
                             d["ours"]["spread_pct"]),
            fmt(r["ours_per_base"]), fmt(r["ours_per_base_paired"]),
            fmt(ratio(d["base"]["median"], d["stock"]["median"])
                if "stock" in d else None)))


if __name__ == "__main__":
    main()
