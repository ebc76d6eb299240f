// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// MixGraphModel draws the operations of db_bench's mixgraph benchmark, the
// model of Facebook's production traces (Cao et al., "Characterizing,
// Modeling, and Benchmarking RocksDB Key-Value Workloads at Facebook",
// FAST '20):
//   - the operation: Get, Put or Seek by --mix_{get,put,seek}_ratio;
//   - the key: [0, num) is cut into --keyrange_num equal ranges; a range is
//     picked with probability proportional to a*exp(b*x) + c*exp(d*x)
//     (--keyrange_dist_*; all 0: evenly), and within it the key follows
//     the power law of --key_dist_a/_b: a uniform u becomes (u / a)^(1/b),
//     which is small for most u, and that value is hashed onto the range,
//     so the hot keys are few and scattered (both 0: uniform keys);
//   - a Put's value size and a Seek's scan length follow generalized
//     Pareto distributions, theta + sigma * (u^-k - 1) / k (--value_*,
//     --iter_*), capped by --mix_max_value_size and --mix_max_scan_len;
//   - with --sine_mix_rate, the rate of operations of all threads together
//     is sine_a * sin(sine_b * t + sine_c) + sine_d per second at t
//     seconds into the run, recomputed every
//     --sine_mix_rate_interval_milliseconds; --sine_mix_rate_noise = n
//     scales each recomputed rate by a factor drawn evenly from
//     [1 - n, 1 + n].
//
// Thread safety: the model is immutable after construction; each thread
// passes its own Random64.

#ifndef O3LSM_TOOLS_BENCH_MIXGRAPH_H_
#define O3LSM_TOOLS_BENCH_MIXGRAPH_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/random.h"

namespace o3lsm::bench {

struct MixGraphParams {
  double get_ratio = 1.0;
  double put_ratio = 0.0;
  double seek_ratio = 0.0;
  int64_t max_scan_len = 10000;
  int64_t max_value_size = 1024;
  double key_dist_a = 0.0;
  double key_dist_b = 0.0;
  int64_t keyrange_num = 1;
  double keyrange_dist_a = 0.0;
  double keyrange_dist_b = 0.0;
  double keyrange_dist_c = 0.0;
  double keyrange_dist_d = 0.0;
  double value_theta = 0.0;
  double value_k = 0.2615;
  double value_sigma = 25.45;
  double iter_theta = 0.0;
  double iter_k = 2.517;
  double iter_sigma = 14.236;
  bool sine_mix_rate = false;
  uint64_t sine_interval_millis = 10000;
  double sine_a = 1;
  double sine_b = 1;
  double sine_c = 0;
  double sine_d = 1;
  double sine_noise = 0;  // in [0, 1]
};

// x with P(X <= x) = u for the power law P(X <= x) = a * x^b: (u / a)^(1/b).
// REQUIRES: a != 0, b != 0.
double PowerLawInverse(double u, double a, double b);

// x with P(X <= x) = 1 - u for the generalized Pareto distribution of
// location theta, scale sigma and shape k (k = 0: the exponential limit).
// REQUIRES: u in (0, 1].
double GeneralizedParetoInverse(double u, double theta, double k, double sigma);

class MixGraphModel {
 public:
  enum class Op { kGet, kPut, kSeek };

  // REQUIRES: the ratios are >= 0 with a positive sum; num >= 1;
  // p.keyrange_num >= 1.
  MixGraphModel(const MixGraphParams& p, uint64_t num);

  Op NextOp(Random64* rnd) const;
  uint64_t NextKey(Random64* rnd) const;        // in [0, num)
  size_t NextValueSize(Random64* rnd) const;    // in [1, max_value_size]
  int64_t NextScanLength(Random64* rnd) const;  // in [0, max_scan_len]

  // Operations per second at t seconds into the run (at least 1).
  double RateAt(double seconds) const;
  // RateAt(seconds) times a factor drawn evenly from [1 - sine_noise,
  // 1 + sine_noise] (at least 1).
  double NoisyRateAt(double seconds, Random64* rnd) const;

  const MixGraphParams& params() const { return p_; }

 private:
  const MixGraphParams p_;
  const uint64_t num_;
  const uint64_t ranges_;          // key ranges, 1..num
  std::vector<double> range_cdf_;  // empty: ranges picked evenly
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_MIXGRAPH_H_
