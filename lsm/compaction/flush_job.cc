// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/compaction/flush_job.h"

#include <memory>

#include "lsm/compaction/table_file_writer.h"
#include "lsm/db/merging_iterator.h"

namespace o3lsm {

Status RunFlushJob(std::vector<Iterator*> inputs, Env* env,
                   const std::string& dbname,
                   const TableOptions& table_options,
                   SequenceNumber oldest_snapshot,
                   const std::function<uint64_t()>& new_file_number,
                   FileMetaData* meta, FlushJobStats* stats) {
  const uint64_t start = env->NowMicros();
  *meta = FileMetaData();
  std::unique_ptr<Iterator> input(NewMergingIterator(std::move(inputs)));
  // One L0 file per flush, whatever its size: L0 files are read whole.
  TableFileWriter writer(env, dbname, table_options, new_file_number,
                         UINT64_MAX);
  EntryFilter filter(oldest_snapshot);
  // A flush never drops a tombstone: older data may lie in any level below.
  const auto never_base = [](const Slice&) { return false; };
  Status s;
  for (input->SeekToFirst(); input->Valid(); input->Next()) {
    stats->input_records++;
    ParsedInternalKey parsed;
    if (!ParseInternalKey(input->key(), &parsed)) {
      s = Status::Corruption("flush input", "malformed internal key");
      break;
    }
    if (filter.ShouldDrop(parsed, never_base)) {
      stats->dropped_records++;
      continue;
    }
    s = writer.Add(input->key(), input->value());
    if (!s.ok()) break;
  }
  if (s.ok()) s = input->status();
  if (s.ok()) {
    s = writer.Finish();
  } else {
    writer.Abandon();
  }
  if (s.ok() && !writer.outputs().empty()) {
    *meta = writer.outputs()[0];
    stats->bytes_written = writer.bytes_written();
  }
  stats->micros = env->NowMicros() - start;
  return s;
}

}  // namespace o3lsm
