#!/usr/bin/env python3
# Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
"""Runs RocksDB's db_bench and o3lsm-bench on identical flags, alternating
which goes first, and writes a markdown report of medians and ratios plus
PNG plots (throughput per benchmark, latency percentiles, throughput over
time) drawn with gnuplot.

    bench/compare.py --runs 3 --out bench-out -- \
        --benchmarks=fillrandom,readrandom --num=1000000 --value_size=100

Everything after "--" goes unchanged to both tools. --histogram=1 and a
per-run --db and --report_file are added. The figures come from the
tools' own result lines ("NAME : X micros/op Y ops/sec ...", and
"Percentiles: P50: ... P99.9: ..."), which o3lsm-bench prints in db_bench's
format. Standard library only; gnuplot draws the plots.
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

RESULT_RE = re.compile(
    r"^(\w+)\s*:\s*([\d.]+) micros/op\s+(\d+) ops/sec")
PCT_RE = re.compile(r"P(\d+(?:\.\d+)?):\s*([\d.]+)")
PERCENTILES = ["50", "99", "99.9"]


class RunResult:
    """One tool's figures from one run: per benchmark ops/s and latencies."""

    def __init__(self):
        self.ops = {}        # benchmark -> ops/s
        self.pcts = {}       # benchmark -> {"50": us, ...}
        self.user = 0.0      # process CPU seconds, whole run
        self.system = 0.0


def parse_output(text):
    result = RunResult()
    current = None
    for line in text.splitlines():
        m = RESULT_RE.match(line.strip())
        if m:
            current = m.group(1)
            result.ops[current] = int(m.group(3))
            continue
        if line.startswith("Percentiles:") and current is not None:
            result.pcts[current] = {k: float(v) for k, v in PCT_RE.findall(line)}
    return result


def run_tool(name, binary, flags, workdir, run_index, log):
    db = os.path.join(workdir, f"{name}-db")
    shutil.rmtree(db, ignore_errors=True)
    report = os.path.join(workdir, f"{name}-run{run_index}.csv")
    cmd = [binary] + flags + [f"--db={db}", "--histogram=1",
                              "--report_interval_seconds=1",
                              f"--report_file={report}"]
    start = time.time()
    # Children run one at a time: the change in RUSAGE_CHILDREN is this run.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed = time.time() - start
    out_path = os.path.join(workdir, f"{name}-run{run_index}.txt")
    with open(out_path, "w") as f:
        f.write(" ".join(cmd) + "\n\n" + proc.stdout)
    shutil.rmtree(db, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit(f"compare: {name} failed (exit {proc.returncode}); "
                 f"output in {out_path}")
    result = parse_output(proc.stdout)
    if not result.ops:
        sys.exit(f"compare: no result line in {name}'s output ({out_path})")
    result.user = after.ru_utime - before.ru_utime
    result.system = after.ru_stime - before.ru_stime
    log.write(f"run {run_index} {name}: {elapsed:.1f} s, "
              f"CPU {result.user:.1f} s user {result.system:.1f} s system, " +
              ", ".join(f"{b} {o} ops/s" for b, o in result.ops.items()) + "\n")
    log.flush()
    return result, report


def median(values):
    return statistics.median(values) if values else float("nan")


def read_report(path):
    """secs_elapsed,interval_qps rows of a --report_file CSV."""
    rows = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) >= 2 and parts[0].replace(".", "").isdigit():
                    rows.append((float(parts[0]), float(parts[1])))
    except OSError:
        pass
    return rows


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def plot_throughput(out, benchmarks, med):
    data = os.path.join(out, "throughput.dat")
    with open(data, "w") as f:
        f.write("# benchmark rocksdb o3lsm\n")
        for b in benchmarks:
            f.write(f"{b} {med['rocksdb'][b]} {med['o3lsm'][b]}\n")
    gnuplot(f"""
set terminal png size 900,500
set output '{os.path.join(out, "throughput.png")}'
set title 'Throughput (median ops/s)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set ylabel 'ops/s'
set yrange [0:*]
set xtics nomirror
plot '{data}' using 2:xtic(1) title 'RocksDB db\\_bench', '' using 3 title 'o3lsm-bench'
""")


def plot_latency(out, benchmarks, pct):
    data = os.path.join(out, "latency.dat")
    with open(data, "w") as f:
        f.write("# label rocksdb o3lsm\n")
        for b in benchmarks:
            for p in PERCENTILES:
                r = pct["rocksdb"].get(b, {}).get(p)
                o = pct["o3lsm"].get(b, {}).get(p)
                if r is None or o is None:
                    continue
                f.write(f"{b}-P{p} {r} {o}\n")
    gnuplot(f"""
set terminal png size 1000,500
set output '{os.path.join(out, "latency.png")}'
set title 'Latency percentiles (median over runs, microseconds, log scale)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel 'us'
set xtics rotate by -30 nomirror
plot '{data}' using 2:xtic(1) title 'RocksDB db\\_bench', '' using 3 title 'o3lsm-bench'
""")


