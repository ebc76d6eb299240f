// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/mixgraph.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "tools/bench/bench_stats.h"
#include "tools/bench/rate_limiter.h"

namespace o3lsm::bench {
namespace {

TEST(MixGraph, InversesMatchTheirDistributions) {
  // (u / a)^(1/b) inverts u = a * x^b.
  EXPECT_DOUBLE_EQ(8.0, PowerLawInverse(2.0 * std::pow(8.0, 0.5), 2.0, 0.5));
  // Generalized Pareto: survival (1 + k (x - theta) / sigma)^(-1/k) = u.
  const double x = GeneralizedParetoInverse(0.25, 10, 0.5, 4);
  EXPECT_NEAR(0.25, std::pow(1 + 0.5 * (x - 10) / 4, -1 / 0.5), 1e-12);
  // k = 0 is the exponential: theta - sigma * ln(u).
  EXPECT_DOUBLE_EQ(3 - 2 * std::log(0.5),
                   GeneralizedParetoInverse(0.5, 3, 0, 2));
}

TEST(MixGraph, OperationsFollowTheRatios) {
  MixGraphParams p;
  p.get_ratio = 0.5;
  p.put_ratio = 0.3;
  p.seek_ratio = 0.2;
  const MixGraphModel model(p, 1000);
  Random64 rnd(1);
  std::map<MixGraphModel::Op, int> counts;
  for (int i = 0; i < 100000; i++) counts[model.NextOp(&rnd)]++;
  EXPECT_NEAR(50000, counts[MixGraphModel::Op::kGet], 1000);
  EXPECT_NEAR(30000, counts[MixGraphModel::Op::kPut], 1000);
  EXPECT_NEAR(20000, counts[MixGraphModel::Op::kSeek], 1000);
}

// The hottest key's share of n accesses drawn with key_dist a and b.
std::pair<size_t, int> DistinctAndHottest(double a, double b, int n) {
  MixGraphParams p;
  p.key_dist_a = a;
  p.key_dist_b = b;
  const MixGraphModel model(p, 100000);
  Random64 rnd(2);
  std::map<uint64_t, int> hits;
  for (int i = 0; i < n; i++) {
    const uint64_t k = model.NextKey(&rnd);
    EXPECT_LT(k, 100000u);
    hits[k]++;
  }
  int hottest = 0;
  for (const auto& [key, count] : hits) hottest = std::max(hottest, count);
  return {hits.size(), hottest};
}

TEST(MixGraph, PowerLawKeysFollowTheCdf) {
  // P(rank <= x) = a * x^b: rank 0 takes a share a of the accesses.
  // a = 0.5, b = 0.2: ranks 0..32 only, half the accesses on rank 0.
  auto [distinct, hottest] = DistinctAndHottest(0.5, 0.2, 100000);
  EXPECT_LE(distinct, 33u);
  EXPECT_NEAR(50000, hottest, 1000);
  // db_bench's documented example: a mild skew over 100000 keys, rank 0
  // still taking a = 0.23% of the accesses.
  std::tie(distinct, hottest) = DistinctAndHottest(0.002312, 0.3467, 100000);
  EXPECT_NEAR(231, hottest, 60);
}

TEST(MixGraph, KeyRangesGetTheirShare) {
  MixGraphParams p;
  p.keyrange_num = 4;
  p.keyrange_dist_a = 1;
  p.keyrange_dist_b = -1;  // shares proportional to e^0, e^-1, e^-2, e^-3
  const MixGraphModel model(p, 4000);
  Random64 rnd(3);
  std::vector<int> per_range(4);
  for (int i = 0; i < 100000; i++) per_range[model.NextKey(&rnd) / 1000]++;
  double total = 0;
  for (int x = 0; x < 4; x++) total += std::exp(-x);
  for (int x = 0; x < 4; x++) {
    EXPECT_NEAR(100000 * std::exp(-x) / total, per_range[x], 1500) << x;
  }
}

TEST(MixGraph, SizesAreCappedAndRateFollowsTheSine) {
  MixGraphParams p;
  p.max_value_size = 64;
  p.max_scan_len = 5;
  p.sine_a = 100;
  p.sine_b = 2;
  p.sine_c = 0.5;
  p.sine_d = 300;
  const MixGraphModel model(p, 10);
  Random64 rnd(4);
  for (int i = 0; i < 10000; i++) {
    const size_t v = model.NextValueSize(&rnd);
    EXPECT_GE(v, 1u);
    EXPECT_LE(v, 64u);
    const int64_t s = model.NextScanLength(&rnd);
    EXPECT_GE(s, 0);
    EXPECT_LE(s, 5);
  }
  EXPECT_DOUBLE_EQ(100 * std::sin(2 * 1.5 + 0.5) + 300, model.RateAt(1.5));
  // Noise: every rate within +-20% of the sine's, both sides drawn.
  p.sine_noise = 0.2;
  const MixGraphModel noisy(p, 10);
  const double base = noisy.RateAt(1.5);
  double lo = base, hi = base;
  for (int i = 0; i < 1000; i++) {
    const double r = noisy.NoisyRateAt(1.5, &rnd);
    EXPECT_GE(r, 0.8 * base);
    EXPECT_LE(r, 1.2 * base);
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  EXPECT_LT(lo, 0.9 * base);
  EXPECT_GT(hi, 1.1 * base);
  p.sine_noise = 0;
  EXPECT_DOUBLE_EQ(base, MixGraphModel(p, 10).NoisyRateAt(1.5, &rnd));
  p.sine_d = -1000;  // a rate never drops below one operation a second
  EXPECT_DOUBLE_EQ(1, MixGraphModel(p, 10).RateAt(0));
}

TEST(RateLimiter, PacesRequestsToTheRate) {
  RateLimiter limiter(1000);  // units per second
  const uint64_t start = NowNanos();
  for (int i = 0; i < 20; i++) limiter.Request(10);  // 200 units: 0.2 s
  const double seconds = static_cast<double>(NowNanos() - start) * 1e-9;
  EXPECT_GE(seconds, 0.18);
  EXPECT_LT(seconds, 2.0);
}

}  // namespace
}  // namespace o3lsm::bench
