#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# mkdoc.py - write docs/bad-inputs.md from the suite's own tables of bad
# inputs, so the documented errnos are the ones the lab asserts on every
# make check:
#   the conformance suite's case tables (tools/tests/suites/conform/conform-*.c):
#   every case of a group marked .bad_inputs (errors), and the cases marked
#   .bad_input in the others.
#
#   tools/tests/suites/conform/mkdoc.py > docs/bad-inputs.md
#   tools/tests/suites/conform/mkdoc.py --check docs/bad-inputs.md
#
# --check exits 1 (with a diff) if the file is not what would be written.
# lab/figures.py imports this file to know how many bad inputs a full run
# makes on each driver.

import difflib
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = HERE
RUNNER = os.path.join(SRC, "gntdev-conform.c")
# The suite's list of deliberate differences, "case  # reason" a line.
DIFFERENCES = {
    "conform": os.path.join(HERE, "expected-differences"),
}
# Groups whose cases are filed by name (see SECTIONS), besides the errors
# group; the bad inputs of the others (data, lifecycle, danger) are all
# about mmap() and the mapping.
BY_NAME = ("dmabuf", "notify", "copy")

# Sections of the document, in order.
SECTIONS = [
    ("map-", "`IOCTL_GNTDEV_MAP_GRANT_REF`"),
    ("unmap-", "`IOCTL_GNTDEV_UNMAP_GRANT_REF`"),
    ("get-offset-", "`IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR`"),
    ("set-max-grants", "`IOCTL_GNTDEV_SET_MAX_GRANTS`"),
    ("ioctl-", "Other ioctl numbers"),
    ("open-", "`open()` of the device node"),
    ("mmap-", "`mmap()` and the mapping"),
    ("notify-", "`IOCTL_GNTDEV_SET_UNMAP_NOTIFY`"),
    ("copy-", "`IOCTL_GNTDEV_GRANT_COPY`"),
    ("dmabuf-", "The dma-buf ioctls (`IOCTL_GNTDEV_DMABUF_*`)"),
]
MAPPING = "`mmap()` and the mapping"


def literal(text):
    """The value of adjacent C string literals."""
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', text))


def args_of(text, start):
    """Split the macro call whose '(' is at @start into top-level args."""
    args, depth, cur, i = [], 0, "", start
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur += text[i : j + 1]
            i = j + 1
            continue
        if c == "(":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args
        elif c == "," and depth == 1:
            args.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    raise ValueError("unterminated macro call")


def table(text, head, macro, path):
    """Every @macro(...) call inside the initializer that follows @head."""
    start = text.find(head)
    if start < 0:
        sys.exit(f"mkdoc: no '{head}' in {path}")
    end = text.index("\n};", start)
    body = text[start:end]
    return [args_of(body, m.end() - 1)
            for m in re.finditer(r"\b%s\(" % macro, body)]


def named(args):
    """The '.key = value' arguments of a table entry."""
    out = {}
    for a in args:
        m = re.match(r"\.(\w+)\s*=\s*(.*)", a, re.S)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def conform_cases():
    """Every conformance case, with its group's flags, groups in the
    runner's order (all_groups[] in gntdev-conform.c)."""
    with open(RUNNER) as f:
        m = re.search(r"all_groups\[\] = \{(.*?)\};", f.read(), re.S)
    order = re.findall(r"&(\w+)", m.group(1))
    groups = []
    for path in glob.glob(os.path.join(SRC, "conform-*.c")):
        with open(path) as f:
            text = f.read()
        m = re.search(r"^CONFORM_GROUP\((\w+),\s*(\"\w+\")(.*?)\);", text,
                      re.S | re.M)
        if m:
            groups.append((order.index(m.group(1)), path, text,
                           m.group(2), m.group(3)))
    cases = []
    for _, path, text, gname, group in sorted(groups):
        gname = literal(gname)
        by_default = re.search(r"\.by_default\s*=\s*true", group) is not None
        all_bad = re.search(r"\.bad_inputs\s*=\s*true", group) is not None
        head = "static const struct conform_case cases[] = {"
        for args in table(text, head, "CONFORM_CASE", path):
            opt = named(args[4:])
            cases.append({
                "name": literal(args[0]),
                "suite": "conform " + gname,
                "ours": literal(args[3]),
                "stock": literal(opt["stock"]) if "stock" in opt else None,
                "on_stock": by_default,
                "bad": all_bad or opt.get("bad_input") == "true",
                "section": None if all_bad or gname in BY_NAME else MAPPING,
            })
    return cases


