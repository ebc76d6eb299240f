#!/usr/bin/env python3
# Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
"""Draws a thread-scaling curve from bench/compare.sh output directories.

    bench/plot_scaling.py --out docs/scaling.png 1:/tmp/c1 2:/tmp/c2 4:/tmp/c4 8:/tmp/c8

Each THREADS:DIR names a compare.sh --out directory run at that many
threads; the medians of its runs.log (ops/s per benchmark and tool) become
one point per benchmark and tool. Prints a markdown table of the medians
and draws one panel per benchmark with gnuplot. Standard library only.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

RUN_RE = re.compile(r"^run \d+ (\w+): .*?, (\w+ \d+ ops/s(?:, \w+ \d+ ops/s)*)$")
OPS_RE = re.compile(r"(\w+) (\d+) ops/s")


def read_runs(path):
    """tool -> benchmark -> [ops/s of each run] from a runs.log."""
    runs = {}
    with open(path) as f:
        for line in f:
            m = RUN_RE.match(line.strip())
            if not m:
                continue
            tool = runs.setdefault(m.group(1), {})
            for bench, ops in OPS_RE.findall(m.group(2)):
                tool.setdefault(bench, []).append(int(ops))
    return runs


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="PNG to write")
    parser.add_argument("points", nargs="+", help="THREADS:DIR")
    args = parser.parse_args()

    medians = {}  # (tool, bench) -> [(threads, ops)]
    benches = []
    for point in args.points:
        threads, _, directory = point.partition(":")
        if not threads.isdigit() or not directory:
            parser.error(f"expected THREADS:DIR, got '{point}'")
        log = os.path.join(directory, "runs.log")
        if not os.path.exists(log):
            sys.exit(f"plot_scaling: no {log}")
        for tool, by_bench in read_runs(log).items():
            for bench, ops in by_bench.items():
                if bench not in benches:
                    benches.append(bench)
                medians.setdefault((tool, bench), []).append(
                    (int(threads), statistics.median(ops)))
    tools = sorted({tool for tool, _ in medians})

    print("| threads | " + " | ".join(
        f"{b} {t}" for b in benches for t in tools) + " |")
    print("|---" * (1 + len(benches) * len(tools)) + "|")
    all_threads = sorted({n for pts in medians.values() for n, _ in pts})
    for n in all_threads:
        cells = []
        for b in benches:
            for t in tools:
                ops = dict(medians.get((t, b), [])).get(n)
                cells.append(f"{ops:,.0f}" if ops is not None else "")
        print(f"| {n} | " + " | ".join(cells) + " |")

    with tempfile.TemporaryDirectory() as tmp:
        plots = []
        for b in benches:
            lines = []
            for t in tools:
                data = os.path.join(tmp, f"{b}-{t}.dat")
                with open(data, "w") as f:
                    for n, ops in sorted(medians.get((t, b), [])):
                        f.write(f"{n} {ops / 1000.0}\n")
                lines.append(f"'{data}' using 1:2 with linespoints title '{t}'")
            plots.append(f"set title '{b}'\nplot " + ", ".join(lines))
        script = (
            f"set terminal pngcairo size {420 * len(benches)},360\n"
            f"set output '{args.out}'\n"
            f"set multiplot layout 1,{len(benches)}\n"
            "set logscale x 2\nset xlabel 'threads'\nset ylabel 'kops/s'\n"
            "set yrange [0:*]\nset key bottom right\nset grid\n" +
            "\n".join(plots) + "\nunset multiplot\n")
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


if __name__ == "__main__":
    main()
