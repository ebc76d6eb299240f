#!/usr/bin/env python3
# Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
"""Tests of the crash-test driver's hold on its work directory
(docs/reliability.md, bug 11): a directory serves one driver at a time, no
child outlives a killed driver, and a failed run's directory survives the
next run.

  crash_driver_test.py --stress build/bin/o3lsm-stress --dir SCRATCH
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "crash_test.py")
ARGS = None  # the parsed command line


def driver(work, *extra):
    return [sys.executable, DRIVER, "--stress", ARGS.stress, "--mode",
            "nosync", "--dir", work] + list(extra)


def processes_on(db):
    """Pids of processes whose command line names the database db."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if ("--db=" + db).encode() in argv:
            pids.append(int(pid))
    return pids


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class CrashDriverTest(unittest.TestCase):

    def setUp(self):
        self.work = os.path.join(ARGS.dir, self.id().split(".")[-1])
        for path in (self.work, self.work + ".failed-1"):
            shutil.rmtree(path, ignore_errors=True)
        os.makedirs(ARGS.dir, exist_ok=True)
        self.db = os.path.join(self.work, "db")
        self.first = None

    def tearDown(self):
        if self.first is not None and self.first.poll() is None:
            self.first.kill()
            self.first.wait()

    def start_first(self):
        """A driver running long enough to be in a cycle when looked at."""
        self.first = subprocess.Popen(driver(self.work, "--duration", "60"),
                                      stdout=subprocess.DEVNULL)
        self.assertTrue(wait_for(lambda: processes_on(self.db), 20),
                        "the first driver started no o3lsm-stress")

    def test_second_driver_on_the_same_directory_is_refused(self):
        self.start_first()
        second = subprocess.run(driver(self.work, "--duration", "1"),
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(2, second.returncode, second.stdout)
        self.assertIn("is in use by another crash_test run", second.stdout)
        # The first run goes on undisturbed.
        self.assertIsNone(self.first.poll())

    def test_no_child_outlives_a_killed_driver(self):
        self.start_first()
        self.first.send_signal(signal.SIGKILL)
        self.first.wait()
        self.assertTrue(wait_for(lambda: not processes_on(self.db), 10),
                        "o3lsm-stress outlived its driver: %s" %
                        processes_on(self.db))
        # The directory is free for the next run.
        rerun = subprocess.run(driver(self.work, "--duration", "1"),
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(0, rerun.returncode, rerun.stdout)

    def test_a_failed_runs_directory_is_moved_aside_not_deleted(self):
        os.makedirs(self.work)
        with open(os.path.join(self.work, "FAILED"), "w") as f:
            f.write("cycle 3: verification after the kill failed\n")
        with open(os.path.join(self.work, "cycle-3.log"), "w") as f:
            f.write("the evidence\n")
        rerun = subprocess.run(driver(self.work, "--duration", "1"),
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(0, rerun.returncode, rerun.stdout)
        self.assertIn("moved to " + self.work + ".failed-1", rerun.stdout)
        with open(os.path.join(self.work + ".failed-1", "cycle-3.log")) as f:
            self.assertEqual("the evidence\n", f.read())


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--stress", required=True, help="o3lsm-stress binary")
    p.add_argument("--dir", required=True, help="scratch directory")
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
