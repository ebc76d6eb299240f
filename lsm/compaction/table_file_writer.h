// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TableFileWriter turns a sorted stream of internal key/value entries into
// one or more SST files: it opens a file on the first entry, cuts to a new
// file when the current one reaches max_file_size (or when asked), never
// between two versions of one user key, and syncs every file it finishes.
// Flushes and compactions both write through it.
//
// It also holds the one rule for which entries a flush or compaction keeps
// (EntryFilter).
//
// Thread safety: one thread at a time.

#ifndef O3LSM_LSM_COMPACTION_TABLE_FILE_WRITER_H_
#define O3LSM_LSM_COMPACTION_TABLE_FILE_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/table/table_builder.h"
#include "lsm/table/table_options.h"
#include "lsm/version/range_tombstone.h"
#include "lsm/version/version_edit.h"
#include "o3lsm/env.h"

namespace o3lsm {

// Decides which versions of a key survive a rewrite. A version is dropped
// when a newer version of the same key is visible to every snapshot (its
// sequence is at or below the oldest snapshot), and a tombstone is dropped
// when, in addition, no older data for the key can exist below the output.
// With range tombstones (persisted ones only: the data they hide must not
// outlive them), a version is dropped when a tombstone visible to every
// snapshot covers it.
//
// REQUIRES: entries are presented in internal-key order.
class EntryFilter {
 public:
  explicit EntryFilter(SequenceNumber oldest_snapshot,
                       RangeTombstoneSetRef range_tombstones = nullptr)
      : oldest_snapshot_(oldest_snapshot),
        range_tombstones_(std::move(range_tombstones)) {}

  // is_base_level tells whether lower levels hold no data for the key; it
  // is only asked about tombstones that could be dropped.
  bool ShouldDrop(const ParsedInternalKey& key,
                  const std::function<bool(const Slice&)>& is_base_level);

 private:
  const SequenceNumber oldest_snapshot_;
  const RangeTombstoneSetRef range_tombstones_;  // null or empty: none
  std::string current_user_key_;
  bool has_current_ = false;
  // Sequence of the previous version of the current key; kNoNewerVersion
  // (above any real sequence, even an oldest_snapshot of
  // kMaxSequenceNumber) for the first.
  static constexpr SequenceNumber kNoNewerVersion = ~SequenceNumber{0};
  SequenceNumber last_sequence_for_key_ = kNoNewerVersion;
};

class TableFileWriter {
 public:
  // new_file_number hands out the numbers of output files (the caller
  // protects them from deletion until installed); 0 means none is left,
  // which fails the write with Aborted.
  TableFileWriter(Env* env, std::string dbname,
                  const TableOptions& table_options,
                  std::function<uint64_t()> new_file_number,
                  uint64_t max_file_size);
  TableFileWriter(const TableFileWriter&) = delete;
  TableFileWriter& operator=(const TableFileWriter&) = delete;
  // Deletes unfinished output if neither Finish nor Abandon was called.
  ~TableFileWriter();

  // Appends one entry. REQUIRES: ikey is a valid internal key, greater than
  // the previous one.
  Status Add(const Slice& ikey, const Slice& value);

  // Requests a cut: the next entry with a new user key starts a new file.
  void RequestCut() { cut_requested_ = true; }

  // Finishes and syncs the open file, and syncs the directory so the new
  // files' names are durable before the MANIFEST refers to them.
  Status Finish();

  // Deletes every output file written so far.
  void Abandon();

  const std::vector<FileMetaData>& outputs() const { return outputs_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  Status OpenFile();
  Status FinishFile();

  Env* const env_;
  const std::string dbname_;
  const TableOptions table_options_;
  const std::function<uint64_t()> new_file_number_;
  const uint64_t max_file_size_;

  std::unique_ptr<WritableFile> file_;
  std::unique_ptr<TableBuilder> builder_;
  FileMetaData current_;
  std::string last_user_key_;
  bool cut_requested_ = false;
  bool done_ = false;
  std::vector<FileMetaData> outputs_;
  uint64_t bytes_written_ = 0;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_COMPACTION_TABLE_FILE_WRITER_H_
