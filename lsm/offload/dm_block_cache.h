// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DmBlockCache is a block cache tier in disaggregated memory
// (docs/offload.md, "A block cache in DM"), shared by every compute node
// of a pool: SST blocks a compute node read from storage are kept there,
// and a block its local block cache misses is looked for there before
// storage. It implements BlockCacheTier (lsm/table/block_tier.h); tables
// key their blocks by their unique id, so a file number used again (by
// this database or another) never finds another table's bytes.
//
// Layout (one allocation from the pool's heap, made by the memory node, or
// by the database for an embedded pool):
//   header  64 bytes: magic, sets, ways, slot size
//   tags    sets x kWays records of 64 bytes:
//             +0 version (CAS; 0 never used, odd while being written)
//             +8 table key  +16 block offset
//             +24 length (u32) and Checksum32 of the stored bytes (u32)
//             +32 when it was written (wall-clock microseconds)
//   slots   sets x kWays x kSlotSize bytes, the stored blocks
// A block goes to the set its (table key, offset) hashes to; an insert
// takes a never-used way or the oldest. Where the cache lies is published
// in the pool's mailbox region (kDescriptorOffset).
//
// Lookup reads the set's tags (one round trip) and the block's slot (a
// second); a block whose bytes do not match its tag's checksum (damage, or
// an insert racing the read) is a miss. An insert reads the tags, locks
// the victim way with a CAS, and writes slot, tag and version in one
// batch: three round trips, on the path that already read storage.
// Entries of deleted tables are never found again and age out.
//
// Thread safety: all methods may be called concurrently, from any number
// of compute nodes.

#ifndef O3LSM_LSM_OFFLOAD_DM_BLOCK_CACHE_H_
#define O3LSM_LSM_OFFLOAD_DM_BLOCK_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric.h"
#include "lsm/table/block_tier.h"
#include "o3lsm/status.h"

namespace o3lsm {

class DmBlockCache final : public BlockCacheTier {
 public:
  static constexpr uint64_t kMagic = 0x3148434b434c4244ull;  // "DBLCKCH1"
  static constexpr uint32_t kWays = 8;
  static constexpr uint32_t kSlotSize = 8192;  // largest stored block
  static constexpr uint32_t kTagSize = 64;
  static constexpr uint32_t kHeaderSize = 64;
  // The descriptor's offset in the pool's mailbox region: magic, cache
  // address, cache bytes (after the search mailboxes' header).
  static constexpr uint64_t kDescriptorOffset = 4096 + 128;

  // Makes a cache of at most `bytes` from allocator's heap and publishes
  // it, unless the pool has one already (OK, keeping that one). allocator
  // belongs to the node that keeps the cache alive (the memory node).
  // InvalidArgument when bytes cannot hold one set.
  static Status Create(fabric::Fabric* fabric, fabric::DmAllocator* allocator,
                       uint64_t bytes);
  // Opens the pool's cache. NotFound if it has none; Corruption for a
  // damaged descriptor or header.
  static Status Open(fabric::Fabric* fabric,
                     std::unique_ptr<DmBlockCache>* cache);

  bool Lookup(uint64_t table_key, uint64_t offset,
              std::string* stored) override;
  void Insert(uint64_t table_key, uint64_t offset,
              const Slice& stored) override;

  uint64_t capacity() const {
    return uint64_t{sets_} * kWays * kSlotSize;
  }
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t inserts = 0;
    uint64_t declined = 0;  // too big, or the way was being written
    uint64_t damaged = 0;   // bytes that did not match their tag
  };
  Stats stats() const;
  std::string Describe() const;
  // Where the stored blocks lie: [slots_begin, slots_begin + capacity()).
  fabric::DmAddr slots_begin() const { return Slot(0, 0); }

 private:
  DmBlockCache(fabric::Fabric* fabric, fabric::DmAddr base, uint32_t sets)
      : fabric_(fabric), base_(base), sets_(sets) {}
  uint32_t SetOf(uint64_t table_key, uint64_t offset) const;
  fabric::DmAddr Tag(uint32_t set, uint32_t way) const {
    return base_ + kHeaderSize + (uint64_t{set} * kWays + way) * kTagSize;
  }
  fabric::DmAddr Slot(uint32_t set, uint32_t way) const {
    return base_ + kHeaderSize + uint64_t{sets_} * kWays * kTagSize +
           (uint64_t{set} * kWays + way) * kSlotSize;
  }
  // Reads the kWays tags of set into tags (kWays * kTagSize bytes).
  Status ReadTags(uint32_t set, char* tags) const;

  fabric::Fabric* const fabric_;
  const fabric::DmAddr base_;
  const uint32_t sets_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, inserts_{0}, declined_{0},
      damaged_{0};
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_DM_BLOCK_CACHE_H_