def bad_inputs():
    """The rows of the document, each filed under its section."""
    rows = [c for c in conform_cases() if c["bad"]]
    # The errors group first, then the other groups.
    rows.sort(key=lambda r: r["suite"] != "conform errors")
    for r in rows:
        if r["section"]:
            continue
        for prefix, title in SECTIONS:
            if r["name"].startswith(prefix):
                r["section"] = title
                break
        else:
            sys.exit(f"mkdoc: no section for case {r['name']}: "
                     "add its prefix to SECTIONS")
    return rows


def reasons():
    """{(suite, case): reason} from the expected-differences files."""
    out = {}
    for suite, path in DIFFERENCES.items():
        with open(path) as f:
            for line in f:
                m = re.match(r"([\w-]+)\s+#\s*(.*)", line)
                if m:
                    out[(suite, m.group(1))] = m.group(2).strip()
    return out


def stock_text(r):
    if not r["on_stock"]:
        return "not run (it oopses the stock kernel)"
    s = r["stock"] if r["stock"] is not None else r["ours"]
    if s == "*":
        return "not compared"
    return f"`{s}`" + ("" if s == r["ours"] else " (differs)")


def render(rows):
    out = []
    p = out.append
    both = sum(r["on_stock"] for r in rows)
    differ = sum(r["on_stock"] and r["stock"] not in (None, r["ours"])
                 for r in rows)
    p("# Bad inputs and the errors they get\n")
    p("Generated by `tools/tests/suites/conform/mkdoc.py` from the suite's own")
    p("tables: the case tables of the conformance suite")
    p("(`tools/tests/suites/conform/conform-*.c`: every case of the errors group and")
    p("the cases marked `.bad_input` in the others). `make check` runs them")
    p("against the in-tree `xen-gntdev` and ours in one boot per dom0 kernel;")
    p("each run must print exactly the result listed here for its driver, and")
    p("the lab's summary says how many ran. A result is what the case")
    p("observed: the errno of each call in turn (`ok`: success), and what a")
    p("follow-up call showed (e.g. `next=0`: the failed request left nothing")
    p("behind, the next MAP still gets offset 0; `status=-3`: the segment's")
    p("`GNTST_*` status). Rows where stock differs are deliberate differences")
    p("(README). `make check-unit` fails if this file is out of date.\n")
    p(f"{len(rows)} cases: {both} on both drivers, {len(rows) - both} on ours "
      f"only; stock differs in {differ}.")
    for _, title in SECTIONS:
        sect = [r for r in rows if r["section"] == title]
        if not sect:
            continue
        p(f"\n## {title}\n")
        p("| case | ours | stock xen-gntdev | suite |")
        p("|---|---|---|---|")
        for r in sect:
            p(f"| `{r['name']}` | `{r['ours']}` | {stock_text(r)} "
              f"| {r['suite']} |")
    why = reasons()
    p("\n## Why stock differs\n")
    p("From the suite's list of deliberate differences")
    p("(`tools/tests/suites/conform/expected-differences`); where stock gives")
    p("the same result as ours on one kernel, the lab accepts that too.")
    p("")
    for r in rows:
        if not r["on_stock"] or r["stock"] in (None, r["ours"]):
            continue
        key = (r["suite"].split()[0], r["name"])
        if key not in why:
            sys.exit(f"mkdoc: {r['name']} differs on stock but is not in "
                     f"{DIFFERENCES[key[0]]}")
        p(f"- `{r['name']}` ({r['suite']}): {why[key]}")
    return "\n".join(out) + "\n"


def main():
    text = render(bad_inputs())
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        with open(sys.argv[2]) as f:
            old = f.read()
        if old == text:
            print(f"mkdoc: {sys.argv[2]} is up to date")
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            old.splitlines(True), text.splitlines(True),
            sys.argv[2], "mkdoc.py"))
        print(f"mkdoc: {sys.argv[2]} is out of date: run "
              f"tools/tests/suites/conform/mkdoc.py > {sys.argv[2]}")
        return 1
    if len(sys.argv) != 1:
        sys.exit("usage: mkdoc.py [--check FILE]")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
