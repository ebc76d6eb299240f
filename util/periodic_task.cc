// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "util/periodic_task.h"

namespace o3lsm {

PeriodicTask::PeriodicTask(std::chrono::microseconds period,
                           std::function<void()> fn)
    : period_(period), fn_(std::move(fn)), cv_(&mu_) {
  thread_ = std::thread([this] { Loop(); });
}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Stop() {
  {
    MutexLock l(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Loop() {
  auto next = std::chrono::steady_clock::now() + period_;
  MutexLock l(&mu_);
  while (!stop_) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next) {
      // Spurious wake-ups and early returns just loop.
      cv_.WaitFor(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(next - now)
              .count()));
      continue;
    }
    next += period_;
    if (next < now) next = now + period_;  // a run overran whole periods
    mu_.Unlock();
    fn_();
    mu_.Lock();
  }
}

}  // namespace o3lsm
