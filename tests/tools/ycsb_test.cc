// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <map>
#include <vector>

#include "tests/testutil.h"
#include "tools/bench/ycsb_generators.h"
#include "tools/bench/ycsb_workload.h"

namespace o3lsm::bench {
namespace {

constexpr int kOps = 100000;

std::array<int, kNumYcsbOps> CountOps(const std::string& name) {
  WorkloadSpec spec;
  EXPECT_OK(GetYcsbWorkload(name, &spec));
  OperationMix mix(spec);
  Random64 rnd(99);
  std::array<int, kNumYcsbOps> count{};
  for (int i = 0; i < kOps; i++) count[static_cast<int>(mix.Next(&rnd))]++;
  return count;
}

// Percent of kOps.
double Pct(int n) { return 100.0 * n / kOps; }

TEST(YcsbWorkload, MixesMatchTheirDefinitions) {
  struct Expect {
    const char* name;
    double read, update, insert, scan, rmw;
  };
  const Expect table[] = {
      {"ycsba", 50, 50, 0, 0, 0}, {"ycsbb", 95, 5, 0, 0, 0},
      {"ycsbc", 100, 0, 0, 0, 0}, {"ycsbd", 95, 0, 5, 0, 0},
      {"ycsbe", 0, 0, 5, 95, 0},  {"ycsbf", 50, 0, 0, 0, 50},
  };
  for (const Expect& e : table) {
    const auto c = CountOps(e.name);
    // Within 1% of the defined share (the deck makes them exact).
    EXPECT_NEAR(e.read, Pct(c[0]), e.read * 0.01) << e.name;
    EXPECT_NEAR(e.update, Pct(c[1]), e.update * 0.01) << e.name;
    EXPECT_NEAR(e.insert, Pct(c[2]), e.insert * 0.01) << e.name;
    EXPECT_NEAR(e.scan, Pct(c[3]), e.scan * 0.01) << e.name;
    EXPECT_NEAR(e.rmw, Pct(c[4]), e.rmw * 0.01) << e.name;
  }
}

TEST(YcsbWorkload, DistributionsAndNames) {
  WorkloadSpec spec;
  ASSERT_OK(GetYcsbWorkload("ycsbd", &spec));
  EXPECT_EQ('D', spec.id);
  EXPECT_EQ(RequestDistribution::kLatest, spec.distribution);
  for (const char* n : {"ycsba", "ycsbb", "ycsbc", "ycsbe", "ycsbf"}) {
    ASSERT_OK(GetYcsbWorkload(n, &spec));
    EXPECT_EQ(RequestDistribution::kZipfian, spec.distribution) << n;
  }
  EXPECT_TRUE(GetYcsbWorkload("ycsbg", &spec).IsNotFound());
  EXPECT_TRUE(GetYcsbWorkload("ycsb", &spec).IsNotFound());
  EXPECT_TRUE(GetYcsbWorkload("YCSBA", &spec).IsNotFound());
}

TEST(YcsbWorkload, DeckOrderIsShuffled) {
  WorkloadSpec spec;
  ASSERT_OK(GetYcsbWorkload("ycsba", &spec));
  OperationMix mix(spec);
  Random64 rnd(1);
  int longest_run = 0, run = 0;
  YcsbOp prev = YcsbOp::kScan;
  for (int i = 0; i < 1000; i++) {
    const YcsbOp op = mix.Next(&rnd);
    run = op == prev ? run + 1 : 1;
    longest_run = std::max(longest_run, run);
    prev = op;
  }
  EXPECT_LT(longest_run, 20);  // not 50 reads then 50 updates
}

TEST(Zipf, ZetaMatchesDirectSumAndYcsbsConstant) {
  double direct = 0;
  for (uint64_t i = 200000; i >= 1; i--) direct += std::pow(double(i), -0.99);
  EXPECT_NEAR(direct, ZipfZeta(200000, 0.99), direct * 1e-11);
  // YCSB's precomputed zeta(10^10, 0.99).
  EXPECT_NEAR(26.46902820178302, ZipfZeta(10000000000ull, 0.99), 1e-8);
  EXPECT_DOUBLE_EQ(1.0, ZipfZeta(1, 0.5));
}

TEST(Zipf, HottestItemsDominate) {
  ZipfianGenerator zipf(1000, 0.99);
  Random64 rnd(3);
  std::vector<int> count(1000);
  for (int i = 0; i < kOps; i++) {
    const uint64_t v = zipf.Next(&rnd);
    ASSERT_LT(v, 1000u);
    count[v]++;
  }
  // P(0) = 1/zeta(1000, .99) ~ 13%; P(1) ~ 6.7%.
  EXPECT_NEAR(0.134, count[0] / double(kOps), 0.01);
  EXPECT_GT(count[0], count[1]);
  EXPECT_GT(count[1], count[10]);
  std::vector<int> sorted = count;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_GT(sorted.back(), 50 * std::max(1, sorted[500]));
}

TEST(Zipf, GrowToExtendsZetaIncrementally) {
  ZipfianGenerator grown(1000, 0.99);
  grown.GrowTo(5000);
  grown.GrowTo(10);  // never shrinks
  const ZipfianGenerator fresh(5000, 0.99);
  EXPECT_EQ(5000u, grown.items());
  EXPECT_NEAR(fresh.zetan(), grown.zetan(), 1e-9);
}

TEST(Zipf, ScrambledScattersHotKeysButKeepsSkew) {
  const uint64_t items = 10000;
  ScrambledZipfianGenerator gen(items, kYcsbZipfianConstant);
  Random64 rnd(5);
  std::map<uint64_t, int> count;
  for (int i = 0; i < kOps; i++) {
    const uint64_t v = gen.Next(&rnd);
    ASSERT_LT(v, items);
    count[v]++;
  }
  std::vector<std::pair<int, uint64_t>> by_count;
  for (const auto& [k, c] : count) by_count.emplace_back(c, k);
  std::sort(by_count.rbegin(), by_count.rend());
  // The hottest key is far more frequent than the median key...
  const int median = by_count[by_count.size() / 2].first;
  EXPECT_GT(by_count[0].first, 100 * median);
  // ...and the ten hottest are not the ten lowest numbers.
  int low = 0;
  for (int i = 0; i < 10; i++) low += by_count[i].second < 10 ? 1 : 0;
  EXPECT_LT(low, 5);
}

TEST(Zipf, LatestFavorsRecentInserts) {
  SkewedLatestGenerator gen(9999, 0.99);
  Random64 rnd(11);
  int newest = 0, last_100 = 0, first_half = 0;
  uint64_t latest = 9999;
  for (int i = 0; i < kOps; i++) {
    if (i % 10 == 0) latest++;  // inserts keep arriving
    const uint64_t v = gen.Next(&rnd, latest);
    ASSERT_LE(v, latest);
    if (v == latest) newest++;
    if (latest - v < 100) last_100++;
    if (v < latest / 2) first_half++;
  }
  EXPECT_GT(newest, kOps / 20);     // ~13% ask for the newest record
  EXPECT_GT(last_100, kOps / 2);    // most ask for the 100 newest
  EXPECT_LT(first_half, kOps / 5);  // few for the older half
}

TEST(Fnv, YcsbHashIsStableAndNonNegative) {
  // FNV-1a over eight zero bytes, by the definition.
  uint64_t expect = 0xCBF29CE484222325ull;
  for (int i = 0; i < 8; i++) expect *= 1099511628211ull;
  if (expect >> 63) expect = ~expect + 1;
  EXPECT_EQ(expect, FnvHash64(0));
  EXPECT_NE(FnvHash64(1), FnvHash64(2));
  for (uint64_t v = 0; v < 10000; v++) {
    ASSERT_EQ(0u, FnvHash64(v) >> 63) << v;
  }
}

TEST(AcknowledgedCounter, LimitWaitsForGaps) {
  AcknowledgedCounter c(100);
  EXPECT_EQ(99u, c.LastAcknowledged());
  const uint64_t a = c.Next(), b = c.Next(), d = c.Next();
  EXPECT_EQ(100u, a);
  EXPECT_EQ(101u, b);
  EXPECT_EQ(102u, d);
  c.Acknowledge(b);
  c.Acknowledge(d);
  EXPECT_EQ(99u, c.LastAcknowledged());  // 100 still in flight
  c.Acknowledge(a);
  EXPECT_EQ(102u, c.LastAcknowledged());
}

TEST(YcsbKeyChooser, NeverPicksUnwrittenRecords) {
  WorkloadSpec spec;
  ASSERT_OK(GetYcsbWorkload("ycsbe", &spec));
  YcsbKeyChooser chooser(spec, 1000, 5000, kYcsbZipfianConstant);
  Random64 rnd(2);
  for (int i = 0; i < 20000; i++) ASSERT_LE(chooser.Next(&rnd, 999), 999u);
  ASSERT_OK(GetYcsbWorkload("ycsbd", &spec));
  YcsbKeyChooser latest(spec, 1000, 50, kYcsbZipfianConstant);
  for (int i = 0; i < 20000; i++) ASSERT_LE(latest.Next(&rnd, 1010), 1010u);
}

}  // namespace
}  // namespace o3lsm::bench
