// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A VersionEdit is one record of the MANIFEST: the difference between two
// versions of the LSM tree (files added and removed per level) plus the
// counters recovery needs (next file number, last sequence, the oldest WAL
// still needed). docs/manifest_format.md has the encoding.
//
// Thread safety: a value type; external synchronization for mutation.

#ifndef O3LSM_LSM_VERSION_VERSION_EDIT_H_
#define O3LSM_LSM_VERSION_VERSION_EDIT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/version/range_tombstone.h"
#include "lsm/version/table_pin.h"
#include "o3lsm/status.h"

namespace o3lsm {

// How many more seeks through a file readers may pay for before a
// compaction folds it into the next level (read-triggered compaction; see
// Options::seek_compaction_bytes_per_seek). Lowered by readers without a
// lock. Copying one (a FileMetaData into an edit) copies its value.
class SeekBudget {
 public:
  SeekBudget() = default;
  SeekBudget(const SeekBudget& other) : left_(other.left()) {}
  SeekBudget& operator=(const SeekBudget& other) {
    left_.store(other.left(), std::memory_order_relaxed);
    return *this;
  }

  void Set(int64_t seeks) { left_.store(seeks, std::memory_order_relaxed); }
  int64_t left() const { return left_.load(std::memory_order_relaxed); }
  // Takes seeks off the budget; true for the one call that uses it up.
  bool Spend(int64_t seeks) {
    const int64_t before = left_.fetch_sub(seeks, std::memory_order_relaxed);
    return before > 0 && before <= seeks;
  }

 private:
  std::atomic<int64_t> left_{0};
};

// An SST file of some version. Shared by every version that holds it; when
// the last holder lets go, the file becomes obsolete (see VersionSet).
struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  InternalKey smallest;  // smallest internal key in the file
  InternalKey largest;   // largest internal key in the file
  SequenceNumber smallest_seqno = kMaxSequenceNumber;
  SequenceNumber largest_seqno = 0;
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;

  // Runtime only, guarded by the DB mutex: an input of a running compaction.
  bool being_compacted = false;
  // Runtime only: set by the VersionSet when the file joins it.
  SeekBudget seek_budget;
  // Runtime only: the open table, once the TableCache pinned it here.
  mutable TablePin table;
};

class VersionEdit {
 public:
  VersionEdit() = default;

  void Clear() { *this = VersionEdit(); }

  void SetLogNumber(uint64_t num) {
    has_log_number_ = true;
    log_number_ = num;
  }
  void SetNextFile(uint64_t num) {
    has_next_file_number_ = true;
    next_file_number_ = num;
  }
  void SetLastSequence(SequenceNumber seq) {
    has_last_sequence_ = true;
    last_sequence_ = seq;
  }
  void SetCompactPointer(int level, const InternalKey& key) {
    compact_pointers_.emplace_back(level, key);
  }

  // Adds file f at level. REQUIRES: not yet part of the version it edits.
  void AddFile(int level, const FileMetaData& f) {
    new_files_.emplace_back(level, f);
  }
  void RemoveFile(int level, uint64_t file) {
    deleted_files_.insert(std::make_pair(level, file));
  }
  // Persists range tombstone t (its sequence names it).
  void AddRangeTombstone(const RangeTombstone& t) {
    new_range_tombstones_.push_back(t);
  }
  // Forgets the persisted range tombstone of sequence seq: nothing it hides
  // is left.
  void DropRangeTombstone(SequenceNumber seq) {
    dropped_range_tombstones_.push_back(seq);
  }

  bool has_log_number() const { return has_log_number_; }
  uint64_t log_number() const { return log_number_; }
  bool has_next_file_number() const { return has_next_file_number_; }
  uint64_t next_file_number() const { return next_file_number_; }
  bool has_last_sequence() const { return has_last_sequence_; }
  SequenceNumber last_sequence() const { return last_sequence_; }

  const std::vector<std::pair<int, FileMetaData>>& new_files() const {
    return new_files_;
  }
  const std::vector<RangeTombstone>& new_range_tombstones() const {
    return new_range_tombstones_;
  }
  const std::vector<SequenceNumber>& dropped_range_tombstones() const {
    return dropped_range_tombstones_;
  }
  const std::set<std::pair<int, uint64_t>>& deleted_files() const {
    return deleted_files_;
  }
  const std::vector<std::pair<int, InternalKey>>& compact_pointers() const {
    return compact_pointers_;
  }

  void EncodeTo(std::string* dst) const;
  // Fails with Corruption (naming the field) on malformed input; levels are
  // checked against num_levels.
  Status DecodeFrom(const Slice& src, int num_levels);

  std::string DebugString() const;

 private:
  bool has_log_number_ = false;
  bool has_next_file_number_ = false;
  bool has_last_sequence_ = false;
  uint64_t log_number_ = 0;
  uint64_t next_file_number_ = 0;
  SequenceNumber last_sequence_ = 0;
  std::vector<std::pair<int, InternalKey>> compact_pointers_;
  std::set<std::pair<int, uint64_t>> deleted_files_;
  std::vector<std::pair<int, FileMetaData>> new_files_;
  std::vector<RangeTombstone> new_range_tombstones_;
  std::vector<SequenceNumber> dropped_range_tombstones_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_VERSION_VERSION_EDIT_H_
