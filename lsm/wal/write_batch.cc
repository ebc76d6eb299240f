// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "o3lsm/write_batch.h"

#include <cassert>
#include <cstdint>
#include <limits>
#include <string>

#include "lsm/dbformat.h"
#include "lsm/wal/write_batch_internal.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

constexpr size_t kHeader = WriteBatchInternal::kHeaderSize;

Status BadRecord(const std::string& what, size_t offset) {
  return Status::Corruption("malformed WriteBatch",
                            what + " at offset " + std::to_string(offset));
}

}  // namespace

WriteBatch::WriteBatch() : rep_(kHeader, '\0') {}

void WriteBatch::Put(const Slice& key, const Slice& value) {
  // A varint32 length prefix cannot describe more; the DB rejects such
  // updates before they get here.
  assert(key.size() <= std::numeric_limits<uint32_t>::max());
  assert(value.size() <= std::numeric_limits<uint32_t>::max());
  WriteBatchInternal::SetCount(this, WriteBatchInternal::Count(this) + 1);
  rep_.push_back(static_cast<char>(kTypeValue));
  PutLengthPrefixedSlice(&rep_, key);
  PutLengthPrefixedSlice(&rep_, value);
}

void WriteBatch::Delete(const Slice& key) {
  assert(key.size() <= std::numeric_limits<uint32_t>::max());
  WriteBatchInternal::SetCount(this, WriteBatchInternal::Count(this) + 1);
  rep_.push_back(static_cast<char>(kTypeDeletion));
  PutLengthPrefixedSlice(&rep_, key);
}

void WriteBatch::DeleteRange(const Slice& begin_key, const Slice& end_key) {
  assert(begin_key.size() <= std::numeric_limits<uint32_t>::max());
  assert(end_key.size() <= std::numeric_limits<uint32_t>::max());
  WriteBatchInternal::SetCount(this, WriteBatchInternal::Count(this) + 1);
  may_have_range_deletion_ = true;
  rep_.push_back(static_cast<char>(kBatchRangeDeletion));
  PutLengthPrefixedSlice(&rep_, begin_key);
  PutLengthPrefixedSlice(&rep_, end_key);
}

void WriteBatch::Clear() {
  may_have_range_deletion_ = false;
  rep_.clear();
  rep_.resize(kHeader);
}

void WriteBatch::Append(const WriteBatch& source) {
  WriteBatchInternal::Append(this, &source);
}

uint32_t WriteBatch::Count() const { return WriteBatchInternal::Count(this); }

// One pass, calling the handler as records decode: the write path iterates
// every batch it commits, so validating first would cost a second decode on
// the hot path. On Corruption the handler has seen a prefix of the batch;
// recovery discards what it built and fails.
Status WriteBatch::Iterate(Handler* handler) const {
  Slice input(rep_);
  if (input.size() < kHeader) {
    return Status::Corruption("malformed WriteBatch",
                              "shorter than its 12-byte header");
  }
  input.remove_prefix(kHeader);
  const uint32_t expected = WriteBatchInternal::Count(this);
  uint32_t found = 0;
  while (!input.empty()) {
    const size_t offset = rep_.size() - input.size();
    const auto tag = static_cast<unsigned char>(input[0]);
    input.remove_prefix(1);
    Slice key;
    Slice value;
    switch (tag) {
      case kTypeValue:
        if (!GetLengthPrefixedSlice(&input, &key) ||
            !GetLengthPrefixedSlice(&input, &value)) {
          return BadRecord("truncated Put", offset);
        }
        handler->Put(key, value);
        break;
      case kTypeDeletion:
        if (!GetLengthPrefixedSlice(&input, &key)) {
          return BadRecord("truncated Delete", offset);
        }
        handler->Delete(key);
        break;
      case kBatchRangeDeletion:
        if (!GetLengthPrefixedSlice(&input, &key) ||
            !GetLengthPrefixedSlice(&input, &value)) {
          return BadRecord("truncated DeleteRange", offset);
        }
        handler->DeleteRange(key, value);
        break;
      default:
        return BadRecord("unknown tag " + std::to_string(tag), offset);
    }
    ++found;
  }
  if (found != expected) {
    return Status::Corruption("malformed WriteBatch",
                              "header count " + std::to_string(expected) +
                                  " but " + std::to_string(found) + " records");
  }
  return Status::OK();
}

Status WriteBatchInternal::SetContents(WriteBatch* batch,
                                       const Slice& contents) {
  if (contents.size() < kHeaderSize) {
    return Status::Corruption(
        "malformed WriteBatch",
        std::to_string(contents.size()) + " bytes, shorter than its header");
  }
  batch->rep_.assign(contents.data(), contents.size());
  batch->may_have_range_deletion_ = true;  // unknown until decoded
  return Status::OK();
}

void WriteBatchInternal::Append(WriteBatch* dst, const WriteBatch* src) {
  assert(dst != src);
  assert(src->rep_.size() >= kHeaderSize);
  SetCount(dst, Count(dst) + Count(src));
  dst->may_have_range_deletion_ |= src->may_have_range_deletion_;
  dst->rep_.append(src->rep_.data() + kHeaderSize,
                   src->rep_.size() - kHeaderSize);
}

}  // namespace o3lsm
