// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Counting and timing of one benchmark run, the way db_bench's Stats class
// does it, and db_bench's report line.
//
// Each benchmark thread owns a ThreadStats. After every operation (or batch)
// it calls FinishedOps, which reads the monotonic clock once and records the
// time since the previous operation finished into the histogram of that
// operation type; so key and value generation count towards the latency,
// as in db_bench. After the threads join, MergeThreadStats folds them into a
// BenchResult, which FormatReportLine prints:
//
//   fillrandom   :       5.176 micros/op 193200 ops/sec 10.352 seconds
//   2000000 operations;   21.4 MB/s
//
// (one line), where micros/op is the summed thread time per operation and
// ops/sec is all operations over the time from the first thread's start to
// the last thread's finish: db_bench's two rules.
//
// Thread safety: a ThreadStats is written by its own thread only, except
// published_done(), which another thread (the progress monitor) may read at
// any time. BenchResult is a plain value.

#ifndef O3LSM_TOOLS_BENCH_BENCH_STATS_H_
#define O3LSM_TOOLS_BENCH_BENCH_STATS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "tools/bench/histogram.h"

namespace o3lsm::bench {

// Operation types, each with its own histogram. The names head the
// histogram blocks ("Microseconds per read:").
enum class OpType : uint8_t {
  kRead = 0,
  kWrite,
  kDelete,
  kSeek,
  kUpdate,
  kInsert,
  kScan,
  kReadModifyWrite,
  kOther,
};
inline constexpr size_t kNumOpTypes = 9;
const char* OpTypeName(OpType type);

struct BenchResult;

// Nanoseconds of CLOCK_MONOTONIC (a vDSO call, ~20 ns).
uint64_t NowNanos();

class ThreadStats {
 public:
  ThreadStats() { Start(); }
  ThreadStats(const ThreadStats&) = delete;
  ThreadStats& operator=(const ThreadStats&) = delete;

  // Clears everything and starts the clock.
  void Start();

  // n operations of the given type just finished.
  void FinishedOps(int64_t n, OpType type) {
    const uint64_t now = NowNanos();
    hist_[static_cast<size_t>(type)].Add(now - last_op_finish_);
    last_op_finish_ = now;
    done_ += static_cast<uint64_t>(n);
    published_done_.store(done_, std::memory_order_relaxed);
  }

  // Stops the clock.
  void Stop();

  // Restarts the latency clock without recording (after a pause the
  // benchmark does not want measured).
  void ResetLastOpTime() { last_op_finish_ = NowNanos(); }

  void AddBytes(uint64_t n) { bytes_ += n; }
  // Adds to a named counter ("found", "reads", ...); counters of all threads
  // are summed and end up in the message and the JSON report.
  void AddCounter(const std::string& name, int64_t n) { counters_[name] += n; }
  // Keeps this thread (readwhilewriting's writer) out of the report.
  void ExcludeFromMerge() { excluded_ = true; }

  uint64_t done() const { return done_; }
  // done(), readable from any thread.
  uint64_t published_done() const {
    return published_done_.load(std::memory_order_relaxed);
  }

 private:
  friend void MergeThreadStats(const ThreadStats& t, BenchResult* r);

  uint64_t start_ = 0;
  uint64_t finish_ = 0;
  uint64_t last_op_finish_ = 0;
  uint64_t done_ = 0;
  uint64_t bytes_ = 0;
  bool excluded_ = false;
  std::atomic<uint64_t> published_done_{0};
  std::map<std::string, int64_t> counters_;
  LatencyHistogram hist_[kNumOpTypes];
};

// The merged figures of one run of one benchmark.
struct BenchResult {
  std::string name;
  int threads = 0;            // threads merged (excluded ones not counted)
  uint64_t done = 0;          // operations
  uint64_t bytes = 0;         // bytes of keys and values moved
  uint64_t start_nanos = 0;   // earliest thread start
  uint64_t finish_nanos = 0;  // latest thread finish
  double thread_seconds = 0;  // sum of the threads' own durations
  std::map<std::string, int64_t> counters;
  std::string message;  // printed after MB/s, e.g. "(5 of 10 found)\n"
  LatencyHistogram hist[kNumOpTypes];

  // Filled in by the runner for the JSON report.
  double cpu_user_seconds = 0;
  double cpu_system_seconds = 0;

  // Operations, at least 1 (db_bench pretends one op was done by a
  // benchmark that counts none, such as compact).
  uint64_t ops() const { return done < 1 ? 1 : done; }
  double elapsed_seconds() const {
    return static_cast<double>(finish_nanos - start_nanos) * 1e-9;
  }
  double micros_per_op() const;
  double ops_per_second() const;
  // 0 when no bytes were counted.
  double mb_per_second() const;
  int64_t counter(const std::string& name) const;
};

// Adds thread t's figures to r (skips excluded threads).
void MergeThreadStats(const ThreadStats& t, BenchResult* r);

// db_bench's line: "%-12s : %11.3f micros/op %ld ops/sec %.3f seconds %lu
// operations;" then " %6.1f MB/s" when bytes were counted and " message"
// when there is one; ends with '\n' (the message may add another).
std::string FormatReportLine(const BenchResult& r);

// With --histogram: "Microseconds per <type>:\n<histogram>\n" for every
// type that has samples, in OpType order.
std::string FormatHistograms(const BenchResult& r);

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_BENCH_STATS_H_
