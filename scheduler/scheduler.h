// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Scheduler runs the engine's background jobs (flushes and compactions).
// The engine decides *what* runs and how many at a time; the scheduler
// decides *where*: the first implementation runs them on oneTBB worker
// threads in this process; the cluster placement (issue #4) offers them to
// whichever node is idle.
//
// Flushes come before compactions: a queued flush starts before any queued
// compaction, and flushes never wait for a compaction slot, because a late
// flush stalls writers while a late compaction only costs read speed.
//
// Thread safety: all methods may be called concurrently. Schedule never
// blocks, so it may be called with the DB mutex held.

#ifndef O3LSM_SCHEDULER_SCHEDULER_H_
#define O3LSM_SCHEDULER_SCHEDULER_H_

#include <functional>
#include <memory>

namespace o3lsm {

enum class JobKind { kFlush, kCompaction };

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // Runs job once in the background. The job must not throw.
  virtual void Schedule(JobKind kind, std::function<void()> job) = 0;

  // Blocks until every job scheduled before the call has finished.
  virtual void WaitForIdle() = 0;
};

// A oneTBB scheduler with a high-priority arena for flushes and a
// low-priority one for compactions, each at most `*_threads` wide.
std::unique_ptr<Scheduler> NewTbbScheduler(int flush_threads,
                                           int compaction_threads);

}  // namespace o3lsm

#endif  // O3LSM_SCHEDULER_SCHEDULER_H_
