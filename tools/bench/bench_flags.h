// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// BenchFlags holds every command-line flag of o3lsm-bench. Names, types and
// defaults are RocksDB db_bench's (7.8), so that one command line runs
// against both tools; the o3lsm-only flags (--json, --progress, --ycsb_*)
// have names db_bench does not use.
//
// The flags are gflags (defined in bench_flags.cc, with db_bench's names,
// defaults and help texts), so the syntax is db_bench's own: "--flag=value"
// or "-flag=value", "--flag value" for non-booleans, "--flag" and
// "--noflag" for booleans, --flagfile=FILE, --undefok=a,b. db_bench flags
// with no meaning here are accepted with a warning (ignored_flags.h).
// BenchFlags is the rest of the tool's view of them: a plain struct filled
// from the parsed values, which the profile may adjust before the run.
//
// Thread safety: BenchFlags is a plain struct; ParseBenchFlags writes it and
// gflags' global flag values, and is not thread-safe.

#ifndef O3LSM_TOOLS_BENCH_BENCH_FLAGS_H_
#define O3LSM_TOOLS_BENCH_BENCH_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "o3lsm/status.h"
#include "tools/bench/mixgraph.h"

namespace o3lsm::bench {

// The benchmarks run when --benchmarks is not given: db_bench's default list
// restricted to what o3lsm-bench implements, in db_bench's order.
inline constexpr const char kDefaultBenchmarks[] =
    "fillseq,fillsync,fillrandom,overwrite,readrandom,seekrandom,readseq,"
    "readreverse,compact,flush,waitforcompaction,readseq,readreverse,"
    "readwhilewriting,readrandomwriterandom,updaterandom";

struct BenchFlags {
  // ---- What to run ----
  std::string benchmarks = kDefaultBenchmarks;
  int64_t num = 1000000;
  int64_t reads = -1;    // -1: num
  int64_t writes = -1;   // -1: num
  int64_t deletes = -1;  // -1: num
  int32_t threads = 1;
  int32_t duration = 0;  // seconds; 0: the counts decide
  int64_t seed = 0;      // 0: derived from the time
  int32_t key_size = 16;
  int32_t value_size = 100;
  double compression_ratio = 0.5;
  int64_t batch_size = 1;
  int32_t seek_nexts = 0;
  int64_t max_scan_distance = 0;  // 0: seekrandom scans unbounded
  int64_t range_tombstone_width = 100;
  int32_t readwritepercent = 90;
  uint64_t benchmark_write_rate_limit = 0;  // bytes/s, all writers; 0: none
  uint64_t benchmark_read_rate_limit = 0;   // reads/s, all readers; 0: none

  // ---- mixgraph: --mix_*_ratio, --key_dist_*, --keyrange_*, --value_*,
  // --iter_*, --sine_* (db_bench's names and defaults; see mixgraph.h) ----
  MixGraphParams mixgraph;

  // ---- Database and reporting ----
  std::string db;  // "": /tmp/o3lsmtest-<uid>/dbbench
  bool use_existing_db = false;
  bool histogram = false;
  bool statistics = false;
  uint64_t stats_dump_period_sec = 600;
  bool progress_reports = true;  // accepted; see --progress
  int64_t stats_interval_seconds = 0;
  int64_t report_interval_seconds = 0;
  std::string report_file = "report.csv";

  // ---- Engine options (db_bench names and defaults) ----
  std::string compression_type = "snappy";
  int32_t compression_level = 32767;  // 32767: the library's default
  bool disable_wal = false;
  bool sync = false;
  bool verify_checksum = true;
  int64_t write_buffer_size = 64ll << 20;
  int32_t max_write_buffer_number = 2;
  bool allow_concurrent_memtable_write = true;
  double memtable_bloom_size_ratio = 0.02;
  bool mmap_read = true;
  int64_t cache_size = 8ll << 20;
  int32_t bloom_bits = -1;  // -1: o3lsm's default
  int32_t block_size = 4096;
  int32_t block_restart_interval = 16;
  int32_t open_files = -1;  // -1 or 0: o3lsm's default
  int32_t level0_file_num_compaction_trigger = 4;
  uint64_t seek_compaction_bytes_per_seek = 1024;
  int32_t level0_slowdown_writes_trigger = 20;
  int32_t level0_stop_writes_trigger = 36;
  uint64_t max_bytes_for_level_base = 256ull << 20;
  double max_bytes_for_level_multiplier = 10;
  int64_t target_file_size_base = 64ll << 20;
  int32_t num_levels = 7;
  int32_t max_background_jobs = 2;
  int32_t max_background_compactions = -1;  // -1: derived from _jobs
  int32_t subcompactions = 4;
  int32_t max_background_flushes = -1;      // -1: derived from _jobs
  bool disable_auto_compactions = false;
  uint64_t delayed_write_rate = 8388608;

