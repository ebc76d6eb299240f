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

Offloading: --offload LAYERS runs every cycle (and its verification) with
those layers offloaded to a pool inside the o3lsm-stress process, whose
executor threads run the flush and compaction jobs. --cluster N instead
starts a local cluster, a memory node and N workers (o3lsm-node), offloads
every layer to it, and in each cycle SIGKILLs, at random, the compute node
(o3lsm-stress) alone, or first a worker (its jobs must run elsewhere) or the
memory node (the compute node falls back to local memtables and flushes)
and then the compute node. Dead nodes are restarted before the
verification, which reopens the database through the cluster; a memory
node's restart starts a new pool (DM lost with it). With --compute_nodes M,
M o3lsm-stress processes, each on its own database, share the cluster, and
a cycle may also kill one of them first while the others go on: a compute
node's crash must touch nothing of another's. With --transport ofi the
nodes reach the pool over loopback through libfabric (the memory node
exports it, the others prove the cluster's key file), as separate hosts
would.

Exit status 0 if every cycle passed; 1 on the first failure, whose logs and
database are kept in the work directory; 2 if the work directory is in use.

The work directory belongs to one driver at a time (a lock file beside it),
and every process the driver starts dies with it (even if it is killed), so
a run never shares its database with a leftover o3lsm-stress. A work
directory a failed run left behind is not deleted by the next run: it is
moved aside to DIR.failed-N (the newest three are kept).

  crash_test.py --stress build/bin/o3lsm-stress --mode sync --duration 60
  crash_test.py --stress build/bin/o3lsm-stress --mode sync --cluster 2
  crash_test.py --stress build/bin/o3lsm-stress --mode sync --cluster 2 \
      --compute_nodes 2
  crash_test.py --stress build/bin/o3lsm-stress --mode sync --cluster 2 \
      --transport ofi
"""

import argparse
import ctypes
import fcntl
import glob
import os
import random
import re
import select
import shutil
import signal
import socket
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


PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def die_with_driver():
    """preexec_fn of every child: SIGKILL when the driver goes, however it
    goes, so that no child outlives it and keeps writing to the database."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def lock_work_dir(work):
    """An exclusive lock on WORK.lock for the driver's lifetime, or None if
    another driver holds it."""
    f = open(work.rstrip("/") + ".lock", "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    f.seek(0)
    f.truncate()
    f.write("%d\n" % os.getpid())
    f.flush()
    return f


FAILED_MARK = "FAILED"


def mark_failed(work, why):
    """Leaves why in WORK/FAILED: the next run in this directory moves it
    aside instead of deleting it."""
    with open(os.path.join(work, FAILED_MARK), "w") as f:
        f.write(why + "\n")
KEEP_FAILED = 3


def clear_work_dir(work):
    """Empties the way for a new run: a failed run's directory is moved to
    WORK.failed-N (keeping the newest KEEP_FAILED), any other is deleted."""
    if not os.path.exists(work):
        return
    if os.path.exists(os.path.join(work, FAILED_MARK)):
        base = work.rstrip("/") + ".failed-"
        kept = sorted(int(d[len(base):]) for d in glob.glob(base + "*")
                      if d[len(base):].isdigit())
        n = kept[-1] + 1 if kept else 1
        os.rename(work, base + str(n))
        print("crash_test: the failed run's directory was moved to %s%d" %
              (base, n), flush=True)
        for old in kept[:max(0, len(kept) + 1 - KEEP_FAILED)]:
            shutil.rmtree(base + str(old), ignore_errors=True)
        return
    shutil.rmtree(work)


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


def free_port():
    """A TCP port on loopback nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A memory node and workers (o3lsm-node) on an emulated pool, reached
    through /dev/shm (transport "shm") or over loopback with libfabric
    (transport "ofi": the memory node exports the pool on a fixed port, and
    every other process proves the cluster's key file)."""

    READY_SECONDS = 20
    CLUSTER_ID = 77

    def __init__(self, node, work, workers, transport="shm"):
        self.node = node
        self.work = work
        self.pool = "/dev/shm/o3lsm-crash-%d" % os.getpid()
        self.node_uri = "emulated:" + self.pool
        self.export = []
        self.uri = self.node_uri
        if transport == "ofi":
            key = os.path.join(work, "cluster.key")
            listen = "127.0.0.1:%d" % free_port()
            # The first memory node creates the key file (0600).
            self.export = ["--listen=" + listen, "--secret=" + key,
                           "--cluster-id=%d" % self.CLUSTER_ID]
            self.uri = "ofi://%s?secret=%s&cluster_id=%d" % (
                listen, key, self.CLUSTER_ID)
        self.memory = None
        self.workers = [None] * workers
        self.restarts = {"memory": 0, "worker": 0}
        self.spawned = 0  # workers started, for their log names

    def _spawn(self, role, name, extra):
        log = os.path.join(self.work, name + ".log")
        pool = self.node_uri if role == "memory" else self.uri
        cmd = [self.node, "--role=" + role, "--pool=" + pool,
               "--log=" + log] + extra
        err = open(log + ".stderr", "a")
        # Unbuffered: select() must see each line still in the pipe.
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err,
                                preexec_fn=die_with_driver, bufsize=0)
        err.close()
        line = ""
        deadline = time.monotonic() + self.READY_SECONDS
        # An exporting memory node says where first ("export: URI").
        while not line.startswith("ready:"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([proc.stdout], [], [], max(left, 0))
            if not ready:
                line = ""
                break
            line = proc.stdout.readline().decode(errors="replace")
            if not line:
                break
        if not line.startswith("ready:"):
            proc.kill()
            proc.wait()
            raise RuntimeError("%s did not come up (%s): see %s" %
                               (" ".join(cmd), line.strip() or "no answer",
                                log))
        return proc

    @staticmethod
    def _alive(proc):
        return proc is not None and proc.poll() is None

    def _reap(self, proc, sig=signal.SIGKILL):
        if proc is not None and proc.poll() is None:
            proc.send_signal(sig)
        if proc is not None:
            proc.wait()
            proc.stdout.close()

    def ensure(self):
        """Starts whatever is not running."""
        if not self._alive(self.memory):
            # The pool goes with its memory node: the workers move to a new
            # one.
            if self.memory is not None:
                self.restarts["memory"] += 1
            for w in self.workers:
                self._reap(w)
            self._reap(self.memory)
            if os.path.exists(self.pool):
                os.remove(self.pool)
            self.memory = self._spawn(
                "memory", "memory",
                ["--create", "--size=256M", "--liveness-ms=1000"] +
                self.export)
            self.workers = [None] * len(self.workers)
        for i, w in enumerate(self.workers):
            if not self._alive(w):
                self.spawned += 1
                self.workers[i] = self._spawn(
                    "worker", "worker-%d" % self.spawned, ["--wait-ms=5000"])

    def kill_worker(self, i):
        self._reap(self.workers[i])
        self.restarts["worker"] += 1

    def kill_memory(self):
        self._reap(self.memory)

    def stop(self):
        """SIGTERM to every node (workers log the jobs they ran)."""
        for w in self.workers:
            self._reap(w, signal.SIGTERM)
        self._reap(self.memory, signal.SIGTERM)
        if os.path.exists(self.pool):
            os.remove(self.pool)


def jobs_done_in_logs(work):
    """Flush and compaction jobs the workers finished, from their logs."""
    done = {"flush": 0, "compaction": 0}
    for name in os.listdir(work):
        if name.startswith("worker-") and name.endswith(".log"):
            with open(os.path.join(work, name), errors="replace") as f:
                for m in re.finditer(r"executor: (flush|compaction) job .* done",
                                     f.read()):
                    done[m.group(1)] += 1
    return done


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
    p.add_argument("--offload", default="",
                   help="layers to offload (o3lsm-stress --offload), to a "
                   "pool inside o3lsm-stress unless --cluster is given")
    p.add_argument("--shards", type=int, default=2,
                   help="memtable shards when offloading (default 2)")
    p.add_argument("--cluster", type=int, default=0, metavar="N",
                   help="run against a local cluster of a memory node and N "
                   "workers, every layer offloaded, killing nodes too")
    p.add_argument("--transport", choices=["shm", "ofi"], default="shm",
                   help="with --cluster: how the nodes reach the pool: "
                   "/dev/shm, or ofi:// over loopback with the cluster's key")
    p.add_argument("--compute_nodes", type=int, default=1, metavar="M",
                   help="with --cluster: M compute nodes (o3lsm-stress "
                   "processes, one database each) share the cluster")
    p.add_argument("--node", default="",
                   help="o3lsm-node binary (default: beside --stress)")
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory after a passing run")
    p.add_argument("stress_args", nargs="*",
                   help="more o3lsm-stress flags (after --)")
    args = p.parse_args()
    # SIGTERM (a test timeout) unwinds like an exception, so that a cluster's
    # nodes and pool are cleaned up; children die with the driver anyway.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    seed = args.seed or int(time.time() * 1000) % (1 << 31)
    rnd = random.Random(seed)
    work = args.dir or "/tmp/o3lsm-crash-%s-%d" % (args.mode, os.getpid())
    parent = os.path.dirname(os.path.abspath(work))
    os.makedirs(parent, exist_ok=True)
    lock = lock_work_dir(work)
    if lock is None:
        print("crash_test: %s is in use by another crash_test run (it holds "
              "%s.lock); give this one another --dir" % (work, work),
              flush=True)
        return 2
    clear_work_dir(work)
    os.makedirs(work)
    if args.compute_nodes < 1 or (args.compute_nodes > 1 and not args.cluster):
        print("crash_test: --compute_nodes needs --cluster (and is >= 1)",
              flush=True)
        return 2
    # One database and expected state per compute node; "db" and
    # "expected" when there is one.
    suffixes = [""] if args.compute_nodes == 1 else [
        "-%d" % i for i in range(args.compute_nodes)]
    dbs = [os.path.join(work, "db" + x) for x in suffixes]
    states = [os.path.join(work, "expected" + x) for x in suffixes]
    common = ["--key_space=%d" % args.key_space]
    cluster = None
    offload = args.offload
    if args.cluster:
        node = args.node or os.path.join(os.path.dirname(args.stress),
                                         "o3lsm-node")
        cluster = Cluster(node, work, args.cluster, args.transport)
        offload = "all"
        common.append("--fabric=" + cluster.uri)
    if offload:
        common += ["--offload=" + offload, "--shards=%d" % args.shards]
    print("crash_test: mode=%s seed=%d duration=%.0fs offload=%s%s dir=%s" %
          (args.mode, seed, args.duration, offload or "none",
           " cluster=%d workers, %d compute nodes" % (
               args.cluster, args.compute_nodes) if cluster else "", work),
          flush=True)
    nodes = [(["--db=" + d, "--expected_state=" + e] + common, x)
             for d, e, x in zip(dbs, states, suffixes)]
    try:
        return run_cycles(args, rnd, work, nodes, cluster, offload)
    except Exception as e:
        mark_failed(work, "driver error: %r" % e)
        raise
    finally:
        if cluster is not None:
            cluster.stop()


def wait_all(procs, timeout):
    """Waits until every process exited or timeout seconds passed; returns
    their exit statuses (None for those still running)."""
    deadline = time.monotonic() + timeout
    while True:
        rcs = [p.poll() for p in procs]
        left = deadline - time.monotonic()
        if all(rc is not None for rc in rcs) or left <= 0:
            return rcs
        time.sleep(min(0.02, left))


def run_cycles(args, rnd, work, nodes, cluster, offload):
    """The crash cycles; returns the exit status. nodes: per compute node,
    its o3lsm-stress flags and its log-name suffix."""

    start = time.monotonic()
    totals = dict.fromkeys(SUMMARY_KEYS, 0)
    cycles = kills = node_kills = early_exits = 0
    failure = None
    while True:
        if time.monotonic() - start >= args.duration:
            break
        if args.cycles and cycles >= args.cycles:
            break
        runs = []
        for common, _ in nodes:
            run = [args.stress] + common + [
                "--threads=%d" % args.threads, "--duration=3600",
                "--seed=%d" % rnd.randrange(1, 1 << 62),
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
            runs.append(run)
        logs = [os.path.join(work, "cycle-%d%s.log" % (cycles, x))
                for _, x in nodes]
        delay = rnd.uniform(args.kill_min, args.kill_max)
        # With a cluster, a worker or the memory node may die first, or
        # (with several) one compute node, and the others go on without it
        # for a while.
        victim = "cn"
        if cluster is not None:
            cluster.ensure()
            choices = ["cn", "cn", "worker", "memory"]
            if len(nodes) > 1:
                choices.append("one cn")
            victim = rnd.choice(choices)
        outs = [open(log, "w") for log in logs]
        try:
            procs = []
            for run, out in zip(runs, outs):
                out.write("$ " + " ".join(run) + "\n")
                out.flush()
                procs.append(subprocess.Popen(
                    run, stdout=out, stderr=subprocess.STDOUT,
                    preexec_fn=die_with_driver))
            rcs = wait_all(procs, delay)
            if any(rc is None for rc in rcs) and victim != "cn":
                if victim == "worker":
                    which = rnd.randrange(len(cluster.workers))
                    cluster.kill_worker(which)
                    victim = "worker %d" % which
                elif victim == "memory":
                    cluster.kill_memory()
                    victim = "the memory node"
                else:
                    which = rnd.randrange(len(procs))
                    if procs[which].poll() is None:
                        procs[which].send_signal(signal.SIGKILL)
                    victim = "compute node %d" % which
                after = rnd.uniform(0.5, 2.0)
                for out in outs:
                    out.write("# crash_test: killed %s after %.2fs\n" %
                              (victim, delay))
                    out.flush()
                rcs = wait_all(procs, after)
                delay += after
            for i, p in enumerate(procs):
                if p.poll() is None:
                    p.send_signal(signal.SIGKILL)
                rcs[i] = p.wait()
        finally:
            for out in outs:
                out.close()
        for i, rc in enumerate(rcs):
            if rc not in (0, -signal.SIGKILL):
                failure = "cycle %d: o3lsm-stress%s exited with status %d" % (
                    cycles, nodes[i][1], rc)
                print(failure + ":\n" + tail(logs[i]), flush=True)
        if failure:
            break
        if all(rc == 0 for rc in rcs):
            early_exits += 1
            how = "exited by itself"
        else:
            kills += 1
            how = "killed after %.2fs" % delay
            if victim != "cn":
                node_kills += 1
                how = "killed %s, then the compute node%s after %.2fs" % (
                    victim, "s" if len(nodes) > 1 else "", delay)
        run_counters = [parse_counters(last_stress_line(log)) for log in logs]

        if cluster is not None:
            cluster.ensure()
        verify_counters = []
        for (common, x), log in zip(nodes, logs):
            verify = [args.stress] + common + ["--verify"]
            with open(log, "a") as out:
                out.write("$ " + " ".join(verify) + "\n")
                out.flush()
                rc = subprocess.call(verify, stdout=out,
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=die_with_driver)
            if rc != 0:
                failure = ("cycle %d: verification%s after the kill failed "
                           "(%s)" % (cycles, x, "signal %d" % -rc if rc < 0
                                     else "exit status %d" % rc))
                print(failure + ":\n" + tail(log), flush=True)
                break
            verify_counters.append(parse_counters(last_stress_line(log)))
        if failure:
            break
        # Ambiguous writes are counted by the verification after the kill
        # and, with in-process faults, by the run's own verifications.
        for counters in run_counters:
            for k in SUMMARY_KEYS:
                totals[k] += counters.get(k, 0)
        for counters in verify_counters:
            for k in ("pending", "pending_landed", "lost"):
                totals[k] += counters.get(k, 0)
        print("cycle %d: %s (%d ops); verify OK: pending %d, landed %d, "
              "lost %d" % (cycles, how,
                           sum(c.get(k, 0) for c in run_counters for k in
                               ("puts", "deletes", "batches", "gets",
                                "iterations", "snapshots")),
                           sum(c.get("pending", 0) for c in verify_counters),
                           sum(c.get("pending_landed", 0)
                               for c in verify_counters),
                           sum(c.get("lost", 0) for c in verify_counters)),
              flush=True)
        cycles += 1
        if args.mode != "faults":
            for log in logs:
                os.remove(log)

    elapsed = time.monotonic() - start
    extra = ""
    if cluster is not None:
        cluster.stop()
        jobs = jobs_done_in_logs(work)
        extra = (" node_kills=%d memory_restarts=%d worker_restarts=%d "
                 "worker_flush_jobs=%d worker_compaction_jobs=%d" %
                 (node_kills, cluster.restarts["memory"],
                  cluster.restarts["worker"], jobs["flush"],
                  jobs["compaction"]))
    if not failure and cycles == 0:
        failure = "no cycle ran"
        print("crash_test: " + failure, flush=True)
    if not failure and cluster is not None and cycles >= 3 and \
            jobs["flush"] == 0:
        failure = "no flush job ran on a worker: the cluster was not used"
        print("crash_test: %s (see the worker logs in %s)" % (failure, work),
              flush=True)
    print("crash_test: mode=%s offload=%s cycles=%d kills=%d early_exits=%d "
          "elapsed=%.0fs %s%s result=%s" %
          (args.mode, offload or "none", cycles, kills, early_exits, elapsed,
           " ".join("%s=%d" % (k, totals[k]) for k in SUMMARY_KEYS), extra,
           "FAILED" if failure else "OK"), flush=True)
    if failure:
        mark_failed(work, failure)
        print("crash_test: logs and database kept in " + work, flush=True)
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
