// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/bench_flags.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <gflags/gflags.h>
#include <limits>
#include <string_view>

#include "tools/bench/ignored_flags.h"

// The flags, with db_bench's names, defaults and help texts. BenchFlags
// repeats the defaults; BenchFlags.ParsedDefaultsMatchTheStruct pins them
// together.
DEFINE_string(
    benchmarks, o3lsm::bench::kDefaultBenchmarks,
    "Comma-separated list of benchmarks to run in order; a name may end "
    "in [Xn-Wm] (repeat n times after m warm-ups). See docs/bench.md.");
DEFINE_int64(num, 1000000, "Number of key/values to place in database");
DEFINE_int64(reads, -1,
             "Number of read operations to do. If negative, do --num reads.");
DEFINE_int64(writes, -1,
             "Number of write operations to do. If negative, do --num writes.");
DEFINE_int64(
    deletes, -1,
    "Number of delete operations to do. If negative, do --num deletions.");
DEFINE_int32(threads, 1, "Number of concurrent threads to run.");
DEFINE_int32(
    duration, 0,
    "Time in seconds for the random-ops tests to run. When 0 then num & "
    "reads determine the test duration");
DEFINE_int64(
    seed, 0,
    "Seed base for random number generators. When 0 it is derived from "
    "the current time.");
DEFINE_int32(key_size, 16, "size of each key");
DEFINE_int32(value_size, 100, "Size of each value");
DEFINE_double(
    compression_ratio, 0.5,
    "Arrange to generate values that shrink to this fraction of their "
    "original size after compression");
DEFINE_int64(batch_size, 1, "Batch size");
DEFINE_int32(seek_nexts, 0,
             "How many times to call Next() after Seek() in seekrandom");
DEFINE_int64(max_scan_distance, 0,
             "Used to define iterate_upper_bound in seekrandom when value is "
             "nonzero: the key this many keys after the one sought");
DEFINE_int64(range_tombstone_width, 100,
             "Number of keys each DeleteRange of deleterange covers");
DEFINE_int32(readwritepercent, 90,
             "Ratio of reads to reads/writes (expressed as percentage) for the "
             "ReadRandomWriteRandom workload.");
DEFINE_uint64(
    benchmark_write_rate_limit, 0,
    "Bytes per second that the writers of a write benchmark may write "
    "together (readwhilewriting: its one writer); 0: unlimited");
DEFINE_uint64(benchmark_read_rate_limit, 0,
              "Reads per second that the readers of readrandom, "
              "multireadrandom and seekrandom (and of readwhilewriting and "
              "seekrandomwhilewriting) may do together; 0: unlimited");
DEFINE_double(mix_get_ratio, 1.0, "mixgraph: share of operations that are Get");
DEFINE_double(mix_put_ratio, 0.0, "mixgraph: share of operations that are Put");
DEFINE_double(
    mix_seek_ratio, 0.0,
    "mixgraph: share of operations that are Seek plus Next x scan length");
DEFINE_int64(mix_max_scan_len, 10000, "mixgraph: longest scan, in Next calls");
DEFINE_int64(mix_max_value_size, 1024, "mixgraph: largest value, in bytes");
DEFINE_double(key_dist_a, 0.0,
              "a of mixgraph's power-law key access within a key range, "
              "key = (u / a)^(1 / b) (0: uniform)");
DEFINE_double(key_dist_b, 0.0,
              "b of mixgraph's power-law key access within a key range, "
              "key = (u / a)^(1 / b) (0: uniform)");
DEFINE_int64(keyrange_num, 1,
             "Key ranges mixgraph splits --num into; each range gets a share "
             "of accesses by --keyrange_dist_* and draws keys by --key_dist_*");
DEFINE_double(keyrange_dist_a, 0.0,
              "a of the share of accesses each mixgraph key range gets, "
              "a*exp(b*x) + c*exp(d*x) for range x (all 0: even)");
DEFINE_double(keyrange_dist_b, 0.0,
              "b of the share of accesses each mixgraph key range gets, "
              "a*exp(b*x) + c*exp(d*x) for range x (all 0: even)");
DEFINE_double(keyrange_dist_c, 0.0,
              "c of the share of accesses each mixgraph key range gets, "
              "a*exp(b*x) + c*exp(d*x) for range x (all 0: even)");
DEFINE_double(keyrange_dist_d, 0.0,
              "d of the share of accesses each mixgraph key range gets, "
              "a*exp(b*x) + c*exp(d*x) for range x (all 0: even)");
DEFINE_double(value_theta, 0.0,
              "theta of the generalized Pareto distribution of value sizes: "
              "x = theta + sigma * (u^-k - 1) / k");
DEFINE_double(value_k, 0.2615,
              "k of the generalized Pareto distribution of value sizes: "
              "x = theta + sigma * (u^-k - 1) / k");
