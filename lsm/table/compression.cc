// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/table/compression.h"

#include <lz4.h>
#include <snappy.h>
#include <zstd.h>

#include "util/coding.h"

namespace o3lsm {

BlockCompressor::BlockCompressor(CompressionType type, int level)
    : type_(type), level_(level) {}

BlockCompressor::~BlockCompressor() {
  if (zstd_cctx_ != nullptr) {
    ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_cctx_));
  }
}

bool BlockCompressor::Compress(const Slice& raw, std::string* out) {
  if (raw.size() > kMaxUncompressedBlockSize) return false;
  out->clear();
  PutVarint32(out, static_cast<uint32_t>(raw.size()));
  const size_t header = out->size();
  switch (type_) {
    case CompressionType::kZstd: {
      if (zstd_cctx_ == nullptr) {
        // One context per builder: creating it costs more than compressing
        // a 4 KiB block.
        zstd_cctx_ = ZSTD_createCCtx();
        if (zstd_cctx_ == nullptr) return false;
      }
      out->resize(header + ZSTD_compressBound(raw.size()));
      size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_cctx_),
                                   out->data() + header, out->size() - header,
                                   raw.data(), raw.size(), level_);
      if (ZSTD_isError(n)) return false;
      out->resize(header + n);
      return true;
    }
    case CompressionType::kLz4: {
      const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
      if (bound <= 0) return false;
      out->resize(header + static_cast<size_t>(bound));
      int n = LZ4_compress_default(raw.data(), out->data() + header,
                                   static_cast<int>(raw.size()), bound);
      if (n <= 0) return false;
      out->resize(header + static_cast<size_t>(n));
      return true;
    }
    case CompressionType::kSnappy: {
      out->resize(header + snappy::MaxCompressedLength(raw.size()));
      size_t n = 0;
      snappy::RawCompress(raw.data(), raw.size(), out->data() + header, &n);
      out->resize(header + n);
      return true;
    }
    case CompressionType::kNone:
      break;
  }
  return false;
}

namespace {

struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

// A per-thread context: ZSTD_decompress would allocate and free one (about
// 100 KiB) on every block.
ZSTD_DCtx* ThreadZstdDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> ctx(
      ZSTD_createDCtx());
  return ctx.get();
}

}  // namespace

bool UncompressBlock(CompressionType type, const Slice& stored,
                     std::unique_ptr<char[]>* out, size_t* out_size,
                     std::string* error) {
  if (type != CompressionType::kZstd && type != CompressionType::kLz4 &&
      type != CompressionType::kSnappy) {
    *error =
        "unknown compression type " + std::to_string(static_cast<int>(type));
    return false;
  }
  Slice input = stored;
  uint32_t n = 0;
  if (!GetVarint32(&input, &n) || n > kMaxUncompressedBlockSize) {
    *error =
        "bad uncompressed length in " + CompressionTypeName(type) + " block";
    return false;
  }
  // Not make_unique: it would zero bytes the decompressor overwrites.
  std::unique_ptr<char[]> buf(new char[n == 0 ? 1 : n]);
  if (type == CompressionType::kZstd) {
    ZSTD_DCtx* ctx = ThreadZstdDCtx();
    if (ctx == nullptr) {
      *error = "cannot allocate a zstd context";
      return false;
    }
    size_t r =
        ZSTD_decompressDCtx(ctx, buf.get(), n, input.data(), input.size());
    if (ZSTD_isError(r) || r != n) {
      *error = "bad zstd data";
      return false;
    }
  } else if (type == CompressionType::kSnappy) {
    // The varint in front is ours; snappy's own length must agree with it.
    size_t length = 0;
    if (!snappy::GetUncompressedLength(input.data(), input.size(), &length) ||
        length != n ||
        !snappy::RawUncompress(input.data(), input.size(), buf.get())) {
      *error = "bad snappy data";
      return false;
    }
  } else {
    if (input.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
      *error = "lz4 block too large";
      return false;
    }
    int r = LZ4_decompress_safe(input.data(), buf.get(),
                                static_cast<int>(input.size()),
                                static_cast<int>(n));
    if (r < 0 || static_cast<uint32_t>(r) != n) {
      *error = "bad lz4 data";
      return false;
    }
  }
  *out = std::move(buf);
  *out_size = n;
  return true;
}

std::string CompressionTypeName(CompressionType type) {
  switch (type) {
    case CompressionType::kNone:
      return "none";
    case CompressionType::kZstd:
      return "zstd";
    case CompressionType::kLz4:
      return "lz4";
    case CompressionType::kSnappy:
      return "snappy";
  }
  return "unknown(" + std::to_string(static_cast<int>(type)) + ")";
}

bool ParseCompressionTypeName(const std::string& name, CompressionType* type) {
  for (CompressionType t : {CompressionType::kNone, CompressionType::kZstd,
                            CompressionType::kLz4, CompressionType::kSnappy}) {
    if (name == CompressionTypeName(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

}  // namespace o3lsm
