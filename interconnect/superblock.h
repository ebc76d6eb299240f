// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The pool superblock: the first 4 KiB of every DM pool. It identifies the
// pool (magic, format version, pool id, cluster id, size, creation time) and
// carves the pool into regions reserved at format time: the allocator's
// state, the node table, the job board, the memtable segment directory, the
// mailboxes, and the heap the allocator hands out. The byte layout is
// documented in docs/dm_format.md; keep the two in step.
//
// This file only plans, encodes and validates; it does no I/O. A backend
// encodes a planned PoolInfo into the first kSuperblockSize bytes of the pool
// (last, after the regions are initialized) and decodes it on attach.
//
// Thread safety: free functions on caller-owned values; a PoolInfo is a
// value.

#ifndef O3LSM_INTERCONNECT_SUPERBLOCK_H_
#define O3LSM_INTERCONNECT_SUPERBLOCK_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "o3lsm/status.h"

namespace o3lsm::fabric {

// Persisted in the superblock's region table: do not renumber.
enum class RegionKind : uint32_t {
  kAllocator = 1,         // DmAllocator header, owner table, chunk table
  kNodeTable = 2,         // per-node load and liveness (defined by the lead)
  kJobBoard = 3,          // flush/compaction job slots
  kSegmentDirectory = 4,  // DM memtable segment directory
  kMailboxes = 5,         // doorbell words and small messages
  kHeap = 6,              // chunks handed out by DmAllocator
};
inline constexpr int kNumRegions = 6;

// "kAllocator" -> "allocator", etc.; "unknown" for anything else.
const char* RegionName(RegionKind kind);

// Sizes of the regions reserved when a pool is formatted. Every size is
// rounded up to kRegionAlignment. The allocator region is sized from
// chunk_size and max_owners; the heap takes the rest of the pool.
struct PoolLayout {
  // Bytes reserved for the node table. Default: 64 KiB.
  uint64_t node_table_bytes = 64 << 10;
  // Bytes reserved for the job board. Default: 1 MiB.
  uint64_t job_board_bytes = 1 << 20;
  // Bytes reserved for the memtable segment directory. Default: 1 MiB.
  uint64_t segment_directory_bytes = 1 << 20;
  // Bytes reserved for mailboxes and doorbell words. Default: 256 KiB.
  uint64_t mailbox_bytes = 256 << 10;
  // The allocator's unit of large allocations and of slabs. A power of two
  // in [64 KiB, 1 GiB]. Default: 1 MiB.
  uint64_t chunk_size = 1 << 20;
  // Owner ids accepted by DmAllocator are 1..max_owners-1. In [2, 65536].
  // Default: 1024.
  uint32_t max_owners = 1024;
};

struct Region {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Everything the superblock says, decoded and validated.
struct PoolInfo {
  uint32_t format_version = 0;
  uint16_t pool_id = 0;
  uint64_t pool_size = 0;
  uint64_t cluster_id = 0;
  uint64_t creation_micros = 0;  // wall clock, microseconds since the epoch
  uint64_t chunk_size = 0;
  uint32_t max_owners = 0;
  std::array<Region, kNumRegions> regions{};  // indexed by kind - 1

  const Region& region(RegionKind kind) const {
    return regions[static_cast<uint32_t>(kind) - 1];
  }
  Region& region(RegionKind kind) {
    return regions[static_cast<uint32_t>(kind) - 1];
  }
};

// The bytes "O3LSMDM1" in little-endian order.
inline constexpr uint64_t kSuperblockMagic = 0x314d444d534c334full;
inline constexpr uint32_t kSuperblockVersion = 1;
inline constexpr size_t kSuperblockSize = 4096;
inline constexpr uint64_t kRegionAlignment = 4096;
// The smallest pool that holds a superblock, the regions and one chunk.
inline constexpr uint64_t kMinPoolSize = 1 << 20;

// Computes the region table of a new pool of pool_size bytes. Fails with
// InvalidArgument (naming the field) if the layout is malformed or does not
// fit with at least one heap chunk to spare.
[[nodiscard]] Status PlanPool(uint64_t pool_size, uint16_t pool_id,
                              uint64_t cluster_id, const PoolLayout& layout,
                              PoolInfo* info);

// Writes the superblock for info into dst[0, kSuperblockSize).
void EncodeSuperblock(const PoolInfo& info, char* dst);

// Decodes and validates a superblock read from the first bytes of a pool
// whose backing store holds available_bytes bytes (file size, device size,
// or what the memory node advertised). `where` names the pool in errors
// ("/dev/shm/o3lsm-pool"). Errors:
//   Unavailable  the superblock is all zero: not formatted (yet);
//   Corruption   foreign file (bad magic), checksum mismatch, regions out
//                of bounds or overlapping, a truncated pool;
//   NotSupported a format version this build does not read.
[[nodiscard]] Status DecodeSuperblock(const char* src, size_t src_len,
                                      uint64_t available_bytes,
                                      const std::string& where, PoolInfo* info);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_SUPERBLOCK_H_