DEFINE_double(value_sigma, 25.45,
              "sigma of the generalized Pareto distribution of value sizes: "
              "x = theta + sigma * (u^-k - 1) / k");
DEFINE_double(
    iter_theta, 0.0,
    "theta of the generalized Pareto distribution of mixgraph scan lengths: "
    "x = theta + sigma * (u^-k - 1) / k");
DEFINE_double(
    iter_k, 2.517,
    "k of the generalized Pareto distribution of mixgraph scan lengths: "
    "x = theta + sigma * (u^-k - 1) / k");
DEFINE_double(
    iter_sigma, 14.236,
    "sigma of the generalized Pareto distribution of mixgraph scan lengths: "
    "x = theta + sigma * (u^-k - 1) / k");
DEFINE_bool(sine_mix_rate, false,
            "mixgraph: vary the rate of operations as a sine of time");
DEFINE_uint64(sine_mix_rate_interval_milliseconds, 10000,
              "mixgraph: how often the sine-shaped rate is recomputed");
DEFINE_double(sine_mix_rate_noise, 0.0,
              "mixgraph: each recomputed sine rate is scaled by a factor "
              "drawn evenly from [1 - noise, 1 + noise]; in [0, 1]");
DEFINE_double(sine_a, 1,
              "mixgraph: rate, ops/s = sine_a * sin(sine_b * t + sine_c) + "
              "sine_d, t in seconds");
DEFINE_double(sine_b, 1,
              "mixgraph: rate, ops/s = sine_a * sin(sine_b * t + sine_c) + "
              "sine_d, t in seconds");
DEFINE_double(sine_c, 0,
              "mixgraph: rate, ops/s = sine_a * sin(sine_b * t + sine_c) + "
              "sine_d, t in seconds");
DEFINE_double(sine_d, 1,
              "mixgraph: rate, ops/s = sine_a * sin(sine_b * t + sine_c) + "
              "sine_d, t in seconds");
DEFINE_string(db, "",
              "Use the db with the following name. Empty: "
              "/tmp/o3lsmtest-<uid>/dbbench");
DEFINE_bool(
    use_existing_db, false,
    "If true, do not destroy the existing database. Benchmarks that want "
    "a fresh database are then skipped.");
DEFINE_bool(histogram, false, "Print histogram of operation timings");
DEFINE_bool(statistics, false,
            "Database statistics (Options::statistics): their tickers and "
            "histograms are printed at the end of the run as db_bench prints "
            "them");
DEFINE_uint64(stats_dump_period_sec, 600,
              "Write the database's stats into its LOG this often (0: never)");
DEFINE_bool(progress_reports, true,
            "Accepted for db_bench compatibility; the live progress line is "
            "--progress");
DEFINE_int64(stats_interval_seconds, 0,
             "Report ops and ops/second to stderr every N seconds (0: never)");
DEFINE_int64(report_interval_seconds, 0,
             "If greater than zero, write secs_elapsed,interval_qps to "
             "--report_file every N seconds");
DEFINE_string(report_file, "report.csv",
              "Filename where the interval CSV is written");
DEFINE_string(
    compression_type, "snappy",
    "Algorithm to use to compress the database: none, snappy, zstd, lz4 "
    "(zlib, bzip2, lz4hc, xpress fall back to none with a warning)");
DEFINE_int32(compression_level, 32767,
             "Compression level; 32767 means the library's default");
DEFINE_bool(disable_wal, false, "If true, do not write WAL for write.");
DEFINE_bool(sync, false, "Sync all writes to disk");
DEFINE_bool(verify_checksum, true,
            "Verify checksum for every block read from storage (o3lsm always "
            "does, so false changes nothing)");
DEFINE_int64(write_buffer_size, 64ll << 20,
             "Number of bytes to buffer in memtable before compacting");
DEFINE_int32(max_write_buffer_number, 2, "The number of in-memory memtables.");
DEFINE_bool(allow_concurrent_memtable_write, true,
            "Writers of a commit group insert their own batches in parallel");
DEFINE_double(memtable_bloom_size_ratio, 0.02,
              "Bytes of each memtable's whole-key bloom filter as a fraction "
              "of its size; 0 means none, at most 0.25 (o3lsm's default is "
              "0.02, db_bench's 0)");
DEFINE_bool(mmap_read, true,
            "Read tables through memory mappings (o3lsm's default is true, "
            "db_bench's false)");
DEFINE_int64(cache_size, 8ll << 20,
             "Number of bytes to use as a cache of uncompressed data");
DEFINE_int32(bloom_bits, -1,
             "Bloom filter bits per key. Negative means use default. Zero "
             "disables.");
DEFINE_int32(block_size, 4096, "Number of bytes in a block.");
DEFINE_int32(
    block_restart_interval, 16,
    "Number of keys between restart points for delta encoding of keys in "
    "data blocks.");
DEFINE_int32(
    open_files, -1,
    "Maximum number of files to keep open at the same time (use default "
    "if <= 0)");
