// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/value_generator.h"

#include <algorithm>

#include "util/random.h"

namespace o3lsm::bench {
namespace {

constexpr size_t kPieceSize = 100;
constexpr size_t kMinBuffer = 1 << 20;  // larger than any compression window

}  // namespace

ValueSource::ValueSource(double compression_ratio, size_t max_value_size,
                         uint64_t seed) {
  Random64 rnd(seed);
  const size_t target = std::max(kMinBuffer, max_value_size);
  // A piece of kPieceSize bytes whose first `unique` bytes are random and the
  // rest repeat them: a compressor keeps about `unique` bytes of it.
  const size_t unique = std::max<size_t>(
      1,
      static_cast<size_t>(static_cast<double>(kPieceSize) * compression_ratio));
  std::string raw(unique, ' ');
  data_.reserve(target + kPieceSize);
  while (data_.size() < target) {
    for (char& c : raw) c = static_cast<char>(' ' + rnd.Uniform(95));
    for (size_t i = 0; i < kPieceSize; i++) data_.push_back(raw[i % unique]);
  }
}

}  // namespace o3lsm::bench
