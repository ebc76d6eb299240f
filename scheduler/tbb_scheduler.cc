// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Jobs are enqueued (fire-and-forget) into one of two task arenas:
//   flushes      priority::high, up to flush_threads at once;
//   compactions  priority::low,  up to compaction_threads at once.
// When workers are scarce, TBB serves the high-priority arena first, which
// is what "flushes before compactions" needs. Arenas reserve no slots for
// external threads, so enqueued work is always picked up by workers.
//
// Background jobs do blocking file I/O. That is acceptable here because
// these arenas run nothing else, and the worker pool is sized so that a
// blocked job never starves the other arena (see WorkerPool).

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "scheduler/scheduler.h"

namespace o3lsm {

namespace {

// TBB starts (cores - 1) workers by default: one on this 2-core machine,
// too few for a flush and a compaction at once. The process-wide limit is
// the smallest among live global_controls, so hold one generous control for
// the life of the process.
void EnsureWorkerPool() {
  static oneapi::tbb::global_control control(
      oneapi::tbb::global_control::max_allowed_parallelism,
      std::max<size_t>(16, static_cast<size_t>(
                               oneapi::tbb::info::default_concurrency()) +
                               1));
  (void)control;
}

class TbbScheduler final : public Scheduler {
 public:
  TbbScheduler(int flush_threads, int compaction_threads)
      : flush_arena_(std::max(1, flush_threads), 0,
                     oneapi::tbb::task_arena::priority::high),
        compaction_arena_(std::max(1, compaction_threads), 0,
                          oneapi::tbb::task_arena::priority::low) {
    EnsureWorkerPool();
    flush_arena_.initialize();
    compaction_arena_.initialize();
  }

  ~TbbScheduler() override { WaitForIdle(); }

  void Schedule(JobKind kind, std::function<void()> job) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      pending_++;
    }
    auto task = [this, job = std::move(job)] {
      // An exception escaping an enqueued functor is undefined behaviour in
      // TBB; jobs report errors as Status, so anything here is a bug.
      try {
        job();
      } catch (...) {
        fprintf(stderr, "o3lsm: background job threw; aborting\n");
        std::abort();
      }
      std::lock_guard<std::mutex> l(mu_);
      if (--pending_ == 0) idle_cv_.notify_all();
    };
    if (kind == JobKind::kFlush) {
      flush_arena_.enqueue(std::move(task));
    } else {
      compaction_arena_.enqueue(std::move(task));
    }
  }

  void WaitForIdle() override {
    std::unique_lock<std::mutex> l(mu_);
    idle_cv_.wait(l, [this] { return pending_ == 0; });
  }

 private:
  oneapi::tbb::task_arena flush_arena_;
  oneapi::tbb::task_arena compaction_arena_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  int pending_ = 0;
};

// Under ThreadSanitizer: plain threads. Debian's libtbb is not built with
// TSan, so the hand-off of a job from Schedule to a TBB worker is invisible
// to it and every job would look racy. Same contract: flushes and
// compactions each have their own threads, so a flush never waits for a
// compaction.
class ThreadScheduler final : public Scheduler {
 public:
  ThreadScheduler(int flush_threads, int compaction_threads) {
    for (int i = 0; i < std::max(1, flush_threads); i++) {
      threads_.emplace_back([this] { Work(&flush_jobs_); });
    }
    for (int i = 0; i < std::max(1, compaction_threads); i++) {
      threads_.emplace_back([this] { Work(&compaction_jobs_); });
    }
  }
  ~ThreadScheduler() override {
    WaitForIdle();
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Schedule(JobKind kind, std::function<void()> job) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      pending_++;
      (kind == JobKind::kFlush ? flush_jobs_ : compaction_jobs_)
          .push_back(std::move(job));
    }
    work_cv_.notify_all();
  }
  void WaitForIdle() override {
    std::unique_lock<std::mutex> l(mu_);
    idle_cv_.wait(l, [this] { return pending_ == 0; });
  }

 private:
  void Work(std::deque<std::function<void()>>* queue) {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      work_cv_.wait(l, [&] { return stop_ || !queue->empty(); });
      if (queue->empty()) return;  // stop_
      std::function<void()> job = std::move(queue->front());
      queue->pop_front();
      l.unlock();
      job();
      l.lock();
      if (--pending_ == 0) idle_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> flush_jobs_;
  std::deque<std::function<void()>> compaction_jobs_;
  int pending_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<Scheduler> NewTbbScheduler(int flush_threads,
                                           int compaction_threads) {
#if defined(__SANITIZE_THREAD__)
  return std::make_unique<ThreadScheduler>(flush_threads, compaction_threads);
#else
  return std::make_unique<TbbScheduler>(flush_threads, compaction_threads);
#endif
}

}  // namespace o3lsm
