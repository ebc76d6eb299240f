// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/wal/log_writer.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <memory>
#include <utility>

#include "util/coding.h"

namespace o3lsm::log {

namespace {

// A buffer grown past this for one huge record is released afterwards, so
// that a single multi-megabyte MANIFEST snapshot does not pin its size for
// the life of the log; ordinary commit groups stay well below it.
constexpr size_t kRetainedBufferLimit = 1 << 20;

// An upper bound on the bytes AddRecord emits for a record of n bytes:
// padding once at the first block change (later fragments fill whole
// blocks), and a header for the first fragment plus one per full block.
size_t MaxEncodedSize(size_t n) {
  return n + kHeaderSize * (n / kMaxFragmentPayload + 3);
}

}  // namespace

Writer::Writer(std::unique_ptr<WritableFile> dest, uint64_t log_number,
               uint64_t dest_length)
    : dest_(std::move(dest)),
      log_number_(log_number),
      file_size_(dest_length),
      block_offset_(dest_length % kBlockSize) {}

void Writer::ReserveBuffer(size_t n) {
  if (n <= buf_capacity_) return;
  // Doubling keeps slowly growing records from reallocating every call.
  const size_t capacity = std::max(n, 2 * buf_capacity_);
  buf_ = std::make_unique_for_overwrite<char[]>(capacity);
  buf_capacity_ = capacity;
}

Status Writer::AddRecord(const Slice& record) {
  if (!error_.ok()) return error_;

  ReserveBuffer(MaxEncodedSize(record.size()));
  char* out = buf_.get();
  const char* payload = record.data();
  size_t left = record.size();
  const uint32_t stored_log_number = StoredLogNumber(log_number_);
  size_t block_offset = block_offset_;
  bool first = true;
  // Emits at least one fragment, so that an empty record is a kFullType
  // fragment of length zero.
  while (first || left > 0) {
    const size_t left_in_block = kBlockSize - block_offset;
    if (left_in_block < kHeaderSize) {
      memset(out, 0, left_in_block);
      out += left_in_block;
      block_offset = 0;
    }
    const size_t fragment =
        std::min(left, kBlockSize - block_offset - kHeaderSize);
    const bool last = (fragment == left);
    RecordType type;
    if (first && last) {
      type = kFullType;
    } else if (first) {
      type = kFirstType;
    } else if (last) {
      type = kLastType;
    } else {
      type = kMiddleType;
    }
    EncodeFixed16(out + kLengthOffset, static_cast<uint16_t>(fragment));
    out[kTypeOffset] = static_cast<char>(type);
    EncodeFixed32(out + kLogNumberOffset, stored_log_number);
    if (fragment > 0) memcpy(out + kHeaderSize, payload, fragment);
    EncodeFixed32(out + kChecksumOffset, FragmentChecksum(out, fragment));
    out += kHeaderSize + fragment;
    block_offset += kHeaderSize + fragment;
    payload += fragment;
    left -= fragment;
    first = false;
  }
  const size_t total = static_cast<size_t>(out - buf_.get());
  assert(total <= MaxEncodedSize(record.size()));

  Status s = dest_->Append(Slice(buf_.get(), total));
  if (buf_capacity_ > kRetainedBufferLimit) {
    buf_.reset();
    buf_capacity_ = 0;
  }
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  block_offset_ = block_offset;
  file_size_ += total;
  return Status::OK();
}

Status Writer::Flush() {
  if (!error_.ok()) return error_;
  return dest_->Flush();
}

Status Writer::Sync() {
  // A Sync after a failed Append must not report the lost record durable.
  if (!error_.ok()) return error_;
  return dest_->Sync();
}

Status Writer::Close() {
  Status s = dest_->Close();
  if (!error_.ok()) return error_;
  return s;
}

}  // namespace o3lsm::log
