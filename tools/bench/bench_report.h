// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Reporting beyond the per-benchmark line: db_bench's summary of repeated
// runs ("name [AVG 3 runs] : ...", "[MEDIAN 3 runs]") and the --json
// document with every figure of the run.
//
// JSON layout (see docs/bench.md for every field):
//   { "tool", "version", "date", "seed", "db", "compression", "cpu": {...},
//     "flags": { name: value-as-string, ... },
//     "benchmarks": [ { "name", "run", "warmup", "threads", "ops",
//        "ops_per_sec", "micros_per_op", "mb_per_sec", "seconds", "bytes",
//        "cpu_user_seconds", "cpu_system_seconds", "message",
//        "counters": {...}, "latency_us": { "<type>": { "count", "avg",
//        "stddev", "min", "max", "p50", "p75", "p99", "p99_9", "p99_99" } } },
//       ... ],
//     "process": { "wall_seconds", "cpu_user_seconds", "cpu_system_seconds",
//        "peak_rss_kib" } }
//
// Thread safety: pure functions.

#ifndef O3LSM_TOOLS_BENCH_BENCH_REPORT_H_
#define O3LSM_TOOLS_BENCH_BENCH_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench/bench_flags.h"
#include "tools/bench/bench_stats.h"
#include "tools/bench/system_info.h"

namespace o3lsm::bench {

// One measured (or warm-up) run of one benchmark.
struct BenchRecord {
  BenchResult result;
  int run = 1;  // 1-based index among the repeats
  bool warmup = false;
};

// After the second and later repeat: "name [AVG n runs] : X (± Y) ops/sec;
// Z (± W) MB/sec". final adds the "[AVG    n runs]" and "[MEDIAN n runs]"
// lines db_bench prints once all repeats are done. Empty for fewer than two
// runs. ± is the 95% confidence interval of the mean.
std::string FormatRepeatSummary(const std::string& name,
                                const std::vector<BenchResult>& runs,
                                bool final);

struct RunInfo {
  const BenchFlags* flags = nullptr;
  std::string version;
  std::string date;
  uint64_t seed = 0;
  std::string db_path;
  std::string compression;
  CpuInfo cpu;
  double wall_seconds = 0;
  ProcessUsage usage;
};

std::string BuildJsonReport(const RunInfo& info,
                            const std::vector<BenchRecord>& records);

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_BENCH_REPORT_H_
