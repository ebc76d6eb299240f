// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/superblock.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "interconnect/dm_allocator_format.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::fabric {

namespace {

// Field offsets of superblock version 1 (docs/dm_format.md).
constexpr size_t kMagicOff = 0;
constexpr size_t kVersionOff = 8;
constexpr size_t kSizeFieldOff = 12;
constexpr size_t kPoolSizeOff = 16;
constexpr size_t kClusterOff = 24;
constexpr size_t kCreationOff = 32;
constexpr size_t kChunkSizeOff = 40;
constexpr size_t kMaxOwnersOff = 48;
constexpr size_t kPoolIdOff = 52;
constexpr size_t kRegionCountOff = 54;
constexpr size_t kRegionsOff = 56;
constexpr size_t kRegionEntrySize = 24;
constexpr size_t kChecksumOff = kRegionsOff + kNumRegions * kRegionEntrySize;
constexpr size_t kEncodedSize = kChecksumOff + 8;

uint64_t RoundUp(uint64_t v, uint64_t align) {
  return (v + align - 1) / align * align;
}

std::string Hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
  return buf;
}

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

Status CheckLayoutFields(uint64_t chunk_size, uint32_t max_owners,
                         const std::string& where) {
  if (!IsPowerOfTwo(chunk_size) || chunk_size < kMinChunkSize ||
      chunk_size > kMaxChunkSize) {
    return Status::InvalidArgument(
        where, "chunk_size " + std::to_string(chunk_size) +
                   " is not a power of two in [64 KiB, 1 GiB]");
  }
  if (max_owners < 2 || max_owners > 65536) {
    return Status::InvalidArgument(
        where,
        "max_owners " + std::to_string(max_owners) + " is outside [2, 65536]");
  }
  return Status::OK();
}

}  // namespace

const char* RegionName(RegionKind kind) {
  switch (kind) {
    case RegionKind::kAllocator:
      return "allocator";
    case RegionKind::kNodeTable:
      return "node table";
    case RegionKind::kJobBoard:
      return "job board";
    case RegionKind::kSegmentDirectory:
      return "segment directory";
    case RegionKind::kMailboxes:
      return "mailboxes";
    case RegionKind::kHeap:
      return "heap";
  }
  return "unknown";
}

Status PlanPool(uint64_t pool_size, uint16_t pool_id, uint64_t cluster_id,
                const PoolLayout& layout, PoolInfo* info) {
  const std::string where = "pool layout";
  if (pool_id == 0) {
    return Status::InvalidArgument(where, "pool id 0 is reserved for null");
  }
  if (pool_size < kMinPoolSize || pool_size > DmAddr::kMaxOffset) {
    return Status::InvalidArgument(where, "pool size " +
                                              std::to_string(pool_size) +
                                              " is outside [1 MiB, 256 TiB)");
  }
  Status s = CheckLayoutFields(layout.chunk_size, layout.max_owners, where);
  if (!s.ok()) return s;
  const uint64_t kLimit = uint64_t{1} << 44;  // keeps the sums below exact
  for (uint64_t v : {layout.node_table_bytes, layout.job_board_bytes,
                     layout.segment_directory_bytes, layout.mailbox_bytes}) {
    if (v > kLimit) {
      return Status::InvalidArgument(where,
                                     "a region size is larger than 16 TiB");
    }
  }

  PoolInfo p;
  p.format_version = kSuperblockVersion;
  p.pool_id = pool_id;
  p.pool_size = pool_size;
  p.cluster_id = cluster_id;
  p.chunk_size = layout.chunk_size;
  p.max_owners = layout.max_owners;

  // Order in the pool: superblock | node table | job board | segment
  // directory | mailboxes | allocator | heap. The allocator's size depends
  // on how many chunks the heap gets, so it is solved last.
  uint64_t cursor = kSuperblockSize;
  auto place = [&](RegionKind kind, uint64_t bytes) {
    bytes = RoundUp(std::max<uint64_t>(bytes, 1), kRegionAlignment);
    p.region(kind) = Region{cursor, bytes};
    cursor += bytes;
  };
  place(RegionKind::kNodeTable, layout.node_table_bytes);
  place(RegionKind::kJobBoard, layout.job_board_bytes);
  place(RegionKind::kSegmentDirectory, layout.segment_directory_bytes);
  place(RegionKind::kMailboxes, layout.mailbox_bytes);
  if (cursor >= pool_size) {
    return Status::InvalidArgument(
        where, "the reserved regions (" + std::to_string(cursor) +
                   " bytes) do not fit in a pool of " +
                   std::to_string(pool_size) + " bytes");
  }
  const uint64_t remaining = pool_size - cursor;
  uint64_t chunks = remaining / (layout.chunk_size + 8);
  while (chunks > 0 && AllocatorRegionBytes(layout.max_owners, chunks) +
                               chunks * layout.chunk_size >
                           remaining) {
    chunks--;
  }
  if (chunks == 0) {
    return Status::InvalidArgument(
        where, "pool of " + std::to_string(pool_size) +
                   " bytes leaves no room for one heap chunk of " +
                   std::to_string(layout.chunk_size) + " bytes");
  }
  place(RegionKind::kAllocator,
        AllocatorRegionBytes(layout.max_owners, chunks));
  p.region(RegionKind::kHeap) = Region{cursor, chunks * layout.chunk_size};
  *info = p;
  return Status::OK();
}

