// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PeriodicTask runs a function every `period` on a thread of its own until
// Stop, which wakes the thread (it waits on a condition variable with a
// timeout, never in a plain sleep) and joins it: stopping takes as long as
// a run in progress, not a period. The database's stats dump
// (Options::stats_dump_period_sec) runs on one.
//
// Thread safety: Stop may be called any number of times, from one thread at
// a time other than the task's own; the destructor stops the task.

#ifndef O3LSM_UTIL_PERIODIC_TASK_H_
#define O3LSM_UTIL_PERIODIC_TASK_H_

#include <chrono>
#include <functional>
#include <thread>

#include "util/mutex.h"

namespace o3lsm {

class PeriodicTask {
 public:
  // Starts the thread; the first run is one period from now.
  // REQUIRES: period > 0.
  PeriodicTask(std::chrono::microseconds period, std::function<void()> fn);
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  ~PeriodicTask();

  void Stop();

 private:
  void Loop();

  const std::chrono::microseconds period_;
  const std::function<void()> fn_;
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace o3lsm

#endif  // O3LSM_UTIL_PERIODIC_TASK_H_
