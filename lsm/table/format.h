// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The physical pieces of an SST file (docs/sst_format.md has the byte
// layout): a BlockHandle locates a block, every block is followed by a
// 5-byte trailer (compression type + checksum), and the file ends in a
// fixed-size Footer. ReadBlock fetches one block, verifies its trailer and
// uncompresses it.
//
// Thread safety: plain values; ReadBlock may be called concurrently on one
// file (RandomAccessFile is safe for concurrent use).

#ifndef O3LSM_LSM_TABLE_FORMAT_H_
#define O3LSM_LSM_TABLE_FORMAT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "o3lsm/env.h"
#include "o3lsm/options.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm {

// Every block is followed by: 1 byte CompressionType, fixed32 checksum.
inline constexpr size_t kBlockTrailerSize = 5;

// The on-disk format this code writes by default, stored in the footer.
// Version 2 index entries carry their block's first user key and are keyed
// by the block's last key (docs/sst_format.md, "Index block"); this code
// reads versions kOldestTableFormatVersion through kTableFormatVersion.
inline constexpr uint32_t kTableFormatVersion = 2;
inline constexpr uint32_t kOldestTableFormatVersion = 1;

// The last 8 bytes of every SST file: "o3lsmSST" in file order.
inline constexpr uint64_t kTableMagicNumber = 0x5453536d736c336full;

// Where a block lives in the file. size excludes the block trailer.
struct BlockHandle {
  // The longest varint encoding: two varint64s.
  static constexpr size_t kMaxEncodedLength = 20;

  uint64_t offset = 0;
  uint64_t size = 0;

  BlockHandle() = default;
  BlockHandle(uint64_t o, uint64_t s) : offset(o), size(s) {}

  // Appends offset and size as varint64s.
  void EncodeTo(std::string* dst) const;
  // Consumes a varint-encoded handle from the front of *input. Fails on a
  // truncated or overlong varint, or when offset + size overflows.
  [[nodiscard]] Status DecodeFrom(Slice* input);

  // True if the block and its trailer lie within [begin, end) of the file.
  bool FitsIn(uint64_t begin, uint64_t end) const {
    return offset >= begin && offset <= end && size <= end - offset &&
           end - offset - size >= kBlockTrailerSize;
  }
};

// The fixed-size end of every SST file. The metadata region
// [metadata_start, footer offset) holds the filter, properties and index
// blocks, so that a reader gets all of them with the footer in one read of
// the file's tail.
struct Footer {
  static constexpr size_t kEncodedLength = 72;

  uint64_t metadata_start = 0;
  BlockHandle filter;  // size 0: the table has no filter
  BlockHandle properties;
  BlockHandle index;
  uint32_t format_version = kTableFormatVersion;

  // Appends exactly kEncodedLength bytes. footer_offset (the file offset the
  // footer is written at) seeds the footer's checksum.
  void EncodeTo(uint64_t footer_offset, std::string* dst) const;

  // Decodes and verifies kEncodedLength bytes read at footer_offset of
  // fname: magic number, checksum, format version, and that every handle
  // lies in the metadata region.
  [[nodiscard]] Status DecodeFrom(const Slice& input, uint64_t footer_offset,
                                  const std::string& fname);
};

// Bytes of one block, in memory.
struct BlockContents {
  Slice data;
  // Set when data points into this heap buffer, which BlockContents then
  // owns; null when data points into memory owned by someone else (a
  // memory-mapped file, a table's metadata buffer).
  std::unique_ptr<char[]> heap;

  bool owns_memory() const { return heap != nullptr; }
};

// Reads the block at handle from file (named fname in errors), checks its
// trailer when verify_checksum is set, and uncompresses it.
// REQUIRES: handle was checked against the file's size (BlockHandle::FitsIn),
//           since ReadBlock allocates handle.size bytes before reading.
// On success, result->data stays valid while file and *result live.
[[nodiscard]] Status ReadBlock(const RandomAccessFile* file,
                               const std::string& fname,
                               const BlockHandle& handle, bool verify_checksum,
                               BlockContents* result);

// The checksum stored in a block's trailer: covers the block_size bytes at
// block_and_type and the type byte that directly follows them. Seeded with the
// block's offset so that correct bytes read from the wrong offset fail
// verification.
uint32_t BlockChecksum(const char* block_and_type, size_t block_size,
                       uint64_t block_offset);

// True if the trailer after the block_size bytes at block holds the right
// checksum. REQUIRES: block_size + kBlockTrailerSize bytes are readable.
bool BlockChecksumMatches(const char* block, size_t block_size,
                          uint64_t block_offset);

// A block as a file stores it: its bytes, a type byte, and the trailer
// checksum seeded with offset. What a BlockCacheTier keeps.
std::string StoredBlock(const Slice& contents, CompressionType type,
                        uint64_t offset);
// The inverse for the n + kBlockTrailerSize bytes at stored, as ReadBlock
// does for a file: verifies the trailer, then copies or uncompresses.
// Corruption naming fname and offset otherwise.
[[nodiscard]] Status BlockFromStored(const std::string& fname, uint64_t offset,
                                     const char* stored, size_t n,
                                     BlockContents* result);

// "at offset N": how errors name a position in a file.
std::string AtOffset(uint64_t offset);

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_FORMAT_H_
