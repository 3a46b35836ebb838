#!/usr/bin/env python3
"""coverage-report.py CONSOLE OBJDIR TREE OUT: the line coverage of what the
series changes, from the gcov counters a make coverage guest printed on its
console (harness/guest-tests/gcov-snapshot.sh), one snapshot after the
kselftests and one after the fuzzer.

Writes OUT/report.md (per file, per changed function, and every changed line
no test reached) and OUT/summary, and prints the summary.  A line counts as
changed when the series adds it (git diff base..HEAD); a header's line counts
as reached when any profiled object that includes it reached it.
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

SNAPS = ("kselftests", "fuzz")


def read_snapshots(console):
    """{snapshot: {object: gcda bytes}}, each checked against its sha256."""
    snaps = defaultdict(dict)
    bad = []
    cur = None
    with open(console, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith("# "):
                line = line[2:]
            m = re.match(r"^harness-gcda (\S+) (\S+) ([0-9a-f]{64})$", line)
            if m:
                cur = (m.group(1), m.group(2), m.group(3), [])
                continue
            if cur is None:
                continue
            if line == "harness-gcda-end":
                name, obj, sha, chunks = cur
                data = base64.b64decode("".join(chunks), validate=False)
                if hashlib.sha256(data).hexdigest() == sha:
                    snaps[name][obj] = data
                else:
                    bad.append(f"{name}:{obj}")
                cur = None
            elif re.fullmatch(r"[A-Za-z0-9+/=]+", line):
                cur[3].append(line)
    return snaps, bad


def gcov_json(objdir, obj, gcda):
    """gcov's JSON for one object and its counters."""
    stem = os.path.splitext(os.path.basename(obj))[0]
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(objdir, os.path.splitext(obj)[0] + ".gcno"), "rb") as src:
            gcno = src.read()
        with open(os.path.join(tmp, stem + ".gcno"), "wb") as dst:
            dst.write(gcno)
        with open(os.path.join(tmp, stem + ".gcda"), "wb") as dst:
            dst.write(gcda)
        out = subprocess.run(["gcov", "-t", "-j", "-o", tmp, stem + ".c"], cwd=tmp,
                             check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def changed_lines(tree, path):
    """The line numbers the series adds to PATH, in the series' version."""
    diff = subprocess.run(["git", "-C", tree, "diff", "-U0", "base", "HEAD", "--", path],
                          check=True, capture_output=True, text=True).stdout
    lines = set()
    for m in re.finditer(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", diff, re.M):
        start, count = int(m.group(1)), int(m.group(2) or 1)
        lines.update(range(start, start + count))
    return lines


def series_files(tree):
    """The C files and headers the series changes, outside tools/ and arch/."""
    out = subprocess.run(["git", "-C", tree, "diff", "--name-only", "base", "HEAD", "--",
                          "*.c", "*.h", ":!tools/", ":!arch/", ":!lib/vdso/"],
                         check=True, capture_output=True, text=True).stdout
    return [p for p in out.split() if p]


def pct(n, d):
    return f"{100.0 * n / d:.1f} %" if d else "-"


def main():
    console, objdir, tree, out = sys.argv[1:5]
    snaps, bad = read_snapshots(console)
    missing = [s for s in SNAPS if not snaps.get(s)]
    if missing:
        sys.exit(f"coverage: no counters on the console for {', '.join(missing)}")
    files = series_files(tree)
    # counts[snapshot][path][line] = count; funcs[path] = {(name, start, end)}
    counts = {s: defaultdict(lambda: defaultdict(int)) for s in SNAPS}
    funcs = defaultdict(set)
    for snap in SNAPS:
        for obj, gcda in snaps[snap].items():
            for entry in gcov_json(objdir, obj, gcda)["files"]:
                path = os.path.relpath(entry["file"], tree) if os.path.isabs(entry["file"]) else entry["file"]
                if path not in files:
                    continue
                for ln in entry["lines"]:
                    counts[snap][path][ln["line_number"]] += ln["count"]
                for fn in entry["functions"]:
                    funcs[path].add((fn["demangled_name"], fn["start_line"], fn["end_line"]))

    rows, fn_rows, unreached = [], [], []
    tot = {"exec": 0, "kselftests": 0, "fuzz": 0}
    for path in files:
        execd = set(counts["fuzz"][path]) | set(counts["kselftests"][path])
        if not execd:
            continue
        changed = changed_lines(tree, path) & execd
        hit = {s: {ln for ln in changed if counts[s][path].get(ln, 0) > 0} for s in SNAPS}
        rows.append((path, len(changed), len(hit["kselftests"]), len(hit["fuzz"])))
        tot["exec"] += len(changed)
        for s in SNAPS:
            tot[s] += len(hit[s])
        with open(os.path.join(tree, path), encoding="utf-8", errors="replace") as f:
            source = f.read().split("\n")
        for ln in sorted(changed - hit["fuzz"]):
            unreached.append((path, ln, source[ln - 1].strip()))
        for name, start, end in sorted(funcs[path], key=lambda x: x[1]):
            if not any(start <= ln <= end for ln in changed):
                continue
            body = {ln for ln in execd if start <= ln <= end}
            fk = sum(1 for ln in body if counts["kselftests"][path].get(ln, 0) > 0)
            ff = sum(1 for ln in body if counts["fuzz"][path].get(ln, 0) > 0)
            fn_rows.append((path, name, len(body), fk, ff))

    whole = "kernel/time/namespace.c"
    wexec = set(counts["fuzz"][whole]) | set(counts["kselftests"][whole])
    wk = sum(1 for ln in wexec if counts["kselftests"][whole].get(ln, 0) > 0)
    wf = sum(1 for ln in wexec if counts["fuzz"][whole].get(ln, 0) > 0)

    summary = [
        f"changed lines: {tot['exec']} executable; the kselftests reach {tot['kselftests']} "
        f"({pct(tot['kselftests'], tot['exec'])}), with the fuzzer {tot['fuzz']} ({pct(tot['fuzz'], tot['exec'])})",
        f"{whole}, every line: {len(wexec)} executable; the kselftests reach {wk} ({pct(wk, len(wexec))}), "
        f"with the fuzzer {wf} ({pct(wf, len(wexec))})",
        f"changed functions: {len(fn_rows)}; wholly reached with the fuzzer: "
        f"{sum(1 for r in fn_rows if r[4] == r[2])}; changed lines no test reaches: {len(unreached)}",
    ]
    if bad:
        summary.append(f"counters that arrived damaged and were left out: {', '.join(bad)}")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "summary"), "w") as f:
        f.write("\n".join(summary) + "\n")
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("# Line coverage of the series' changes\n\n")
        f.write("\n".join(f"- {s}" for s in summary) + "\n\n")
        f.write("| file | changed executable lines | kselftests | kselftests + fuzzer |\n|---|---|---|---|\n")
        for path, n, k, kf in rows:
            f.write(f"| `{path}` | {n} | {k} ({pct(k, n)}) | {kf} ({pct(kf, n)}) |\n")
        f.write("\n## Changed functions, every line of each\n\n")
        f.write("| file | function | executable lines | kselftests | kselftests + fuzzer |\n|---|---|---|---|---|\n")
        for path, name, n, k, kf in fn_rows:
            f.write(f"| `{path}` | `{name}` | {n} | {k} ({pct(k, n)}) | {kf} ({pct(kf, n)}) |\n")
        f.write("\n## Changed lines no test reaches\n\n")
        for path, ln, text in unreached:
            f.write(f"- `{path}:{ln}`: `{text}`\n")
    for s in summary:
        print(f"coverage: {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
