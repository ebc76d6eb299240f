// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/format.h"

#include <cstring>

#include "lsm/table/compression.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

Status BlockHandle::DecodeFrom(Slice* input) {
  if (!GetVarint64(input, &offset) || !GetVarint64(input, &size)) {
    return Status::Corruption("bad block handle");
  }
  if (offset + size < offset) {
    return Status::Corruption("block handle overflows: offset " +
                              std::to_string(offset) + " size " +
                              std::to_string(size));
  }
  return Status::OK();
}

namespace {

// Byte positions inside the footer; docs/sst_format.md draws the same table.
constexpr size_t kMetadataStartPos = 0;
constexpr size_t kFilterPos = 8;
constexpr size_t kPropertiesPos = 24;
constexpr size_t kIndexPos = 40;
constexpr size_t kVersionPos = 56;
constexpr size_t kChecksumPos = 60;
constexpr size_t kMagicPos = 64;
static_assert(kMagicPos + 8 == Footer::kEncodedLength);

void PutFixedHandle(char* dst, const BlockHandle& h) {
  EncodeFixed64(dst, h.offset);
  EncodeFixed64(dst + 8, h.size);
}

BlockHandle GetFixedHandle(const char* src) {
  return BlockHandle(DecodeFixed64(src), DecodeFixed64(src + 8));
}

}  // namespace

void Footer::EncodeTo(uint64_t footer_offset, std::string* dst) const {
  char buf[kEncodedLength];
  EncodeFixed64(buf + kMetadataStartPos, metadata_start);
  PutFixedHandle(buf + kFilterPos, filter);
  PutFixedHandle(buf + kPropertiesPos, properties);
  PutFixedHandle(buf + kIndexPos, index);
  EncodeFixed32(buf + kVersionPos, format_version);
  EncodeFixed32(buf + kChecksumPos,
                Checksum32(buf, kChecksumPos, footer_offset));
  EncodeFixed64(buf + kMagicPos, kTableMagicNumber);
  dst->append(buf, kEncodedLength);
}

Status Footer::DecodeFrom(const Slice& input, uint64_t footer_offset,
                          const std::string& fname) {
  if (input.size() != kEncodedLength) {
    return Status::Corruption(
        fname, "footer " + AtOffset(footer_offset) + " is truncated");
  }
  const char* p = input.data();
  // The magic first: a foreign file deserves "not an SST", not "bad
  // checksum".
  if (DecodeFixed64(p + kMagicPos) != kTableMagicNumber) {
    return Status::Corruption(fname,
                              "not an o3lsm SST file (bad magic number " +
                                  AtOffset(footer_offset + kMagicPos) + ")");
  }
  if (DecodeFixed32(p + kChecksumPos) !=
      Checksum32(p, kChecksumPos, footer_offset)) {
    return Status::Corruption(
        fname, "footer checksum mismatch " + AtOffset(footer_offset));
  }
  format_version = DecodeFixed32(p + kVersionPos);
  if (format_version < kOldestTableFormatVersion ||
      format_version > kTableFormatVersion) {
    return Status::NotSupported(
        fname, "SST format_version " + std::to_string(format_version) +
                   " (this build reads versions " +
                   std::to_string(kOldestTableFormatVersion) + " to " +
                   std::to_string(kTableFormatVersion) + ")");
  }
  metadata_start = DecodeFixed64(p + kMetadataStartPos);
  filter = GetFixedHandle(p + kFilterPos);
  properties = GetFixedHandle(p + kPropertiesPos);
  index = GetFixedHandle(p + kIndexPos);

  auto bad = [&](const char* what, const BlockHandle& h) {
    return Status::Corruption(
        fname, "footer " + AtOffset(footer_offset) + ": " + what +
                   " handle (offset " + std::to_string(h.offset) + ", size " +
                   std::to_string(h.size) + ") outside the metadata region [" +
                   std::to_string(metadata_start) + ", " +
                   std::to_string(footer_offset) + ")");
  };
  if (metadata_start > footer_offset) {
    return bad("metadata start", BlockHandle(metadata_start, 0));
  }
  if (filter.size != 0 && !filter.FitsIn(metadata_start, footer_offset)) {
    return bad("filter", filter);
  }
  if (!properties.FitsIn(metadata_start, footer_offset)) {
    return bad("properties", properties);
  }
  if (!index.FitsIn(metadata_start, footer_offset)) {
    return bad("index", index);
  }
  return Status::OK();
}

uint32_t BlockChecksum(const char* block_and_type, size_t block_size,
                       uint64_t block_offset) {
  return Checksum32(block_and_type, block_size + 1, block_offset);
}

