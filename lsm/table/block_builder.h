// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// BlockBuilder builds a data or index block: sorted key/value entries with
// keys prefix-compressed against the previous key, and a full key (a
// "restart point") every restart_interval entries so that a reader can
// binary-search the restarts. docs/sst_format.md has the byte layout:
//
//   entry:   varint32 shared | varint32 non_shared | varint32 value_length |
//            key[shared..] | value
//   trailer: fixed32 restart_offset[num_restarts] | fixed32 num_restarts
//
// Thread safety: not thread-safe; one builder per thread.

#ifndef O3LSM_LSM_TABLE_BLOCK_BUILDER_H_
#define O3LSM_LSM_TABLE_BLOCK_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "o3lsm/slice.h"

namespace o3lsm {

class BlockBuilder {
 public:
  // REQUIRES: restart_interval >= 1.
  explicit BlockBuilder(int restart_interval);
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Starts a new, empty block (reuses the buffers).
  void Reset();

  // REQUIRES: Finish() not called since the last Reset(); key is larger
  // than every key added since then, in the order the block's readers use.
  void Add(const Slice& key, const Slice& value);

  // Appends the restart array and returns the whole block. The Slice stays
  // valid until Reset() or destruction.
  Slice Finish();

  // The size of the block if it were finished now.
  size_t CurrentSizeEstimate() const {
    return buffer_.size() + restarts_.size() * sizeof(uint32_t) +
           sizeof(uint32_t);
  }

  bool empty() const { return buffer_.empty(); }
  size_t num_entries() const { return num_entries_; }
  // The last key added. REQUIRES: !empty().
  Slice last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart
  size_t num_entries_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_BLOCK_BUILDER_H_