DEFINE_int32(level0_file_num_compaction_trigger, 4,
             "Number of files in level-0 when compactions start.");
DEFINE_uint64(seek_compaction_bytes_per_seek, 1024,
              "o3lsm: read-triggered compaction and flush. A file is "
              "compacted once iterator seeks that passed through it and "
              "other sorted runs number its size / this; the memtables are "
              "flushed once seeks made while no write grew them number "
              "their size / this (0: off; see Options)");
DEFINE_int32(level0_slowdown_writes_trigger, 20,
             "Number of files in level-0 that will slow down writes.");
DEFINE_int32(level0_stop_writes_trigger, 36,
             "Number of files in level-0 that will trigger put stop.");
DEFINE_uint64(max_bytes_for_level_base, 256ull << 20, "Max bytes for level-1");
DEFINE_double(max_bytes_for_level_multiplier, 10,
              "A multiplier to compute max bytes for level-N (N >= 2)");
DEFINE_int64(target_file_size_base, 64ll << 20, "Target file size at level-1");
DEFINE_int32(num_levels, 7, "The total number of levels");
DEFINE_int32(max_background_jobs, 2,
             "The maximum number of concurrent background jobs");
DEFINE_int32(max_background_compactions, -1,
             "The maximum number of concurrent background compactions (-1: "
             "derived from max_background_jobs)");
DEFINE_int32(
    subcompactions, 4,
    "Sub-jobs an offloaded compaction splits into at most, by key range "
    "(1: none)");
DEFINE_int32(max_background_flushes, -1,
             "The maximum number of concurrent background flushes (-1: derived "
             "from max_background_jobs)");
DEFINE_bool(disable_auto_compactions, false, "Do not auto trigger compactions");
DEFINE_uint64(delayed_write_rate, 8388608,
              "Bytes per second allowed while writes are slowed down");
DEFINE_string(json, "",
              "[o3lsm] Write every figure of the run to this file as JSON");
DEFINE_bool(
    progress, true,
    "[o3lsm] Show a live progress line (ops, ops/s, ETA) when stdout is "
    "a terminal");
DEFINE_string(ycsb_insertorder, "hashed",
              "[o3lsm] YCSB key order: hashed (FNV-1a of the record number, as "
              "YCSB) or ordered (the record number itself)");
DEFINE_int32(ycsb_max_scan_length, 100,
             "[o3lsm] Longest YCSB-E scan; lengths are uniform in [1, this]");
DEFINE_string(read_key_dist, "uniform",
              "[o3lsm] Keys readrandom, multireadrandom and seekrandom pick: "
              "uniform, or zipfian (YCSB's scrambled zipfian, "
              "--ycsb_zipfian_constant)");
DEFINE_double(ycsb_zipfian_constant, 0.99,
              "[o3lsm] Skew of the YCSB zipfian request distributions");
DEFINE_string(
    offload, "none",
    "[o3lsm] Work moved off this compute node: none, or a comma list of "
    "memtable, flush, compaction (or all)");
DEFINE_int32(
    shards, -1,
    "[o3lsm] Key-range shards of the write buffer (-1: engine default)");
DEFINE_string(
    dm_pool, "",
    "[o3lsm] DM pool URI (docs/fabric.md); empty: an embedded pool, or "
    "the local cluster's");
DEFINE_int64(
    dm_budget, 0,
    "[o3lsm] Bytes of DM the memtables may use (0: 8 x write_buffer_size)");
DEFINE_int64(
    dm_segment_size, 0,
    "[o3lsm] With memtable offload, bytes a shard memtable holds before "
    "it moves into DM (0: engine default, 2 MiB)");
DEFINE_string(
    dm_segment_layout, "arena",
    "[o3lsm] How a sealed memtable lies in DM: arena (its arena bytes, "
    "one bulk copy) or sorted (a skiplist rebuilt in key order)");
DEFINE_int32(
    embedded_workers, 1,
    "[o3lsm] Worker threads running offloaded jobs with an embedded pool");
DEFINE_string(
    dm_read_mode, "adaptive",
    "[o3lsm] How lookups read DM segments: adaptive, one-sided (bloom and "
    "fences here, one-sided reads), delegated (the memory node searches "
    "in place) or cached (the key-offset cache, misses delegated)");
DEFINE_int64(dm_key_cache_bytes, -1,
             "[o3lsm] Bytes of the key-offset cache of DM reads (-1: "
             "write_buffer_size / 16, at least 1 MiB; 0: none)");
DEFINE_int64(dm_block_cache_size, 0,
             "[o3lsm] Bytes of the block cache tier in DM (embedded pool; with "
             "--profile=disagg, the memory node's); tables read with "
             "--mmap_read=false use it. 0: none");
DEFINE_int32(search_threads, 1,
             "[o3lsm] --profile=disagg: threads of the memory node that answer "
             "delegated search (0: none)");
