// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/block.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "lsm/dbformat.h"
#include "util/coding.h"

namespace o3lsm {

Block::Block(BlockContents contents)
    : data_(contents.data.data()),
      size_(contents.data.size()),
      heap_(std::move(contents.heap)) {
  // Restart offsets are fixed32, so larger blocks cannot be well formed.
  if (size_ < sizeof(uint32_t) || size_ > UINT32_MAX) return;
  const uint32_t n = DecodeFixed32(data_ + size_ - sizeof(uint32_t));
  const size_t max_restarts = (size_ - sizeof(uint32_t)) / sizeof(uint32_t);
  // At least one restart: a builder writes restart 0 even for an empty block.
  if (n == 0 || n > max_restarts) return;
  num_restarts_ = n;
  restarts_offset_ =
      static_cast<uint32_t>(size_ - (1 + size_t{n}) * sizeof(uint32_t));
}

Iterator* Block::NewIterator(BlockKeyOrder order) const {
  return new BlockIter(this, order);
}

void BlockKeyBuffer::Grow(size_t n, size_t keep) {
  const size_t cap = std::max(n, 2 * capacity_);
  char* fresh = new char[cap];
  memcpy(fresh, data_, keep);
  if (data_ != inline_) delete[] data_;
  data_ = fresh;
  capacity_ = cap;
}

namespace {

// Decodes an entry header at p. Returns where the key delta starts, or
// nullptr if the header is malformed or the key delta and value do not fit
// before limit.
inline const char* DecodeEntry(const char* p, const char* limit,
                               uint32_t* shared, uint32_t* non_shared,
                               uint32_t* value_length) {
  if (limit - p < 3) return nullptr;
  *shared = static_cast<unsigned char>(p[0]);
  *non_shared = static_cast<unsigned char>(p[1]);
  *value_length = static_cast<unsigned char>(p[2]);
  if ((*shared | *non_shared | *value_length) < 128) {
    p += 3;  // the common case: three one-byte varints
  } else {
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, non_shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, value_length)) == nullptr) {
      return nullptr;
    }
  }
  if (static_cast<uint64_t>(limit - p) <
      uint64_t{*non_shared} + uint64_t{*value_length}) {
    return nullptr;
  }
  return p;
}

}  // namespace

BlockIter::BlockIter(const Block* block, BlockKeyOrder order)
    : data_(block->data_),
      restarts_offset_(block->restarts_offset_),
      num_restarts_(block->num_restarts_),
      order_(order),
      current_(restarts_offset_),
      next_(restarts_offset_),
      restart_index_(num_restarts_) {
  if (num_restarts_ == 0) status_ = CorruptionStatus("bad restart array");
}

void BlockIter::SetErrorContext(const std::string* fname,
                                uint64_t block_offset) {
  fname_ = fname;
  block_offset_ = block_offset;
  if (num_restarts_ == 0) status_ = CorruptionStatus("bad restart array");
}

int BlockIter::Compare(const Slice& a, const Slice& b) const {
  if (order_ == BlockKeyOrder::kInternal) {
    return InternalKeyComparator().Compare(a, b);
  }
  return a.compare(b);
}

uint32_t BlockIter::RestartPoint(uint32_t index) const {
  assert(index < num_restarts_);
  return DecodeFixed32(data_ + restarts_offset_ + index * sizeof(uint32_t));
}

void BlockIter::MarkInvalid() {
  current_ = restarts_offset_;
  next_ = restarts_offset_;
  restart_index_ = num_restarts_;
  key_.clear();
  value_.clear();
}

Status BlockIter::CorruptionStatus(const std::string& what) const {
  if (fname_ == nullptr) return Status::Corruption("malformed block", what);
  return Status::Corruption(*fname_,
                            "block " + AtOffset(block_offset_) + ": " + what);
}

void BlockIter::Corrupt(const char* what, uint64_t at) {
  MarkInvalid();
  status_ = CorruptionStatus(std::string(what) + " at block byte " +
                             std::to_string(at));
}

bool BlockIter::SeekToRestartPoint(uint32_t index) {
  const uint32_t offset = RestartPoint(index);
  if (offset > restarts_offset_) {
    Corrupt("restart point out of range",
            restarts_offset_ + uint64_t{index} * sizeof(uint32_t));
    return false;
  }
  restart_index_ = index;
  next_ = offset;
  key_.clear();  // a restart entry shares nothing with its predecessor
  return true;
}

