// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The in-DM format of DmAllocator's state (docs/dm_format.md, "Allocator"):
// the allocator header, the owner table, the chunk table and its 64-bit
// chunk words, and the header of a slab chunk. Shared by the allocator, the
// pool planner (which sizes the allocator region) and the tests that corrupt
// these structures on purpose.
//
// Thread safety: constants and pure functions only.

#ifndef O3LSM_INTERCONNECT_DM_ALLOCATOR_FORMAT_H_
#define O3LSM_INTERCONNECT_DM_ALLOCATOR_FORMAT_H_

#include <cstdint>

#include "interconnect/dm_addr.h"

namespace o3lsm::fabric {

inline constexpr uint64_t kMinChunkSize = 64 << 10;
inline constexpr uint64_t kMaxChunkSize = uint64_t{1} << 30;

// ---- Allocator header: the first 64 bytes of the allocator region ----
// The bytes "O3LSMALC" in little-endian order.
inline constexpr uint64_t kAllocatorMagic = 0x434c414d534c334full;
inline constexpr uint32_t kAllocatorVersion = 1;
inline constexpr uint64_t kAllocatorHeaderSize = 64;
namespace alloc_header {
constexpr int kMagic = 0;
constexpr int kVersion = 8;
constexpr int kMaxOwners = 12;
constexpr int kChunkSize = 16;
constexpr int kChunkCount = 24;
constexpr int kHeapOffset = 32;
constexpr int kOwnerTable = 40;  // relative to the region's start
constexpr int kChunkTable = 48;  // relative to the region's start
constexpr int kChecksum = 56;    // Checksum64([0, 56), seed kAllocatorMagic)
}  // namespace alloc_header

// Bytes the allocator region needs: header, one 8-byte generation counter
// per owner, one 8-byte chunk word per heap chunk; rounded up to 4 KiB.
constexpr uint64_t AllocatorRegionBytes(uint32_t max_owners, uint64_t chunks) {
  return (kAllocatorHeaderSize + uint64_t{max_owners} * 8 + chunks * 8 + 4095) /
         4096 * 4096;
}

// ---- Chunk words: one per heap chunk, changed only by CAS ----
//   bits 63..60  state (ChunkState)
//   bits 59..44  owner id (0 only when free)
//   bits 43..32  generation of the owner's incarnation, low 12 bits
//   bits 31..0   payload: run length in chunks (head), distance back to the
//                head (body), size-class index (slab)
// Persisted: do not renumber.
enum class ChunkState : uint8_t {
  kFree = 0,       // the whole word is zero
  kRunHead = 1,    // first chunk of a live run; payload = chunks in the run
  kRunBody = 2,    // later chunk of a run; payload = distance to the head
  kSlab = 3,       // a slab of small blocks; payload = size-class index
  kReserving = 4,  // head of a run being claimed; payload = chunks wanted
  kReleasing = 5,  // head of a run being freed; payload = chunks in the run
};
inline constexpr uint32_t kGenerationMask = 0xfff;

struct ChunkWord {
  ChunkState state = ChunkState::kFree;
  uint16_t owner = 0;
  uint32_t generation = 0;  // low 12 bits only
  uint32_t payload = 0;

  static ChunkWord Decode(uint64_t w) {
    ChunkWord c;
    c.state = static_cast<ChunkState>(w >> 60);
    c.owner = static_cast<uint16_t>(w >> 44);
    c.generation = static_cast<uint32_t>(w >> 32) & kGenerationMask;
    c.payload = static_cast<uint32_t>(w);
    return c;
  }
  uint64_t Encode() const {
    return (uint64_t{static_cast<uint8_t>(state)} << 60) |
           (uint64_t{owner} << 44) |
           (uint64_t{generation & kGenerationMask} << 32) | payload;
  }
};

// ---- Slab header: the first 64 bytes of a chunk in state kSlab ----
// The bytes "O3LSMSLB" in little-endian order.
inline constexpr uint64_t kSlabMagic = 0x424c534d534c334full;
inline constexpr uint64_t kSlabHeaderSize = 64;
namespace slab_header {
constexpr int kMagic = 0;
constexpr int kChunkIndex = 8;
constexpr int kBlockSize = 16;     // u32
constexpr int kBlockCount = 20;    // u32, blocks in the chunk incl. header ones
constexpr int kHeaderBlocks = 24;  // u32, leading blocks taken by header+bitmap
constexpr int kOwner = 28;         // u16
constexpr int kGeneration = 32;    // u32
constexpr int kBitmapWords = 36;   // u32
constexpr int kChecksum = 56;      // Checksum64([0,56), seed = chunk offset)
}  // namespace slab_header
// The bitmap (bit i of word i/64 set = block i taken) follows the header.

// Smallest block and number of size classes: 64 B << class.
inline constexpr uint64_t kMinBlockSize = 64;
// Blocks larger than chunk_size / kMinBlocksPerSlab are runs of chunks.
inline constexpr uint64_t kMinBlocksPerSlab = 8;

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_DM_ALLOCATOR_FORMAT_H_
