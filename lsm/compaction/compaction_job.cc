// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/compaction/compaction_job.h"

#include <memory>

#include "lsm/compaction/table_file_writer.h"
#include "lsm/db/merging_iterator.h"

namespace o3lsm {

CompactionJob::CompactionJob(Compaction* compaction, Env* env,
                             std::string dbname,
                             const TableOptions& table_options,
                             TableCache* table_cache,
                             SequenceNumber oldest_snapshot,
                             std::function<uint64_t()> new_file_number,
                             const std::atomic<bool>* shutting_down)
    : c_(compaction),
      env_(env),
      dbname_(std::move(dbname)),
      table_options_(table_options),
      table_cache_(table_cache),
      oldest_snapshot_(oldest_snapshot),
      new_file_number_(std::move(new_file_number)),
      shutting_down_(shutting_down) {}

Status CompactionJob::Run() {
  const uint64_t start = env_->NowMicros();
  ReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;  // a compaction's reads are not worth caching

  std::vector<Iterator*> children;
  for (int which = 0; which < 2; which++) {
    const int level = which == 0 ? c_->level() : c_->output_level();
    const auto& files = c_->inputs(which);
    if (files.empty()) continue;
    if (level == 0) {
      for (const auto& f : files) {
        children.push_back(table_cache_->NewIterator(ro, *f));
      }
    } else {
      children.push_back(
          NewLevelIterator(ro, table_cache_, &files));
    }
    for (const auto& f : files) {
      // A sub-job counts the files its range reads from.
      const bool before = !begin_.empty() &&
                          f->largest.user_key().compare(begin_) < 0;
      const bool after = !end_.empty() &&
                         f->smallest.user_key().compare(end_) >= 0;
      if (!before && !after) stats_.bytes_read += f->file_size;
    }
  }
  std::unique_ptr<Iterator> input(NewMergingIterator(std::move(children)));

  TableFileWriter writer(env_, dbname_, table_options_, new_file_number_,
                         c_->max_output_file_size());
  EntryFilter filter(oldest_snapshot_, range_tombstones_);
  auto is_base_level = [this](const Slice& user_key) {
    return c_->IsBaseLevelForKey(user_key);
  };
  Status s;
  if (begin_.empty()) {
    input->SeekToFirst();
  } else {
    const InternalKey start(begin_, kMaxSequenceNumber, kValueTypeForSeek);
    input->Seek(start.Encode());
  }
  for (; input->Valid(); input->Next()) {
    if (shutting_down_ != nullptr &&
        shutting_down_->load(std::memory_order_acquire)) {
      s = Status::Aborted("compaction", "database is closing");
      break;
    }
    const Slice key = input->key();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(key, &parsed)) {
      s = Status::Corruption("compaction input", "malformed internal key");
      break;
    }
    if (!end_.empty() && parsed.user_key.compare(end_) >= 0) break;
    stats_.input_records++;
    if (c_->ShouldStopBefore(key)) writer.RequestCut();
    if (filter.ShouldDrop(parsed, is_base_level)) {
      stats_.dropped_records++;
      continue;
    }
    s = writer.Add(key, input->value());
    if (!s.ok()) break;
  }
  if (s.ok()) s = input->status();
  if (s.ok()) {
    s = writer.Finish();
  } else {
    writer.Abandon();
  }
  if (s.ok()) {
    outputs_ = writer.outputs();
    stats_.bytes_written = writer.bytes_written();
  }
  stats_.micros = env_->NowMicros() - start;
  return s;
}

}  // namespace o3lsm