def plot_over_time(out, reports):
    # The first run's interval CSV of each tool.
    series = []
    for tool in ("rocksdb", "o3lsm"):
        rows = read_report(reports[tool][0]) if reports[tool] else []
        if not rows:
            continue
        data = os.path.join(out, f"over_time_{tool}.dat")
        with open(data, "w") as f:
            for secs, qps in rows:
                f.write(f"{secs} {qps}\n")
        series.append((tool, data))
    if not series:
        return False
    titles = {"rocksdb": "RocksDB db\\_bench", "o3lsm": "o3lsm-bench"}
    plots = ", ".join(f"'{d}' using 1:2 with linespoints title '{titles[t]}'"
                      for t, d in series)
    gnuplot(f"""
set terminal png size 900,500
set output '{os.path.join(out, "over_time.png")}'
set title 'Throughput over time (run 1, ops/s per second, all benchmarks)'
set xlabel 'seconds'
set ylabel 'ops/s'
set yrange [0:*]
plot {plots}
""")
    return True


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each tool, alternating (default 3)")
    parser.add_argument("--out", default="bench-out",
                        help="directory for logs, report.md and PNGs")
    parser.add_argument("--db_bench", default="db_bench",
                        help="RocksDB's db_bench (Debian: rocksdb-tools)")
    parser.add_argument("--o3lsm_bench", default="build/bin/o3lsm-bench")
    parser.add_argument("--workdir", default=None,
                        help="where the databases go (default: OUT/work)")
    parser.add_argument("--o3lsm_only_flags", default="",
                        help="extra flags for o3lsm-bench only, space separated")
    parser.add_argument("flags", nargs=argparse.REMAINDER,
                        help="-- then the flags both tools get")
    args = parser.parse_args()
    flags = args.flags[1:] if args.flags[:1] == ["--"] else args.flags
    if not flags:
        parser.error("give the benchmark flags after --")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    for tool in (args.db_bench, args.o3lsm_bench, "gnuplot"):
        if shutil.which(tool) is None and not os.access(tool, os.X_OK):
            sys.exit(f"compare: '{tool}' not found (bench/compare.sh installs "
                     "rocksdb-tools and gnuplot)")

    os.makedirs(args.out, exist_ok=True)
    workdir = args.workdir or os.path.join(args.out, "work")
    os.makedirs(workdir, exist_ok=True)
    log = open(os.path.join(args.out, "runs.log"), "w")
    tools = {
        "rocksdb": (args.db_bench, flags),
        "o3lsm": (args.o3lsm_bench, flags + args.o3lsm_only_flags.split()),
    }
    results = {"rocksdb": [], "o3lsm": []}
    reports = {"rocksdb": [], "o3lsm": []}
    for i in range(1, args.runs + 1):
        order = ["rocksdb", "o3lsm"] if i % 2 else ["o3lsm", "rocksdb"]
        for tool in order:
            binary, tool_flags = tools[tool]
            print(f"compare: run {i}/{args.runs}: {tool}", file=sys.stderr)
            r, report = run_tool(tool, binary, tool_flags, workdir, i, log)
            results[tool].append(r)
            reports[tool].append(report)

    benchmarks = [b for b in results["o3lsm"][0].ops
                  if all(b in r.ops for rs in results.values() for r in rs)]
    med = {t: {b: median([r.ops[b] for r in rs]) for b in benchmarks}
           for t, rs in results.items()}
    pct = {t: {b: {p: median([r.pcts[b][p] for r in rs
                              if b in r.pcts and p in r.pcts[b]])
                   for p in PERCENTILES}
               for b in benchmarks}
           for t, rs in results.items()}

    lines = []
    lines.append(f"Flags: `{' '.join(flags)}`" +
                 (f" (o3lsm-bench also `{args.o3lsm_only_flags}`)"
                  if args.o3lsm_only_flags else ""))
    lines.append("")
    lines.append(f"Medians of {args.runs} alternating runs; ratio = o3lsm / "
                 "RocksDB (above 1: o3lsm is faster; for latency, below 1 "
                 "is better).")
    lines.append("")
    lines.append("| benchmark | RocksDB ops/s | o3lsm ops/s | ratio | "
                 "RocksDB P50/P99/P99.9 us | o3lsm P50/P99/P99.9 us |")
    lines.append("|---|---|---|---|---|---|")
    for b in benchmarks:
        r, o = med["rocksdb"][b], med["o3lsm"][b]
        ratio = o / r if r else float("nan")

        def fmt(tool):
            return " / ".join(f"{pct[tool][b][p]:.2f}" for p in PERCENTILES)
        lines.append(f"| {b} | {r:,.0f} | {o:,.0f} | {ratio:.2f}x | "
                     f"{fmt('rocksdb')} | {fmt('o3lsm')} |")
    cpu = {t: (median([r.user for r in rs]), median([r.system for r in rs]))
           for t, rs in results.items()}
    lines.append(f"| process CPU, whole run (user / system s) | "
                 f"{cpu['rocksdb'][0]:.1f} / {cpu['rocksdb'][1]:.1f} | "
                 f"{cpu['o3lsm'][0]:.1f} / {cpu['o3lsm'][1]:.1f} | | | |")
    lines.append("")
    lines.append("Per run (ops/s): " + "; ".join(
        f"{b}: RocksDB " + ", ".join(str(r.ops[b]) for r in results["rocksdb"]) +
        " / o3lsm " + ", ".join(str(r.ops[b]) for r in results["o3lsm"])
        for b in benchmarks))
    lines.append("")
    plot_throughput(args.out, benchmarks, med)
    plot_latency(args.out, benchmarks, pct)
    lines.append("![throughput](throughput.png) ![latency](latency.png)")
    if plot_over_time(args.out, reports):
        lines.append("![throughput over time](over_time.png)")
    report = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
