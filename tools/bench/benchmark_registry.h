// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The table of benchmarks o3lsm-bench knows: for each name, the thread
// body, whether it starts from a fresh database, which flag gives its
// operation count, and how its message reads. Meta-benchmarks (stats,
// flush, waitforcompaction, levelstats, sstables) have no thread body; the
// runner performs them itself. YCSB workloads are "ycsbload" and "ycsba" ..
// "ycsbf".
//
// Thread safety: the table is immutable.

#ifndef O3LSM_TOOLS_BENCH_BENCHMARK_REGISTRY_H_
#define O3LSM_TOOLS_BENCH_BENCHMARK_REGISTRY_H_

#include <string>
#include <vector>

#include "tools/bench/bench_stats.h"
#include "tools/bench/workloads.h"

namespace o3lsm::bench {

// Which count bounds a benchmark's operations per thread.
enum class OpsFrom {
  kWrites,      // --writes, or --num
  kReads,       // --reads, or --num
  kDeletes,     // --deletes, or --num
  kReadWrites,  // --num if neither --reads nor --writes, else the larger
  kNone,        // not counted (compact)
};

enum class MetaOp { kNone, kStats, kLevelStats, kSstables, kFlush, kWait };

struct BenchmarkDef {
  const char* name;
  WorkloadFn fn;  // null for meta-benchmarks
  MetaOp meta = MetaOp::kNone;
  bool fresh_db = false;
  OpsFrom ops = OpsFrom::kReads;
  // Key range and default count are --num / this (fillsync, fill100K).
  int num_divisor = 1;
  bool force_sync = false;         // fillsync
  int value_size_override = 0;     // fill100K: 100000
  int key_size_delta = 0;          // readmissing: keys one byte too long
  bool background_writer = false;  // readwhilewriting: +1 writer thread
  bool ycsb_load = false;
  bool ycsb_run = false;
  bool duration_bounded = true;  // --duration applies
};

// The definition for name, or null. YCSB names resolve too.
const BenchmarkDef* FindBenchmark(const std::string& name);

// Names of every benchmark, for error messages and docs.
std::vector<std::string> BenchmarkNames();

// db_bench's message for a result ("(X of Y found)\n", "( updates:N
// found:M)", ...), from the summed counters. key_range is --num divided by
// num_divisor, which fillsync and fill100K show ("(1000 ops)").
std::string BenchmarkMessage(const BenchmarkDef& def, const BenchResult& r,
                             int64_t key_range);

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_BENCHMARK_REGISTRY_H_
