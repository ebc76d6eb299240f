// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// BenchmarkRunner runs the --benchmarks list against one o3lsm database the
// way db_bench runs it against RocksDB:
//   - unless --use_existing_db, the database is destroyed when the runner
//     starts, and again before each benchmark that wants a fresh one
//     (fillseq, fillrandom, fillsync, fill100K, ycsbload); with
//     --use_existing_db those are skipped with db_bench's "skipped" line;
//   - each benchmark runs on --threads threads (readwhilewriting adds a
//     writer), which start together and are merged into one report line;
//   - "name[X3-W1]" repeats a benchmark 3 times after 1 warm-up and prints
//     the repeat summary.
// Output goes to stdout (the report) and stderr (environment and
// diagnostics) exactly where db_bench puts it.
//
// Thread safety: a runner is used by one thread; it starts and joins the
// benchmark threads itself.

#ifndef O3LSM_TOOLS_BENCH_BENCHMARK_RUNNER_H_
#define O3LSM_TOOLS_BENCH_BENCHMARK_RUNNER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/env.h"

#include "tools/bench/bench_flags.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/benchmark_registry.h"
#include "tools/bench/cluster_profile.h"
#include "tools/bench/db_options.h"
#include "tools/bench/value_generator.h"

namespace o3lsm::bench {

class BenchmarkRunner {
 public:
  // flags.db must be set; seed_base is the resolved --seed.
  BenchmarkRunner(const BenchFlags& flags, uint64_t seed_base);
  ~BenchmarkRunner();
  BenchmarkRunner(const BenchmarkRunner&) = delete;
  BenchmarkRunner& operator=(const BenchmarkRunner&) = delete;

  // Checks the benchmark list, builds the options, destroys the database
  // (unless --use_existing_db), opens it and prints the header.
  [[nodiscard]] Status Start();

  // Runs every benchmark. Stops at the first failure (an operation error,
  // a failed open), which it returns.
  [[nodiscard]] Status RunAll();

  // Prints --statistics and closes the database.
  [[nodiscard]] Status Finish();

  const std::vector<BenchRecord>& records() const { return records_; }
  const std::string& compression_name() const {
    return settings_.compression_name;
  }

 private:
  Status OpenDb();
  Status CloseDb();
  Status DestroyDb();
  void PrintHeader() const;
  Status RunBenchmark(const BenchmarkSpec& spec);
  Status RunMeta(const BenchmarkDef& def);
  // One run: threads started together, merged into *result.
  Status RunOnce(const BenchmarkDef& def, BenchResult* result);
  int64_t OpsPerThread(const BenchmarkDef& def) const;
  Status WaitForCompaction();

  const BenchFlags flags_;
  const uint64_t seed_base_;
  std::vector<BenchmarkSpec> specs_;
  DbSettings settings_;
  LocalCluster cluster_;
  std::unique_ptr<ValueSource> values_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<WritableFile> report_file_;
  uint64_t threads_started_ = 0;  // seeds each thread differently
  // Records in the database as YCSB sees it: --num after ycsbload, plus the
  // inserts of the YCSB runs since.
  uint64_t ycsb_records_ = 0;
  std::vector<BenchRecord> records_;
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_BENCHMARK_RUNNER_H_
