// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/compaction/compaction.h"

namespace o3lsm {

namespace {

const InternalKeyComparator kCmp;

// Output files stop growing once they overlap this many bytes of
// grandparents, so that compacting one of them later stays cheap.
uint64_t MaxGrandparentOverlap(uint64_t max_output_file_size) {
  return 10 * max_output_file_size;
}

}  // namespace

Compaction::Compaction(int level, int output_level, VersionRef input_version,
                       uint64_t max_output_file_size)
    : level_(level),
      output_level_(output_level),
      input_version_(std::move(input_version)),
      max_output_file_size_(max_output_file_size),
      level_ptrs_(input_version_->num_levels(), 0) {}

uint64_t Compaction::InputBytes() const {
  uint64_t sum = 0;
  for (const auto& which : inputs_) {
    for (const auto& f : which) sum += f->file_size;
  }
  return sum;
}

bool Compaction::IsTrivialMove() const {
  if (inputs_[0].size() != 1 || !inputs_[1].empty() ||
      level_ == output_level_) {
    return false;
  }
  uint64_t overlap = 0;
  for (const auto& f : grandparents_) overlap += f->file_size;
  return overlap <= MaxGrandparentOverlap(max_output_file_size_);
}

void Compaction::ComputeRange() {
  bool first = true;
  for (const auto& which : inputs_) {
    for (const auto& f : which) {
      const Slice lo = f->smallest.user_key();
      const Slice hi = f->largest.user_key();
      if (first || lo.compare(smallest_user_key_) < 0) {
        smallest_user_key_ = lo.ToString();
      }
      if (first || hi.compare(largest_user_key_) > 0) {
        largest_user_key_ = hi.ToString();
      }
      first = false;
    }
  }
}

bool Compaction::IsBaseLevelForKey(const Slice& user_key) {
  const Version& v = *input_version_;
  for (int lvl = output_level_ + 1; lvl < v.num_levels(); lvl++) {
    const auto& files = v.files(lvl);
    while (level_ptrs_[lvl] < files.size()) {
      const FileMetaData& f = *files[level_ptrs_[lvl]];
      if (user_key.compare(f.largest.user_key()) <= 0) {
        // We've advanced far enough.
        if (user_key.compare(f.smallest.user_key()) >= 0) {
          return false;  // key falls in this file's range
        }
        break;
      }
      level_ptrs_[lvl]++;
    }
  }
  return true;
}

bool Compaction::ShouldStopBefore(const Slice& internal_key) {
  // Skip grandparents that end before internal_key.
  while (grandparent_index_ < grandparents_.size() &&
         kCmp.Compare(internal_key,
                      grandparents_[grandparent_index_]->largest.Encode()) >
             0) {
    if (seen_key_) {
      overlapped_bytes_ += grandparents_[grandparent_index_]->file_size;
    }
    grandparent_index_++;
  }
  seen_key_ = true;
  if (overlapped_bytes_ > MaxGrandparentOverlap(max_output_file_size_)) {
    overlapped_bytes_ = 0;
    return true;
  }
  return false;
}

void Compaction::AddInputDeletions(VersionEdit* edit) const {
  for (const auto& f : inputs_[0]) edit->RemoveFile(level_, f->number);
  for (const auto& f : inputs_[1]) edit->RemoveFile(output_level_, f->number);
}

std::string Compaction::Describe() const {
  std::string r = "L" + std::to_string(level_) + "->L" +
                  std::to_string(output_level_) + " inputs [";
  for (const auto& f : inputs_[0]) r += " " + std::to_string(f->number);
  r += " ] + [";
  for (const auto& f : inputs_[1]) r += " " + std::to_string(f->number);
  r += " ]";
  return r;
}

}  // namespace o3lsm
