// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// BlockCacheTier is a second tier below a table's block cache: a place,
// slower than local memory and faster than storage, that keeps blocks
// stored as they are in a file (block, type byte, checksum trailer) so that
// whoever reads one back verifies it as if it came from the file. The DM
// block cache (lsm/offload/dm_block_cache.h) is the one implementation.
//
// Blocks are keyed by a table key (derived from the table's unique id, so
// that a file number used again never finds another table's blocks) and
// the block's offset in the file.
//
// Thread safety: implementations are safe for concurrent use.

#ifndef O3LSM_LSM_TABLE_BLOCK_TIER_H_
#define O3LSM_LSM_TABLE_BLOCK_TIER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "o3lsm/slice.h"

namespace o3lsm {

class BlockCacheTier {
 public:
  virtual ~BlockCacheTier() = default;
  // False while there is nothing below (a tier not attached yet): callers
  // skip building what they would insert.
  virtual bool active() const { return true; }
  // The stored bytes of block (table_key, offset) into *stored, or false.
  // What comes back is unverified: the caller checks its trailer.
  virtual bool Lookup(uint64_t table_key, uint64_t offset,
                      std::string* stored) = 0;
  // Keeps the stored bytes of block (table_key, offset); may decline.
  virtual void Insert(uint64_t table_key, uint64_t offset,
                      const Slice& stored) = 0;
};

// A tier attached later (once a pool is open): forwards to its target,
// inactive while there is none. Attach may race with readers; the target
// must outlive every reader that may have seen it.
class BlockCacheTierRef final : public BlockCacheTier {
 public:
  void Attach(BlockCacheTier* target) {
    target_.store(target, std::memory_order_release);
  }
  bool active() const override {
    return target_.load(std::memory_order_acquire) != nullptr;
  }
  bool Lookup(uint64_t table_key, uint64_t offset,
              std::string* stored) override {
    BlockCacheTier* t = target_.load(std::memory_order_acquire);
    return t != nullptr && t->Lookup(table_key, offset, stored);
  }
  void Insert(uint64_t table_key, uint64_t offset,
              const Slice& stored) override {
    BlockCacheTier* t = target_.load(std::memory_order_acquire);
    if (t != nullptr) t->Insert(table_key, offset, stored);
  }

 private:
  std::atomic<BlockCacheTier*> target_{nullptr};
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_BLOCK_TIER_H_