  // ---- o3lsm-only ----
  std::string json;      // write every figure of the run to this file
  bool progress = true;  // live progress line when stdout is a terminal
  std::string ycsb_insertorder = "hashed";  // hashed | ordered
  int32_t ycsb_max_scan_length = 100;
  double ycsb_zipfian_constant = 0.99;

  // ---- o3lsm: disaggregation (docs/offload.md) ----
  std::string offload = "none";  // none | memtable,flush,compaction | all
  int32_t shards = -1;           // memtable shards; -1: the engine default
  std::string dm_pool;           // Fabric URI; "": embedded (or the cluster's)
  int64_t dm_budget = 0;         // bytes of DM for memtables; 0: default
  int64_t dm_segment_size = 0;   // shard memtable size with offload; 0: default
  std::string dm_segment_layout = "arena";  // arena | sorted
  int32_t embedded_workers = 1;  // worker threads of an embedded pool
  std::string dm_read_mode = "adaptive";  // adaptive | one-sided | delegated
  int32_t embedded_search_threads = 1;    // search threads, embedded pool
  int32_t search_threads = 1;
  int64_t dm_key_cache_bytes = -1;  // -1: engine default; 0: none
  int64_t dm_block_cache_size = 0;  // 0: none
  std::string read_key_dist = "uniform";  // uniform | zipfian  // --profile=disagg: the memory node's
  std::string profile;           // "" | disagg
  int64_t fabric_latency_ns = -1;     // -1: profile value (else 0)
  double fabric_bandwidth_gbps = -1;  // -1: profile value (else unlimited)
  int64_t storage_latency_us = -1;    // -1: profile value (else 0)
  int64_t storage_bandwidth_mbps = -1;  // -1: profile value (else unlimited)
  std::string cn_cpus;      // pin this process (the compute node)
  std::string worker_cpus;  // pin the memory node and workers
  int32_t cluster_workers = -1;  // >0: start a local cluster of N workers
  std::string cluster_transport = "shm";  // shm | ofi
  int32_t worker_threads = 1;    // executor threads per worker process

  // Not a flag: the ignored db_bench flags the command line set, for the
  // warning (ignored_flags.h).
  std::vector<std::string> ignored_db_bench_flags;
};

// Parses argv[1..argc) with gflags and fills *flags from the flag values
// (every field is overwritten). Sets *help_requested for --help, -h or
// --helpfull anywhere before "--" (and parses nothing). On an unknown flag,
// a malformed value or a missing argument gflags prints its message
// ("ERROR: unknown command line flag 'x'", "ERROR: illegal value 'abc'
// specified for int64 flag 'num'") and exits with status 1, as db_bench
// does; a positional argument is InvalidArgument.
[[nodiscard]] Status ParseBenchFlags(int argc, const char* const* argv,
                                     BenchFlags* flags, bool* help_requested);

// Checks values that parse but make no sense (--threads=0, a
// --compression_ratio outside (0, 1], --key_size < 1, mixgraph ratios that
// sum to 0, ...). Benchmark names are checked by BenchmarkRunner::Start.
[[nodiscard]] Status ValidateBenchFlags(const BenchFlags& flags);

// "--help": every flag with its type, default and description, then the
// ignored db_bench flags with the reason each is ignored.
std::string BenchFlagsHelp();

// Every flag as (name, current value printed as on the command line), in
// the order of --help; the JSON report records them.
std::vector<std::pair<std::string, std::string>> BenchFlagValues(
    const BenchFlags& flags);

// One entry of --benchmarks: "readrandom[X3-W1]" is name "readrandom",
// repeat 3, warmup 1.
struct BenchmarkSpec {
  std::string name;
  int repeat = 1;
  int warmup = 0;
};

// Splits a --benchmarks list; empty entries are skipped like db_bench does.
// Fails on a malformed "[...]" suffix.
[[nodiscard]] Status ParseBenchmarkList(const std::string& list,
                                        std::vector<BenchmarkSpec>* specs);

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_BENCH_FLAGS_H_
