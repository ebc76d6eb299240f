// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/compaction/table_file_writer.h"

#include <algorithm>

#include "lsm/version/filename.h"

namespace o3lsm {

bool EntryFilter::ShouldDrop(
    const ParsedInternalKey& key,
    const std::function<bool(const Slice&)>& is_base_level) {
  if (!has_current_ || key.user_key != Slice(current_user_key_)) {
    current_user_key_.assign(key.user_key.data(), key.user_key.size());
    has_current_ = true;
    last_sequence_for_key_ = kNoNewerVersion;
  }
  bool drop = false;
  if (last_sequence_for_key_ <= oldest_snapshot_) {
    // A newer version of this key, visible to every snapshot, hides it.
    drop = true;
  } else if (key.type == kTypeDeletion && key.sequence <= oldest_snapshot_ &&
             is_base_level(key.user_key)) {
    // Nothing older survives below, and every snapshot sees the deletion:
    // the tombstone has nothing left to hide.
    drop = true;
  } else if (range_tombstones_ != nullptr &&
             key.sequence < range_tombstones_->CoveringSequence(
                                key.user_key, oldest_snapshot_)) {
    // Deleted by a range tombstone that every snapshot sees.
    drop = true;
  }
  last_sequence_for_key_ = key.sequence;
  return drop;
}

TableFileWriter::TableFileWriter(Env* env, std::string dbname,
                                 const TableOptions& table_options,
                                 std::function<uint64_t()> new_file_number,
                                 uint64_t max_file_size)
    : env_(env),
      dbname_(std::move(dbname)),
      table_options_(table_options),
      new_file_number_(std::move(new_file_number)),
      max_file_size_(max_file_size) {}

TableFileWriter::~TableFileWriter() {
  if (!done_) Abandon();
}

Status TableFileWriter::OpenFile() {
  current_ = FileMetaData();
  current_.number = new_file_number_();
  if (current_.number == 0) {
    return Status::Aborted(dbname_, "no output file number left for this job");
  }
  const std::string fname = TableFileName(dbname_, current_.number);
  Status s = env_->NewWritableFile(fname, &file_);
  if (!s.ok()) return s;
  builder_ = std::make_unique<TableBuilder>(table_options_, file_.get(), fname);
  return Status::OK();
}

Status TableFileWriter::FinishFile() {
  Status s = builder_->Finish();
  if (s.ok()) s = file_->Sync();
  if (s.ok()) s = file_->Close();
  if (s.ok()) {
    current_.file_size = builder_->FileSize();
    current_.num_entries = builder_->NumEntries();
    current_.num_deletions = builder_->properties().num_deletions;
    bytes_written_ += current_.file_size;
    outputs_.push_back(current_);
  } else {
    env_->RemoveFile(TableFileName(dbname_, current_.number))
        .PermitUncheckedError();
  }
  builder_.reset();
  file_.reset();
  return s;
}

Status TableFileWriter::Add(const Slice& ikey, const Slice& value) {
  const Slice user_key = ExtractUserKey(ikey);
  const bool new_user_key = user_key != Slice(last_user_key_);
  if (builder_ != nullptr && new_user_key &&
      (cut_requested_ || builder_->FileSize() >= max_file_size_)) {
    cut_requested_ = false;
    Status s = FinishFile();
    if (!s.ok()) return s;
  }
  if (builder_ == nullptr) {
    Status s = OpenFile();
    if (!s.ok()) return s;
    cut_requested_ = false;
    current_.smallest.DecodeFrom(ikey);
  }
  current_.largest.DecodeFrom(ikey);
  const SequenceNumber seq = ExtractTag(ikey) >> 8;
  current_.smallest_seqno = std::min(current_.smallest_seqno, seq);
  current_.largest_seqno = std::max(current_.largest_seqno, seq);
  if (new_user_key) last_user_key_.assign(user_key.data(), user_key.size());
  builder_->Add(ikey, value);
  return builder_->status();
}

Status TableFileWriter::Finish() {
  done_ = true;
  Status s;
  if (builder_ != nullptr) s = FinishFile();
  if (s.ok() && !outputs_.empty()) s = env_->SyncDir(dbname_);
  if (!s.ok()) Abandon();
  return s;
}

void TableFileWriter::Abandon() {
  done_ = true;
  if (builder_ != nullptr) {
    builder_->Abandon();
    builder_.reset();
    file_.reset();
    env_->RemoveFile(TableFileName(dbname_, current_.number))
        .PermitUncheckedError();
  }
  for (const auto& f : outputs_) {
    env_->RemoveFile(TableFileName(dbname_, f.number)).PermitUncheckedError();
  }
  outputs_.clear();
}

}  // namespace o3lsm