bool BlockChecksumMatches(const char* block, size_t block_size,
                          uint64_t block_offset) {
  return DecodeFixed32(block + block_size + 1) ==
         BlockChecksum(block, block_size, block_offset);
}

std::string AtOffset(uint64_t offset) {
  return "at offset " + std::to_string(offset);
}

namespace {

// Reads of blocks up to this size land in a stack buffer first. For a
// memory-mapped file, Read returns a pointer into the mapping and ignores
// scratch, so a heap scratch buffer would be allocated only to be freed; for
// a pread file, the copy out of the stack buffer costs far less than the
// system call. Larger blocks are read straight into their heap buffer.
constexpr size_t kStackScratchSize = 16 * 1024;

}  // namespace

namespace {

// The compressed block of n bytes at data, uncompressed into result.
Status Uncompress(const std::string& fname, uint64_t offset,
                  CompressionType type, const char* data, size_t n,
                  BlockContents* result) {
  size_t uncompressed_size = 0;
  std::string error;
  if (!UncompressBlock(type, Slice(data, n), &result->heap, &uncompressed_size,
                       &error)) {
    return Status::Corruption(fname,
                              "block " + AtOffset(offset) + ": " + error);
  }
  result->data = Slice(result->heap.get(), uncompressed_size);
  return Status::OK();
}

}  // namespace

Status ReadBlock(const RandomAccessFile* file, const std::string& fname,
                 const BlockHandle& handle, bool verify_checksum,
                 BlockContents* result) {
  result->data = Slice();
  result->heap.reset();
  if (handle.size > kMaxUncompressedBlockSize) {
    // Larger than any block a builder writes: a damaged handle, and reading
    // it would allocate without bound.
    return Status::Corruption(fname,
                              "block " + AtOffset(handle.offset) + " claims " +
                                  std::to_string(handle.size) + " bytes");
  }
  const size_t n = static_cast<size_t>(handle.size);
  const size_t read_size = n + kBlockTrailerSize;

  char stack_scratch[kStackScratchSize];
  std::unique_ptr<char[]> heap_scratch;
  char* scratch = stack_scratch;
  if (read_size > kStackScratchSize) {
    heap_scratch.reset(new char[read_size]);
    scratch = heap_scratch.get();
  }

  Slice contents;
  Status s = file->Read(handle.offset, read_size, &contents, scratch);
  if (!s.ok()) return s;
  if (contents.size() != read_size) {
    return Status::Corruption(
        fname, "truncated block read " + AtOffset(handle.offset) + ": got " +
                   std::to_string(contents.size()) + " of " +
                   std::to_string(read_size) + " bytes");
  }

  const char* data = contents.data();
  if (verify_checksum) {
    if (!BlockChecksumMatches(data, n, handle.offset)) {
      return Status::Corruption(
          fname, "block checksum mismatch " + AtOffset(handle.offset));
    }
  }

  const auto type = static_cast<CompressionType>(data[n]);
  if (type == CompressionType::kNone) {
    if (data == heap_scratch.get()) {
      result->heap = std::move(heap_scratch);
    } else if (data == stack_scratch) {
      result->heap.reset(new char[n == 0 ? 1 : n]);
      memcpy(result->heap.get(), data, n);
      data = result->heap.get();
    }
    // Otherwise data points into the file's own storage (a mapping), valid
    // as long as the file: no copy.
    result->data = Slice(data, n);
    return Status::OK();
  }

  return Uncompress(fname, handle.offset, type, data, n, result);
}

std::string StoredBlock(const Slice& contents, CompressionType type,
                        uint64_t offset) {
  std::string out(contents.data(), contents.size());
  out.push_back(static_cast<char>(type));
  char trailer[4];
  EncodeFixed32(trailer, BlockChecksum(out.data(), contents.size(), offset));
  out.append(trailer, 4);
  return out;
}

Status BlockFromStored(const std::string& fname, uint64_t offset,
                       const char* stored, size_t n, BlockContents* result) {
  result->data = Slice();
  result->heap.reset();
  if (!BlockChecksumMatches(stored, n, offset)) {
    return Status::Corruption(fname,
                              "block checksum mismatch " + AtOffset(offset));
  }
  const auto type = static_cast<CompressionType>(stored[n]);
  if (type == CompressionType::kNone) {
    result->heap.reset(new char[n == 0 ? 1 : n]);
    memcpy(result->heap.get(), stored, n);
    result->data = Slice(result->heap.get(), n);
    return Status::OK();
  }
  return Uncompress(fname, offset, type, stored, n, result);
}

}  // namespace o3lsm
