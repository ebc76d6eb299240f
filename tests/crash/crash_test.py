#!/usr/bin/env python3
# Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
"""Crash-test driver for o3lsm (docs/reliability.md).

Repeatedly starts o3lsm-stress on one database, kills it with SIGKILL at a
random moment, then runs `o3lsm-stress --verify`, which reopens the
database (crash recovery) and checks every key against the expected state
the killed run left behind, settling the writes that were in flight. The
next cycle continues on the recovered database.

Modes:
  sync       every write with sync=true: no acknowledged write may be lost
  nosync     sync=false: after SIGKILL still no acknowledged write may be
             lost, since the engine hands each write group to the OS before
             acknowledging it
  disablewal writes skip the WAL: a crash may lose unflushed writes; checked
             is that every key holds an intact value of a generation that
             was written, or nothing
  faults     nosync plus in-process injected file faults (failed and torn
             writes, failed syncs, and unless --no_read_faults failed, short
             and damaged table reads) in short rounds, each reopened and
             verified; and SIGKILL on top
  powercut   sync plus in-process simulated power cuts (unsynced data
             dropped) ending every round, and SIGKILL on top

Exit status 0 if every cycle passed; 1 on the first failure, whose logs and
database are kept in the work directory.

  crash_test.py --stress build/bin/o3lsm-stress --mode sync --duration 60
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

MODES = {
    "sync": ["--sync"],
    "nosync": [],
    "disablewal": ["--disable_wal"],
    "faults": ["--fault_prob=0.002", "--round_seconds=1"],
    "powercut": ["--sync", "--power_cut", "--round_seconds=1"],
}

SUMMARY_KEYS = ("puts", "deletes", "batches", "gets", "iterations",
                "snapshots", "write_errors", "read_errors", "faults_injected",
                "disk_full_rounds",
                "power_cuts", "pending", "pending_landed", "lost")


def parse_counters(line):
    """key=value pairs of an o3lsm-stress summary or progress line."""
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def last_stress_line(path):
    """The last 'o3lsm-stress:' line of a log file, or ''."""
    last = ""
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("o3lsm-stress:"):
                    last = line.strip()
    except OSError:
        pass
    return last


def tail(path, n=3000):
    with open(path, errors="replace") as f:
        return f.read()[-n:]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--stress", required=True, help="o3lsm-stress binary")
    p.add_argument("--mode", choices=sorted(MODES), default="sync")
    p.add_argument("--duration", type=float, default=60,
                   help="seconds to keep starting cycles (default 60)")
    p.add_argument("--cycles", type=int, default=0,
                   help="stop after this many cycles (default: no limit)")
    p.add_argument("--dir", default="",
                   help="work directory (default: a new one under /tmp)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the driver's choices (default: clock)")
    p.add_argument("--kill_min", type=float, default=0.3,
                   help="shortest run before the kill, seconds")
    p.add_argument("--kill_max", type=float, default=2.5,
                   help="longest run before the kill, seconds")
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--key_space", type=int, default=20000)
    p.add_argument("--fault_files", default="",
                   help="comma-separated file-name patterns; each faults "
                   "cycle injects write faults into one of them, picked at "
                   "random (default: every file of the database)")
    p.add_argument("--no_read_faults", action="store_true",
                   help="faults mode: no table read faults")
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory after a passing run")
    p.add_argument("stress_args", nargs="*",
                   help="more o3lsm-stress flags (after --)")
    args = p.parse_args()

    seed = args.seed or int(time.time() * 1000) % (1 << 31)
    rnd = random.Random(seed)
    work = args.dir or "/tmp/o3lsm-crash-%s-%d" % (args.mode, os.getpid())
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    db = os.path.join(work, "db")
    state = os.path.join(work, "expected")
    common = ["--db=" + db, "--expected_state=" + state,
              "--key_space=%d" % args.key_space]
    print("crash_test: mode=%s seed=%d duration=%.0fs dir=%s" %
          (args.mode, seed, args.duration, work), flush=True)

    start = time.monotonic()
    totals = dict.fromkeys(SUMMARY_KEYS, 0)
    cycles = kills = early_exits = 0
    failure = None
    while True:
        if time.monotonic() - start >= args.duration:
            break
        if args.cycles and cycles >= args.cycles:
            break
        cycle_seed = rnd.randrange(1, 1 << 62)
        run = [args.stress] + common + [
            "--threads=%d" % args.threads, "--duration=3600",
            "--seed=%d" % cycle_seed,
            "--compression=" + rnd.choice(["none", "none", "zstd", "lz4"]),
        ] + MODES[args.mode] + args.stress_args
        if cycles == 0:
            run.append("--destroy")
        if args.mode == "faults":
            if args.fault_files:
                run.append("--fault_files=" +
                           rnd.choice(args.fault_files.split(",")))
            if args.no_read_faults:
                run.append("--read_faults=false")
        log = os.path.join(work, "cycle-%d.log" % cycles)
        delay = rnd.uniform(args.kill_min, args.kill_max)
        with open(log, "w") as out:
            out.write("$ " + " ".join(run) + "\n")
            out.flush()
            proc = subprocess.Popen(run, stdout=out, stderr=subprocess.STDOUT)
            try:
                rc = proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                rc = proc.wait()
        if rc == -signal.SIGKILL:
            kills += 1
            how = "killed after %.2fs" % delay
        elif rc == 0:
            early_exits += 1
            how = "exited by itself"
        else:
            failure = "cycle %d: o3lsm-stress exited with status %d" % (
                cycles, rc)
            print(failure + ":\n" + tail(log), flush=True)
            break
        run_counters = parse_counters(last_stress_line(log))

        verify = [args.stress] + common + ["--verify"]
        with open(log, "a") as out:
            out.write("$ " + " ".join(verify) + "\n")
            out.flush()
            rc = subprocess.call(verify, stdout=out, stderr=subprocess.STDOUT)
        line = last_stress_line(log)
        if rc != 0:
            failure = "cycle %d: verification after the kill failed" % cycles
            print(failure + ":\n" + tail(log), flush=True)
            break
        verify_counters = parse_counters(line)
        # Ambiguous writes are counted by the verification after the kill
        # and, with in-process faults, by the run's own verifications.
        for k in SUMMARY_KEYS:
            totals[k] += run_counters.get(k, 0)
        for k in ("pending", "pending_landed", "lost"):
            totals[k] += verify_counters.get(k, 0)
        print("cycle %d: %s (%d ops); verify OK: pending %d, landed %d, "
              "lost %d" % (cycles, how,
                           sum(run_counters.get(k, 0) for k in
                               ("puts", "deletes", "batches", "gets",
                                "iterations", "snapshots")),
                           verify_counters.get("pending", 0),
                           verify_counters.get("pending_landed", 0),
                           verify_counters.get("lost", 0)), flush=True)
        cycles += 1
        if args.mode != "faults":
            os.remove(log)

    elapsed = time.monotonic() - start
    print("crash_test: mode=%s cycles=%d kills=%d early_exits=%d "
          "elapsed=%.0fs %s result=%s" %
          (args.mode, cycles, kills, early_exits, elapsed,
           " ".join("%s=%d" % (k, totals[k]) for k in SUMMARY_KEYS),
           "FAILED" if failure else "OK"), flush=True)
    if failure:
        print("crash_test: logs and database kept in " + work, flush=True)
        return 1
    if cycles == 0:
        print("crash_test: no cycle ran", flush=True)
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
