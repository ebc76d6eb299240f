// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Benchmark keys, byte-for-byte as RocksDB 7.8's db_bench builds them
// (GenerateKeyFromInt without a prefix), so that o3lsm-bench and db_bench
// store and look up identical keys:
//
//   the low min(key_size, 8) bytes of the integer, most significant first,
//   then '0' (0x30) bytes up to key_size.
//
// key_size 16, v = 1: 00 00 00 00 00 00 00 01 30 30 30 30 30 30 30 30
// key_size 4,  v = 1: 00 00 00 01            (the high bytes are dropped)
//
// Thread safety: the functions are pure; a KeyBuffer belongs to one thread.

#ifndef O3LSM_TOOLS_BENCH_KEY_GENERATOR_H_
#define O3LSM_TOOLS_BENCH_KEY_GENERATOR_H_

#include <cstdint>
#include <memory>

#include "o3lsm/slice.h"

namespace o3lsm::bench {

// Writes the key for v into out[0, key_size). REQUIRES: key_size >= 1.
void GenerateKeyFromInt(uint64_t v, int key_size, char* out);

// A reusable key of fixed size; Make overwrites it in place, so the hot
// loop of a benchmark allocates nothing.
class KeyBuffer {
 public:
  // REQUIRES: key_size >= 1.
  explicit KeyBuffer(int key_size)
      : size_(key_size), data_(new char[key_size]) {}
  KeyBuffer(const KeyBuffer&) = delete;
  KeyBuffer& operator=(const KeyBuffer&) = delete;

  // The key for v; valid until the next Make.
  Slice Make(uint64_t v) {
    GenerateKeyFromInt(v, size_, data_.get());
    return Slice(data_.get(), static_cast<size_t>(size_));
  }
  int size() const { return size_; }

 private:
  const int size_;
  std::unique_ptr<char[]> data_;
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_KEY_GENERATOR_H_
