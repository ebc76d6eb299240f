// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// StressOptions: everything an o3lsm-stress run is told on its command line
// (main.cc maps each field to a flag of the same name). docs/reliability.md
// describes the tool and the checks.

#ifndef O3LSM_TOOLS_STRESS_STRESS_OPTIONS_H_
#define O3LSM_TOOLS_STRESS_STRESS_OPTIONS_H_

#include <cstdint>
#include <string>

#include "o3lsm/options.h"

#include "tools/stress/stress_key_value.h"

namespace o3lsm::stress {

struct StressOptions {
  // ---- Where ----

  // Database directory. Required.
  std::string db;
  // The expected-state file. Default: "" meaning <db>.expected.
  std::string expected_state;

  // ---- What to do ----

  // Only open the database, verify it against the expected state, settle
  // ambiguous keys to what was found, and exit. Default: false.
  bool verify = false;
  // Delete the database and the expected state first. Default: false.
  bool destroy = false;

  // ---- The workload ----

  // Worker threads. Default: 8.
  int threads = 8;
  // Operations per thread; 0 with duration 0 means 10000. Default: 0.
  uint64_t ops_per_thread = 0;
  // Seconds to run, 0 for no limit but ops_per_thread. Default: 0.
  double duration = 0;
  // Keys 0..key_space-1. Default: 20000.
  uint32_t key_space = 20000;
  // Value lengths; fixed when the expected state is created. Default:
  // 16..600.
  ValueSizes value_sizes{16, 600};
  // Operation mix in percent; must add up to 100.
  // Defaults: put 35, delete 10, batch 10, get 30, iter 10, snapshot 5.
  int put_percent = 35;
  int delete_percent = 10;
  int batch_percent = 10;
  int get_percent = 30;
  int iter_percent = 10;
  int snapshot_percent = 5;
  // Keys per batch, at most. Default: 8.
  int max_batch_keys = 8;
  // Keys per iterator or snapshot check, at most. Default: 100.
  int max_range_keys = 100;
  // One operation in N is also a manual Flush / CompactRange; 0: never.
  // Default: 2000 / 5000.
  uint32_t flush_one_in = 2000;
  uint32_t compact_one_in = 5000;
  // WriteOptions of every write. Default: false / false.
  bool sync = false;
  bool disable_wal = false;
  // Seed of every random choice; 0 picks one from the clock (printed).
  // Default: 0.
  uint64_t seed = 0;

  // ---- Faults (in-process, through test::FaultInjectionEnv) ----

  // Probability that each file append, sync or SST read fails (appends are
  // sometimes torn, reads sometimes short or damaged); 0 = no faults. One
  // round in four the disk also fills up. The run is split into rounds: a
  // round ends when a write fails, then the database is closed, reopened
  // without faults and verified.
  // Default: 0.
  double fault_prob = 0;
  // Write and sync faults hit the files whose names contain this; "" means
  // every file of the database. Default: "".
  std::string fault_files;
  // Whether table reads fail, come back short or damaged too. Default: true.
  bool read_faults = true;
  // End every round with a simulated power cut at a random moment: unsynced
  // file data is dropped before the reopen. Default: false.
  bool power_cut = false;
  // Longest round with faults or power cuts, seconds. Default: 2.
  double round_seconds = 2;

  // ---- Engine options: small, so that flushes and compactions never stop

  size_t write_buffer_size = 64 << 10;
  int max_write_buffer_number = 3;
  uint64_t max_bytes_for_level_base = 256 << 10;
  uint64_t target_file_size_base = 64 << 10;
  int level0_file_num_compaction_trigger = 2;
  size_t block_size = 1024;
  size_t block_cache_size = 256 << 10;
  int max_open_files = 40;
  CompressionType compression = CompressionType::kNone;

  // ---- Offloading (docs/offload.md): bits of OffloadLayer, the DM pool's
  // URI (empty: a pool inside this process), shards, segment size.
  uint32_t offload = 0;
  std::string dm_pool;
  int memtable_shards = 1;
  size_t dm_segment_size = 64 << 10;
  SegmentLayout dm_segment_layout = SegmentLayout::kArenaCopy;

  // True if dm_pool is reached over the network (ofi://, rdma://).
  bool network_pool() const {
    return dm_pool.rfind("ofi://", 0) == 0 || dm_pool.rfind("rdma://", 0) == 0;
  }
};

}  // namespace o3lsm::stress

#endif  // O3LSM_TOOLS_STRESS_STRESS_OPTIONS_H_
