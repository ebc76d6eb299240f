// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// LatencyHistogram records operation latencies in nanoseconds into buckets
// whose bounds are RocksDB's histogram bounds in microseconds (1, 2, 3, 4, 6,
// 10, 15, 22, 34, 51, 76, 110, 170, ...: each about 1.5x the previous one,
// kept to two significant digits), so its "Percentiles:" line and bucket
// table read like db_bench's. Percentiles interpolate linearly inside the
// bucket that holds them and are clamped to the observed min and max, which
// is how RocksDB computes them. Unlike db_bench, which times in whole
// microseconds, the sum, min and max keep nanoseconds, so averages of
// sub-microsecond operations are not rounded.
//
// Thread safety: not thread-safe. Each benchmark thread owns one per
// operation type and the runner merges them after the threads have joined.

#ifndef O3LSM_TOOLS_BENCH_HISTOGRAM_H_
#define O3LSM_TOOLS_BENCH_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace o3lsm::bench {

class LatencyHistogram {
 public:
  // Number of buckets: bounds from 1 us up to the largest that fits 64 bits.
  static constexpr size_t kNumBuckets = 109;

  LatencyHistogram() { Clear(); }

  void Clear();

  // Records one operation that took nanos nanoseconds.
  void Add(uint64_t nanos) {
    buckets_[BucketFor(nanos)]++;
    count_++;
    sum_nanos_ += nanos;
    const double us = static_cast<double>(nanos) * 1e-3;
    sum_squares_us_ += us * us;
    if (nanos < min_nanos_) min_nanos_ = nanos;
    if (nanos > max_nanos_) max_nanos_ = nanos;
  }

  // Adds other's samples to this one.
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t bucket_count(size_t b) const { return buckets_[b]; }
  double AverageMicros() const;
  double StandardDeviationMicros() const;
  // 0 when empty.
  double MinMicros() const;
  double MaxMicros() const;
  // p in [0, 100]; 0 when empty.
  double PercentileMicros(double p) const;

  // db_bench's block: "Count: .. Average: ..  StdDev: ..", "Min: ..  Median:
  // ..  Max: ..", "Percentiles: P50: .. P75: .. P99: .. P99.9: .. P99.99:
  // ..", a dashed rule and one line per non-empty bucket.
  std::string ToString() const;

  // Upper bound of bucket b in microseconds (its lower bound is the upper
  // bound of b - 1, or 0 for b = 0).
  static uint64_t BucketLimitMicros(size_t b);

  // The bucket a latency of nanos falls in: the first whose upper bound is
  // >= nanos / 1000 (so a bucket is (lower, upper], the first [0, 1]).
  static size_t BucketFor(uint64_t nanos);

 private:
  uint64_t buckets_[kNumBuckets];
  uint64_t count_;
  uint64_t sum_nanos_;
  double sum_squares_us_;
  uint64_t min_nanos_;
  uint64_t max_nanos_;
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_HISTOGRAM_H_
