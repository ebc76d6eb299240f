// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Per-block compression of SST data blocks with zstd, lz4 or snappy. A compressed
// block is stored as
//   varint32 uncompressed length | compressor output
// so that the reader allocates the exact output size up front with any
// compressor (a raw lz4 block does not record its length).
//
// Thread safety: a BlockCompressor is used by one thread at a time (it keeps
// a zstd context between blocks); UncompressBlock may be called
// concurrently (it keeps one zstd context per thread).

#ifndef O3LSM_LSM_TABLE_COMPRESSION_H_
#define O3LSM_LSM_TABLE_COMPRESSION_H_

#include <cstddef>
#include <memory>
#include <string>

#include "o3lsm/options.h"
#include "o3lsm/slice.h"

namespace o3lsm {

// Uncompressed blocks above this size are stored raw, and a compressed block
// claiming more is rejected as corrupt, so that a damaged length cannot make
// the reader allocate without bound.
inline constexpr size_t kMaxUncompressedBlockSize = size_t{1} << 30;

class BlockCompressor {
 public:
  // level: zstd's compression level; lz4 ignores it.
  BlockCompressor(CompressionType type, int level);
  ~BlockCompressor();
  BlockCompressor(const BlockCompressor&) = delete;
  BlockCompressor& operator=(const BlockCompressor&) = delete;

  CompressionType type() const { return type_; }

  // Replaces *out with the compressed form of raw. Returns false if the
  // compressor failed or raw is too large; the caller then stores raw.
  bool Compress(const Slice& raw, std::string* out);

 private:
  const CompressionType type_;
  const int level_;
  void* zstd_cctx_ = nullptr;  // ZSTD_CCtx*, created on first use
};

// Uncompresses a block stored with type. On success *out owns exactly the
// uncompressed bytes. On failure returns false and sets *error to a short
// reason ("bad zstd data", "unknown compression type 7", ...).
bool UncompressBlock(CompressionType type, const Slice& stored,
                     std::unique_ptr<char[]>* out, size_t* out_size,
                     std::string* error);

// "none", "zstd", "lz4", "snappy", or "unknown(N)".
std::string CompressionTypeName(CompressionType type);
// The inverse for the four known names (exact, lower case); false for any
// other name.
bool ParseCompressionTypeName(const std::string& name, CompressionType* type);

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_COMPRESSION_H_
