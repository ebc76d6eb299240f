// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// RateLimiter paces the threads of a benchmark to a rate they share: bytes
// per second for --benchmark_write_rate_limit, operations per second for
// mixgraph's --sine_mix_rate. Each Request(n) reserves the next n / rate
// seconds of a shared timeline and sleeps until its reservation starts, so
// the rate holds on average whatever the number of threads, and time a
// thread left unused is not saved up for a later burst.
//
// Thread safety: every method may be called concurrently.

#ifndef O3LSM_TOOLS_BENCH_RATE_LIMITER_H_
#define O3LSM_TOOLS_BENCH_RATE_LIMITER_H_

#include <cstdint>
#include <mutex>

namespace o3lsm::bench {

class RateLimiter {
 public:
  // REQUIRES: units_per_second > 0.
  explicit RateLimiter(double units_per_second);

  // Takes effect from the next Request. REQUIRES: units_per_second > 0.
  void SetRate(double units_per_second);

  // Blocks until n more units may pass.
  void Request(uint64_t n);

 private:
  std::mutex mu_;
  double units_per_second_;       // guarded by mu_
  uint64_t next_free_nanos_ = 0;  // guarded by mu_; steady clock
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_RATE_LIMITER_H_
