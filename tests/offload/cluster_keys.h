// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Keys, values and options shared by the cluster tests and their helper
// processes.

#ifndef O3LSM_TESTS_OFFLOAD_CLUSTER_KEYS_H_
#define O3LSM_TESTS_OFFLOAD_CLUSTER_KEYS_H_

#include <cstdio>
#include <string>

#include "o3lsm/options.h"

namespace o3lsm::test {

inline std::string ClusterKey(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "user%012llu",
           static_cast<unsigned long long>((i * 2654435761u) % 1000000007));
  return buf;
}

inline std::string ClusterValue(int i) {
  return "value-" + std::to_string(i) + std::string(60, 'v');
}

inline Options ClusterTestOptions(const std::string& pool) {
  Options o;
  o.create_if_missing = true;
  o.write_buffer_size = 256 << 10;
  o.memtable_shards = 4;
  o.offload = kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
  o.dm_pool = pool;
  o.dm_write_buffer_budget = 16 << 20;
  o.level0_file_num_compaction_trigger = 4;
  o.max_bytes_for_level_base = 4 << 20;
  o.target_file_size_base = 1 << 20;
  return o;
}

}  // namespace o3lsm::test

#endif  // O3LSM_TESTS_OFFLOAD_CLUSTER_KEYS_H_