DEFINE_int32(embedded_search_threads, 1,
             "[o3lsm] Threads answering delegated search with an embedded pool "
             "(0: none)");
DEFINE_string(profile, "",
              "[o3lsm] disagg: make this host act like a cluster (fabric and "
              "storage models, CN on --cn_cpus, memory node and workers on "
              "--worker_cpus); each setting is also a flag of its own");
DEFINE_int64(fabric_latency_ns, -1,
             "[o3lsm] Emulated fabric round trip (-1: the profile's, 2000 for "
             "disagg; else 0)");
DEFINE_double(
    fabric_bandwidth_gbps, -1,
    "[o3lsm] Emulated fabric bandwidth, GB/s (-1: the profile's, 12 for "
    "disagg; else unlimited)");
DEFINE_int64(
    storage_latency_us, -1,
    "[o3lsm] Latency added to each storage operation (-1: the profile's, "
    "100 for disagg; else 0)");
DEFINE_int64(
    storage_bandwidth_mbps, -1,
    "[o3lsm] Storage bandwidth, MiB/s, per node (-1: the profile's, 1024 "
    "for disagg; else unlimited)");
DEFINE_string(cn_cpus, "", "[o3lsm] CPUs for this process, e.g. 0 (disagg: 0)");
DEFINE_string(worker_cpus, "",
              "[o3lsm] CPUs for the memory node and workers (disagg: 1)");
DEFINE_int32(cluster_workers, -1,
             "[o3lsm] Start a local cluster (a memory node and N worker "
             "processes, o3lsm-node) for this run (-1: the profile's, 1 for "
             "disagg; else 0, an embedded pool)");
DEFINE_int32(worker_threads, 1, "[o3lsm] Executor threads per worker process");
DEFINE_string(
    cluster_transport, "shm",
    "[o3lsm] How the local cluster's nodes reach the pool: shm (one "
    "/dev/shm pool, with the fabric model) or ofi (the memory node "
    "exports it over loopback TCP through libfabric, as separate hosts "
    "would; no model)");

