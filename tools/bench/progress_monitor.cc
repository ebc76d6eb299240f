// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/progress_monitor.h"

#include <algorithm>
#include <cinttypes>

#include "tools/bench/bench_stats.h"

namespace o3lsm::bench {
namespace {

constexpr uint64_t kTickNanos = 100'000'000;    // wake-ups
constexpr uint64_t kLineNanos = 1'000'000'000;  // live line redraws

std::string FormatSeconds(double s) {
  char buf[32];
  if (s < 60) {
    snprintf(buf, sizeof(buf), "%.0fs", s);
  } else if (s < 3600) {
    snprintf(buf, sizeof(buf), "%dm%02ds", static_cast<int>(s) / 60,
             static_cast<int>(s) % 60);
  } else {
    snprintf(buf, sizeof(buf), "%dh%02dm", static_cast<int>(s) / 3600,
             (static_cast<int>(s) / 60) % 60);
  }
  return buf;
}

}  // namespace

std::string FormatProgressLine(const std::string& name, uint64_t done,
                               double ops_per_second, double elapsed_seconds,
                               uint64_t expected_ops, double duration_seconds) {
  char buf[256];
  snprintf(buf, sizeof(buf), "%-12s %" PRIu64 " ops  %.0f ops/s", name.c_str(),
           done, ops_per_second);
  std::string r = buf;
  double remaining = -1;
  if (duration_seconds > 0) {
    remaining = duration_seconds - elapsed_seconds;
    snprintf(buf, sizeof(buf), "  %.0f%%",
             100.0 * std::min(1.0, elapsed_seconds / duration_seconds));
    r += buf;
  } else if (expected_ops > 0) {
    const double frac = std::min(
        1.0, static_cast<double>(done) / static_cast<double>(expected_ops));
    snprintf(buf, sizeof(buf), "  %.0f%%", 100.0 * frac);
    r += buf;
    if (ops_per_second > 0 && done < expected_ops) {
      remaining = static_cast<double>(expected_ops - done) / ops_per_second;
    } else if (done >= expected_ops) {
      remaining = 0;
    }
  }
  if (remaining >= 0) r += " ETA " + FormatSeconds(std::max(0.0, remaining));
  return r;
}

ProgressMonitor::ProgressMonitor(ProgressOptions options,
                                 std::function<uint64_t()> done_ops)
    : options_(std::move(options)), done_ops_(std::move(done_ops)) {}

ProgressMonitor::~ProgressMonitor() { Stop(); }

void ProgressMonitor::Start() {
  if (!options_.live_line && options_.stats_interval_seconds <= 0 &&
      (options_.report_interval_seconds <= 0 ||
       options_.report_file == nullptr)) {
    return;
  }
  thread_ = std::thread([this] { Loop(); });
}

void ProgressMonitor::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (line_drawn_) {
    fputs("\r\033[K", options_.line_out);
    fflush(options_.line_out);
  }
}

void ProgressMonitor::Loop() {
  const uint64_t start = NowNanos();
  uint64_t last_line = start, last_line_done = 0;
  uint64_t last_stats = start, last_stats_done = 0;
  uint64_t last_report = start, last_report_done = 0;
  bool report_failed = false;
  const uint64_t stats_every =
      static_cast<uint64_t>(options_.stats_interval_seconds) * 1000000000ull;
  const uint64_t report_every =
      static_cast<uint64_t>(options_.report_interval_seconds) * 1000000000ull;
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, std::chrono::nanoseconds(kTickNanos),
                 [this] { return stop_; });
    if (stop_) break;
    const uint64_t now = NowNanos();
    const uint64_t done = done_ops_();
    const double elapsed = static_cast<double>(now - start) * 1e-9;
    if (options_.live_line && now - last_line >= kLineNanos) {
      const double rate = static_cast<double>(done - last_line_done) /
                          (static_cast<double>(now - last_line) * 1e-9);
      const std::string line =
          FormatProgressLine(options_.name, done, rate, elapsed,
                             options_.expected_ops, options_.duration_seconds);
      fprintf(options_.line_out, "\r\033[K%s", line.c_str());
      fflush(options_.line_out);
      line_drawn_ = true;
      last_line = now;
      last_line_done = done;
    }
    if (stats_every > 0 && now - last_stats >= stats_every) {
      const double secs = static_cast<double>(now - last_stats) * 1e-9;
      fprintf(stderr,
              "%s ... thread 0: (%" PRIu64 ",%" PRIu64
              ") ops and (%.1f,%.1f) ops/second in (%.6f,%.6f) seconds\n",
              options_.name.c_str(), done - last_stats_done, done,
              static_cast<double>(done - last_stats_done) / secs,
              static_cast<double>(done) / elapsed, secs, elapsed);
      last_stats = now;
      last_stats_done = done;
    }
    if (report_every > 0 && options_.report_file != nullptr && !report_failed &&
        now - last_report >= report_every) {
      const uint64_t secs = (now - start + 500000000) / 1000000000;
      const std::string row = std::to_string(secs) + "," +
                              std::to_string(done - last_report_done) + "\n";
      Status s = options_.report_file->Append(row);
      if (s.ok()) s = options_.report_file->Flush();
      if (!s.ok()) {
        fprintf(stderr,
                "Can't write to report file (%s), stopping the reporting\n",
                s.ToString().c_str());
        report_failed = true;
      }
      last_report = now;
      last_report_done = done;
    }
  }
}

}  // namespace o3lsm::bench
