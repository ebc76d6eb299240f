// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// CompactionJob executes a Compaction: it merges the input files, drops
// what no reader can see any more (EntryFilter), and writes the survivors
// into new files at the output level. It reads inputs only through the
// TableCache and writes only through Env, so any node that can open the
// database directory can run it; installing the result is the owner's job.
//
// Thread safety: one thread runs a job; the inputs are immutable files.

#ifndef O3LSM_LSM_COMPACTION_COMPACTION_JOB_H_
#define O3LSM_LSM_COMPACTION_COMPACTION_JOB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lsm/compaction/compaction.h"
#include "lsm/table/table_options.h"
#include "lsm/version/range_tombstone.h"
#include "lsm/version/table_cache.h"
#include "o3lsm/env.h"

namespace o3lsm {

struct CompactionJobStats {
  uint64_t micros = 0;
  uint64_t input_records = 0;
  uint64_t dropped_records = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
};

class CompactionJob {
 public:
  // oldest_snapshot: the smallest sequence any reader may still ask for.
  // shutting_down (may be null) aborts the job when it turns true.
  CompactionJob(Compaction* compaction, Env* env, std::string dbname,
                const TableOptions& table_options, TableCache* table_cache,
                SequenceNumber oldest_snapshot,
                std::function<uint64_t()> new_file_number,
                const std::atomic<bool>* shutting_down);

  // Restricts the job to user keys in [begin, end) (an empty bound is
  // none): a sub-job of a compaction split by key range. Every version of
  // a user key falls in one sub-job, so what it drops is what the whole
  // compaction would drop.
  void SetKeyRange(std::string begin, std::string end) {
    begin_ = std::move(begin);
    end_ = std::move(end);
  }

  // Persisted range tombstones: versions they hide from every snapshot
  // are dropped.
  void SetRangeTombstones(RangeTombstoneSetRef tombstones) {
    range_tombstones_ = std::move(tombstones);
  }

  // Runs the merge. On success outputs() lists the new files (synced); on
  // failure every output written so far is deleted.
  Status Run();

  const std::vector<FileMetaData>& outputs() const { return outputs_; }
  const CompactionJobStats& stats() const { return stats_; }

 private:
  Compaction* const c_;
  Env* const env_;
  const std::string dbname_;
  const TableOptions table_options_;
  TableCache* const table_cache_;
  const SequenceNumber oldest_snapshot_;
  const std::function<uint64_t()> new_file_number_;
  const std::atomic<bool>* const shutting_down_;
  RangeTombstoneSetRef range_tombstones_;
  std::string begin_;  // user keys; empty: unbounded
  std::string end_;
  std::vector<FileMetaData> outputs_;
  CompactionJobStats stats_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_COMPACTION_COMPACTION_JOB_H_
