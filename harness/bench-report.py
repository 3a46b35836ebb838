#!/usr/bin/env python3
"""bench-report.py DIR: make bench's report, from the guests' output in DIR.

Reads DIR/conditions and DIR/{series,base}-{icount,tcg}.out (the lines
"bench: ...", "bench-na: ...", "bench-info: ..." of bench/clockbench.c) and
writes DIR/results.json, DIR/results.csv, DIR/table.md and, for gnuplot,
DIR/reads.dat and DIR/reads.gp.

Every figure the selected benchmarks should give is looked for.  One that is
missing, or n/a for a reason other than the expected ones (the base has no
realtime record; a TIME_NS=n base has no time namespaces; an ABI without the
syscall; a guest too small for 10,000 namespaces), makes the report
incomplete: table.md then says so on its first line and the exit status is 1,
so that a partial table never passes as complete.
"""
import csv
import json
import os
import re
import sys

KERNELS = ("series", "base")
CLOCK_IDS = ("REALTIME", "MONOTONIC", "BOOTTIME", "TAI", "REALTIME-COARSE",
             "MONOTONIC-COARSE")
READS = ([f"vdso-{c.lower()}" for c in CLOCK_IDS] + ["vdso-gettimeofday", "vdso-time"] +
         [f"syscall-{c.lower()}" for c in CLOCK_IDS] + ["syscall-gettimeofday", "syscall-time"])
VDSO_READS = [r for r in READS if r.startswith("vdso-")]
TIMERS = [f"{k}-{c}" for k in ("timerfd-arm", "timerfd-fire", "timerfd-late",
                               "nanosleep-fire", "nanosleep-late")
          for c in ("monotonic", "realtime")]
LIFECYCLE = [("root", "fork-exit-wait"), ("ns", "create"), ("ns", "setns-pair"),
             ("rtns", "create")]
MEM_COUNTS = (1, 100, 1000, 10000)
MEMORY = [("ns", f"{k}-{n}") for n in MEM_COUNTS for k in ("pages", "slab")]
SETTIME = ([("rtns", f"set-{n}") for n in (0, 100, 10000)] + [("rtns", "set-0-sibling-10000")] +
           [("root", f"hostset-{n}") for n in (1, 100, 10000)])
WHERES = ("root", "ns", "rtns")
TOL = 0.5   # "equal" on the instruction clock: within half an instruction per call

LINE = re.compile(r"^bench: (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$")
NA = re.compile(r"^bench-na: (\S+) (\S+) (\S+) (.*)$")


