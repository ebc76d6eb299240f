// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The deterministic workload of the crash test, shared by the writer child
// and the verifying parent: operation i is a put of key(i) or, every 7th
// operation, a delete of an earlier key. Values are 0.5-3 KiB so that the
// tiny memtables of the test flush and compact all the time.

#ifndef O3LSM_TESTS_LSM_CRASH_WORKLOAD_H_
#define O3LSM_TESTS_LSM_CRASH_WORKLOAD_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "o3lsm/options.h"

namespace o3lsm::crash {

inline std::string Key(uint64_t i) {
  char buf[32];
  // Spread keys over the key space so compactions touch many ranges.
  snprintf(buf, sizeof(buf), "k%08llu",
           static_cast<unsigned long long>((i * 2654435761u) % 100000000));
  return buf;
}

inline std::string Value(uint64_t i) {
  const size_t len = 512 + (i * 7919) % 2560;
  std::string v(len, '\0');
  uint64_t x = i * 0x9E3779B97F4A7C15ull + 1;
  for (size_t j = 0; j < len; j++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v[j] = static_cast<char>('a' + x % 26);
  }
  return v;
}

inline bool IsDelete(uint64_t i) { return i % 7 == 3; }

// Applies operation i to a model of the database.
inline void Apply(uint64_t i, std::map<std::string, std::string>* model) {
  if (IsDelete(i)) {
    model->erase(Key(i - 3));
  } else {
    (*model)[Key(i)] = Value(i);
  }
}

inline Options CrashOptions() {
  Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 32 << 10;
  o.level0_file_num_compaction_trigger = 2;
  o.max_bytes_for_level_base = 128 << 10;
  o.target_file_size_base = 32 << 10;
  // Sharded memtables seal and flush independently: recovery must cope.
  o.memtable_shards = 4;
  return o;
}

}  // namespace o3lsm::crash

#endif  // O3LSM_TESTS_LSM_CRASH_WORKLOAD_H_
