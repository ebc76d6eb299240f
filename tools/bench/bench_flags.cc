// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/bench_flags.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>

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
  const char* help;
};

// The single list of flags: --help, parsing and the JSON report all read
// it, so a flag cannot be parsed but missing from the help or the report.
std::vector<FlagRef> BindFlags(BenchFlags* f) {
  using T = FlagType;
  return {
      {"benchmarks", T::kString, &f->benchmarks,
       "Comma-separated list of benchmarks to run in order; a name may end "
       "in [Xn-Wm] (repeat n times after m warm-ups). See docs/bench.md."},
      {"num", T::kInt64, &f->num, "Number of key/values to place in database"},
      {"reads", T::kInt64, &f->reads,
       "Number of read operations to do. If negative, do --num reads."},
      {"writes", T::kInt64, &f->writes,
       "Number of write operations to do. If negative, do --num writes."},
      {"deletes", T::kInt64, &f->deletes,
       "Number of delete operations to do. If negative, do --num deletions."},
      {"threads", T::kInt32, &f->threads,
       "Number of concurrent threads to run."},
      {"duration", T::kInt32, &f->duration,
       "Time in seconds for the random-ops tests to run. When 0 then num & "
       "reads determine the test duration"},
      {"seed", T::kInt64, &f->seed,
       "Seed base for random number generators. When 0 it is derived from "
       "the current time."},
      {"key_size", T::kInt32, &f->key_size, "size of each key"},
      {"value_size", T::kInt32, &f->value_size, "Size of each value"},
      {"compression_ratio", T::kDouble, &f->compression_ratio,
       "Arrange to generate values that shrink to this fraction of their "
       "original size after compression"},
      {"batch_size", T::kInt64, &f->batch_size, "Batch size"},
      {"seek_nexts", T::kInt32, &f->seek_nexts,
       "How many times to call Next() after Seek() in seekrandom"},
      {"max_scan_distance", T::kInt64, &f->max_scan_distance,
       "Used to define iterate_upper_bound in seekrandom when value is "
       "nonzero: the key this many keys after the one sought"},
      {"range_tombstone_width", T::kInt64, &f->range_tombstone_width,
       "Number of keys each DeleteRange of deleterange covers"},
      {"readwritepercent", T::kInt32, &f->readwritepercent,
       "Ratio of reads to reads/writes (expressed as percentage) for the "
       "ReadRandomWriteRandom workload."},
      {"db", T::kString, &f->db,
       "Use the db with the following name. Empty: "
       "/tmp/o3lsmtest-<uid>/dbbench"},
      {"use_existing_db", T::kBool, &f->use_existing_db,
       "If true, do not destroy the existing database. Benchmarks that want "
       "a fresh database are then skipped."},
      {"histogram", T::kBool, &f->histogram,
       "Print histogram of operation timings"},
      {"statistics", T::kBool, &f->statistics,
       "Print the o3lsm.stats property at the end of the run"},
      {"progress_reports", T::kBool, &f->progress_reports,
       "Accepted for db_bench compatibility; the live progress line is "
       "--progress"},
      {"stats_interval_seconds", T::kInt64, &f->stats_interval_seconds,
       "Report ops and ops/second to stderr every N seconds (0: never)"},
      {"report_interval_seconds", T::kInt64, &f->report_interval_seconds,
       "If greater than zero, write secs_elapsed,interval_qps to "
       "--report_file every N seconds"},
      {"report_file", T::kString, &f->report_file,
       "Filename where the interval CSV is written"},
      {"compression_type", T::kString, &f->compression_type,
       "Algorithm to use to compress the database: none, zstd, lz4 (snappy "
       "and other RocksDB-only types fall back to none with a warning)"},
      {"compression_level", T::kInt32, &f->compression_level,
       "Compression level; 32767 means the library's default"},
      {"disable_wal", T::kBool, &f->disable_wal,
       "If true, do not write WAL for write."},
      {"sync", T::kBool, &f->sync, "Sync all writes to disk"},
      {"verify_checksum", T::kBool, &f->verify_checksum,
       "Verify checksum for every block read from storage (o3lsm always "
       "does, so false changes nothing)"},
      {"write_buffer_size", T::kInt64, &f->write_buffer_size,
       "Number of bytes to buffer in memtable before compacting"},
      {"max_write_buffer_number", T::kInt32, &f->max_write_buffer_number,
       "The number of in-memory memtables."},
      {"allow_concurrent_memtable_write", T::kBool,
       &f->allow_concurrent_memtable_write,
       "Writers of a commit group insert their own batches in parallel"},
      {"mmap_read", T::kBool, &f->mmap_read,
       "Read tables through memory mappings (o3lsm's default is true, "
       "db_bench's false)"},
      {"cache_size", T::kInt64, &f->cache_size,
       "Number of bytes to use as a cache of uncompressed data"},
      {"bloom_bits", T::kInt32, &f->bloom_bits,
       "Bloom filter bits per key. Negative means use default. Zero "
       "disables."},
      {"block_size", T::kInt32, &f->block_size, "Number of bytes in a block."},
      {"block_restart_interval", T::kInt32, &f->block_restart_interval,
       "Number of keys between restart points for delta encoding of keys in "
       "data blocks."},
      {"open_files", T::kInt32, &f->open_files,
       "Maximum number of files to keep open at the same time (use default "
       "if <= 0)"},
      {"level0_file_num_compaction_trigger", T::kInt32,
       &f->level0_file_num_compaction_trigger,
       "Number of files in level-0 when compactions start."},
      {"level0_slowdown_writes_trigger", T::kInt32,
       &f->level0_slowdown_writes_trigger,
       "Number of files in level-0 that will slow down writes."},
      {"level0_stop_writes_trigger", T::kInt32, &f->level0_stop_writes_trigger,
       "Number of files in level-0 that will trigger put stop."},
      {"max_bytes_for_level_base", T::kUint64, &f->max_bytes_for_level_base,
       "Max bytes for level-1"},
      {"max_bytes_for_level_multiplier", T::kDouble,
       &f->max_bytes_for_level_multiplier,
       "A multiplier to compute max bytes for level-N (N >= 2)"},
      {"target_file_size_base", T::kInt64, &f->target_file_size_base,
       "Target file size at level-1"},
      {"num_levels", T::kInt32, &f->num_levels, "The total number of levels"},
      {"max_background_jobs", T::kInt32, &f->max_background_jobs,
       "The maximum number of concurrent background jobs"},
      {"max_background_compactions", T::kInt32, &f->max_background_compactions,
       "The maximum number of concurrent background compactions (-1: "
       "derived from max_background_jobs)"},
      {"subcompactions", T::kInt32, &f->subcompactions,
       "Sub-jobs an offloaded compaction splits into at most, by key range "
       "(1: none)"},
      {"max_background_flushes", T::kInt32, &f->max_background_flushes,
       "The maximum number of concurrent background flushes (-1: derived "
       "from max_background_jobs)"},
      {"disable_auto_compactions", T::kBool, &f->disable_auto_compactions,
       "Do not auto trigger compactions"},
      {"delayed_write_rate", T::kUint64, &f->delayed_write_rate,
       "Bytes per second allowed while writes are slowed down"},
      {"json", T::kString, &f->json,
       "[o3lsm] Write every figure of the run to this file as JSON"},
      {"progress", T::kBool, &f->progress,
       "[o3lsm] Show a live progress line (ops, ops/s, ETA) when stdout is "
       "a terminal"},
      {"ycsb_insertorder", T::kString, &f->ycsb_insertorder,
       "[o3lsm] YCSB key order: hashed (FNV-1a of the record number, as "
       "YCSB) or ordered (the record number itself)"},
      {"ycsb_max_scan_length", T::kInt32, &f->ycsb_max_scan_length,
       "[o3lsm] Longest YCSB-E scan; lengths are uniform in [1, this]"},
      {"read_key_dist", T::kString, &f->read_key_dist,
       "[o3lsm] Keys readrandom, multireadrandom and seekrandom pick: "
       "uniform, or zipfian (YCSB's scrambled zipfian, "
       "--ycsb_zipfian_constant)"},
      {"ycsb_zipfian_constant", T::kDouble, &f->ycsb_zipfian_constant,
       "[o3lsm] Skew of the YCSB zipfian request distributions"},
      {"offload", T::kString, &f->offload,
       "[o3lsm] Work moved off this compute node: none, or a comma list of "
       "memtable, flush, compaction (or all)"},
      {"shards", T::kInt32, &f->shards,
       "[o3lsm] Key-range shards of the write buffer (-1: engine default)"},
      {"dm_pool", T::kString, &f->dm_pool,
       "[o3lsm] DM pool URI (docs/fabric.md); empty: an embedded pool, or "
       "the local cluster's"},
      {"dm_budget", T::kInt64, &f->dm_budget,
       "[o3lsm] Bytes of DM the memtables may use (0: 8 x write_buffer_size)"},
      {"dm_segment_size", T::kInt64, &f->dm_segment_size,
       "[o3lsm] With memtable offload, bytes a shard memtable holds before "
       "it moves into DM (0: engine default, 2 MiB)"},
      {"dm_segment_layout", T::kString, &f->dm_segment_layout,
       "[o3lsm] How a sealed memtable lies in DM: arena (its arena bytes, "
       "one bulk copy) or sorted (a skiplist rebuilt in key order)"},
      {"embedded_workers", T::kInt32, &f->embedded_workers,
       "[o3lsm] Worker threads running offloaded jobs with an embedded pool"},
      {"dm_read_mode", T::kString, &f->dm_read_mode,
       "[o3lsm] How lookups read DM segments: adaptive, one-sided (bloom and "
       "fences here, one-sided reads), delegated (the memory node searches "
       "in place) or cached (the key-offset cache, misses delegated)"},
      {"dm_key_cache_bytes", T::kInt64, &f->dm_key_cache_bytes,
       "[o3lsm] Bytes of the key-offset cache of DM reads (-1: "
       "write_buffer_size / 16, at least 1 MiB; 0: none)"},
      {"dm_block_cache_size", T::kInt64, &f->dm_block_cache_size,
       "[o3lsm] Bytes of the block cache tier in DM (embedded pool; with "
       "--profile=disagg, the memory node's); tables read with "
       "--mmap_read=false use it. 0: none"},
      {"search_threads", T::kInt32, &f->search_threads,
       "[o3lsm] --profile=disagg: threads of the memory node that answer "
       "delegated search (0: none)"},
      {"embedded_search_threads", T::kInt32, &f->embedded_search_threads,
       "[o3lsm] Threads answering delegated search with an embedded pool "
       "(0: none)"},
      {"profile", T::kString, &f->profile,
       "[o3lsm] disagg: make this host act like a cluster (fabric and "
       "storage models, CN on --cn_cpus, memory node and workers on "
       "--worker_cpus); each setting is also a flag of its own"},
      {"fabric_latency_ns", T::kInt64, &f->fabric_latency_ns,
       "[o3lsm] Emulated fabric round trip (-1: the profile's, 2000 for "
       "disagg; else 0)"},
      {"fabric_bandwidth_gbps", T::kDouble, &f->fabric_bandwidth_gbps,
       "[o3lsm] Emulated fabric bandwidth, GB/s (-1: the profile's, 12 for "
       "disagg; else unlimited)"},
      {"storage_latency_us", T::kInt64, &f->storage_latency_us,
       "[o3lsm] Latency added to each storage operation (-1: the profile's, "
       "100 for disagg; else 0)"},
      {"storage_bandwidth_mbps", T::kInt64, &f->storage_bandwidth_mbps,
       "[o3lsm] Storage bandwidth, MiB/s, per node (-1: the profile's, 1024 "
       "for disagg; else unlimited)"},
      {"cn_cpus", T::kString, &f->cn_cpus,
       "[o3lsm] CPUs for this process, e.g. 0 (disagg: 0)"},
      {"worker_cpus", T::kString, &f->worker_cpus,
       "[o3lsm] CPUs for the memory node and workers (disagg: 1)"},
      {"cluster_workers", T::kInt32, &f->cluster_workers,
       "[o3lsm] Start a local cluster (a memory node and N worker "
       "processes, o3lsm-node) for this run (-1: the profile's, 1 for "
       "disagg; else 0, an embedded pool)"},
      {"worker_threads", T::kInt32, &f->worker_threads,
       "[o3lsm] Executor threads per worker process"},
      {"cluster_transport", T::kString, &f->cluster_transport,
       "[o3lsm] How the local cluster's nodes reach the pool: shm (one "
       "/dev/shm pool, with the fabric model) or ofi (the memory node "
       "exports it over loopback TCP through libfabric, as separate hosts "
       "would; no model)"},
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

const FlagRef* Find(const std::vector<FlagRef>& flags, std::string_view name) {
  for (const FlagRef& f : flags) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace

Status ParseBenchFlags(int argc, const char* const* argv, BenchFlags* flags,
                       bool* help_requested) {
  *help_requested = false;
  const std::vector<FlagRef> refs = BindFlags(flags);
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      if (i + 1 < argc) {
        return Status::InvalidArgument(std::string("unexpected argument '") +
                                       argv[i + 1] + "'");
      }
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      return Status::InvalidArgument("unexpected argument '" +
                                     std::string(arg) + "'");
    }
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    const size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const bool has_value = eq != std::string_view::npos;
    if (!has_value && (name == "help" || name == "helpfull" || name == "h")) {
      *help_requested = true;
      return Status::OK();
    }

    const FlagRef* f = Find(refs, name);
    if (f == nullptr) {
      // "--noflag" clears a boolean, as in gflags.
      if (!has_value && name.substr(0, 2) == "no") {
        const FlagRef* target = Find(refs, name.substr(2));
        if (target != nullptr && target->type == FlagType::kBool) {
          *static_cast<bool*>(target->field) = false;
          continue;
        }
        if (target != nullptr) {
          return Status::InvalidArgument(
              "boolean value (" + std::string(name) + ") specified for " +
              TypeName(target->type) + " command line flag");
        }
      }
      return Status::InvalidArgument("unknown command line flag '" +
                                     std::string(name) + "'");
    }
    if (has_value) {
      Status s = SetValue(*f, std::string(arg.substr(eq + 1)));
      if (!s.ok()) return s;
    } else if (f->type == FlagType::kBool) {
      *static_cast<bool*>(f->field) = true;
    } else if (i + 1 < argc) {
      Status s = SetValue(*f, argv[++i]);
      if (!s.ok()) return s;
    } else {
      return Status::InvalidArgument("flag '--" + std::string(name) +
                                     "' is missing its argument; flag "
                                     "description: " +
                                     f->help);
    }
  }
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
  return Status::OK();
}

std::string BenchFlagsHelp() {
  BenchFlags defaults;
  std::string r =
      "o3lsm-bench: db_bench-compatible benchmark of o3lsm.\n"
      "Usage: o3lsm-bench [--flag=value]...  (also --flag value, --flag, "
      "--noflag)\n\n";
  for (const FlagRef& f : BindFlags(&defaults)) {
    r += "  --";
    r += f.name;
    r += " (";
    r += f.help;
    r += ") type: ";
    r += TypeName(f.type);
    r += " default: ";
    if (f.type == FlagType::kString) {
      r += "\"" + ValueString(f) + "\"";
    } else {
      r += ValueString(f);
    }
    r += "\n";
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
