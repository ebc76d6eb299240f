// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Block is a read-only view of one block built by BlockBuilder; BlockIter
// walks and searches it. This is the hottest code of the read path (every
// Get and Seek on an SST ends here), so BlockIter is a concrete class that
// callers may place on the stack, and it does no heap allocation per Seek or
// Next: keys at restart points are returned in place, and other keys are
// rebuilt in a buffer with inline storage.
//
// Damaged bytes never make it read outside the block: a malformed restart
// array or entry turns the iterator !Valid() with a Corruption status.
//
// Thread safety: a Block is immutable; any number of iterators may read it
// concurrently. A BlockIter is used by one thread at a time.
// Lifetimes: a Block must outlive its iterators; key() and value() point
// into the block (or the iterator's buffer) until the iterator moves.

#ifndef O3LSM_LSM_TABLE_BLOCK_H_
#define O3LSM_LSM_TABLE_BLOCK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "o3lsm/iterator.h"

#include "lsm/table/format.h"

namespace o3lsm {

// How a block's keys are ordered.
enum class BlockKeyOrder : unsigned char {
  kInternal,  // internal keys (InternalKeyComparator); keys >= 8 bytes
  kBytewise,  // plain byte strings (the properties block)
};

class Block {
 public:
  // Takes ownership of contents' heap memory, if any; otherwise the memory
  // contents.data points to must outlive the Block.
  explicit Block(BlockContents contents);
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  // Bytes of the block (restart array included).
  size_t size() const { return size_; }
  // Restart points; 0 iff the restart array is malformed.
  uint32_t num_restarts() const { return num_restarts_; }
  bool owns_memory() const { return heap_ != nullptr; }

  // A heap-allocated iterator; the caller deletes it.
  Iterator* NewIterator(BlockKeyOrder order = BlockKeyOrder::kInternal) const;

 private:
  friend class BlockIter;

  const char* data_;
  size_t size_;
  uint32_t restarts_offset_ = 0;  // where the restart array begins
  uint32_t num_restarts_ = 0;     // 0 iff the block is malformed
  std::unique_ptr<char[]> heap_;
};

// Holds the current key when it cannot point into the block. Keys up to
// kInlineSize bytes need no heap memory.
class BlockKeyBuffer {
 public:
  BlockKeyBuffer() = default;
  ~BlockKeyBuffer() {
    if (data_ != inline_) delete[] data_;
  }
  BlockKeyBuffer(const BlockKeyBuffer&) = delete;
  BlockKeyBuffer& operator=(const BlockKeyBuffer&) = delete;

  const char* data() const { return data_; }
  char* data() { return data_; }

  // Makes room for n bytes, keeping the first `keep` bytes.
  char* Reserve(size_t n, size_t keep) {
    if (n > capacity_) Grow(n, keep);
    return data_;
  }

 private:
  static constexpr size_t kInlineSize = 96;
  void Grow(size_t n, size_t keep);

  char inline_[kInlineSize];
  char* data_ = inline_;
  size_t capacity_ = kInlineSize;
};

class BlockIter final : public Iterator {
 public:
  // REQUIRES: block outlives the iterator.
  explicit BlockIter(const Block* block,
                     BlockKeyOrder order = BlockKeyOrder::kInternal);

  // Names the file and the block's offset in Corruption messages.
  // REQUIRES: *fname outlives the iterator.
  void SetErrorContext(const std::string* fname, uint64_t block_offset);

  bool Valid() const override { return current_ < restarts_offset_; }
  // The last restart point at or before the current entry. In a block with
  // one restart point per entry (an index block) it numbers the entry.
  uint32_t restart_index() const { return restart_index_; }
  void SeekToFirst() override;
  void SeekToLast() override;
  // REQUIRES: target is an internal key (>= 8 bytes) for kInternal order.
  void Seek(const Slice& target) override;
  // Seek with a hint that narrows the binary search over restart points:
  // the last restart point whose key is < target (restart 0 if there is
  // none) lies in [left, right]. REQUIRES: left <= right < num_restarts().
  void SeekInRestartRange(const Slice& target, uint32_t left, uint32_t right);
  // Decodes the full key stored at restart point `index` into *key without
  // moving the iterator. False (and Corruption) if it is malformed.
  // REQUIRES: index < num_restarts().
  bool RestartKey(uint32_t index, Slice* key);
  void Next() override;
  void Prev() override;
  Slice key() const override { return key_; }
  Slice value() const override { return value_; }
  Status status() const override { return status_; }

 private:
  int Compare(const Slice& a, const Slice& b) const;
  uint32_t RestartPoint(uint32_t index) const;
  // Positions before the entry at restart point `index`; false (and
  // Corruption) if the restart offset is out of range.
  bool SeekToRestartPoint(uint32_t index);
  // Decodes the entry at next_ into key_/value_. False at the end of the
  // block (status stays OK) or on a malformed entry (Corruption).
  bool ParseNextEntry();
  // Binary search of restarts [left, right], then a linear scan.
  void SeekBetween(const Slice& target, uint32_t left, uint32_t right);
  void MarkInvalid();
  // A Corruption naming the file and block when SetErrorContext was called.
  Status CorruptionStatus(const std::string& what) const;
  void Corrupt(const char* what, uint64_t at);

  const char* const data_;
  const uint32_t restarts_offset_;
  const uint32_t num_restarts_;
  const BlockKeyOrder order_;

  uint32_t current_;        // offset of the current entry; restarts_offset_
                            // when !Valid()
  uint32_t next_;           // offset of the entry after the current one
  uint32_t restart_index_;  // the last restart point <= current_
  Slice key_;
  Slice value_;
  BlockKeyBuffer key_buf_;
  Status status_;

  const std::string* fname_ = nullptr;
  uint64_t block_offset_ = 0;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_BLOCK_H_
