// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ProgressMonitor watches a running benchmark from a background thread,
// reading the threads' operation counters (never writing them), and
//   - redraws a live line on a terminal about once a second:
//       "fillrandom  1234567 ops  193200 ops/s  64% ETA 5s"
//   - with --stats_interval_seconds, prints db_bench-style interval lines to
//     stderr: "... thread 0: (ops,total) ops and (rate,avg) ops/second in
//     (secs,total) seconds";
//   - with --report_interval_seconds, appends "secs_elapsed,interval_qps"
//     rows to the report CSV, like db_bench's --report_file.
// Stop() joins the thread and erases the live line, so the report line that
// follows starts on a clean line.
//
// Thread safety: Start and Stop are called by the runner thread only; the
// counter callback runs on the monitor thread and must be safe to call
// concurrently with the benchmark threads.

#ifndef O3LSM_TOOLS_BENCH_PROGRESS_MONITOR_H_
#define O3LSM_TOOLS_BENCH_PROGRESS_MONITOR_H_

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "o3lsm/env.h"

namespace o3lsm::bench {

struct ProgressOptions {
  std::string name;
  uint64_t expected_ops = 0;    // 0: unknown, no percentage or ETA
  double duration_seconds = 0;  // > 0: the run ends by time
  bool live_line = false;       // draw on line_out
  FILE* line_out = stdout;
  int64_t stats_interval_seconds = 0;
  int64_t report_interval_seconds = 0;
  WritableFile* report_file = nullptr;  // not owned; may be null
};

// The live line's text (without "\r"). Pure, for tests.
std::string FormatProgressLine(const std::string& name, uint64_t done,
                               double ops_per_second, double elapsed_seconds,
                               uint64_t expected_ops, double duration_seconds);

class ProgressMonitor {
 public:
  // done_ops returns the operations finished so far by all threads.
  ProgressMonitor(ProgressOptions options, std::function<uint64_t()> done_ops);
  ~ProgressMonitor();
  ProgressMonitor(const ProgressMonitor&) = delete;
  ProgressMonitor& operator=(const ProgressMonitor&) = delete;

  // No-op if nothing is enabled.
  void Start();
  void Stop();

 private:
  void Loop();

  const ProgressOptions options_;
  const std::function<uint64_t()> done_ops_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  bool line_drawn_ = false;
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_PROGRESS_MONITOR_H_
