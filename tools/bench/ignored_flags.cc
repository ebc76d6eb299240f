// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/ignored_flags.h"

#include <algorithm>
#include <gflags/gflags.h>
#include <string_view>

// The table of ignored flags: db_bench's name, type and default, and why
// o3lsm-bench ignores it. Every help text starts with kIgnoredPrefix,
// which is how the functions below find them, so adding a line here is the
// whole change. Types are db_bench's, so that what db_bench rejects is
// rejected here too.
#define O3LSM_IGNORED "Ignored by o3lsm-bench: "

// ---- Storage I/O: o3lsm does its own file I/O ----
DEFINE_uint64(bytes_per_sync, 0,
              O3LSM_IGNORED "o3lsm does not sync table files incrementally");
DEFINE_uint64(wal_bytes_per_sync, 0,
              O3LSM_IGNORED "o3lsm does not sync the WAL incrementally");
DEFINE_bool(use_direct_reads, false,
            O3LSM_IGNORED "o3lsm reads through the page cache or mmap");
DEFINE_bool(use_direct_io_for_flush_and_compaction, false,
            O3LSM_IGNORED "o3lsm writes through the page cache");
DEFINE_int32(writable_file_max_buffer_size, 1024 * 1024,
             O3LSM_IGNORED "o3lsm's file writer sizes its own buffer");
DEFINE_bool(use_fsync, false, O3LSM_IGNORED "o3lsm syncs with fdatasync");
DEFINE_bool(mmap_write, false, O3LSM_IGNORED "o3lsm never writes through mmap");
DEFINE_string(wal_dir, "",
              O3LSM_IGNORED
              "the WAL lives in the database "
              "directory");
DEFINE_uint64(max_total_wal_size, 0,
              O3LSM_IGNORED "o3lsm has one column family, so no WAL limit");
DEFINE_uint64(delete_obsolete_files_period_micros, 0,
              O3LSM_IGNORED
              "o3lsm deletes obsolete files when they become "
              "obsolete");

// ---- Write path and stalls ----
DEFINE_int32(min_write_buffer_number_to_merge, 1,
             O3LSM_IGNORED "o3lsm flushes each memtable on its own");
DEFINE_string(memtablerep, "skip_list",
              O3LSM_IGNORED "o3lsm's memtable is always a skiplist");
DEFINE_bool(enable_pipelined_write, true,
            O3LSM_IGNORED "o3lsm's commit groups are not pipelined");
DEFINE_int32(rate_limit_delay_max_milliseconds, 1000,
             O3LSM_IGNORED
             "o3lsm stalls by --delayed_write_rate and the "
             "level-0 triggers");
DEFINE_uint64(soft_pending_compaction_bytes_limit, 64ull << 30,
              O3LSM_IGNORED
              "o3lsm stalls on level-0 files, not on pending "
              "compaction bytes");
DEFINE_uint64(hard_pending_compaction_bytes_limit, 128ull << 30,
              O3LSM_IGNORED
              "o3lsm stalls on level-0 files, not on pending "
              "compaction bytes");
DEFINE_string(merge_operator, "",
              O3LSM_IGNORED
              "o3lsm has no merge operator (and no merge "
              "benchmarks)");

// ---- LSM shape and compaction ----
DEFINE_bool(level_compaction_dynamic_level_bytes, false,
            O3LSM_IGNORED
            "level sizes are always max_bytes_for_level_base "
            "times the multiplier");
DEFINE_int32(target_file_size_multiplier, 1,
             O3LSM_IGNORED
             "every level's files target "
             "--target_file_size_base");
DEFINE_int32(compaction_style, 0,
             O3LSM_IGNORED "o3lsm only has leveled compaction");
DEFINE_int32(compaction_pri, 3,
             O3LSM_IGNORED "o3lsm picks compaction inputs its own way");
DEFINE_uint64(max_compaction_bytes, 0,
              O3LSM_IGNORED "compactions are sized by the target file size");
DEFINE_int32(min_level_to_compress, -1,
             O3LSM_IGNORED "--compression_type applies to every level");
DEFINE_int32(universal_size_ratio, 0,
             O3LSM_IGNORED "o3lsm has no universal compaction");
DEFINE_int32(universal_min_merge_width, 0,
             O3LSM_IGNORED "o3lsm has no universal compaction");
DEFINE_int32(universal_max_merge_width, 0,
             O3LSM_IGNORED "o3lsm has no universal compaction");
DEFINE_int32(universal_max_size_amplification_percent, 0,
             O3LSM_IGNORED "o3lsm has no universal compaction");
DEFINE_int32(universal_compression_size_percent, -1,
             O3LSM_IGNORED "o3lsm has no universal compaction");
DEFINE_bool(universal_allow_trivial_move, false,
            O3LSM_IGNORED "o3lsm has no universal compaction");

// ---- Table format, filters and block cache ----
DEFINE_int32(format_version, 5,
             O3LSM_IGNORED "o3lsm has one table format (docs/sst_format.md)");
