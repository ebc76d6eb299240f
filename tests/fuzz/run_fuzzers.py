#!/usr/bin/env python3
# Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
"""Runs every libFuzzer target of a fuzz build for a few seconds each
(`make test-fuzz`, docs/reliability.md).

Each target starts from its checked-in seed corpus (tests/fuzz/corpus/<name>,
read only) plus a work corpus in the build directory, where libFuzzer keeps
the inputs it found interesting, so that later runs on the same machine start
further along. A crash, leak, timeout or sanitizer report leaves the input in
<build>/fuzz-artifacts/<name>/ and fails the run; add it to
tests/fuzz/regressions/<name>/ once fixed (or regressions/DISABLED/<name>/
until then) so that regression_test.cc replays it in every build.

  run_fuzzers.py --build build-fuzz --seconds 15 --jobs 2
"""

import argparse
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_one(build, name, seconds):
    binary = os.path.join(build, "fuzz", "o3lsm_fuzz_" + name)
    work = os.path.join(build, "fuzz-work", name)
    artifacts = os.path.join(build, "fuzz-artifacts", name) + os.sep
    os.makedirs(work, exist_ok=True)
    os.makedirs(artifacts, exist_ok=True)
    seeds = os.path.join(HERE, "corpus", name)
    cmd = [binary, "-max_total_time=%d" % seconds, "-print_final_stats=1",
           "-timeout=20", "-rss_limit_mb=2048", "-max_len=65536",
           "-artifact_prefix=" + artifacts, work]
    if os.path.isdir(seeds):
        cmd.append(seeds)
    start = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          errors="replace")
    elapsed = time.monotonic() - start
    out = proc.stdout
    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", out)
    cov = re.findall(r"\bcov: (\d+) ft: (\d+)", out)
    return {
        "name": name,
        "rc": proc.returncode,
        "execs": int(execs[-1]) if execs else 0,
        "cov": cov[-1] if cov else ("0", "0"),
        "corpus": len(os.listdir(work)),
        "seconds": elapsed,
        "log": out,
        "artifacts": sorted(glob.glob(artifacts + "*")),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--build", required=True, help="the fuzz build directory")
    p.add_argument("--seconds", type=int, default=15, help="per target")
    p.add_argument("--jobs", type=int, default=1,
                   help="targets run at the same time")
    p.add_argument("--targets", default="",
                   help="comma-separated names (default: all built)")
    args = p.parse_args()

    names = sorted(os.path.basename(b)[len("o3lsm_fuzz_"):] for b in
                   glob.glob(os.path.join(args.build, "fuzz", "o3lsm_fuzz_*")))
    if args.targets:
        names = [n for n in names if n in args.targets.split(",")]
    if not names:
        print("run_fuzzers: no fuzz targets in %s/fuzz" % args.build)
        return 1
    print("run_fuzzers: %d targets, %d s each, %d at a time" %
          (len(names), args.seconds, args.jobs), flush=True)
    failed = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for r in pool.map(lambda n: run_one(args.build, n, args.seconds),
                          names):
            status = "OK" if r["rc"] == 0 else "FAILED (exit %d)" % r["rc"]
            print("  %-13s %9d execs  cov %5s ft %6s  corpus %5d  %5.1fs  %s" %
                  (r["name"], r["execs"], r["cov"][0], r["cov"][1],
                   r["corpus"], r["seconds"], status), flush=True)
            if r["rc"] != 0:
                failed.append(r)
    for r in failed:
        print("\n==== %s failed; inputs: %s\n%s" %
              (r["name"], " ".join(r["artifacts"]) or "(none)",
               r["log"][-6000:]), flush=True)
    print("run_fuzzers: %s" % ("FAILED: " + ", ".join(r["name"] for r in failed)
                               if failed else "OK"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