bool BlockIter::ParseNextEntry() {
  current_ = next_;
  if (current_ >= restarts_offset_) {
    MarkInvalid();  // the end of the block
    return false;
  }
  const char* p = data_ + current_;
  const char* const limit = data_ + restarts_offset_;
  uint32_t shared, non_shared, value_length;
  p = DecodeEntry(p, limit, &shared, &non_shared, &value_length);
  if (p == nullptr || shared > key_.size()) {
    Corrupt("malformed entry", current_);
    return false;
  }
  if (shared == 0) {
    key_ = Slice(p, non_shared);  // in place: no copy
  } else {
    const size_t total = size_t{shared} + non_shared;
    if (key_.data() == key_buf_.data()) {
      key_buf_.Reserve(total, shared);
    } else {
      // The previous key lives in the block; bring its prefix over.
      memcpy(key_buf_.Reserve(total, 0), key_.data(), shared);
    }
    memcpy(key_buf_.data() + shared, p, non_shared);
    key_ = Slice(key_buf_.data(), total);
  }
  if (order_ == BlockKeyOrder::kInternal && key_.size() < 8) {
    Corrupt("internal key shorter than 8 bytes", current_);
    return false;
  }
  value_ = Slice(p + non_shared, value_length);
  next_ = static_cast<uint32_t>((p + non_shared + value_length) - data_);
  while (restart_index_ + 1 < num_restarts_ &&
         RestartPoint(restart_index_ + 1) <= current_) {
    ++restart_index_;
  }
  return true;
}

bool BlockIter::RestartKey(uint32_t index, Slice* key) {
  const uint32_t offset = RestartPoint(index);
  if (offset >= restarts_offset_) {
    Corrupt("restart point out of range",
            restarts_offset_ + uint64_t{index} * sizeof(uint32_t));
    return false;
  }
  uint32_t shared, non_shared, value_length;
  const char* p = DecodeEntry(data_ + offset, data_ + restarts_offset_, &shared,
                              &non_shared, &value_length);
  if (p == nullptr || shared != 0 ||
      (order_ == BlockKeyOrder::kInternal && non_shared < 8)) {
    Corrupt("malformed restart entry", offset);
    return false;
  }
  *key = Slice(p, non_shared);
  return true;
}

void BlockIter::SeekToFirst() {
  if (!status_.ok()) return;
  if (SeekToRestartPoint(0)) ParseNextEntry();
}

void BlockIter::SeekToLast() {
  if (!status_.ok()) return;
  if (!SeekToRestartPoint(num_restarts_ - 1)) return;
  while (ParseNextEntry() && next_ < restarts_offset_) {
  }
}

void BlockIter::Next() {
  assert(Valid());
  ParseNextEntry();
}

void BlockIter::Prev() {
  assert(Valid());
  const uint32_t original = current_;
  // Back up to the last restart point before the current entry...
  while (RestartPoint(restart_index_) >= original) {
    if (restart_index_ == 0) {
      MarkInvalid();  // the current entry was the first
      return;
    }
    --restart_index_;
  }
  // ...and walk forward to the entry just before it.
  if (!SeekToRestartPoint(restart_index_)) return;
  do {
    if (!ParseNextEntry()) {
      if (status_.ok()) Corrupt("entries overrun", original);
      return;
    }
  } while (next_ < original);
  if (next_ != original) Corrupt("entry boundaries disagree", original);
}

void BlockIter::Seek(const Slice& target) {
  if (!status_.ok()) return;
  assert(order_ != BlockKeyOrder::kInternal || target.size() >= 8);
  uint32_t left = 0;
  uint32_t right = num_restarts_ - 1;
  if (Valid()) {
    // Sequential seeks often land near the current entry.
    const int c = Compare(key_, target);
    if (c == 0) return;
    if (c < 0) {
      left = restart_index_;
    } else {
      right = restart_index_;
    }
  }
  SeekBetween(target, left, right);
}

void BlockIter::SeekInRestartRange(const Slice& target, uint32_t left,
                                   uint32_t right) {
  if (!status_.ok()) return;
  assert(left <= right && right < num_restarts_);
  // Out-of-range hints would only cost speed; keep them safe anyway.
  right = std::min(right, num_restarts_ - 1);
  left = std::min(left, right);
  SeekBetween(target, left, right);
}

void BlockIter::SeekBetween(const Slice& target, uint32_t left,
                            uint32_t right) {
  // Binary search for the last restart point whose key is < target.
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    Slice mid_key;
    if (!RestartKey(mid, &mid_key)) return;
    const int c = Compare(mid_key, target);
    if (c < 0) {
      left = mid;
    } else if (c > 0) {
      right = mid - 1;
    } else {
      if (SeekToRestartPoint(mid)) ParseNextEntry();
      return;
    }
  }
  // Linear scan to the first key >= target.
  if (!SeekToRestartPoint(left)) return;
  while (ParseNextEntry()) {
    if (Compare(key_, target) >= 0) return;
  }
}

}  // namespace o3lsm
