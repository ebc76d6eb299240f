// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TableOptions: how SST files are built and read. A plain struct, cheap to
// include; TableOptionsFrom derives it from the database's Options.
//
// Thread safety: a value; the block cache it points to is thread-safe.

#ifndef O3LSM_LSM_TABLE_TABLE_OPTIONS_H_
#define O3LSM_LSM_TABLE_TABLE_OPTIONS_H_

#include <cstddef>

#include "o3lsm/options.h"

#include "lsm/table/format.h"

namespace o3lsm {

class BlockCacheTier;
class Cache;
class Statistics;

struct TableOptions {
  // Approximate uncompressed size of a data block. Default: 4096.
  size_t block_size = 4096;

  // Entries between restart points in data blocks. Default: 16.
  int block_restart_interval = 16;

  // Bloom filter bits per key; 0 or less builds no filter. Default: 10.
  int bloom_bits_per_key = 10;

  // Compression of data blocks (metadata blocks are never compressed).
  // Default: kNone.
  CompressionType compression = CompressionType::kNone;

  // zstd level (lz4 ignores it). Default: 3.
  int compression_level = 3;

  // Cache of uncompressed data blocks shared by tables; nullptr reads every
  // block from the file. Not owned; must outlive every Table using it.
  // Default: nullptr.
  Cache* block_cache = nullptr;

  // A second tier below block_cache (e.g. a block cache in DM): blocks the
  // cache misses are looked up there before storage, and blocks read from
  // storage are kept there. Not owned; must outlive every Table using it.
  // Default: nullptr.
  BlockCacheTier* block_tier = nullptr;

  // Tables are opened through memory mappings (Env::NewRandomAccessFile)
  // rather than with pread alone (Env::NewUnmappedRandomAccessFile).
  // Default: true.
  bool allow_mmap_reads = true;

  // The SST format written: kTableFormatVersion, or 1 for a table that
  // builds before version 2 can read (its index has no first keys, so a
  // bounded scan may read one block past a bound). Values outside the
  // readable range are clamped. Default: kTableFormatVersion.
  uint32_t format_version = kTableFormatVersion;

  // Where block cache hits and misses and bloom filter outcomes are
  // counted (Options::statistics); nullptr: nowhere. Not owned; must
  // outlive every Table using it. Default: nullptr.
  Statistics* statistics = nullptr;
};

// The SST settings of options, reading through block_cache (may be null).
inline TableOptions TableOptionsFrom(const Options& options,
                                     Cache* block_cache,
                                     BlockCacheTier* block_tier = nullptr) {
  TableOptions t;
  t.block_size = options.block_size;
  t.block_restart_interval = options.block_restart_interval;
  t.bloom_bits_per_key = options.bloom_bits_per_key;
  t.compression = options.compression;
  t.compression_level = options.compression_level;
  t.block_cache = block_cache;
  t.block_tier = block_tier;
  t.allow_mmap_reads = options.allow_mmap_reads;
  t.statistics = options.statistics.get();
  return t;
}

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_TABLE_OPTIONS_H_
