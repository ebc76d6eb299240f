// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "tools/bench/bench_stats.h"

namespace o3lsm::bench {

RateLimiter::RateLimiter(double units_per_second)
    : units_per_second_(units_per_second) {}

void RateLimiter::SetRate(double units_per_second) {
  std::lock_guard<std::mutex> l(mu_);
  units_per_second_ = units_per_second;
}

void RateLimiter::Request(uint64_t n) {
  uint64_t start = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    start = std::max(NowNanos(), next_free_nanos_);
    next_free_nanos_ = start + static_cast<uint64_t>(static_cast<double>(n) *
                                                     1e9 / units_per_second_);
  }
  // Sleep outside the lock, so other threads can reserve their slots.
  const uint64_t now = NowNanos();
  if (start > now) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(start - now));
  }
}

}  // namespace o3lsm::bench
