// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// FlushJob writes sealed memtables (of one key range) to one L0 SST: it
// merges their iterators, keeps only the versions some reader can still see
// (older overwritten versions go; tombstones stay, since older data may sit
// in lower levels), and syncs the file. Like CompactionJob it touches only
// the memtable images and Env, so it can run on whichever node holds them.
//
// Thread safety: one thread runs a job; the memtables are immutable.

#ifndef O3LSM_LSM_COMPACTION_FLUSH_JOB_H_
#define O3LSM_LSM_COMPACTION_FLUSH_JOB_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lsm/table/table_options.h"
#include "lsm/version/version_edit.h"
#include "o3lsm/env.h"
#include "o3lsm/iterator.h"

namespace o3lsm {

struct FlushJobStats {
  uint64_t micros = 0;
  uint64_t input_records = 0;
  uint64_t dropped_records = 0;
  uint64_t bytes_written = 0;
};

// Writes the merged entries of `inputs` (iterators over internal keys,
// owned by the call) into a new L0 file numbered by new_file_number. On
// success *meta describes the file; if every entry was dropped or the
// inputs were empty, meta->number stays 0 and no file exists.
Status RunFlushJob(std::vector<Iterator*> inputs, Env* env,
                   const std::string& dbname,
                   const TableOptions& table_options,
                   SequenceNumber oldest_snapshot,
                   const std::function<uint64_t()>& new_file_number,
                   FileMetaData* meta, FlushJobStats* stats);

}  // namespace o3lsm

#endif  // O3LSM_LSM_COMPACTION_FLUSH_JOB_H_
