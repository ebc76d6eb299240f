// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The layout of a memtable segment in DM (docs/dm_format.md, "Memtable
// segment"):
//
//   [0, 128)             SegmentHeader, fixed size, checksummed
//   [128, 128 + image)   the segment image (segment_image.h): the sealed
//                        memtable's arena bytes as they were (layout
//                        kArenaCopy), or a perfect skiplist rebuilt in key
//                        order (kSortedImage)
//   [.., + keys)         smallest and largest user key, each varint32
//                        length + bytes
//   [.., + order)        kArenaCopy only: the order block, one 16-byte
//                        record per entry in key order (u32 image offset
//                        of the entry, u32 entry length, u32 checksum of
//                        the entry's bytes, u32 key hint), checksummed
//
// Anyone who reads a segment — a worker flushing it, the memory node
// searching it, a compute node reading it back — validates the header
// (magic, version, checksum, lengths in bounds) and the image checksum
// before trusting a byte of it.
//
// Thread safety: value types and pure functions.

#ifndef O3LSM_LSM_OFFLOAD_SEGMENT_FORMAT_H_
#define O3LSM_LSM_OFFLOAD_SEGMENT_FORMAT_H_

#include <cstdint>
#include <string>

#include "lsm/dbformat.h"
#include "o3lsm/options.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm {

// One record of a kArenaCopy segment's order block.
inline constexpr size_t kOrderRecordSize = 16;

struct SegmentHeader {
  static constexpr uint64_t kMagic = 0x544e454d47455333ull;  // "3SEGMENT"
  // 2: order records of 16 bytes (1: of 8, without checksum and hint).
  static constexpr uint32_t kVersion = 2;
  static constexpr size_t kEncodedLength = 128;

  uint64_t segment_id = 0;   // unique per compute node incarnation
  uint16_t owner = 0;        // the compute node's allocator owner id
  uint64_t generation = 0;   // its allocator incarnation
  uint32_t shard = 0;
  uint64_t router_generation = 0;
  SequenceNumber smallest_seq = 0;
  SequenceNumber largest_seq = 0;
  uint64_t entries = 0;
  uint32_t image_length = 0;
  uint64_t image_checksum = 0;
  uint32_t keys_length = 0;
  uint64_t created_micros = 0;
  SegmentLayout layout = SegmentLayout::kSortedImage;
  uint32_t order_length = 0;    // kArenaCopy: entries x kOrderRecordSize
  uint64_t order_checksum = 0;  // Checksum64 of the order block

  // Bytes of the whole segment: header, image, keys and order block.
  uint64_t total_length() const {
    return kEncodedLength + uint64_t{image_length} + keys_length + order_length;
  }
  // Offsets of the parts from the segment's start.
  uint64_t keys_offset() const { return kEncodedLength + image_length; }
  uint64_t order_offset() const { return keys_offset() + keys_length; }

  // Writes kEncodedLength bytes to dst.
  void EncodeTo(char* dst) const;
  // Validates magic, version, checksum, layout and order length of src
  // (kEncodedLength bytes). Corruption naming the field otherwise.
  Status DecodeFrom(const Slice& src);
};

// The keys trailer: smallest and largest user key.
std::string EncodeSegmentKeys(const Slice& smallest, const Slice& largest);
Status DecodeSegmentKeys(const Slice& src, std::string* smallest,
                         std::string* largest);

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SEGMENT_FORMAT_H_