namespace o3lsm::bench {
namespace {

enum class FlagType { kBool, kInt32, kInt64, kUint64, kDouble, kString };

const char* TypeName(FlagType t) {
  switch (t) {
    case FlagType::kBool:
      return "bool";
    case FlagType::kInt32:
      return "int32";
    case FlagType::kInt64:
      return "int64";
    case FlagType::kUint64:
      return "uint64";
    case FlagType::kDouble:
      return "double";
    case FlagType::kString:
      return "string";
  }
  return "?";
}

// One flag bound to its field in a BenchFlags.
struct FlagRef {
  const char* name;
  FlagType type;
  void* field;
};

// Every flag of BenchFlags bound to its field, in --help order. The gflags
// definitions above carry the defaults and help texts; this table carries
// where each value lands, for the parse and for the JSON report.
std::vector<FlagRef> BindFlags(BenchFlags* f) {
  using T = FlagType;
  return {
      {"benchmarks", T::kString, &f->benchmarks},
      {"num", T::kInt64, &f->num},
      {"reads", T::kInt64, &f->reads},
      {"writes", T::kInt64, &f->writes},
      {"deletes", T::kInt64, &f->deletes},
      {"threads", T::kInt32, &f->threads},
      {"duration", T::kInt32, &f->duration},
      {"seed", T::kInt64, &f->seed},
      {"key_size", T::kInt32, &f->key_size},
      {"value_size", T::kInt32, &f->value_size},
      {"compression_ratio", T::kDouble, &f->compression_ratio},
      {"batch_size", T::kInt64, &f->batch_size},
      {"seek_nexts", T::kInt32, &f->seek_nexts},
      {"max_scan_distance", T::kInt64, &f->max_scan_distance},
      {"range_tombstone_width", T::kInt64, &f->range_tombstone_width},
      {"readwritepercent", T::kInt32, &f->readwritepercent},
      {"benchmark_write_rate_limit", T::kUint64,
       &f->benchmark_write_rate_limit},
      {"benchmark_read_rate_limit", T::kUint64, &f->benchmark_read_rate_limit},
      {"mix_get_ratio", T::kDouble, &f->mixgraph.get_ratio},
      {"mix_put_ratio", T::kDouble, &f->mixgraph.put_ratio},
      {"mix_seek_ratio", T::kDouble, &f->mixgraph.seek_ratio},
      {"mix_max_scan_len", T::kInt64, &f->mixgraph.max_scan_len},
      {"mix_max_value_size", T::kInt64, &f->mixgraph.max_value_size},
      {"key_dist_a", T::kDouble, &f->mixgraph.key_dist_a},
      {"key_dist_b", T::kDouble, &f->mixgraph.key_dist_b},
      {"keyrange_num", T::kInt64, &f->mixgraph.keyrange_num},
      {"keyrange_dist_a", T::kDouble, &f->mixgraph.keyrange_dist_a},
      {"keyrange_dist_b", T::kDouble, &f->mixgraph.keyrange_dist_b},
      {"keyrange_dist_c", T::kDouble, &f->mixgraph.keyrange_dist_c},
      {"keyrange_dist_d", T::kDouble, &f->mixgraph.keyrange_dist_d},
      {"value_theta", T::kDouble, &f->mixgraph.value_theta},
      {"value_k", T::kDouble, &f->mixgraph.value_k},
      {"value_sigma", T::kDouble, &f->mixgraph.value_sigma},
      {"iter_theta", T::kDouble, &f->mixgraph.iter_theta},
      {"iter_k", T::kDouble, &f->mixgraph.iter_k},
      {"iter_sigma", T::kDouble, &f->mixgraph.iter_sigma},
      {"sine_mix_rate", T::kBool, &f->mixgraph.sine_mix_rate},
      {"sine_mix_rate_interval_milliseconds", T::kUint64,
       &f->mixgraph.sine_interval_millis},
      {"sine_mix_rate_noise", T::kDouble, &f->mixgraph.sine_noise},
      {"sine_a", T::kDouble, &f->mixgraph.sine_a},
      {"sine_b", T::kDouble, &f->mixgraph.sine_b},
      {"sine_c", T::kDouble, &f->mixgraph.sine_c},
      {"sine_d", T::kDouble, &f->mixgraph.sine_d},
      {"db", T::kString, &f->db},
      {"use_existing_db", T::kBool, &f->use_existing_db},
      {"histogram", T::kBool, &f->histogram},
      {"statistics", T::kBool, &f->statistics},
      {"stats_dump_period_sec", T::kUint64, &f->stats_dump_period_sec},
      {"progress_reports", T::kBool, &f->progress_reports},
      {"stats_interval_seconds", T::kInt64, &f->stats_interval_seconds},
      {"report_interval_seconds", T::kInt64, &f->report_interval_seconds},
      {"report_file", T::kString, &f->report_file},
      {"compression_type", T::kString, &f->compression_type},
      {"compression_level", T::kInt32, &f->compression_level},
      {"disable_wal", T::kBool, &f->disable_wal},
      {"sync", T::kBool, &f->sync},
      {"verify_checksum", T::kBool, &f->verify_checksum},
      {"write_buffer_size", T::kInt64, &f->write_buffer_size},
      {"max_write_buffer_number", T::kInt32, &f->max_write_buffer_number},
      {"allow_concurrent_memtable_write", T::kBool,
       &f->allow_concurrent_memtable_write},
      {"memtable_bloom_size_ratio", T::kDouble,
       &f->memtable_bloom_size_ratio},
      {"mmap_read", T::kBool, &f->mmap_read},
      {"cache_size", T::kInt64, &f->cache_size},
      {"bloom_bits", T::kInt32, &f->bloom_bits},
      {"block_size", T::kInt32, &f->block_size},
      {"block_restart_interval", T::kInt32, &f->block_restart_interval},
      {"open_files", T::kInt32, &f->open_files},
      {"level0_file_num_compaction_trigger", T::kInt32,
       &f->level0_file_num_compaction_trigger},
      {"seek_compaction_bytes_per_seek", T::kUint64,
       &f->seek_compaction_bytes_per_seek},
      {"level0_slowdown_writes_trigger", T::kInt32,
       &f->level0_slowdown_writes_trigger},
      {"level0_stop_writes_trigger", T::kInt32, &f->level0_stop_writes_trigger},
      {"max_bytes_for_level_base", T::kUint64, &f->max_bytes_for_level_base},
      {"max_bytes_for_level_multiplier", T::kDouble,
       &f->max_bytes_for_level_multiplier},
      {"target_file_size_base", T::kInt64, &f->target_file_size_base},
      {"num_levels", T::kInt32, &f->num_levels},
      {"max_background_jobs", T::kInt32, &f->max_background_jobs},
      {"max_background_compactions", T::kInt32, &f->max_background_compactions},
      {"subcompactions", T::kInt32, &f->subcompactions},
      {"max_background_flushes", T::kInt32, &f->max_background_flushes},
      {"disable_auto_compactions", T::kBool, &f->disable_auto_compactions},
      {"delayed_write_rate", T::kUint64, &f->delayed_write_rate},
      {"json", T::kString, &f->json},
      {"progress", T::kBool, &f->progress},
      {"ycsb_insertorder", T::kString, &f->ycsb_insertorder},
      {"ycsb_max_scan_length", T::kInt32, &f->ycsb_max_scan_length},
      {"read_key_dist", T::kString, &f->read_key_dist},
      {"ycsb_zipfian_constant", T::kDouble, &f->ycsb_zipfian_constant},
      {"offload", T::kString, &f->offload},
      {"shards", T::kInt32, &f->shards},
      {"dm_pool", T::kString, &f->dm_pool},
      {"dm_budget", T::kInt64, &f->dm_budget},
      {"dm_segment_size", T::kInt64, &f->dm_segment_size},
      {"dm_segment_layout", T::kString, &f->dm_segment_layout},
      {"embedded_workers", T::kInt32, &f->embedded_workers},
      {"dm_read_mode", T::kString, &f->dm_read_mode},
      {"dm_key_cache_bytes", T::kInt64, &f->dm_key_cache_bytes},
      {"dm_block_cache_size", T::kInt64, &f->dm_block_cache_size},
      {"search_threads", T::kInt32, &f->search_threads},
      {"embedded_search_threads", T::kInt32, &f->embedded_search_threads},
      {"profile", T::kString, &f->profile},
      {"fabric_latency_ns", T::kInt64, &f->fabric_latency_ns},
      {"fabric_bandwidth_gbps", T::kDouble, &f->fabric_bandwidth_gbps},
      {"storage_latency_us", T::kInt64, &f->storage_latency_us},
      {"storage_bandwidth_mbps", T::kInt64, &f->storage_bandwidth_mbps},
      {"cn_cpus", T::kString, &f->cn_cpus},
      {"worker_cpus", T::kString, &f->worker_cpus},
      {"cluster_workers", T::kInt32, &f->cluster_workers},
      {"worker_threads", T::kInt32, &f->worker_threads},
      {"cluster_transport", T::kString, &f->cluster_transport},
  };
}

std::string FormatDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "nan";
  return std::string(buf, end);
}

std::string ValueString(const FlagRef& f) {
  switch (f.type) {
    case FlagType::kBool:
      return *static_cast<bool*>(f.field) ? "true" : "false";
    case FlagType::kInt32:
      return std::to_string(*static_cast<int32_t*>(f.field));
    case FlagType::kInt64:
      return std::to_string(*static_cast<int64_t*>(f.field));
    case FlagType::kUint64:
      return std::to_string(*static_cast<uint64_t*>(f.field));
    case FlagType::kDouble:
      return FormatDouble(*static_cast<double*>(f.field));
    case FlagType::kString:
      return *static_cast<std::string*>(f.field);
  }
  return "";
}

bool ParseBool(std::string_view v, bool* out) {
  std::string lower;
  for (char c : v) lower.push_back(static_cast<char>(tolower(c)));
  if (lower == "1" || lower == "true" || lower == "t" || lower == "yes" ||
      lower == "y") {
    *out = true;
    return true;
  }
  if (lower == "0" || lower == "false" || lower == "f" || lower == "no" ||
      lower == "n") {
    *out = false;
    return true;
  }
  return false;
}

// Integers in decimal, or hexadecimal with a 0x prefix, as gflags reads
// them. The whole string must be consumed.
bool ParseSigned(const std::string& v, int64_t lo, int64_t hi, int64_t* out) {
  if (v.empty() || isspace(static_cast<unsigned char>(v[0]))) return false;
  const bool hex = v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
  errno = 0;
  char* end = nullptr;
  const long long r = strtoll(v.c_str(), &end, hex ? 16 : 10);
  if (errno != 0 || end != v.c_str() + v.size()) return false;
  if (r < lo || r > hi) return false;
  *out = r;
  return true;
}

bool ParseUnsigned(const std::string& v, uint64_t* out) {
  if (v.empty() || v[0] == '-' || isspace(static_cast<unsigned char>(v[0]))) {
    return false;
  }
  const bool hex = v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
  errno = 0;
  char* end = nullptr;
  const unsigned long long r = strtoull(v.c_str(), &end, hex ? 16 : 10);
  if (errno != 0 || end != v.c_str() + v.size()) return false;
  *out = r;
  return true;
}

bool ParseFinite(const std::string& v, double* out) {
  if (v.empty() || isspace(static_cast<unsigned char>(v[0]))) return false;
  errno = 0;
  char* end = nullptr;
  const double r = strtod(v.c_str(), &end);
  if (errno != 0 || end != v.c_str() + v.size() || !std::isfinite(r)) {
    return false;
  }
  *out = r;
  return true;
}

Status SetValue(const FlagRef& f, const std::string& value) {
  bool ok = false;
  switch (f.type) {
    case FlagType::kBool:
      ok = ParseBool(value, static_cast<bool*>(f.field));
      break;
    case FlagType::kInt32: {
      int64_t v = 0;
      ok = ParseSigned(value, std::numeric_limits<int32_t>::min(),
                       std::numeric_limits<int32_t>::max(), &v);
      if (ok) *static_cast<int32_t*>(f.field) = static_cast<int32_t>(v);
      break;
    }
    case FlagType::kInt64:
      ok = ParseSigned(value, std::numeric_limits<int64_t>::min(),
                       std::numeric_limits<int64_t>::max(),
                       static_cast<int64_t*>(f.field));
      break;
    case FlagType::kUint64:
      ok = ParseUnsigned(value, static_cast<uint64_t*>(f.field));
      break;
    case FlagType::kDouble:
      ok = ParseFinite(value, static_cast<double*>(f.field));
      break;
    case FlagType::kString:
      *static_cast<std::string*>(f.field) = value;
      ok = true;
      break;
  }
  if (ok) return Status::OK();
  return Status::InvalidArgument("illegal value '" + value +
                                 "' specified for " + TypeName(f.type) +
                                 " flag '" + f.name + "'");
}

bool IsHelpArgument(std::string_view arg) {
  return arg == "--help" || arg == "-help" || arg == "--helpfull" ||
         arg == "-helpfull" || arg == "-h";
}

}  // namespace