void EncodeSuperblock(const PoolInfo& info, char* dst) {
  memset(dst, 0, kSuperblockSize);
  EncodeFixed64(dst + kMagicOff, kSuperblockMagic);
  EncodeFixed32(dst + kVersionOff, info.format_version);
  EncodeFixed32(dst + kSizeFieldOff, kSuperblockSize);
  EncodeFixed64(dst + kPoolSizeOff, info.pool_size);
  EncodeFixed64(dst + kClusterOff, info.cluster_id);
  EncodeFixed64(dst + kCreationOff, info.creation_micros);
  EncodeFixed64(dst + kChunkSizeOff, info.chunk_size);
  EncodeFixed32(dst + kMaxOwnersOff, info.max_owners);
  EncodeFixed16(dst + kPoolIdOff, info.pool_id);
  EncodeFixed16(dst + kRegionCountOff, kNumRegions);
  for (int i = 0; i < kNumRegions; i++) {
    char* e = dst + kRegionsOff + i * kRegionEntrySize;
    EncodeFixed32(e, static_cast<uint32_t>(i + 1));
    EncodeFixed64(e + 8, info.regions[i].offset);
    EncodeFixed64(e + 16, info.regions[i].length);
  }
  EncodeFixed64(dst + kChecksumOff,
                Checksum64(dst, kChecksumOff, kSuperblockMagic));
}

