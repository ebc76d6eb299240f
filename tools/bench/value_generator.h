// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ValueSource hands out benchmark values that compress to about
// --compression_ratio of their size, like db_bench's RandomGenerator: a
// buffer of at least 1 MiB is built once from 100-byte pieces, each a run of
// random printable bytes (ratio x 100 of them) repeated to fill the piece,
// and values are consecutive windows of that buffer. Reusing one buffer keeps
// value generation out of the measured time.
//
// The bytes differ from db_bench's (another random generator); sizes,
// compressibility and cost per value are the same.
//
// Thread safety: a ValueSource is immutable after construction and may be
// shared; each thread takes values through its own ValueCursor.

#ifndef O3LSM_TOOLS_BENCH_VALUE_GENERATOR_H_
#define O3LSM_TOOLS_BENCH_VALUE_GENERATOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "o3lsm/slice.h"

namespace o3lsm::bench {

class ValueSource {
 public:
  // REQUIRES: 0 < compression_ratio <= 1.
  ValueSource(double compression_ratio, size_t max_value_size, uint64_t seed);
  ValueSource(const ValueSource&) = delete;
  ValueSource& operator=(const ValueSource&) = delete;

  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

// Walks a ValueSource; one per thread.
class ValueCursor {
 public:
  // REQUIRES: source outlives the cursor.
  explicit ValueCursor(const ValueSource* source) : source_(source) {}

  // The next len bytes of the buffer, wrapping to its start when they would
  // run past its end. REQUIRES: len <= source->data().size(). The Slice
  // lives as long as the source.
  Slice Next(size_t len) {
    const std::string& d = source_->data();
    if (pos_ + len > d.size()) pos_ = 0;
    const Slice r(d.data() + pos_, len);
    pos_ += len;
    return r;
  }

 private:
  const ValueSource* source_;
  size_t pos_ = 0;
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_VALUE_GENERATOR_H_