def read_conditions(d):
    cond = {}
    with open(os.path.join(d, "conditions")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            cond[k] = v
    return cond


def parse(d, clocks):
    figs, info, runs = {}, {}, {}
    for k in KERNELS:
        for c in clocks:
            path = os.path.join(d, f"{k}-{c}.out")
            inf = info.setdefault(f"{k}-{c}", {})
            done = errors = 0
            err_lines = []
            try:
                lines = open(path, errors="replace").read().splitlines()
            except OSError:
                lines = []
            for line in lines:
                m = LINE.match(line)
                if m:
                    g, w, n, med, lo, hi, unit = m.groups()
                    figs[(k, c, g, w, n)] = {"median": float(med), "min": float(lo),
                                             "max": float(hi), "unit": unit}
                    continue
                m = NA.match(line)
                if m:
                    g, w, n, why = m.groups()
                    figs[(k, c, g, w, n)] = {"na": why}
                    continue
                if line.startswith("bench-info: "):
                    key, _, val = line[12:].partition(" ")
                    inf[key] = val
                elif line == "bench-done":
                    done += 1
                elif line.startswith("bench-error: "):
                    errors += 1
                    err_lines.append(line)
            secs = os.path.join(d, f"{k}-{c}.seconds")
            if os.path.exists(secs):
                inf["boot_to_result_seconds"] = open(secs).read().strip()
            runs[(k, c)] = (done, errors, err_lines)
    return figs, info, runs


def expected(sel, cond):
    """(group, where, name) of every figure the selected benchmarks give."""
    exp = []
    if "reads" in sel:
        exp += [("reads", w, n) for w in WHERES for n in READS]
    if "timers" in sel:
        exp += [("timers", w, n) for w in WHERES for n in TIMERS]
    if "lifecycle" in sel:
        exp += [("lifecycle", w, n) for w, n in LIFECYCLE]
    if "memory" in sel:
        exp += [("memory", w, n) for w, n in MEMORY]
    if "settime" in sel:
        exp += [("settime", w, n) for w, n in SETTIME]
    if "faketime" in sel:
        exp += [("reads", w, n) for w in ("faketime", "faketime-static") for n in VDSO_READS]
    return exp


def na_ok(kernel, cond, g, w, n, why):
    """Whether an n/a is one the comparison expects."""
    if why.startswith("this ABI has no "):
        return True
    if w == "faketime-static" and "libfaketime has no effect" in why:
        return True
    if kernel == "base" and w == "rtns" and "realtime" in why and "Invalid argument" in why:
        return True     # the base has no realtime record
    if (kernel == "base" and cond.get("base_variant") == "notimens" and w in ("ns", "rtns")
            and "unshare(CLONE_NEWTIME): Invalid argument" in why):
        return True     # a TIME_NS=n base has no time namespaces
    if g == "memory" and n.endswith("-10000"):
        return True     # "where the guest allows it"
    if kernel == "base" and g == "settime":
        return True     # the base has no realtime record, nor clocks of namespaces

    return False


def main():
    d = sys.argv[1]
    cond = read_conditions(d)
    sel = cond.get("benchmarks", "").split()
    clocks = cond.get("clocks", "").split()
    if not sel or not clocks:
        print("bench: DIR/conditions names no benchmarks or no clocks", file=sys.stderr)
        return 1
    figs, info, runs = parse(d, clocks)
    problems = []

    programs = (1 if set(sel) - {"faketime"} else 0) + (2 if "faketime" in sel else 0)
    for (k, c), (done, errors, err_lines) in sorted(runs.items()):
        for e in err_lines:
            problems.append(f"{k} kernel, {c} clock: {e}")
        if done != programs:
            problems.append(f"{k} kernel, {c} clock: {done} of {programs} benchmark runs finished")
    exp = expected(sel, cond)
    for k in KERNELS:
        for c in clocks:
            # One line per reason, naming the figures it took.
            lost = {}
            for g, w, n in exp:
                f = figs.get((k, c, g, w, n))
                if f is None:
                    lost.setdefault("missing (the program stopped early?)", []).append(f"{g} {w} {n}")
                elif "na" in f and not na_ok(k, cond, g, w, n, f["na"]):
                    lost.setdefault(f"could not run: {f['na']}", []).append(f"{g} {w} {n}")
            for why, names in lost.items():
                some = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
                problems.append(f"{k} kernel, {c} clock: {len(names)} figures {why} ({some})")
    if "faketime" in sel:
        for c in clocks:
            for n in VDSO_READS:
                f = figs.get(("series", c, "reads", "faketime-static", n), {})
                if "na" not in f and f:
                    problems.append(f"{c} clock: libfaketime shifted the static program's {n}: "
                                    "it should not reach a static program")
    complete = not problems

    def fig(k, c, g, w, n):
        f = figs.get((k, c, g, w, n))
        return f if f and "na" not in f else None

    def med(k, c, g, w, n):
        f = fig(k, c, g, w, n)
        return f["median"] if f else None

    # --- the markdown --------------------------------------------------------
    arch = cond.get("arch", "?")
    primary = "icount" if "icount" in clocks else clocks[0]
    base_label = "base" + (" (TIME_NS=n)" if cond.get("base_variant") == "notimens" else "")
    per = "instructions" if primary == "icount" else "ns"
    out = []
    if not complete:
        out.append("**INCOMPLETE: these figures are partial; do not use them as a result.**\n")
        out += [f"- {p}" for p in problems]
        out.append("")
    unit = ("instructions per call (QEMU `-icount shift=0,sleep=off`, one vCPU: guest ns = "
            "executed instructions; caches ignored)" if primary == "icount"
            else "ns per call of plain TCG wall time (distorted, unstable)")
    out.append(f"make bench ARCH={arch}, {cond.get('date', '?')}: the series ({cond.get('series_variant', '?')}) "
               f"against the unpatched {cond.get('base_version', '?')} ({cond.get('base_variant', '?')}); "
               f"benchmarks: {' '.join(sel)}"
               + (f" (left out on {arch}: {cond['skipped']}, see BENCH_SKIP in harness/arch/{arch}.sh)"
                  if cond.get("skipped") else "") + ". "
               f"These are ratios under QEMU TCG emulation ({cond.get('qemu', '?')}, "
               f"`{cond.get('qemu_machine', '?')}`, on {cond.get('cores', '?')} cores of a {cond.get('cpu', '?')}, "
               f"{cond.get('host', '?')}); absolute times mean something only on KVM or real hardware.")
    out.append("")

    def num(v, fmt="{:.1f}"):
        return "n/a" if v is None else fmt.format(v)

    def ratio(a, b):
        return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}x"

    def fk(c, n):
        if "faketime" not in sel:
            return None
        return med("series", c, "reads", "faketime", n)

    def cell_na(k, c, g, w, n):
        f = figs.get((k, c, g, w, n))
        if f is None:
            return "MISSING"
        return "n/a" if "na" in f else f"{f['median']:.1f}"

    if "reads" in sel:
        c = primary
        out.append(f"### Clock reads, {unit}")
        out.append("")
        out.append("root: the root time namespace; ns: a child namespace with monotonic and "
                   "boottime offsets; rtns: the same plus a realtime offset (+1 day each); "
                   "libfaketime: `FAKETIME=+1d` via LD_PRELOAD in the root namespace "
                   "(x86_64 only; it wraps the libc calls, not syscall()).")
        out.append("")
        out.append(f"| read | root, {base_label} | root, series | series/base | ns, {base_label} | "
                   "ns, series | ns/root | rtns, series | rtns/root | libfaketime | rtns/libfaketime |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in READS:
            br, sr = med("base", c, "reads", "root", n), med("series", c, "reads", "root", n)
            sn, srt = med("series", c, "reads", "ns", n), med("series", c, "reads", "rtns", n)
            ft = fk(c, n) if n.startswith("vdso-") else None
            ftc = (cell_na("series", c, "reads", "faketime", n)
                   if "faketime" in sel and n.startswith("vdso-") else "–")
            out.append(f"| {n} | {cell_na('base', c, 'reads', 'root', n)} | {num(sr)} | {ratio(sr, br)} | "
                       f"{cell_na('base', c, 'reads', 'ns', n)} | {num(sn)} | {ratio(sn, sr)} | "
                       f"{num(srt)} | {ratio(srt, sr)} | {ftc} | {ratio(srt, ft)} |")
        if arch == "x86_64" and c == "icount":
            # The method against the project's reference figures, measured by
            # hand on the unpatched 6.12 x86_64 guest (REFERENCE.md).
            ref = [("vDSO REALTIME, root", "root", "vdso-realtime", 80.1),
                   ("vDSO MONOTONIC, root", "root", "vdso-monotonic", 80.1),
                   ("vDSO REALTIME, time namespace", "ns", "vdso-realtime", 105.1),
                   ("vDSO MONOTONIC, time namespace", "ns", "vdso-monotonic", 105.1),
                   ("vDSO REALTIME_COARSE, root", "root", "vdso-realtime-coarse", 64.0),
                   ("vDSO REALTIME_COARSE, time namespace", "ns", "vdso-realtime-coarse", 83.1),
                   ("raw syscall (CLOCK_MONOTONIC), root", "root", "syscall-monotonic", 336)]
            out.append("")
            out.append("Against the reference figures of the unpatched x86_64 guest (measured by hand, "
                       "same method): " + "; ".join(
                           f"{label} {num(med('base', c, 'reads', w, n))} (ref. {r})"
                           for label, w, n, r in ref) +
                       (f"; libfaketime REALTIME {num(fk(c, 'vdso-realtime'))} (ref. 388)"
                        if "faketime" in sel else "") + ".")
        if "faketime" in sel:
            why = figs.get(("series", c, "reads", "faketime-static", "vdso-realtime"), {}).get("na")
            out.append("")
            out.append("libfaketime and a static program: " +
                       (f"n/a, {why}." if why else "unexpectedly shifted (see results.json)."))
        out.append("")

        # The targets of the realtime issue.
        out.append(f"### Targets ({primary} clock)")
        out.append("")
        out.append("| target | measured | met |")
        out.append("|---|---|---|")
        mono_ns = med("series", c, "reads", "ns", "vdso-monotonic")
        for n in ("vdso-realtime", "vdso-gettimeofday", "vdso-time"):
            v = med("series", c, "reads", "rtns", n)
            met = "n/a" if v is None or mono_ns is None else (
                "yes" if v <= mono_ns + TOL else "no")
            out.append(f"| {n} in a namespace with a realtime offset ≤ in-namespace vDSO "
                       f"CLOCK_MONOTONIC | {num(v)} vs {num(mono_ns)} ({ratio(v, mono_ns)}) | {met} |")
        for n in VDSO_READS:
            s, b = med("series", c, "reads", "root", n), med("base", c, "reads", "root", n)
            # Equal, or cheaper: a root read must not pay for the series.
            met = "n/a" if s is None or b is None else (
                "yes" if abs(s - b) <= TOL else "yes (cheaper)" if s < b else "no")
            out.append(f"| root {n}: series = {base_label} (±{TOL}) | {num(s)} vs {num(b)} "
                       f"({'–' if s is None or b is None else f'{s - b:+.1f}'}) | {met} |")
        for n in [r for r in READS if r.startswith("syscall-")]:
            s, b = med("series", c, "reads", "root", n), med("base", c, "reads", "root", n)
            if s is None and b is None:
                continue
            met = "n/a" if s is None or b is None else ("yes" if s <= b * 1.02 else "no")
            pct = "–" if s is None or b is None else f"{(s / b - 1) * 100:+.1f} %"
            out.append(f"| root {n}: series ≤ {base_label} +2 % | {num(s)} vs {num(b)} ({pct}) | {met} |")
        if "faketime" in sel:
            for n in ("vdso-realtime", "vdso-gettimeofday", "vdso-time"):
                v, f = med("series", c, "reads", "rtns", n), fk(c, n)
                out.append(f"| {n} in a realtime namespace vs libfaketime: report | "
                           f"{num(v)} vs {num(f)} ({ratio(v, f)}) | reported |")
        out.append("")

    if "timers" in sel:
        c = primary
        out.append(f"### Timers: absolute deadlines, {per} per operation ({primary} clock)")
        out.append("")
        out.append("arm: arm a deadline 1000 s ahead and disarm it; fire: arm a deadline already "
                   "past and wait until it fires (timerfd: settime + read; clock_nanosleep); "
                   "late: how late a waiter wakes for a deadline 50 µs ahead (timer slack 1 ns).")
        out.append("")
        out.append(f"| timer | root, {base_label} | root, series | series/base | ns, series | ns/root | "
                   "rtns, series | rtns/root |")
        out.append("|---|---|---|---|---|---|---|---|")
        for n in TIMERS:
            br, sr = med("base", c, "timers", "root", n), med("series", c, "timers", "root", n)
            sn, srt = med("series", c, "timers", "ns", n), med("series", c, "timers", "rtns", n)
            out.append(f"| {n} | {cell_na('base', c, 'timers', 'root', n)} | {num(sr)} | {ratio(sr, br)} | "
                       f"{num(sn)} | {ratio(sn, sr)} | {num(srt)} | {ratio(srt, sr)} |")
        out.append("")

    if "lifecycle" in sel:
        c = primary
        out.append(f"### Namespace lifecycle, {per} per operation ({primary} clock)")
        out.append("")
        out.append(f"| operation | {base_label} | series | series/base |")
        out.append("|---|---|---|---|")
        what = {("root", "fork-exit-wait"): "fork + exit + wait (no namespace; for scale)",
                ("ns", "create"): "unshare(CLONE_NEWTIME) + offsets + first child",
                ("ns", "setns-pair"): "setns into a namespace and back to the root one",
                ("rtns", "create"): "the same with a realtime offset"}
        for w, n in LIFECYCLE:
            b, s = med("base", c, "lifecycle", w, n), med("series", c, "lifecycle", w, n)
            out.append(f"| {what[(w, n)]} | {cell_na('base', c, 'lifecycle', w, n)} | "
                       f"{cell_na('series', c, 'lifecycle', w, n)} | {ratio(s, b)} |")
        out.append("")

    if "memory" in sel:
        c = primary
        out.append("### Memory per namespace, KiB (deltas of /proc/meminfo; each namespace held by "
                   "an open nsfs fd, offsets written, no task inside)")
        out.append("")
        out.append(f"| namespaces held | pages, {base_label} | pages, series | slab, {base_label} | slab, series |")
        out.append("|---|---|---|---|---|")

        whys = {}

        def mcell(k, key):
            f = figs.get((k, c, "memory", "ns", key))
            if f is None:
                return "MISSING"
            if "na" in f:
                whys.setdefault(f"{k}: {f['na']}", None)
                return "n/a"
            return f"{f['median']:.2f}"
        for n in MEM_COUNTS:
            out.append(f"| {n:,} | {mcell('base', f'pages-{n}')} | {mcell('series', f'pages-{n}')} | "
                       f"{mcell('base', f'slab-{n}')} | {mcell('series', f'slab-{n}')} |")
        for why in whys:
            out.append(f"\nn/a, {why}.")
        out.append("")

    if "settime" in sel:
        c = primary
        out.append(f"### Setting a clock, {per} per set ({primary} clock)")
        out.append("")
        out.append("A namespace's set (`adjtimex(ADJ_SETOFFSET)` by a second) must cost what that "
                   "namespace has armed, and nothing for deadlines elsewhere; the host's "
                   "`clock_settime()` must not grow with the namespaces that own their realtime "
                   "(each holding two armed realtime timerfds).")
        out.append("")
        out.append("| set | series | against |")
        out.append("|---|---|---|")
        s0 = med("series", c, "settime", "rtns", "set-0")
        h1 = med("series", c, "settime", "root", "hostset-1")
        what = {("rtns", "set-0"): ("in a namespace, 0 deadlines armed", None),
                ("rtns", "set-100"): ("in a namespace, 100 timerfds armed", s0),
                ("rtns", "set-10000"): ("in a namespace, 10,000 timerfds armed", s0),
                ("rtns", "set-0-sibling-10000"): ("in a namespace, 0 armed; 10,000 armed in a sibling", s0),
                ("root", "hostset-1"): ("the host's clock, 1 namespace", None),
                ("root", "hostset-100"): ("the host's clock, 100 namespaces", h1),
                ("root", "hostset-10000"): ("the host's clock, 10,000 namespaces", h1)}
        for w, n in SETTIME:
            label, ref = what[(w, n)]
            v = med("series", c, "settime", w, n)
            against = "–" if ref is None else f"{ratio(v, ref)} of the first"
            out.append(f"| {label} | {cell_na('series', c, 'settime', w, n)} | {against} |")
        out.append("")

    if "tcg" in clocks and "reads" in sel:
        c = "tcg"
        out.append("### Wall-clock ratios under plain TCG (SMP), median [range over the runs]")
        out.append("")
        out.append("Distorted and unstable: TCG's cost of a guest instruction has little to do with "
                   "a CPU's (upstream's in-namespace read took 2.0x a root read here, 1.04x natively). "
                   "For direction only.")
        out.append("")

        def rr(a, b):
            if a is None or b is None:
                return "–"
            return (f"{a['median'] / b['median']:.2f} "
                    f"[{a['min'] / b['max']:.2f}–{a['max'] / b['min']:.2f}]")
        out.append("| read | ns/root | rtns/root | series/base, root | rtns/libfaketime |")
        out.append("|---|---|---|---|---|")
        for n in READS:
            sr = fig("series", c, "reads", "root", n)
            out.append(f"| {n} | {rr(fig('series', c, 'reads', 'ns', n), sr)} | "
                       f"{rr(fig('series', c, 'reads', 'rtns', n), sr)} | "
                       f"{rr(sr, fig('base', c, 'reads', 'root', n))} | "
                       f"{rr(fig('series', c, 'reads', 'rtns', n), fig('series', c, 'reads', 'faketime', n)) if 'faketime' in sel else '–'} |")
        out.append("")

    if primary == "icount":
        spreads = [(f["max"] - f["min"]) / f["median"] for (k, cc, g, w, n), f in figs.items()
                   if cc == "icount" and "na" not in f and g == "reads" and f["median"] > 0]
        if spreads:
            out.append(f"Spread on the instruction clock: the largest (max - min)/median of any read "
                       f"figure is {max(spreads) * 100:.2f} %.")
    secs = {f"{k}-{c}": info.get(f"{k}-{c}", {}).get("boot_to_result_seconds", "?")
            for k in KERNELS for c in clocks}
    out.append(f"Guests, boot to result: {', '.join(f'{k} {v} s' for k, v in secs.items())}; "
               f"kernels: series {info.get(f'series-{primary}', {}).get('release', '?')}, "
               f"base {info.get(f'base-{primary}', {}).get('release', '?')}; "
               f"clocksource {info.get(f'series-{primary}', {}).get('clocksource', '?')}. "
               f"Raw figures and run conditions: results.json, results.csv.")
    out.append("")
    with open(os.path.join(d, "table.md"), "w") as f:
        f.write("\n".join(out))

    # --- raw figures -----------------------------------------------------------
    rows = []
    for (k, c, g, w, n), f in sorted(figs.items()):
        rows.append({"kernel": k, "clock": c, "group": g, "where": w, "name": n,
                     "median": f.get("median"), "min": f.get("min"), "max": f.get("max"),
                     "unit": f.get("unit", ""), "na": f.get("na", "")})
    with open(os.path.join(d, "results.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["kernel"])
        wr.writeheader()
        wr.writerows(rows)
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump({"complete": complete, "problems": problems, "conditions": cond,
                   "guests": info, "figures": rows}, f, indent=1)
        f.write("\n")

    # --- the plot --------------------------------------------------------------
    c = primary
    with open(os.path.join(d, "reads.dat"), "w") as f:
        f.write("# read root ns rtns libfaketime\n")
        for n in VDSO_READS + ["syscall-realtime", "syscall-monotonic"]:
            vals = [med("series", c, "reads", w, n) for w in WHERES]
            vals.append(fk(c, n) if n.startswith("vdso-") else None)
            f.write(n.replace("vdso-", "").replace("syscall-", "sys-") + " " +
                    " ".join("?" if v is None else f"{v:.1f}" for v in vals) + "\n")
    ylabel = ("instructions per call (-icount shift=0)" if c == "icount"
              else "ns per call (TCG wall time)")
    with open(os.path.join(d, "reads.gp"), "w") as f:
        f.write(f"""set terminal pngcairo size 1100,580 font "sans,10" noenhanced
set output "{d}/reads.png"
set title "Clock-read cost, {arch} guest, series kernel ({cond.get('date', '?')[:10]}; QEMU TCG: ratios only)"
set ylabel "{ylabel}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "?"
set key below horizontal
set grid ytics
set yrange [0:*]
set xtics rotate by -30
plot "{d}/reads.dat" using 2:xtic(1) title "root namespace", \\
     "" using 3 title "time namespace (monotonic/boottime offsets)", \\
     "" using 4 title "time namespace with a realtime offset", \\
     "" using 5 title "libfaketime FAKETIME=+1d (root)"
""")
    if problems:
        for p in problems:
            print(f"bench: {p}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
