// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A Compaction describes one unit of compaction work: input files at `level`
// (inputs[0]) and the overlapping files at `output_level` (inputs[1]),
// merged into new files at output_level. It is self-contained on purpose:
// the picker fills it under the DB mutex, and an executor (a local thread
// now, another node later) needs nothing else but the files.
//
// Thread safety: owned by one job at a time. IsBaseLevelForKey and
// ShouldStopBefore keep cursors: call them with increasing keys.

#ifndef O3LSM_LSM_COMPACTION_COMPACTION_H_
#define O3LSM_LSM_COMPACTION_COMPACTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lsm/version/version.h"
#include "lsm/version/version_edit.h"

namespace o3lsm {

class Compaction {
 public:
  Compaction(int level, int output_level, VersionRef input_version,
             uint64_t max_output_file_size);

  int level() const { return level_; }
  int output_level() const { return output_level_; }
  const VersionRef& input_version() const { return input_version_; }
  uint64_t max_output_file_size() const { return max_output_file_size_; }

  std::vector<FileRef>& inputs(int which) { return inputs_[which]; }
  const std::vector<FileRef>& inputs(int which) const {
    return inputs_[which];
  }
  size_t num_input_files() const {
    return inputs_[0].size() + inputs_[1].size();
  }
  uint64_t InputBytes() const;

  // Files at output_level + 1 overlapping the inputs: outputs are cut so
  // that none overlaps too much of them (bounds the next compaction).
  std::vector<FileRef>& grandparents() { return grandparents_; }

  // A single input file with nothing to merge at output_level: the file is
  // moved by a MANIFEST edit, never rewritten.
  bool IsTrivialMove() const;

  bool manual() const { return manual_; }
  void set_manual(bool m) { manual_ = m; }

  // Smallest and largest user keys over all inputs.
  const std::string& smallest_user_key() const { return smallest_user_key_; }
  const std::string& largest_user_key() const { return largest_user_key_; }
  // REQUIRES: inputs filled. Computes the key range above.
  void ComputeRange();

  // True if no level below output_level holds data for user_key, so a
  // tombstone for it may be dropped. REQUIRES: increasing user keys.
  bool IsBaseLevelForKey(const Slice& user_key);

  // True if the output file should be cut before internal_key.
  // REQUIRES: increasing keys.
  bool ShouldStopBefore(const Slice& internal_key);

  // Removes every input file in *edit.
  void AddInputDeletions(VersionEdit* edit) const;

  std::string Describe() const;

 private:
  const int level_;
  const int output_level_;
  VersionRef input_version_;
  const uint64_t max_output_file_size_;
  bool manual_ = false;
  std::vector<FileRef> inputs_[2];
  std::vector<FileRef> grandparents_;
  std::string smallest_user_key_;
  std::string largest_user_key_;

  // ShouldStopBefore state.
  size_t grandparent_index_ = 0;
  bool seen_key_ = false;
  uint64_t overlapped_bytes_ = 0;

  // IsBaseLevelForKey state: a position per level.
  std::vector<size_t> level_ptrs_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_COMPACTION_COMPACTION_H_
