// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/bench_stats.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <time.h>

namespace o3lsm::bench {

const char* OpTypeName(OpType type) {
  switch (type) {
    case OpType::kRead:
      return "read";
    case OpType::kWrite:
      return "write";
    case OpType::kDelete:
      return "delete";
    case OpType::kSeek:
      return "seek";
    case OpType::kUpdate:
      return "update";
    case OpType::kInsert:
      return "insert";
    case OpType::kScan:
      return "scan";
    case OpType::kReadModifyWrite:
      return "readmodifywrite";
    case OpType::kOther:
      return "op";
  }
  return "op";
}

uint64_t NowNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

void ThreadStats::Start() {
  for (LatencyHistogram& h : hist_) h.Clear();
  counters_.clear();
  done_ = 0;
  bytes_ = 0;
  excluded_ = false;
  published_done_.store(0, std::memory_order_relaxed);
  start_ = NowNanos();
  finish_ = start_;
  last_op_finish_ = start_;
}

void ThreadStats::Stop() { finish_ = NowNanos(); }

double BenchResult::micros_per_op() const {
  return thread_seconds * 1e6 / static_cast<double>(ops());
}

double BenchResult::ops_per_second() const {
  const double e = elapsed_seconds();
  return e > 0 ? static_cast<double>(ops()) / e : 0;
}

double BenchResult::mb_per_second() const {
  const double e = elapsed_seconds();
  if (bytes == 0 || e <= 0) return 0;
  return (static_cast<double>(bytes) / 1048576.0) / e;
}

int64_t BenchResult::counter(const std::string& name) const {
  auto it = counters.find(name);
  return it == counters.end() ? 0 : it->second;
}

void MergeThreadStats(const ThreadStats& t, BenchResult* r) {
  if (t.excluded_) return;
  if (r->threads == 0) {
    r->start_nanos = t.start_;
    r->finish_nanos = t.finish_;
  } else {
    r->start_nanos = std::min(r->start_nanos, t.start_);
    r->finish_nanos = std::max(r->finish_nanos, t.finish_);
  }
  r->threads++;
  r->done += t.done_;
  r->bytes += t.bytes_;
  r->thread_seconds += static_cast<double>(t.finish_ - t.start_) * 1e-9;
  for (const auto& [name, n] : t.counters_) r->counters[name] += n;
  for (size_t i = 0; i < kNumOpTypes; i++) r->hist[i].Merge(t.hist_[i]);
}

std::string FormatReportLine(const BenchResult& r) {
  std::string extra;
  if (r.bytes > 0) {
    char rate[64];
    snprintf(rate, sizeof(rate), "%6.1f MB/s", r.mb_per_second());
    extra = rate;
  }
  if (!r.message.empty()) {
    if (!extra.empty()) extra += ' ';
    extra += r.message;
  }
  char buf[512];
  snprintf(buf, sizeof(buf),
           "%-12s : %11.3f micros/op %ld ops/sec %.3f seconds %" PRIu64
           " operations;%s",
           r.name.c_str(), r.micros_per_op(),
           static_cast<long>(r.ops_per_second()), r.elapsed_seconds(), r.ops(),
           extra.empty() ? "" : " ");
  return std::string(buf) + extra + "\n";
}

std::string FormatHistograms(const BenchResult& r) {
  std::string out;
  for (size_t i = 0; i < kNumOpTypes; i++) {
    if (r.hist[i].count() == 0) continue;
    out += "Microseconds per ";
    out += OpTypeName(static_cast<OpType>(i));
    out += ":\n";
    out += r.hist[i].ToString();
    out += "\n";
  }
  return out;
}

}  // namespace o3lsm::bench
