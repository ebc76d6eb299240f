// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The verbs, the doorbell and persist, run against every backend this
// machine has (tests/fabric/fabric_test_util.h).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "interconnect/fabric.h"
#include "tests/fabric/fabric_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::fabric::test {
namespace {

using std::chrono::milliseconds;

std::string Pattern(size_t n, uint64_t seed) {
  Random64 rnd(seed);
  return o3lsm::test::RandomBytes(&rnd, n, /*printable=*/false);
}

TEST_P(FabricConformance, ReadWriteRoundTripsAllSizesAndAlignments) {
  const size_t sizes[] = {1,    2,    3,      7,       8,
                          9,    63,   64,     65,      4095,
                          4096, 4097, 100000, 1 << 20, (3 << 20) + 5};
  const uint64_t offsets[] = {0, 1, 3, 7, 8, 13, 4096 - 1, 65536 + 5};
  uint64_t seed = 1;
  for (size_t n : sizes) {
    for (uint64_t off : offsets) {
      const std::string data = Pattern(n, seed++);
      ASSERT_OK(fabric()->Write(Heap(off), data.data(), n));
      std::string back(n, '\0');
      ASSERT_OK(fabric()->Read(Heap(off), back.data(), n));
      ASSERT_TRUE(back == data) << "size " << n << " offset " << off;
      if (void* view = fabric()->LocalView(Heap(off), n)) {
        ASSERT_EQ(0, memcmp(view, data.data(), n));
      }
    }
  }
  // The last byte of the pool is reachable; one more is not.
  const DmAddr last(fabric()->pool_id(), fabric()->pool_size() - 1);
  char c = 'z', r = 0;
  ASSERT_OK(fabric()->Write(last, &c, 1));
  ASSERT_OK(fabric()->Read(last, &r, 1));
  EXPECT_EQ('z', r);
  EXPECT_TRUE(fabric()->Read(last, &r, 2).IsInvalidArgument());
}

TEST_P(FabricConformance, BatchTakesEffectInOrder) {
  const std::string a = Pattern(5000, 7);
  std::string back(5000, '\0');
  uint64_t init = 40, cas_seen = 0, faa_prev = 0, word_after = 0;
  std::vector<WorkRequest> batch = {
      WorkRequest::Write(Heap(0), a.data(), a.size()),
      WorkRequest::Read(Heap(0), back.data(), back.size()),
      WorkRequest::Write(Heap(8192), &init, 8),
      WorkRequest::CompareAndSwap(Heap(8192), 40, 41, &cas_seen),
      WorkRequest::FetchAndAdd(Heap(8192), 10, &faa_prev),
      WorkRequest::Read(Heap(8192), &word_after, 8),
  };
  Completion c;
  ASSERT_OK(fabric()->Post(batch, &c));
  EXPECT_FALSE(c.idle());
  // A second batch on an armed completion is refused.
  EXPECT_TRUE(fabric()->Post(batch, &c).IsInvalidArgument());
  ASSERT_OK(fabric()->Wait(&c, milliseconds(5000)));
  EXPECT_TRUE(c.idle());
  EXPECT_TRUE(back == a);
  EXPECT_EQ(40u, cas_seen);
  EXPECT_EQ(41u, faa_prev);
  EXPECT_EQ(51u, word_after);
  // The completion is reusable; waiting on an idle one is an error.
  ASSERT_OK(fabric()->Post({batch.data() + 5, 1}, &c));
  ASSERT_OK(fabric()->Wait(&c, milliseconds(5000)));
  EXPECT_TRUE(fabric()->Wait(&c, milliseconds(1)).IsInvalidArgument());
}

TEST_P(FabricConformance, InvalidBatchDoesNothing) {
  uint64_t zero = 0, one = 1, sink = 0;
  ASSERT_OK(fabric()->Write(Heap(0), &zero, 8));
  std::vector<WorkRequest> batch = {
      WorkRequest::Write(Heap(0), &one, 8),
      WorkRequest::CompareAndSwap(Heap(4), 0, 1, &sink),  // misaligned
  };
  Completion c;
  Status s = fabric()->Post(batch, &c);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(c.idle());
  uint64_t v = 9;
  ASSERT_OK(fabric()->Read(Heap(0), &v, 8));
  EXPECT_EQ(0u, v);
}

TEST_P(FabricConformance, CompareAndSwapAndFetchAndAddSemantics) {
  const DmAddr w = Heap(64);
  uint64_t v = 100, seen = 0;
  ASSERT_OK(fabric()->Write(w, &v, 8));
  ASSERT_OK(fabric()->CompareAndSwap64(w, 99, 5, &seen));
  EXPECT_EQ(100u, seen);  // failed: value unchanged
  ASSERT_OK(fabric()->CompareAndSwap64(w, 100, 5, &seen));
  EXPECT_EQ(100u, seen);                                       // succeeded
  ASSERT_OK(fabric()->FetchAndAdd64(w, ~uint64_t{0}, &seen));  // -1
  EXPECT_EQ(5u, seen);
  ASSERT_OK(fabric()->Read(w, &v, 8));
  EXPECT_EQ(4u, v);
  ASSERT_OK(fabric()->CompareAndSwap64(w, 4, ~uint64_t{0}, nullptr));
  ASSERT_OK(fabric()->FetchAndAdd64(w, 1, &seen));  // wraps
  EXPECT_EQ(~uint64_t{0}, seen);
  ASSERT_OK(fabric()->Read(w, &v, 8));
  EXPECT_EQ(0u, v);
}

TEST_P(FabricConformance, AtomicsUnderContentionEndExact) {
  const DmAddr faa_word = Heap(0), cas_word = Heap(64);
  const int kThreads = 4, kIters = 3000;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIters; i++) {
        if (!fabric()->FetchAndAdd64(faa_word, 1, nullptr).ok()) errors++;
        // A CAS increment loop: read, try, retry with what was seen.
        uint64_t cur = 0;
        if (!fabric()->Read(cas_word, &cur, 8).ok()) errors++;
        while (true) {
          uint64_t seen = 0;
          if (!fabric()->CompareAndSwap64(cas_word, cur, cur + 1, &seen).ok()) {
            errors++;
            break;
          }
          if (seen == cur) break;
          cur = seen;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(0, errors.load());
  uint64_t a = 0, b = 0;
  ASSERT_OK(fabric()->Read(faa_word, &a, 8));
  ASSERT_OK(fabric()->Read(cas_word, &b, 8));
  EXPECT_EQ(uint64_t{kThreads} * kIters, a);
  EXPECT_EQ(uint64_t{kThreads} * kIters, b);
}

TEST_P(FabricConformance, OutOfBoundsRequestsRejectedNamingTheAddress) {
  char buf[16] = {};
  const uint64_t size = fabric()->pool_size();
  const uint16_t id = fabric()->pool_id();
  Status s = fabric()->Read(DmAddr(id, size - 4), buf, 8);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos,
            s.ToString().find(DmAddr(id, size - 4).ToString()))
      << s.ToString();
  EXPECT_TRUE(
      fabric()->Write(DmAddr(id, size + 100), buf, 1).IsInvalidArgument());
  EXPECT_TRUE(
      fabric()->Read(DmAddr(id, 16), buf, SIZE_MAX).IsInvalidArgument());
  EXPECT_TRUE(fabric()
                  ->Read(DmAddr(id, DmAddr::kMaxOffset), buf, 2)
                  .IsInvalidArgument());
  s = fabric()->Read(DmAddr(static_cast<uint16_t>(id + 1), 64), buf, 8);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(fabric()->Read(DmAddr(), buf, 8).IsInvalidArgument());
  EXPECT_TRUE(fabric()->Read(Heap(0), nullptr, 8).IsInvalidArgument());
  EXPECT_TRUE(fabric()
                  ->FetchAndAdd64(DmAddr(id, size), 1, nullptr)
                  .IsInvalidArgument());
  EXPECT_TRUE(fabric()->Persist(DmAddr(id, size - 1), 2).IsInvalidArgument());
  EXPECT_TRUE(fabric()->Ring(DmAddr(id, size)).IsInvalidArgument());
  EXPECT_EQ(nullptr, fabric()->LocalView(DmAddr(id, size - 1), 2));
  // Zero-length reads at the very end are fine.
  EXPECT_OK(fabric()->Read(DmAddr(id, size), buf, 0));
}

TEST_P(FabricConformance, MisalignedAtomicsRejected) {
  for (uint64_t off : {1, 2, 4, 7, 12}) {
    Status s = fabric()->CompareAndSwap64(Heap(off), 0, 1, nullptr);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(std::string::npos, s.ToString().find("aligned")) << s.ToString();
    EXPECT_TRUE(
        fabric()->FetchAndAdd64(Heap(off), 1, nullptr).IsInvalidArgument());
    EXPECT_TRUE(fabric()->Ring(Heap(off)).IsInvalidArgument());
    EXPECT_TRUE(fabric()
                    ->WaitOnWord(Heap(off), 0, milliseconds(1), nullptr)
                    .IsInvalidArgument());
  }
}

TEST_P(FabricConformance, DoorbellWakesASleepingWaiter) {
  const DmAddr bell = fabric()->RegionStart(RegionKind::kMailboxes);
  std::atomic<bool> woke{false};
  Status waited;
  uint64_t value = 0;
  const auto start = std::chrono::steady_clock::now();
  std::thread waiter([&] {
    waited = fabric()->WaitOnWord(bell, 0, milliseconds(5000), &value);
    woke = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(woke.load());  // asleep until rung
  ASSERT_OK(fabric()->Ring(bell));
  waiter.join();
  EXPECT_OK(waited);
  EXPECT_EQ(1u, value);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, milliseconds(2000));
  // Already different: returns at once.
  EXPECT_OK(fabric()->WaitOnWord(bell, 0, milliseconds(1), &value));
}

TEST_P(FabricConformance, DoorbellWakeAfterCompareAndSwap) {
  const DmAddr bell = fabric()->RegionStart(RegionKind::kMailboxes) + 64;
  Status waited;
  uint64_t value = 0;
  std::thread waiter([&] {
    waited = fabric()->WaitOnWord(bell, 0, milliseconds(5000), &value);
  });
  std::this_thread::sleep_for(milliseconds(20));
  ASSERT_OK(fabric()->CompareAndSwap64(bell, 0, 7, nullptr));
  ASSERT_OK(fabric()->Wake(bell));
  waiter.join();
  EXPECT_OK(waited);
  EXPECT_EQ(7u, value);
}

TEST_P(FabricConformance, DoorbellTimesOut) {
  const DmAddr bell = fabric()->RegionStart(RegionKind::kMailboxes) + 128;
  const auto start = std::chrono::steady_clock::now();
  uint64_t value = 99;
  Status s = fabric()->WaitOnWord(bell, 0, milliseconds(40), &value);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(s.IsTimedOut()) << s.ToString();
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(0u, value);
  EXPECT_GE(elapsed, milliseconds(40));
  EXPECT_LT(elapsed, milliseconds(1000));
}

TEST_P(FabricConformance, ManyWaitersAllWake) {
  const DmAddr bell = fabric()->RegionStart(RegionKind::kMailboxes) + 192;
  std::atomic<int> ok{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; i++) {
    waiters.emplace_back([&] {
      if (fabric()->WaitOnWord(bell, 0, milliseconds(5000), nullptr).ok()) ok++;
    });
  }
  std::this_thread::sleep_for(milliseconds(30));
  ASSERT_OK(fabric()->Ring(bell));
  for (auto& t : waiters) t.join();
  EXPECT_EQ(4, ok.load());
}

TEST_P(FabricConformance, PersistChecksRangeAndSucceeds) {
  const std::string data = Pattern(10000, 3);
  ASSERT_OK(fabric()->Write(Heap(77), data.data(), data.size()));
  EXPECT_OK(fabric()->Persist(Heap(77), data.size()));
  EXPECT_OK(fabric()->Persist(Heap(0), 1));
  EXPECT_OK(fabric()->Persist(Heap(0), 0));
  const bool expect_persistent = false;  // emulated, tmpfs and rdma here
  EXPECT_EQ(expect_persistent, fabric()->persistent());
}

TEST_P(FabricConformance, SuperblockDescribesThePool) {
  const PoolInfo& p = fabric()->pool();
  EXPECT_EQ(kSuperblockVersion, p.format_version);
  EXPECT_EQ(1u, p.pool_id);
  EXPECT_EQ(32u << 20, p.pool_size);
  EXPECT_EQ(64u << 10, p.chunk_size);
  EXPECT_GT(p.creation_micros, 0u);
  uint64_t end = kSuperblockSize;
  for (int i = 0; i < kNumRegions; i++) {
    EXPECT_GE(p.regions[i].offset, kSuperblockSize);
    EXPECT_LE(p.regions[i].offset + p.regions[i].length, p.pool_size);
    end = std::max(end, p.regions[i].offset + p.regions[i].length);
  }
  EXPECT_GE(fabric()->RegionLength(RegionKind::kJobBoard), 16u << 10);
  EXPECT_GE(fabric()->RegionLength(RegionKind::kNodeTable), 8u << 10);
  EXPECT_EQ(0u, fabric()->RegionLength(RegionKind::kHeap) % p.chunk_size);
  // The superblock itself is readable through the verbs.
  uint64_t magic = 0;
  ASSERT_OK(fabric()->Read(DmAddr(p.pool_id, 0), &magic, 8));
  EXPECT_EQ(kSuperblockMagic, magic);
  EXPECT_FALSE(fabric()->Describe().empty());
}

TEST_P(FabricConformance, ReopenSeesTheSameBytes) {
  if (pool_->uri().empty())
    GTEST_SKIP() << "anonymous pools cannot be reopened";
  const std::string data = Pattern(70000, 11);
  ASSERT_OK(fabric()->Write(Heap(123), data.data(), data.size()));
  const uint64_t created = fabric()->pool().creation_micros;
  ASSERT_OK(pool_->Reopen());
  std::string back(data.size(), '\0');
  ASSERT_OK(fabric()->Read(Heap(123), back.data(), back.size()));
  EXPECT_TRUE(back == data);
  EXPECT_EQ(created, fabric()->pool().creation_micros);
}

INSTANTIATE_TEST_SUITE_P(Backends, FabricConformance,
                         ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace o3lsm::fabric::test