DEFINE_int32(index_type, 0,
             O3LSM_IGNORED "o3lsm has one index: a binary-searched block");
DEFINE_bool(partition_index_and_filters, false,
            O3LSM_IGNORED "o3lsm's index and filter are never partitioned");
DEFINE_bool(partition_index, false,
            O3LSM_IGNORED "o3lsm's index is never partitioned");
DEFINE_bool(optimize_filters_for_hits, false,
            O3LSM_IGNORED "every level has a filter");
DEFINE_bool(whole_key_filtering, true,
            O3LSM_IGNORED "filters always hold whole keys");
DEFINE_bool(use_ribbon_filter, false,
            O3LSM_IGNORED "o3lsm's filters are bloom filters");
DEFINE_bool(cache_index_and_filter_blocks, false,
            O3LSM_IGNORED
            "index and filter blocks stay with the open table, "
            "outside the block cache");
DEFINE_bool(pin_l0_filter_and_index_blocks_in_cache, false,
            O3LSM_IGNORED
            "index and filter blocks are always pinned with the "
            "open table");
DEFINE_bool(pin_top_level_index_and_filter, true,
            O3LSM_IGNORED
            "index and filter blocks are always pinned with the "
            "open table");
DEFINE_int32(cache_numshardbits, 6,
             O3LSM_IGNORED "o3lsm's block cache shards itself");
DEFINE_string(cache_type, "lru_cache",
              O3LSM_IGNORED "o3lsm's block cache is an LRU cache");
DEFINE_double(cache_high_pri_pool_ratio, 0,
              O3LSM_IGNORED "o3lsm's block cache has no priority pools");
DEFINE_int32(prepopulate_block_cache, 0,
             O3LSM_IGNORED "flushes do not fill the block cache");
DEFINE_int32(compression_max_dict_bytes, 0,
             O3LSM_IGNORED "o3lsm compresses without dictionaries");
DEFINE_int64(compression_max_dict_buffer_bytes, 0,
             O3LSM_IGNORED "o3lsm compresses without dictionaries");
DEFINE_int32(compression_zstd_max_train_bytes, 0,
             O3LSM_IGNORED "o3lsm compresses without dictionaries");

// ---- Blob files: o3lsm keeps values in its tables ----
DEFINE_bool(enable_blob_files, false, O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_uint64(min_blob_size, 0, O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_uint64(blob_file_size, 256ull << 20,
              O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_string(blob_compression_type, "none",
              O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_bool(enable_blob_garbage_collection, false,
            O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_double(blob_garbage_collection_age_cutoff, 0.25,
              O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_double(blob_garbage_collection_force_threshold, 1.0,
              O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_uint64(blob_compaction_readahead_size, 0,
              O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_int32(blob_file_starting_level, 0,
             O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_bool(use_shared_block_and_blob_cache, true,
            O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_uint64(blob_cache_size, 8ull << 20,
              O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_int32(blob_cache_numshardbits, 6,
             O3LSM_IGNORED "o3lsm has no blob files");
DEFINE_int32(prepopulate_blob_cache, 0,
             O3LSM_IGNORED "o3lsm has no blob files");

// ---- Reporting and rate limits ----
DEFINE_int32(stats_per_interval, 0,
             O3LSM_IGNORED
             "--stats_interval_seconds reports ops and ops/s "
             "only, never the engine's stats");
DEFINE_int32(perf_level, 1, O3LSM_IGNORED "o3lsm has no perf context");
DEFINE_bool(multiread_batched, false,
            O3LSM_IGNORED
            "multireadrandom always uses o3lsm's batched "
            "MultiGet");

#undef O3LSM_IGNORED

namespace o3lsm::bench {
namespace {

constexpr std::string_view kIgnoredPrefix = "Ignored by o3lsm-bench: ";

bool IsIgnored(const gflags::CommandLineFlagInfo& info) {
  return std::string_view(info.description).substr(0, kIgnoredPrefix.size()) ==
         kIgnoredPrefix;
}

}  // namespace

std::vector<std::string> IgnoredDbBenchFlagNames() {
  std::vector<gflags::CommandLineFlagInfo> all;
  gflags::GetAllFlags(&all);
  std::vector<std::string> names;
  for (const auto& info : all) {
    if (IsIgnored(info)) names.push_back(info.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> GivenIgnoredDbBenchFlags() {
  std::vector<gflags::CommandLineFlagInfo> all;
  gflags::GetAllFlags(&all);
  std::vector<std::string> names;
  for (const auto& info : all) {
    if (IsIgnored(info) && !info.is_default) names.push_back(info.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string IgnoredFlagsWarning(const std::vector<std::string>& given) {
  if (given.empty()) return "";
  std::string r =
      "o3lsm-bench: warning: ignoring db_bench flags with no meaning here: ";
  for (size_t i = 0; i < given.size(); i++) {
    if (i > 0) r += ", ";
    r += "--" + given[i];
  }
  r += "\n";
  return r;
}

}  // namespace o3lsm::bench
