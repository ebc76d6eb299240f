// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Counters behind the "o3lsm.stats" property: what flushes and compactions
// read and wrote per level, what users wrote, and how long writes stalled.
//
// Thread safety: guarded by the DB mutex.

#ifndef O3LSM_LSM_DB_DB_STATS_H_
#define O3LSM_LSM_DB_DB_STATS_H_

#include <cstdint>
#include <vector>

namespace o3lsm {

// What flush or compaction jobs read and wrote. One job's figures are
// added to a level's through Add, the one place the fields are summed
// (local and remote jobs alike).
struct LevelIoStats {
  void Add(const LevelIoStats& job) {
    jobs += job.jobs;
    micros += job.micros;
    bytes_read += job.bytes_read;
    bytes_written += job.bytes_written;
    files_in += job.files_in;
    files_out += job.files_out;
    records_in += job.records_in;
    records_dropped += job.records_dropped;
  }

  uint64_t jobs = 0;
  uint64_t micros = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t files_in = 0;
  uint64_t files_out = 0;
  uint64_t records_in = 0;
  uint64_t records_dropped = 0;
};

struct StallStats {
  uint64_t count = 0;
  uint64_t micros = 0;
};

struct DbStats {
  // Indexed by output level; level 0 holds flushes.
  std::vector<LevelIoStats> levels;
  uint64_t trivial_moves = 0;
  uint64_t split_compactions = 0;  // offloaded compactions split by range
  uint64_t sub_jobs = 0;           // their parts
  uint64_t sub_jobs_run_here = 0;  // parts handed back and run locally

  uint64_t user_writes = 0;         // updates (puts and deletes)
  uint64_t user_bytes = 0;          // keys and values of those updates
  uint64_t write_groups = 0;        // group commits (WAL records)
  uint64_t wal_bytes = 0;
  uint64_t wal_syncs = 0;

  StallStats slowdown_l0;           // L0 at level0_slowdown_writes_trigger
  StallStats stop_memtables;        // max_write_buffer_number reached
  StallStats stop_l0;               // L0 at level0_stop_writes_trigger
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_DB_STATS_H_
