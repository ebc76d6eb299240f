// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/db_options.h"

#include "o3lsm/env.h"
#include "o3lsm/statistics.h"
#include "tools/bench/cluster_profile.h"
#include "util/throttled_env.h"

#include <algorithm>
#include <cctype>

namespace o3lsm::bench {
namespace {

std::string Lower(const std::string& s) {
  std::string r = s;
  for (char& c : r)
    c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace

Status MakeDbSettings(const BenchFlags& f, DbSettings* out) {
  DbSettings s;
  Options& o = s.options;
  o.create_if_missing = !f.use_existing_db;
  o.write_buffer_size = static_cast<size_t>(f.write_buffer_size);
  o.max_write_buffer_number = f.max_write_buffer_number;
  o.allow_concurrent_memtable_write = f.allow_concurrent_memtable_write;
  o.memtable_bloom_size_ratio = f.memtable_bloom_size_ratio;
  o.allow_mmap_reads = f.mmap_read;
  o.block_size = static_cast<size_t>(f.block_size);
  o.block_restart_interval = f.block_restart_interval;
  if (f.bloom_bits >= 0) o.bloom_bits_per_key = f.bloom_bits;
  o.block_cache_size = static_cast<size_t>(f.cache_size);
  if (f.open_files > 0) o.max_open_files = f.open_files;
  o.num_levels = f.num_levels;
  o.level0_file_num_compaction_trigger = f.level0_file_num_compaction_trigger;
  o.seek_compaction_bytes_per_seek = f.seek_compaction_bytes_per_seek;
  o.level0_slowdown_writes_trigger = f.level0_slowdown_writes_trigger;
  o.level0_stop_writes_trigger = f.level0_stop_writes_trigger;
  o.max_bytes_for_level_base = f.max_bytes_for_level_base;
  o.max_bytes_for_level_multiplier = f.max_bytes_for_level_multiplier;
  o.target_file_size_base = static_cast<uint64_t>(f.target_file_size_base);
  o.delayed_write_rate = f.delayed_write_rate;
  o.disable_auto_compactions = f.disable_auto_compactions;

  const int jobs = std::max(1, f.max_background_jobs);
  int flushes = f.max_background_flushes;
  int compactions = f.max_background_compactions;
  if (flushes < 0 && compactions < 0) {
    flushes = std::max(1, jobs / 4);
    compactions = std::max(1, jobs - flushes);
  } else if (flushes < 0) {
    flushes = std::max(1, jobs - compactions);
  } else if (compactions < 0) {
    compactions = std::max(1, jobs - flushes);
  }
  o.max_background_flushes = std::max(1, flushes);
  o.max_background_compactions = std::max(1, compactions);
  o.max_subcompactions = std::max(1, f.subcompactions);
  if (f.statistics) o.statistics = CreateDBStatistics();
  o.stats_dump_period_sec = static_cast<unsigned int>(
      std::min<uint64_t>(f.stats_dump_period_sec, UINT32_MAX));

  const std::string type = Lower(f.compression_type);
  if (type == "none" || type == "no") {
    o.compression = CompressionType::kNone;
    s.compression_name = "NoCompression";
  } else if (type == "zstd") {
    o.compression = CompressionType::kZstd;
    s.compression_name = "ZSTD";
  } else if (type == "lz4") {
    o.compression = CompressionType::kLz4;
    s.compression_name = "LZ4";
  } else if (type == "snappy") {
    o.compression = CompressionType::kSnappy;
    s.compression_name = "Snappy";
  } else if (type == "zlib" || type == "bzip2" || type == "lz4hc" ||
             type == "xpress") {
    o.compression = CompressionType::kNone;
    s.compression_name = "NoCompression";
    s.warnings.push_back(type +
                         " compression is not available in o3lsm; using "
                         "none (pass --compression_type=none, snappy, zstd "
                         "or lz4)");
  } else {
    return Status::InvalidArgument("Cannot parse compression type '" +
                                   f.compression_type + "'");
  }
  if (f.compression_level != 32767) o.compression_level = f.compression_level;

  // Disaggregation (docs/offload.md).
  Status os = ParseOffloadLayers(f.offload, &o.offload);
  if (!os.ok()) return Status::InvalidArgument("--offload", os.message());
  if (f.shards > 0) o.memtable_shards = f.shards;
  o.dm_write_buffer_budget = static_cast<uint64_t>(std::max<int64_t>(0, f.dm_budget));
  o.dm_segment_size = static_cast<size_t>(std::max<int64_t>(0, f.dm_segment_size));
  Status ls = ParseSegmentLayout(f.dm_segment_layout, &o.dm_segment_layout);
  if (!ls.ok()) return Status::InvalidArgument("--dm_segment_layout", ls.message());
  o.embedded_workers = f.embedded_workers;
  Status ms = ParseDmReadMode(f.dm_read_mode, &o.dm_read_mode);
  if (!ms.ok()) return Status::InvalidArgument("--dm_read_mode", ms.message());
  o.embedded_search_threads = f.embedded_search_threads;
  o.dm_key_cache_bytes = f.dm_key_cache_bytes;
  o.dm_block_cache_size = static_cast<uint64_t>(std::max<int64_t>(0, f.dm_block_cache_size));
  o.dm_pool = f.dm_pool;
  if (o.dm_pool.empty() && f.cluster_workers <= 0) {
    // An embedded pool, charged what the fabric model says.
    const std::string query = FabricModelQuery(f);
    if (!query.empty()) o.dm_pool = "emulated:?" + query;
  }
  StorageModel storage;
  storage.latency_us = static_cast<uint64_t>(std::max<int64_t>(0, f.storage_latency_us));
  storage.bandwidth_bytes_per_sec =
      static_cast<uint64_t>(std::max<int64_t>(0, f.storage_bandwidth_mbps)) << 20;
  if (storage.enabled()) {
    s.storage_env = std::make_shared<ThrottledEnv>(Env::Default(), storage);
    o.env = s.storage_env.get();
  }

  // o3lsm verifies every block it reads from storage whatever this says
  // (as RocksDB's default does); its verify_checksums re-verifies blocks
  // used in place from mapped tables on every use, which RocksDB has no
  // counterpart of, so it stays off for a like-for-like run.
  s.read_options.verify_checksums = false;
  s.write_options.sync = f.sync;
  s.write_options.disable_wal = f.disable_wal;
  *out = std::move(s);
  return Status::OK();
}

}  // namespace o3lsm::bench
