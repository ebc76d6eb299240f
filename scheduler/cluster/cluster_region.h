// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The header both cluster structures (the job board and the node table)
// put at the start of their reserved region of a DM pool, and the three ways
// a region comes to hold one: Format (the pool's creator, nobody else
// attached), EnsureFormatted (first use of a pool nobody formatted for us,
// safe when several processes race) and Read (attach and validate). The
// byte layout is in docs/dm_format.md ("Job board", "Node table").
//
// Region header, region offset 0, kRegionHeaderSize bytes:
//   [0, 64)    identity and geometry, checksummed (RegionHeader)
//   [64, 72)   doorbell word A (job board: work bell; node table: members)
//   [128, 136) doorbell word B (job board: completion bell)
// The doorbells sit on their own 64-byte lines, outside the checksum,
// because they change all the time.
//
// Thread safety: free functions; they only touch DM through the Fabric.

#ifndef O3LSM_SCHEDULER_CLUSTER_CLUSTER_REGION_H_
#define O3LSM_SCHEDULER_CLUSTER_CLUSTER_REGION_H_

#include <cstdint>
#include <string>

#include "o3lsm/status.h"

#include "interconnect/fabric.h"

namespace o3lsm::cluster {

inline constexpr uint64_t kRegionHeaderSize = 256;
inline constexpr uint64_t kBellAOffset = 64;
inline constexpr uint64_t kBellBOffset = 128;
// The first word of a header being written by EnsureFormatted: no magic of
// ours is 1, and an unformatted region is 0.
inline constexpr uint64_t kFormattingMarker = 1;

namespace region_header {
constexpr int kMagic = 0;             // u64
constexpr int kVersion = 8;           // u32
constexpr int kSlotSize = 12;         // u32
constexpr int kSlotCount = 16;        // u32
constexpr int kPayloadCapacity = 20;  // u32 (job board; 0 elsewhere)
constexpr int kTableOffset = 24;      // u64 region-relative (0 if none)
constexpr int kSlotsOffset = 32;      // u64 region-relative
constexpr int kRegionLength = 40;     // u64
constexpr int kReserved = 48;         // u64, 0
constexpr int kChecksum = 56;         // Checksum64([0, 56), seed = magic)
constexpr int kSize = 64;
}  // namespace region_header

struct RegionHeader {
  uint64_t magic = 0;
  uint32_t version = 0;
  uint32_t slot_size = 0;
  uint32_t slot_count = 0;
  uint32_t payload_capacity = 0;
  uint64_t table_offset = 0;
  uint64_t slots_offset = 0;
  uint64_t region_length = 0;
};

// The region of `kind` in fabric's pool: where it starts and its name in
// errors ("job board at dm:1:0x3000").
struct RegionRef {
  fabric::DmAddr start;
  uint64_t length = 0;
  std::string what;
};
RegionRef GetRegion(fabric::Fabric* fabric, fabric::RegionKind kind);

// "0x1f" for messages.
std::string Hex(uint64_t v);
// Wall clock, microseconds since the epoch (post times, update times: shown
// to people, never compared across nodes for correctness).
uint64_t WallMicros();

// Zeroes the region past the header, then writes header h (magic
// included) and persists. REQUIRES: nobody uses the region meanwhile.
[[nodiscard]] Status FormatRegion(fabric::Fabric* fabric,
                                  const RegionRef& region,
                                  const RegionHeader& h);

// If the region's header is all zero, formats it with h; several processes
// may race, exactly one formats (it CASes the magic word 0 -> marker, writes
// everything else, then CASes marker -> magic) and the others wait for it up
// to the fabric's default timeout. If a header is already there, does
// nothing (Read validates it). Unavailable if a formatter died mid-way
// (the marker stays: Format repairs it).
[[nodiscard]] Status EnsureRegionFormatted(fabric::Fabric* fabric,
                                           const RegionRef& region,
                                           const RegionHeader& h);

// Reads and validates the header: Unavailable if the region was never
// formatted (or a format is in progress), Corruption for a foreign magic, a
// checksum mismatch or a region_length that disagrees with the superblock,
// NotSupported for another version. Geometry is checked by the caller.
[[nodiscard]] Status ReadRegionHeader(fabric::Fabric* fabric,
                                      const RegionRef& region, uint64_t magic,
                                      uint32_t version, RegionHeader* h);

}  // namespace o3lsm::cluster

#endif  // O3LSM_SCHEDULER_CLUSTER_CLUSTER_REGION_H_