Status ParseBenchFlags(int argc, const char* const* argv, BenchFlags* flags,
                       bool* help_requested) {
  *help_requested = false;
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; i++) {
    if (IsHelpArgument(argv[i])) {
      *help_requested = true;
      return Status::OK();
    }
  }
  // gflags rearranges the pointer array, so it gets a copy; the strings
  // stay the caller's.
  std::vector<char*> args;
  for (int i = 0; i < argc; i++) args.push_back(const_cast<char*>(argv[i]));
  args.push_back(nullptr);
  int n = argc;
  char** v = args.data();
  // Handles --flagfile and --undefok; on an unknown flag or a bad value it
  // prints gflags' message and exits with status 1.
  gflags::ParseCommandLineNonHelpFlags(&n, &v, /*remove_flags=*/true);
  // gflags' other reporting flags (--version, --helpshort, --helpmatch=S,
  // ...) print and exit as they do in db_bench, rather than letting the
  // default benchmarks run.
  gflags::HandleCommandLineHelpFlags();
  if (n > 1) {
    return Status::InvalidArgument(std::string("unexpected argument '") + v[1] +
                                   "'");
  }
  for (const FlagRef& f : BindFlags(flags)) {
    std::string value;
    if (!gflags::GetCommandLineOption(f.name, &value)) {
      return Status::Corruption(std::string("flag not defined: ") + f.name);
    }
    Status s = SetValue(f, value);
    if (!s.ok()) return s;
  }
  flags->ignored_db_bench_flags = GivenIgnoredDbBenchFlags();
  return Status::OK();
}

