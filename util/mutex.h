// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// An annotated mutex and condition variable, so that GUARDED_BY on shared
// state is checked under clang.
//
// A mutex that every foreground thread may need (the DB mutex) must never
// be held across a round trip to another node: one slow memory node would
// stall every writer and reader. Such a mutex is constructed with
// Mutex::kNoRoundTrips; while a thread holds one, RoundTripsForbiddenHere()
// is true on that thread, and the fabric wrapper of
// interconnect/round_trip_check_fabric.h refuses verbs there. The tally is
// one thread-local increment per Lock, in every build.

#ifndef O3LSM_UTIL_MUTEX_H_
#define O3LSM_UTIL_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "util/thread_annotations.h"

namespace o3lsm {

class CAPABILITY("mutex") Mutex {
 public:
  enum Kind { kPlain, kNoRoundTrips };

  explicit Mutex(Kind kind = kPlain) : no_round_trips_(kind == kNoRoundTrips) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() EXCLUSIVE_LOCK_FUNCTION() {
    mu_.lock();
    if (no_round_trips_) no_round_trip_locks_held_++;
  }
  void Unlock() UNLOCK_FUNCTION() {
    if (no_round_trips_) no_round_trip_locks_held_--;
    mu_.unlock();
  }
  void AssertHeld() ASSERT_EXCLUSIVE_LOCK() {}

  // True while this thread holds a mutex of kind kNoRoundTrips.
  static bool RoundTripsForbiddenHere() {
    return no_round_trip_locks_held_ > 0;
  }

 private:
  friend class CondVar;
  static inline thread_local int no_round_trip_locks_held_ = 0;
  const bool no_round_trips_;
  std::mutex mu_;
};

class CondVar {
 public:
  explicit CondVar(Mutex* mu) : mu_(mu) {}
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // REQUIRES: mu held. Releases it while waiting.
  void Wait() {
    Released released(mu_);
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // Like Wait, but returns after at most micros. True if it timed out.
  bool WaitFor(uint64_t micros) {
    Released released(mu_);
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
    bool timed_out = cv_.wait_for(lock, std::chrono::microseconds(micros)) ==
                     std::cv_status::timeout;
    lock.release();
    return timed_out;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  // The mutex is not held while waiting: the thread's tally says so.
  class Released {
   public:
    explicit Released(Mutex* mu) : mu_(mu) {
      if (mu_->no_round_trips_) Mutex::no_round_trip_locks_held_--;
    }
    ~Released() {
      if (mu_->no_round_trips_) Mutex::no_round_trip_locks_held_++;
    }

   private:
    Mutex* const mu_;
  };

  std::condition_variable cv_;
  Mutex* const mu_;
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace o3lsm

#endif  // O3LSM_UTIL_MUTEX_H_
