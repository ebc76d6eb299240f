// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A small, fast pseudo-random generator (xorshift64*) for skiplist heights,
// test data and benchmark keys. Not for cryptography.
//
// Thread safety: not thread-safe; give each thread its own.

#ifndef O3LSM_UTIL_RANDOM_H_
#define O3LSM_UTIL_RANDOM_H_

#include <cstdint>

namespace o3lsm {

class Random64 {
 public:
  explicit Random64(uint64_t seed) : state_(seed ? seed : 0x9E3779B97F4A7C15ull) {}

  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // True with probability 1/n.
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }
  // A double in [0, 1).
  double NextDouble() { return (Next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  uint64_t state_;
};

}  // namespace o3lsm

#endif  // O3LSM_UTIL_RANDOM_H_
