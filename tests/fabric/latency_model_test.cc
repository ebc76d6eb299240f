// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The emulated latency/bandwidth model: a verb costs what the profile says
// (loosely here; bench/fabric_bench.cc measures it precisely), batches
// cost one round trip, and posting overlaps with other work.

#include "interconnect/latency_model.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "interconnect/fabric.h"
#include "tests/fabric/fabric_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::fabric::test {
namespace {

std::unique_ptr<Fabric> OpenModeled(const std::string& query) {
  FabricOptions o;
  o.uri = "emulated:?size=8M&" + query;
  o.layout = TestLayout();
  std::unique_ptr<Fabric> f;
  EXPECT_OK(OpenFabric(o, &f));
  return f;
}

// Sanitizers slow the copies down (ThreadSanitizer copies DM word by
// word): only the lower bounds, which the model guarantees, hold there.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// The fastest of reps reads: a preempted one (the machine is shared) says
// nothing about the model, a fast one does.
double MinMicros(Fabric* f, size_t bytes, int reps) {
  std::vector<char> buf(bytes);
  const DmAddr at = f->RegionStart(RegionKind::kHeap);
  double best = 1e18;
  for (int i = 0; i < reps; i++) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_OK(f->Read(at, buf.data(), bytes));
    best = std::min(best, std::chrono::duration<double, std::micro>(
                              std::chrono::steady_clock::now() - start)
                              .count());
  }
  return best;
}

TEST(LatencyModel, CompletionTimeAddsLatencyAndSharesBandwidth) {
  LatencyModel m(LinkModel{1000, 2.0});  // 1 us, 2 bytes/ns
  EXPECT_EQ(1000u + 500u, m.CompletionTime(10'000, 1000) - 10'000);
  // A second batch posted at the same time queues behind the first's bytes.
  EXPECT_EQ(1000u + 1000u, m.CompletionTime(10'000, 1000) - 10'000);
  LatencyModel off(LinkModel{});
  EXPECT_FALSE(off.enabled());
}

TEST(LatencyModel, SmallReadCostsOneRoundTrip) {
  auto f = OpenModeled("latency_ns=20000");
  const double us = MinMicros(f.get(), 8, 100);
  EXPECT_GT(us, 19.9);  // never cheaper than the profile
  if (!kSanitized) {
    EXPECT_LT(us, 30.0);
  }
}

TEST(LatencyModel, LargeReadCostsItsBytesOverBandwidth) {
  auto f = OpenModeled("latency_ns=1000&bandwidth_gbps=1");
  const double us = MinMicros(f.get(), 1 << 20, 8);  // 1048.6 us of bytes
  EXPECT_GT(us, 1049.0);
  if (!kSanitized) {
    EXPECT_LT(us, 1400.0);
  }
}

TEST(LatencyModel, ABatchCostsOneRoundTrip) {
  auto f = OpenModeled("latency_ns=50000");
  std::vector<uint64_t> words(16);
  std::vector<WorkRequest> batch;
  const DmAddr at = f->RegionStart(RegionKind::kHeap);
  for (size_t i = 0; i < words.size(); i++) {
    batch.push_back(WorkRequest::Read(at + i * 8, &words[i], 8));
  }
  // The fastest of a few tries: a busy machine only adds time.
  double us = 1e9;
  for (int i = 0; i < 10; i++) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_OK(f->Execute(batch));
    us = std::min(us, std::chrono::duration<double, std::micro>(
                          std::chrono::steady_clock::now() - start)
                          .count());
  }
  EXPECT_GT(us, 49.0);
  if (!kSanitized) {
    EXPECT_LT(us, 8 * 50.0);  // 16 reads one by one: 800 us
  }
}

TEST(LatencyModel, WaitShorterThanTheModelTimesOut) {
  auto f = OpenModeled("latency_ns=5000000");  // 5 ms
  uint64_t v = 0;
  Completion c;
  WorkRequest wr = WorkRequest::Read(f->RegionStart(RegionKind::kHeap), &v, 8);
  ASSERT_OK(f->Post({&wr, 1}, &c));
  Status s = f->Wait(&c, std::chrono::microseconds(100));
  EXPECT_TRUE(s.IsTimedOut()) << s.ToString();
  EXPECT_TRUE(c.idle());  // abandoned, reusable
}

}  // namespace
}  // namespace o3lsm::fabric::test
