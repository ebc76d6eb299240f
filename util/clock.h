// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The clocks the engine reads directly (where no Env is at hand): the
// steady clock for intervals and timeouts, the wall clock for stamps that
// other hosts compare.
//
// Thread safety: pure functions.

#ifndef O3LSM_UTIL_CLOCK_H_
#define O3LSM_UTIL_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace o3lsm {

inline uint64_t SteadyNanos() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

inline uint64_t SteadyMicros() { return SteadyNanos() / 1000; }

inline uint64_t WallMicros() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace o3lsm

#endif  // O3LSM_UTIL_CLOCK_H_