Status DecodeSuperblock(const char* src, size_t src_len,
                        uint64_t available_bytes, const std::string& where,
                        PoolInfo* info) {
  if (src_len < kSuperblockSize || available_bytes < kSuperblockSize) {
    return Status::Corruption(
        where,
        "truncated: " +
            std::to_string(std::min<uint64_t>(src_len, available_bytes)) +
            " bytes, a superblock needs " + std::to_string(kSuperblockSize));
  }
  if (std::all_of(src, src + kEncodedSize, [](char c) { return c == 0; })) {
    return Status::Unavailable(where,
                               "superblock is all zero: pool not formatted");
  }
  const uint64_t magic = DecodeFixed64(src + kMagicOff);
  if (magic != kSuperblockMagic) {
    return Status::Corruption(
        where, "not an o3lsm DM pool: bad magic " + Hex(magic) +
                   " at offset 0 (expected " + Hex(kSuperblockMagic) + ")");
  }
  const uint32_t version = DecodeFixed32(src + kVersionOff);
  if (version != kSuperblockVersion) {
    return Status::NotSupported(
        where, "superblock format version " + std::to_string(version) +
                   " (this build reads version " +
                   std::to_string(kSuperblockVersion) + ")");
  }
  const uint64_t stored = DecodeFixed64(src + kChecksumOff);
  const uint64_t computed = Checksum64(src, kChecksumOff, kSuperblockMagic);
  if (stored != computed) {
    return Status::Corruption(where, "superblock checksum mismatch at offset " +
                                         std::to_string(kChecksumOff) +
                                         ": stored " + Hex(stored) +
                                         ", computed " + Hex(computed));
  }
  auto bad = [&](const std::string& field, const std::string& why) {
    return Status::Corruption(where, "superblock field " + field + ": " + why);
  };
  if (DecodeFixed32(src + kSizeFieldOff) != kSuperblockSize) {
    return bad("superblock_size",
               std::to_string(DecodeFixed32(src + kSizeFieldOff)));
  }
  PoolInfo p;
  p.format_version = version;
  p.pool_size = DecodeFixed64(src + kPoolSizeOff);
  p.cluster_id = DecodeFixed64(src + kClusterOff);
  p.creation_micros = DecodeFixed64(src + kCreationOff);
  p.chunk_size = DecodeFixed64(src + kChunkSizeOff);
  p.max_owners = DecodeFixed32(src + kMaxOwnersOff);
  p.pool_id = DecodeFixed16(src + kPoolIdOff);
  if (p.pool_size < kMinPoolSize || p.pool_size > DmAddr::kMaxOffset) {
    return bad("pool_size", std::to_string(p.pool_size) + " is out of range");
  }
  if (p.pool_size > available_bytes) {
    return Status::Corruption(
        where, "truncated: superblock says the pool has " +
                   std::to_string(p.pool_size) + " bytes, only " +
                   std::to_string(available_bytes) + " are there");
  }
  if (p.pool_id == 0) return bad("pool_id", "0 is reserved");
  Status s = CheckLayoutFields(p.chunk_size, p.max_owners, where);
  if (!s.ok()) return bad("chunk_size/max_owners", std::string(s.message()));
  const uint16_t count = DecodeFixed16(src + kRegionCountOff);
  if (count != kNumRegions) {
    return bad("region_count", std::to_string(count) + ", expected " +
                                   std::to_string(kNumRegions));
  }
  for (int i = 0; i < kNumRegions; i++) {
    const char* e = src + kRegionsOff + i * kRegionEntrySize;
    const auto kind = static_cast<RegionKind>(i + 1);
    const std::string field = std::string("region[") + RegionName(kind) + "]";
    if (DecodeFixed32(e) != static_cast<uint32_t>(i + 1)) {
      return bad(field, "kind " + std::to_string(DecodeFixed32(e)));
    }
    Region r{DecodeFixed64(e + 8), DecodeFixed64(e + 16)};
    if (r.offset < kSuperblockSize || r.offset % kRegionAlignment != 0 ||
        r.length == 0 || r.offset > p.pool_size ||
        r.length > p.pool_size - r.offset) {
      return bad(field, "offset " + Hex(r.offset) + " length " + Hex(r.length) +
                            " is outside the pool of " + Hex(p.pool_size) +
                            " bytes");
    }
    p.regions[i] = r;
  }
  // No two regions may overlap: sort by offset and compare neighbours.
  std::array<int, kNumRegions> order;
  for (int i = 0; i < kNumRegions; i++) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return p.regions[a].offset < p.regions[b].offset;
  });
  for (int i = 1; i < kNumRegions; i++) {
    const Region& prev = p.regions[order[i - 1]];
    if (prev.offset + prev.length > p.regions[order[i]].offset) {
      return bad(
          "regions",
          std::string(RegionName(static_cast<RegionKind>(order[i - 1] + 1))) +
              " overlaps " + RegionName(static_cast<RegionKind>(order[i] + 1)));
    }
  }
  const Region& heap = p.region(RegionKind::kHeap);
  if (heap.length < p.chunk_size || heap.length % p.chunk_size != 0) {
    return bad("region[heap]", "length " + Hex(heap.length) +
                                   " is not a positive multiple of the chunk "
                                   "size " +
                                   Hex(p.chunk_size));
  }
  const uint64_t chunks = heap.length / p.chunk_size;
  if (p.region(RegionKind::kAllocator).length <
      AllocatorRegionBytes(p.max_owners, chunks)) {
    return bad("region[allocator]",
               "too small for " + std::to_string(chunks) + " chunks");
  }
  *info = p;
  return Status::OK();
}

}  // namespace o3lsm::fabric
