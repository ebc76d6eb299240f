// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/histogram.h"

#include <cmath>
#include <gtest/gtest.h>

#include "util/random.h"

namespace o3lsm::bench {
namespace {

constexpr uint64_t kUs = 1000;  // nanoseconds per microsecond

TEST(LatencyHistogram, BucketBoundsAreRocksDbs) {
  const uint64_t expected[] = {
      1,   2,   3,   4,   6,    10,   15,   22,   34,   51,   76,    110,  170,
      250, 380, 580, 870, 1300, 1900, 2900, 4400, 6600, 9900, 14000, 22000};
  for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
    EXPECT_EQ(expected[i], LatencyHistogram::BucketLimitMicros(i)) << i;
  }
  EXPECT_EQ(13000000000000000000ull, LatencyHistogram::BucketLimitMicros(
                                         LatencyHistogram::kNumBuckets - 1));
}

TEST(LatencyHistogram, BucketsAreClosedAbove) {
  EXPECT_EQ(0u, LatencyHistogram::BucketFor(0));
  EXPECT_EQ(0u, LatencyHistogram::BucketFor(1 * kUs));      // [0, 1]
  EXPECT_EQ(1u, LatencyHistogram::BucketFor(1 * kUs + 1));  // (1, 2]
  EXPECT_EQ(1u, LatencyHistogram::BucketFor(2 * kUs));
  EXPECT_EQ(4u, LatencyHistogram::BucketFor(5 * kUs));  // (4, 6]
  EXPECT_EQ(5u, LatencyHistogram::BucketFor(7 * kUs));  // (6, 10]
  // Past the lookup table, the binary search agrees with the bounds.
  for (size_t b = 1; b < LatencyHistogram::kNumBuckets - 1; b++) {
    const uint64_t limit = LatencyHistogram::BucketLimitMicros(b);
    if (limit > (~uint64_t{0}) / kUs) break;
    EXPECT_EQ(b, LatencyHistogram::BucketFor(limit * kUs)) << b;
    EXPECT_EQ(b + 1, LatencyHistogram::BucketFor(limit * kUs + 1)) << b;
  }
  // 2^64 - 1 ns is about 1.8e16 us: the first bound at or above that.
  const size_t top = LatencyHistogram::BucketFor(~uint64_t{0});
  EXPECT_GE(LatencyHistogram::BucketLimitMicros(top), ~uint64_t{0} / kUs);
  EXPECT_LT(LatencyHistogram::BucketLimitMicros(top - 1), ~uint64_t{0} / kUs);
}

TEST(LatencyHistogram, EmptyIsAllZero) {
  LatencyHistogram h;
  EXPECT_EQ(0u, h.count());
  EXPECT_EQ(0, h.AverageMicros());
  EXPECT_EQ(0, h.PercentileMicros(99));
  EXPECT_EQ(0, h.MinMicros());
  EXPECT_EQ(0, h.MaxMicros());
  EXPECT_NE(std::string::npos,
            h.ToString().find("Percentiles: P50: 0.00 P75: 0.00 P99: 0.00 "
                              "P99.9: 0.00 P99.99: 0.00\n"));
}

TEST(LatencyHistogram, ConstantIsExact) {
  LatencyHistogram h;
  for (int i = 0; i < 1000; i++) h.Add(7 * kUs);
  // Interpolation inside (6, 10] is clamped to the observed min and max.
  for (double p : {0.0, 50.0, 99.0, 100.0}) {
    EXPECT_DOUBLE_EQ(7.0, h.PercentileMicros(p)) << p;
  }
  EXPECT_DOUBLE_EQ(7.0, h.AverageMicros());
  EXPECT_DOUBLE_EQ(0.0, h.StandardDeviationMicros());
}

TEST(LatencyHistogram, PercentilesInterpolateInsideBuckets) {
  // 100 samples in (1, 2], 100 in (10, 15]: P25 is halfway through the
  // first bucket, P75 halfway through the second.
  LatencyHistogram h;
  for (int i = 0; i < 100; i++) h.Add(1500);
  for (int i = 0; i < 50; i++) h.Add(11 * kUs);
  for (int i = 0; i < 50; i++) h.Add(14500);
  EXPECT_NEAR(1.5, h.PercentileMicros(25), 1e-9);
  EXPECT_NEAR(12.5, h.PercentileMicros(75), 1e-9);
  EXPECT_NEAR(2.0, h.PercentileMicros(50), 1e-9);  // end of the first bucket
  // Interpolation ends at the largest sample, not at the bucket bound.
  EXPECT_NEAR(14.5, h.PercentileMicros(99.9), 1e-9);
  const double mean = (100 * 1.5 + 50 * 11 + 50 * 14.5) / 200;
  const double square =
      (100 * 1.5 * 1.5 + 50 * 11 * 11 + 50 * 14.5 * 14.5) / 200;
  EXPECT_NEAR(mean, h.AverageMicros(), 1e-9);
  EXPECT_NEAR(std::sqrt(square - mean * mean), h.StandardDeviationMicros(),
              1e-9);
}

TEST(LatencyHistogram, UniformDistribution) {
  // Uniform on [0, 1000] us: a percentile is off from its exact value by at
  // most the width of the bucket holding it (bounds 380..580..870..1300).
  LatencyHistogram h;
  Random64 rnd(42);
  for (int i = 0; i < 200000; i++) h.Add(rnd.Uniform(1000 * kUs + 1));
  EXPECT_NEAR(500, h.AverageMicros(), 5);
  EXPECT_NEAR(288.7, h.StandardDeviationMicros(), 3);
  EXPECT_NEAR(500, h.PercentileMicros(50), 200 * 0.15);
  EXPECT_NEAR(750, h.PercentileMicros(75), 290 * 0.15);
  EXPECT_NEAR(990, h.PercentileMicros(99), 10);  // clamped near the max
  EXPECT_LE(h.PercentileMicros(99.99), 1000.0);
  double prev = 0;
  for (double p = 1; p <= 100; p += 1) {
    const double v = h.PercentileMicros(p);
    EXPECT_GE(v, prev) << p;
    prev = v;
  }
}

TEST(LatencyHistogram, MergeEqualsAddingEverything) {
  LatencyHistogram a, b, all;
  Random64 rnd(7);
  for (int i = 0; i < 5000; i++) {
    const uint64_t v = rnd.Uniform(50 * kUs);
    (i % 3 == 0 ? a : b).Add(v);
    all.Add(v);
  }
  a.Merge(b);
  EXPECT_EQ(all.count(), a.count());
  EXPECT_EQ(all.ToString(), a.ToString());
}

TEST(LatencyHistogram, ToStringHasDbBenchLayout) {
  LatencyHistogram h;
  h.Add(500);
  h.Add(2500);
  h.Add(2600);
  h.Add(2900);
  // Median: 2 of 4 samples, one in [0, 1] and three in (2, 3]: a third of
  // the way into (2, 3]. Min and max print as whole microseconds.
  EXPECT_EQ(
      "Count: 4 Average: 2.1250  StdDev: 0.95\n"
      "Min: 0  Median: 2.3333  Max: 2\n"
      "Percentiles: P50: 2.33 P75: 2.67 P99: 2.90 P99.9: 2.90 P99.99: 2.90\n"
      "------------------------------------------------------\n"
      "[       0,       1 ]        1  25.000%  25.000% #####\n"
      "(       2,       3 ]        3  75.000% 100.000% ###############\n",
      h.ToString());
}

}  // namespace
}  // namespace o3lsm::bench