Status ValidateBenchFlags(const BenchFlags& f) {
  auto bad = [](const std::string& what) {
    return Status::InvalidArgument(what);
  };
  if (f.num < 0) return bad("--num must be >= 0");
  if (f.threads < 1) return bad("--threads must be >= 1");
  if (f.duration < 0) return bad("--duration must be >= 0");
  if (f.key_size < 1) return bad("--key_size must be >= 1");
  if (f.value_size < 0) return bad("--value_size must be >= 0");
  if (!(f.compression_ratio > 0 && f.compression_ratio <= 1)) {
    return bad("compression_ratio should be between 0 and 1");
  }
  if (f.batch_size < 1) return bad("--batch_size must be >= 1");
  if (f.seek_nexts < 0) return bad("--seek_nexts must be >= 0");
  if (f.max_scan_distance < 0) return bad("--max_scan_distance must be >= 0");
  if (f.range_tombstone_width < 1) {
    return bad("--range_tombstone_width must be >= 1");
  }
  if (f.readwritepercent < 0 || f.readwritepercent > 100) {
    return bad("--readwritepercent must be in [0, 100]");
  }
  if (f.write_buffer_size < 1) return bad("--write_buffer_size must be > 0");
  if (f.max_write_buffer_number < 1) {
    return bad("--max_write_buffer_number must be >= 1");
  }
  if (f.cache_size < 0) return bad("--cache_size must be >= 0");
  if (f.block_size < 1) return bad("--block_size must be > 0");
  if (f.block_restart_interval < 1) {
    return bad("--block_restart_interval must be > 0");
  }
  if (f.num_levels < 2) return bad("--num_levels must be >= 2");
  if (f.target_file_size_base < 1) {
    return bad("--target_file_size_base must be > 0");
  }
  if (!(f.memtable_bloom_size_ratio >= 0 &&
        f.memtable_bloom_size_ratio <= 0.25)) {
    return bad("--memtable_bloom_size_ratio must be in [0, 0.25]");
  }
  if (f.max_bytes_for_level_multiplier <= 0) {
    return bad("--max_bytes_for_level_multiplier must be > 0");
  }
  if (!f.profile.empty() && f.profile != "disagg") {
    return bad("--profile must be empty or disagg");
  }
  if (f.worker_threads < 1) return bad("--worker_threads must be >= 1");
  if (f.ycsb_insertorder != "hashed" && f.ycsb_insertorder != "ordered") {
    return bad("--ycsb_insertorder must be hashed or ordered, not '" +
               f.ycsb_insertorder + "'");
  }
  if (f.ycsb_max_scan_length < 1) {
    return bad("--ycsb_max_scan_length must be >= 1");
  }
  if (f.cluster_transport != "shm" && f.cluster_transport != "ofi") {
    return bad("--cluster_transport must be shm or ofi, not '" +
               f.cluster_transport + "'");
  }
  if (f.read_key_dist != "uniform" && f.read_key_dist != "zipfian") {
    return bad("--read_key_dist must be uniform or zipfian, not '" +
               f.read_key_dist + "'");
  }
  if (!(f.ycsb_zipfian_constant > 0 && f.ycsb_zipfian_constant < 1)) {
    return bad("--ycsb_zipfian_constant must be in (0, 1)");
  }
  if (f.stats_interval_seconds < 0 || f.report_interval_seconds < 0) {
    return bad("interval flags must be >= 0");
  }
  const MixGraphParams& mix = f.mixgraph;
  if (mix.get_ratio < 0 || mix.put_ratio < 0 || mix.seek_ratio < 0 ||
      mix.get_ratio + mix.put_ratio + mix.seek_ratio <= 0) {
    return bad(
        "--mix_get_ratio, --mix_put_ratio and --mix_seek_ratio must "
        "be >= 0 with a positive sum");
  }
  if (mix.max_scan_len < 0) return bad("--mix_max_scan_len must be >= 0");
  if (mix.max_value_size < 1) {
    return bad("--mix_max_value_size must be >= 1");
  }
  if (mix.keyrange_num < 1) return bad("--keyrange_num must be >= 1");
  if (!(mix.sine_noise >= 0 && mix.sine_noise <= 1)) {
    return bad("--sine_mix_rate_noise must be in [0, 1]");
  }
  if (mix.sine_mix_rate && mix.sine_interval_millis == 0) {
    return bad("--sine_mix_rate_interval_milliseconds must be > 0");
  }
  return Status::OK();
}

