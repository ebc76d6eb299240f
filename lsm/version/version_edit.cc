// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/version/version_edit.h"

#include "util/coding.h"

namespace o3lsm {

namespace {

// Tags of MANIFEST fields. Persisted: DO NOT RENUMBER.
enum Tag : uint32_t {
  kLogNumber = 1,
  kNextFileNumber = 2,
  kLastSequence = 3,
  kCompactPointer = 4,
  kDeletedFile = 5,
  kNewFile = 6,
  kRangeTombstone = 7,         // varint64 seq, varstring begin, varstring end
  kDroppedRangeTombstone = 8,  // varint64 seq
};

bool GetInternalKey(Slice* input, InternalKey* dst) {
  Slice str;
  return GetLengthPrefixedSlice(input, &str) && dst->DecodeFrom(str);
}

bool GetLevel(Slice* input, int num_levels, int* level) {
  uint32_t v;
  if (GetVarint32(input, &v) && v < static_cast<uint32_t>(num_levels)) {
    *level = static_cast<int>(v);
    return true;
  }
  return false;
}

}  // namespace

void VersionEdit::EncodeTo(std::string* dst) const {
  if (has_log_number_) {
    PutVarint32(dst, kLogNumber);
    PutVarint64(dst, log_number_);
  }
  if (has_next_file_number_) {
    PutVarint32(dst, kNextFileNumber);
    PutVarint64(dst, next_file_number_);
  }
  if (has_last_sequence_) {
    PutVarint32(dst, kLastSequence);
    PutVarint64(dst, last_sequence_);
  }
  for (const auto& [level, key] : compact_pointers_) {
    PutVarint32(dst, kCompactPointer);
    PutVarint32(dst, level);
    PutLengthPrefixedSlice(dst, key.Encode());
  }
  for (const auto& [level, number] : deleted_files_) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, level);
    PutVarint64(dst, number);
  }
  for (const auto& [level, f] : new_files_) {
    PutVarint32(dst, kNewFile);
    PutVarint32(dst, level);
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixedSlice(dst, f.smallest.Encode());
    PutLengthPrefixedSlice(dst, f.largest.Encode());
    PutVarint64(dst, f.smallest_seqno);
    PutVarint64(dst, f.largest_seqno);
    PutVarint64(dst, f.num_entries);
    PutVarint64(dst, f.num_deletions);
  }
  for (const RangeTombstone& t : new_range_tombstones_) {
    PutVarint32(dst, kRangeTombstone);
    PutVarint64(dst, t.seq);
    PutLengthPrefixedSlice(dst, t.begin);
    PutLengthPrefixedSlice(dst, t.end);
  }
  for (SequenceNumber seq : dropped_range_tombstones_) {
    PutVarint32(dst, kDroppedRangeTombstone);
    PutVarint64(dst, seq);
  }
}

Status VersionEdit::DecodeFrom(const Slice& src, int num_levels) {
  Clear();
  Slice input = src;
  const char* msg = nullptr;
  uint32_t tag;
  int level;
  uint64_t number;
  InternalKey key;

  while (msg == nullptr && GetVarint32(&input, &tag)) {
    switch (tag) {
      case kLogNumber:
        if (GetVarint64(&input, &log_number_)) {
          has_log_number_ = true;
        } else {
          msg = "log number";
        }
        break;
      case kNextFileNumber:
        if (GetVarint64(&input, &next_file_number_)) {
          has_next_file_number_ = true;
        } else {
          msg = "next file number";
        }
        break;
      case kLastSequence:
        if (GetVarint64(&input, &last_sequence_) &&
            last_sequence_ <= kMaxSequenceNumber) {
          has_last_sequence_ = true;
        } else {
          msg = "last sequence number";
        }
        break;
      case kCompactPointer:
        if (GetLevel(&input, num_levels, &level) &&
            GetInternalKey(&input, &key)) {
          compact_pointers_.emplace_back(level, key);
        } else {
          msg = "compaction pointer";
        }
        break;
      case kDeletedFile:
        if (GetLevel(&input, num_levels, &level) &&
            GetVarint64(&input, &number)) {
          deleted_files_.insert(std::make_pair(level, number));
        } else {
          msg = "deleted file";
        }
        break;
      case kNewFile: {
        FileMetaData f;
        if (GetLevel(&input, num_levels, &level) &&
            GetVarint64(&input, &f.number) &&
            GetVarint64(&input, &f.file_size) &&
            GetInternalKey(&input, &f.smallest) &&
            GetInternalKey(&input, &f.largest) &&
            GetVarint64(&input, &f.smallest_seqno) &&
            GetVarint64(&input, &f.largest_seqno) &&
            GetVarint64(&input, &f.num_entries) &&
            GetVarint64(&input, &f.num_deletions)) {
          new_files_.emplace_back(level, std::move(f));
        } else {
          msg = "new-file entry";
        }
        break;
      }
      case kRangeTombstone: {
        RangeTombstone t;
        Slice begin, end;
        if (GetVarint64(&input, &t.seq) && t.seq <= kMaxSequenceNumber &&
            GetLengthPrefixedSlice(&input, &begin) &&
            GetLengthPrefixedSlice(&input, &end) && begin.compare(end) < 0) {
          t.begin = begin.ToString();
          t.end = end.ToString();
          new_range_tombstones_.push_back(std::move(t));
        } else {
          msg = "range tombstone";
        }
        break;
      }
      case kDroppedRangeTombstone: {
        SequenceNumber seq;
        if (GetVarint64(&input, &seq) && seq <= kMaxSequenceNumber) {
          dropped_range_tombstones_.push_back(seq);
        } else {
          msg = "dropped range tombstone";
        }
        break;
      }
      default:
        msg = "unknown tag";
        break;
    }
  }
  if (msg == nullptr && !input.empty()) msg = "invalid tag";
  if (msg != nullptr) {
    return Status::Corruption("VersionEdit", msg);
  }
  return Status::OK();
}

std::string VersionEdit::DebugString() const {
  std::string r = "VersionEdit {";
  if (has_log_number_) r += "\n  LogNumber: " + std::to_string(log_number_);
  if (has_next_file_number_) {
    r += "\n  NextFile: " + std::to_string(next_file_number_);
  }
  if (has_last_sequence_) {
    r += "\n  LastSeq: " + std::to_string(last_sequence_);
  }
  for (const auto& [level, key] : compact_pointers_) {
    r += "\n  CompactPointer: " + std::to_string(level) + " " +
         key.DebugString();
  }
  for (const auto& [level, number] : deleted_files_) {
    r += "\n  RemoveFile: " + std::to_string(level) + " " +
         std::to_string(number);
  }
  for (const auto& [level, f] : new_files_) {
    r += "\n  AddFile: " + std::to_string(level) + " " +
         std::to_string(f.number) + " " + std::to_string(f.file_size) + " " +
         f.smallest.DebugString() + " .. " + f.largest.DebugString();
  }
  for (const RangeTombstone& t : new_range_tombstones_) {
    r += "\n  RangeTombstone: " + std::to_string(t.seq) + " ['" +
         EscapeForDebug(t.begin) + "', '" + EscapeForDebug(t.end) + "')";
  }
  for (SequenceNumber seq : dropped_range_tombstones_) {
    r += "\n  DropRangeTombstone: " + std::to_string(seq);
  }
  r += "\n}\n";
  return r;
}

}  // namespace o3lsm
