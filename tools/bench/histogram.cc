// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/histogram.h"

#include <algorithm>
#include <cassert>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>

namespace o3lsm::bench {
namespace {

// Bucket latencies up to this many microseconds are found by a table lookup
// instead of a binary search: nearly every operation of a benchmark is
// shorter, and Add sits in the measured loop.
constexpr uint64_t kDirectMicros = 4096;

struct BucketTable {
  uint64_t limits[LatencyHistogram::kNumBuckets];
  uint8_t direct[kDirectMicros + 1];

  BucketTable() {
    size_t n = 0;
    limits[n++] = 1;
    limits[n++] = 2;
    double v = 2;
    const double max =
        static_cast<double>(std::numeric_limits<uint64_t>::max());
    // Each bound is 1.5x the previous unrounded one, then cut to two
    // significant digits so the table prints round numbers (172 -> 170).
    while ((v *= 1.5) <= max) {
      uint64_t bound = static_cast<uint64_t>(v);
      uint64_t scale = 1;
      while (bound / 10 > 10) {
        bound /= 10;
        scale *= 10;
      }
      assert(n < LatencyHistogram::kNumBuckets);
      limits[n++] = bound * scale;
    }
    assert(n == LatencyHistogram::kNumBuckets);
    size_t b = 0;
    for (uint64_t us = 0; us <= kDirectMicros; us++) {
      while (limits[b] < us) b++;
      direct[us] = static_cast<uint8_t>(b);
    }
  }
};

const BucketTable& Table() {
  static const BucketTable table;
  return table;
}

}  // namespace

uint64_t LatencyHistogram::BucketLimitMicros(size_t b) {
  return Table().limits[b];
}

size_t LatencyHistogram::BucketFor(uint64_t nanos) {
  // The first bound >= nanos/1000 is the first bound >= ceil(nanos/1000),
  // because bounds are whole microseconds.
  const uint64_t us = nanos / 1000 + (nanos % 1000 != 0 ? 1 : 0);
  const BucketTable& t = Table();
  if (us <= kDirectMicros) return t.direct[us];
  const uint64_t* end = t.limits + kNumBuckets;
  const uint64_t* it = std::lower_bound(t.limits, end, us);
  return it == end ? kNumBuckets - 1 : static_cast<size_t>(it - t.limits);
}

void LatencyHistogram::Clear() {
  std::fill(buckets_, buckets_ + kNumBuckets, 0);
  count_ = 0;
  sum_nanos_ = 0;
  sum_squares_us_ = 0;
  min_nanos_ = std::numeric_limits<uint64_t>::max();
  max_nanos_ = 0;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t b = 0; b < kNumBuckets; b++) buckets_[b] += other.buckets_[b];
  count_ += other.count_;
  sum_nanos_ += other.sum_nanos_;
  sum_squares_us_ += other.sum_squares_us_;
  min_nanos_ = std::min(min_nanos_, other.min_nanos_);
  max_nanos_ = std::max(max_nanos_, other.max_nanos_);
}

double LatencyHistogram::AverageMicros() const {
  if (count_ == 0) return 0;
  return static_cast<double>(sum_nanos_) * 1e-3 / static_cast<double>(count_);
}

double LatencyHistogram::StandardDeviationMicros() const {
  if (count_ == 0) return 0;
  const double n = static_cast<double>(count_);
  const double mean = AverageMicros();
  const double variance = sum_squares_us_ / n - mean * mean;
  return variance > 0 ? std::sqrt(variance) : 0;
}

double LatencyHistogram::MinMicros() const {
  return count_ == 0 ? 0 : static_cast<double>(min_nanos_) * 1e-3;
}

double LatencyHistogram::MaxMicros() const {
  return count_ == 0 ? 0 : static_cast<double>(max_nanos_) * 1e-3;
}

double LatencyHistogram::PercentileMicros(double p) const {
  if (count_ == 0) return 0;
  const double threshold = static_cast<double>(count_) * (p / 100.0);
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kNumBuckets; b++) {
    const uint64_t in_bucket = buckets_[b];
    cumulative += in_bucket;
    if (static_cast<double>(cumulative) >= threshold) {
      const double left =
          b == 0 ? 0 : static_cast<double>(BucketLimitMicros(b - 1));
      const double right = static_cast<double>(BucketLimitMicros(b));
      const uint64_t before = cumulative - in_bucket;
      double pos = 0;
      if (in_bucket != 0) {
        pos = (threshold - static_cast<double>(before)) /
              static_cast<double>(in_bucket);
      }
      const double r = left + (right - left) * pos;
      return std::clamp(r, MinMicros(), MaxMicros());
    }
  }
  return MaxMicros();
}

std::string LatencyHistogram::ToString() const {
  std::string r;
  char buf[256];
  snprintf(buf, sizeof(buf), "Count: %" PRIu64 " Average: %.4f  StdDev: %.2f\n",
           count_, AverageMicros(), StandardDeviationMicros());
  r += buf;
  // db_bench prints min and max as whole microseconds.
  snprintf(buf, sizeof(buf),
           "Min: %" PRIu64 "  Median: %.4f  Max: %" PRIu64 "\n",
           count_ == 0 ? uint64_t{0} : min_nanos_ / 1000, PercentileMicros(50),
           count_ == 0 ? uint64_t{0} : max_nanos_ / 1000);
  r += buf;
  snprintf(buf, sizeof(buf),
           "Percentiles: P50: %.2f P75: %.2f P99: %.2f P99.9: %.2f "
           "P99.99: %.2f\n",
           PercentileMicros(50), PercentileMicros(75), PercentileMicros(99),
           PercentileMicros(99.9), PercentileMicros(99.99));
  r += buf;
  r += "------------------------------------------------------\n";
  if (count_ == 0) return r;
  const double mult = 100.0 / static_cast<double>(count_);
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kNumBuckets; b++) {
    const uint64_t in_bucket = buckets_[b];
    if (in_bucket == 0) continue;
    cumulative += in_bucket;
    snprintf(
        buf, sizeof(buf),
        "%c %7" PRIu64 ", %7" PRIu64 " ] %8" PRIu64 " %7.3f%% %7.3f%% ",
        b == 0 ? '[' : '(', b == 0 ? uint64_t{0} : BucketLimitMicros(b - 1),
        BucketLimitMicros(b), in_bucket, mult * static_cast<double>(in_bucket),
        mult * static_cast<double>(cumulative));
    r += buf;
    // One mark per 5% of the samples, rounded.
    const auto marks =
        static_cast<size_t>(mult * static_cast<double>(in_bucket) / 5 + 0.5);
    r.append(marks, '#');
    r += '\n';
  }
  return r;
}

}  // namespace o3lsm::bench