std::string BenchFlagsHelp() {
  BenchFlags defaults;
  std::string r =
      "o3lsm-bench: db_bench-compatible benchmark of o3lsm.\n"
      "Usage: o3lsm-bench [--flag=value]...  (also --flag value, --flag, "
      "--noflag, --flagfile=FILE, --undefok=a,b)\n\n";
  auto add = [&r](const gflags::CommandLineFlagInfo& info) {
    r += "  --" + info.name + " (" + info.description + ") type: " + info.type +
         " default: ";
    r += info.type == "string" ? "\"" + info.default_value + "\""
                               : info.default_value;
    r += "\n";
  };
  gflags::CommandLineFlagInfo info;
  for (const FlagRef& f : BindFlags(&defaults)) {
    if (gflags::GetCommandLineFlagInfo(f.name, &info)) add(info);
  }
  r += "\ndb_bench flags accepted and ignored (a warning names them):\n";
  for (const std::string& name : IgnoredDbBenchFlagNames()) {
    if (gflags::GetCommandLineFlagInfo(name.c_str(), &info)) add(info);
  }
  return r;
}

std::vector<std::pair<std::string, std::string>> BenchFlagValues(
    const BenchFlags& flags) {
  BenchFlags copy = flags;
  std::vector<std::pair<std::string, std::string>> r;
  for (const FlagRef& f : BindFlags(&copy)) {
    r.emplace_back(f.name, ValueString(f));
  }
  return r;
}

Status ParseBenchmarkList(const std::string& list,
                          std::vector<BenchmarkSpec>* specs) {
  specs->clear();
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string name = list.substr(start, comma - start);
    start = comma + 1;
    if (name.empty()) continue;
    BenchmarkSpec spec;
    if (name.back() == ']') {
      const size_t open = name.find('[');
      if (open == std::string::npos) {
        return Status::InvalidArgument("unknown benchmark arguments '" + name +
                                       "'");
      }
      const std::string args = name.substr(open + 1, name.size() - open - 2);
      name.resize(open);
      size_t p = 0;
      while (p <= args.size()) {
        size_t dash = args.find('-', p);
        if (dash == std::string::npos) dash = args.size();
        const std::string arg = args.substr(p, dash - p);
        p = dash + 1;
        if (arg.empty()) continue;
        int64_t n = 0;
        if ((arg[0] != 'X' && arg[0] != 'W') ||
            !ParseSigned(arg.substr(1), 0, 1000000, &n) ||
            (arg[0] == 'X' && n < 1)) {
          return Status::InvalidArgument("bad benchmark argument '" + arg +
                                         "' in '" + list + "'");
        }
        if (arg[0] == 'X') {
          spec.repeat = static_cast<int>(n);
        } else {
          spec.warmup = static_cast<int>(n);
        }
      }
    }
    spec.name = name;
    specs->push_back(spec);
  }
  return Status::OK();
}

}  // namespace o3lsm::bench
