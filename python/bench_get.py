#!/usr/bin/env python3
# Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
#
# What the Python module adds to a get: times N random db.get() calls from
# Python against the same N DB::Get calls in a C++ loop inside the module
# (DB._time_gets), on the same database, keys and order, in the same
# process, rounds alternating so that both see the same cache state (the
# best and the median round are printed: on a shared machine the best says
# more about the cost, the spread about the noise). Run
# once with the data in the memtable and once after a flush and full
# compaction (SSTs through the block cache).
#
#   PYTHONPATH=build/python /usr/bin/python3 python/bench_get.py [--num N]
#
# Prints microseconds per get for both and their difference, the module's
# overhead: argument checks, the GIL released and taken back, the value
# copied into a bytes object, and the interpreter's method call. A dict.get
# loop over the same keys is printed for scale (the interpreter's own cost
# of a call and a loop step).

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time

import o3lsm


def time_python_gets(db, keys):
    get = db.get
    start = time.perf_counter()
    for k in keys:
        get(k)
    return time.perf_counter() - start


def time_dict_gets(d, keys):
    get = d.get
    start = time.perf_counter()
    for k in keys:
        get(k)
    return time.perf_counter() - start


def measure(db, keys, rounds, table):
    db._time_gets(keys)  # warm the caches once
    cpp, py = [], []
    for _ in range(rounds):
        seconds, found = db._time_gets(keys)
        assert found == len(keys), (found, len(keys))
        cpp.append(seconds)
        py.append(time_python_gets(db, keys))
    us = 1e6 / len(keys)
    for name, pick in [("best", min), ("median", statistics.median)]:
        c, p = pick(cpp) * us, pick(py) * us
        print(f"{table:8s} {name:6s}  C++ DB::Get {c:6.3f} us/get   Python "
              f"db.get {p:6.3f} us/get   overhead {p - c:6.3f} us/get "
              f"({p / c:4.2f}x)")
    print(f"{'':8s} rounds  C++ {' '.join(f'{x * us:.3f}' for x in cpp)}; "
          f"Python {' '.join(f'{x * us:.3f}' for x in py)}")


def main():
    parser = argparse.ArgumentParser(
        description="db.get from Python against DB::Get from C++")
    parser.add_argument("--num", type=int, default=200000)
    parser.add_argument("--value_size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=301)
    parser.add_argument("--dir", default=None,
                        help="scratch directory (default: a new temp dir)")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="o3lsm-bench-get-", dir=args.dir)
    try:
        rng = random.Random(args.seed)
        keys = [b"%016d" % i for i in range(args.num)]
        value = bytes(rng.getrandbits(8) for _ in range(args.value_size))
        print(f"o3lsm {o3lsm.__version__}: {args.num} keys of 16 bytes, "
              f"values of {args.value_size} bytes, {args.rounds} rounds, "
              f"load average {os.getloadavg()[0]:.2f}")
        with o3lsm.DB(os.path.join(scratch, "db"),
                      write_buffer_size=256 << 20) as db:
            batch = o3lsm.WriteBatch()
            for k in keys:
                batch.put(k, value)
                if len(batch) == 1000:
                    db.write(batch)
                    batch.clear()
            db.write(batch)
            lookups = keys[:]
            rng.shuffle(lookups)
            measure(db, lookups, args.rounds, "memtable")
            db.flush()
            db.compact_range()
            measure(db, lookups, args.rounds, "SSTs")
        d = dict.fromkeys(keys, value)
        t = min(time_dict_gets(d, lookups) for _ in range(args.rounds))
        print(f"for scale: dict.get from Python {t * 1e6 / len(keys):.3f} "
              f"us/get (best)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
