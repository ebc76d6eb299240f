// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DmAllocator on every backend: alloc/free/reuse, exhaustion, fragmentation,
// many threads and several allocators on one pool, bad frees, corrupt
// allocator state, and reclaiming what a dead incarnation held.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric_wrapper.h"
#include "tests/fabric/fabric_test_util.h"
#include "tests/testutil.h"
#include "util/coding.h"
#include "util/mutex.h"

namespace o3lsm::fabric::test {
namespace {

class AllocatorConformance : public FabricConformance {
 protected:
  void SetUp() override {
    FabricConformance::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_OK(DmAllocator::Open(fabric(), 1, &alloc_));
  }

  // Fills [addr, addr+n) with a stamp derived from tag.
  void Stamp(DmAddr addr, uint64_t n, uint64_t tag) {
    std::string buf(n, '\0');
    for (uint64_t i = 0; i + 8 <= n; i += 8) EncodeFixed64(&buf[i], tag + i);
    ASSERT_OK(fabric()->Write(addr, buf.data(), n));
  }
  bool CheckStamp(DmAddr addr, uint64_t n, uint64_t tag) {
    std::string buf(n, '\0');
    if (!fabric()->Read(addr, buf.data(), n).ok()) return false;
    for (uint64_t i = 0; i + 8 <= n; i += 8) {
      if (DecodeFixed64(&buf[i]) != tag + i) return false;
    }
    return true;
  }
  AllocatorStats Stats() {
    AllocatorStats st;
    EXPECT_OK(alloc_->GetStats(&st));
    return st;
  }

  std::unique_ptr<DmAllocator> alloc_;
};

// True if no two [offset, offset+size) intervals overlap.
bool Disjoint(std::vector<std::pair<uint64_t, uint64_t>> v) {
  std::sort(v.begin(), v.end());
  for (size_t i = 1; i < v.size(); i++) {
    if (v[i - 1].first + v[i - 1].second > v[i].first) return false;
  }
  return true;
}

TEST_P(AllocatorConformance, SizesAcrossClassesAreAlignedAndUsable) {
  const uint64_t chunk = alloc_->chunk_size();
  const uint64_t sizes[] = {1,         63,        64,
                            65,        100,       4096,
                            5000,      chunk / 8, chunk / 8 + 1,
                            chunk - 1, chunk,     3 * chunk + 1};
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  std::vector<DmAddr> addrs;
  uint64_t tag = 1000;
  for (uint64_t size : sizes) {
    DmAddr a;
    ASSERT_OK(alloc_->Allocate(size, &a));
    EXPECT_EQ(0u, a.offset() % 64) << size;
    uint64_t usable = 0;
    ASSERT_OK(alloc_->UsableSize(a, &usable));
    EXPECT_GE(usable, size);
    EXPECT_LT(usable, std::max(2 * size + 64, size + chunk));
    const uint64_t heap = fabric()->RegionStart(RegionKind::kHeap).offset();
    EXPECT_GE(a.offset(), heap);
    EXPECT_LE(a.offset() + usable,
              heap + fabric()->RegionLength(RegionKind::kHeap));
    Stamp(a, size, tag);
    spans.push_back({a.offset(), usable});
    addrs.push_back(a);
    tag += 1 << 20;
  }
  EXPECT_TRUE(Disjoint(spans));
  tag = 1000;
  for (size_t i = 0; i < addrs.size(); i++, tag += 1 << 20) {
    EXPECT_TRUE(CheckStamp(addrs[i], sizes[i], tag)) << sizes[i];
  }
  for (DmAddr a : addrs) ASSERT_OK(alloc_->Free(a));
  EXPECT_TRUE(alloc_->Allocate(0, &addrs[0]).IsInvalidArgument());
}

TEST_P(AllocatorConformance, FreedSpaceIsReused) {
  const AllocatorStats empty = Stats();
  EXPECT_EQ(empty.chunk_count, empty.free_chunks);
  for (int round = 0; round < 3; round++) {
    std::vector<DmAddr> v;
    for (int i = 0; i < 200; i++) {
      DmAddr a;
      ASSERT_OK(alloc_->Allocate(64 + (i % 7) * 300, &a));
      v.push_back(a);
    }
    DmAddr big;
    ASSERT_OK(alloc_->Allocate(5 * alloc_->chunk_size(), &big));
    v.push_back(big);
    for (DmAddr a : v) ASSERT_OK(alloc_->Free(a));
  }
  // One slab per class may stay; nothing else.
  const AllocatorStats after = Stats();
  EXPECT_EQ(0u, after.run_chunks);
  EXPECT_EQ(0u, after.transient_chunks);
  EXPECT_LE(after.slab_chunks, 8u);
}

TEST_P(AllocatorConformance, ExhaustionGivesNoSpaceAndRecovers) {
  const uint64_t chunk = alloc_->chunk_size();
  std::vector<DmAddr> v;
  Status s;
  while (true) {
    DmAddr a;
    s = alloc_->Allocate(chunk, &a);
    if (!s.ok()) break;
    v.push_back(a);
  }
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_EQ(alloc_->chunk_count(), v.size());
  DmAddr a;
  EXPECT_TRUE(alloc_->Allocate(64, &a).IsNoSpace());
  EXPECT_TRUE(alloc_->Allocate(uint64_t{1} << 40, &a).IsNoSpace());
  for (DmAddr x : v) ASSERT_OK(alloc_->Free(x));
  EXPECT_EQ(alloc_->chunk_count(), Stats().free_chunks);
  // The whole heap as one run.
  ASSERT_OK(alloc_->Allocate(alloc_->chunk_count() * chunk, &a));
  ASSERT_OK(alloc_->Free(a));
}

TEST_P(AllocatorConformance, SmallBlockExhaustionAndRecovery) {
  std::vector<DmAddr> v;
  Status s;
  const uint64_t size = alloc_->chunk_size() / 8;  // the largest slab class
  while (true) {
    DmAddr a;
    s = alloc_->Allocate(size, &a);
    if (!s.ok()) break;
    v.push_back(a);
  }
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_GT(v.size(), alloc_->chunk_count() * 6);
  for (DmAddr x : v) ASSERT_OK(alloc_->Free(x));
  const AllocatorStats st = Stats();
  EXPECT_EQ(1u, st.slab_chunks);  // one kept for the class
  EXPECT_EQ(alloc_->chunk_count() - 1, st.free_chunks);
  DmAddr a;
  ASSERT_OK(alloc_->Allocate(st.largest_free_run * alloc_->chunk_size(), &a));
}

TEST_P(AllocatorConformance, FragmentationLimitsRunsNotBlocks) {
  const uint64_t chunk = alloc_->chunk_size();
  std::vector<DmAddr> v(alloc_->chunk_count());
  for (auto& a : v) ASSERT_OK(alloc_->Allocate(chunk, &a));
  // Every other chunk by address (allocation order wraps around the heap).
  std::sort(v.begin(), v.end(),
            [](DmAddr x, DmAddr y) { return x.offset() < y.offset(); });
  for (size_t i = 0; i < v.size(); i += 2) ASSERT_OK(alloc_->Free(v[i]));
  DmAddr a;
  EXPECT_TRUE(alloc_->Allocate(2 * chunk, &a).IsNoSpace());
  EXPECT_EQ(1u, Stats().largest_free_run);
  ASSERT_OK(alloc_->Allocate(chunk, &a));
  ASSERT_OK(alloc_->Allocate(100, &a));  // a slab fits in a hole
  ASSERT_OK(alloc_->Free(a));
  for (size_t i = 1; i < v.size(); i += 2) ASSERT_OK(alloc_->Free(v[i]));
  ASSERT_OK(alloc_->Allocate(2 * chunk, &a));
}

TEST_P(AllocatorConformance, BadFreesAreRejected) {
  const uint64_t chunk = alloc_->chunk_size();
  DmAddr run, block;
  ASSERT_OK(alloc_->Allocate(3 * chunk, &run));
  ASSERT_OK(alloc_->Allocate(256, &block));
  EXPECT_TRUE(alloc_->Free(run + chunk).IsInvalidArgument());  // body
  EXPECT_TRUE(alloc_->Free(run + 64).IsInvalidArgument());     // inside head
  EXPECT_TRUE(alloc_->Free(block + 8).IsInvalidArgument());    // unaligned
  EXPECT_TRUE(alloc_->Free(block + 64).IsInvalidArgument());   // inside block
  const uint64_t heap = fabric()->RegionStart(RegionKind::kHeap).offset();
  const DmAddr slab_start(block.pool(),
                          heap + (block.offset() - heap) / chunk * chunk);
  Status s = alloc_->Free(slab_start);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();  // the slab header
  EXPECT_TRUE(alloc_->Free(DmAddr(block.pool(), 64)).IsInvalidArgument());
  EXPECT_TRUE(alloc_->Free(DmAddr(block.pool() + 1, block.offset()))
                  .IsInvalidArgument());
  EXPECT_TRUE(alloc_->Free(DmAddr()).IsInvalidArgument());
  // Another owner's allocation needs FreeForeign.
  std::unique_ptr<DmAllocator> other;
  ASSERT_OK(DmAllocator::Open(fabric(), 2, &other));
  s = other->Free(block);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("owner 1")) << s.ToString();
  ASSERT_OK(other->FreeForeign(block, 1));
  ASSERT_OK(alloc_->Free(run));
  // Double frees.
  s = alloc_->Free(run);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find(run.ToString()));
  s = alloc_->Free(block);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST_P(AllocatorConformance, OwnerIdsAreChecked) {
  std::unique_ptr<DmAllocator> a;
  EXPECT_TRUE(DmAllocator::Open(fabric(), 0, &a).IsInvalidArgument());
  EXPECT_TRUE(DmAllocator::Open(fabric(), 64, &a).IsInvalidArgument());
  ASSERT_OK(DmAllocator::Open(fabric(), 63, &a));
  std::unique_ptr<DmAllocator> b;
  ASSERT_OK(DmAllocator::Open(fabric(), 63, &b));
  EXPECT_EQ(a->generation() + 1, b->generation());
}

TEST_P(AllocatorConformance, ManyThreadsTwoAllocatorsNeverOverlap) {
  std::unique_ptr<DmAllocator> second;
  ASSERT_OK(DmAllocator::Open(fabric(), 2, &second));
  const int kThreads = 4;
  std::vector<std::vector<std::pair<DmAddr, uint64_t>>> got(kThreads);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      DmAllocator* a = t % 2 == 0 ? alloc_.get() : second.get();
      Random64 rnd(t + 1);
      for (int i = 0; i < 300; i++) {
        uint64_t size = rnd.OneIn(20) ? 1 + rnd.Uniform(3 * a->chunk_size())
                                      : 1 + rnd.Uniform(3000);
        DmAddr addr;
        Status s = a->Allocate(size, &addr);
        if (s.IsNoSpace()) continue;
        if (!s.ok()) {
          errors++;
          continue;
        }
        // Stamp the first and last word with the owner of the span.
        uint64_t tag = (uint64_t(t) << 32) | i;
        if (size >= 8) {
          if (!fabric()->Write(addr, &tag, 8).ok()) errors++;
          if (!fabric()->Write(addr + (size / 8 - 1) * 8, &tag, 8).ok())
            errors++;
        }
        got[t].push_back({addr, size});
        if (rnd.OneIn(3)) {  // free a random earlier one
          size_t k = rnd.Uniform(got[t].size());
          if (!a->Free(got[t][k].first).ok()) errors++;
          got[t].erase(got[t].begin() + k);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(0, errors.load());
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (int t = 0; t < kThreads; t++) {
    for (size_t i = 0; i < got[t].size(); i++) {
      spans.push_back({got[t][i].first.offset(), got[t][i].second});
    }
  }
  EXPECT_TRUE(Disjoint(spans));
  for (int t = 0; t < kThreads; t++) {
    DmAllocator* a = t % 2 == 0 ? alloc_.get() : second.get();
    for (auto& [addr, size] : got[t]) ASSERT_OK(a->Free(addr));
  }
  const AllocatorStats st = Stats();
  EXPECT_EQ(0u, st.run_chunks);
  EXPECT_EQ(0u, st.transient_chunks);
}

// Runs a hook right after the first CAS that clears bits of one watched
// word has completed, before its result goes back to the caller.
class PauseAfterClearingCas : public FabricWrapper {
 public:
  using FabricWrapper::FabricWrapper;

  // REQUIRES: no verb is in flight.
  void Arm(DmAddr word, std::function<void()> hook) {
    hook_ = std::move(hook);
    watched_.store(word.offset());
  }

  Status Post(std::span<WorkRequest> batch, Completion* c) override {
    const uint64_t w = watched_.load();
    for (const WorkRequest& wr : batch) {
      if (w != 0 && wr.verb == Verb::kCompareAndSwap &&
          wr.remote.offset() == w && wr.swap != wr.compare_add &&
          (wr.swap & ~wr.compare_add) == 0) {
        uint64_t expected = w;
        if (watched_.compare_exchange_strong(expected, 0)) pending_.store(c);
        break;
      }
    }
    return FabricWrapper::Post(batch, c);
  }
  Status Wait(Completion* c, std::chrono::nanoseconds timeout) override {
    Status s = FabricWrapper::Wait(c, timeout);
    Completion* expected = c;
    if (pending_.compare_exchange_strong(expected, nullptr)) hook_();
    return s;
  }

 private:
  std::atomic<uint64_t> watched_{0};
  std::atomic<Completion*> pending_{nullptr};
  std::function<void()> hook_;
};

// Regression: a thread freeing one of its incarnation's own blocks clears
// the bit in DM, and another thread of the same incarnation - allocating
// from a full slab - re-reads the bitmap and takes that block before the
// freeing thread updates the cached bitmap. The freeing thread then found
// the bit set in the cache (set again by the taker), cleared it and counted
// the block free once more, so the slab's free count ran one ahead; the
// slab was given back (chunk word -> 0) while that block was still live,
// and its Free said "not allocated (double free?)".
TEST_P(AllocatorConformance, OwnFreeRacingOwnAllocateKeepsSlabAlive) {
  PauseAfterClearingCas wrapped(fabric());
  std::unique_ptr<DmAllocator> a;
  ASSERT_OK(DmAllocator::Open(&wrapped, 3, &a));
  const uint64_t chunk = a->chunk_size();
  const uint64_t heap = fabric()->RegionStart(RegionKind::kHeap).offset();
  // The largest slab class: few blocks per slab, one header block.
  const uint64_t block = chunk / kMinBlocksPerSlab;
  const uint64_t per_slab = kMinBlocksPerSlab - 1;
  auto chunk_of = [&](DmAddr x) { return (x.offset() - heap) / chunk; };
  // Fill two slabs, so that the next allocation re-reads their bitmaps.
  std::vector<DmAddr> blocks;
  for (uint64_t i = 0; i < 2 * per_slab; i++) {
    DmAddr x;
    ASSERT_OK(a->Allocate(block, &x));
    blocks.push_back(x);
  }
  const uint64_t first_slab = chunk_of(blocks[0]);
  std::vector<DmAddr> rest_of_first, second;
  for (size_t i = 1; i < blocks.size(); i++) {
    (chunk_of(blocks[i]) == first_slab ? rest_of_first : second)
        .push_back(blocks[i]);
  }
  ASSERT_EQ(per_slab - 1, rest_of_first.size());
  const DmAddr victim = blocks[0];
  const uint64_t idx = (victim.offset() - heap) % chunk / block;
  const DmAddr bitmap_word(victim.pool(), heap + first_slab * chunk +
                                              kSlabHeaderSize + idx / 64 * 8);

  // Free the victim; right after its bit is cleared in DM, let another
  // thread allocate (it may have to wait for the freeing thread: then
  // give up waiting after a while).
  Mutex mu;
  CondVar cv(&mu);
  bool go = false, done = false;
  DmAddr taken;
  Status taken_status;
  std::thread taker([&] {
    {
      MutexLock l(&mu);
      while (!go) cv.Wait();
    }
    taken_status = a->Allocate(block, &taken);
    MutexLock l(&mu);
    done = true;
    cv.SignalAll();
  });
  wrapped.Arm(bitmap_word, [&] {
    MutexLock l(&mu);
    go = true;
    cv.SignalAll();
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    while (!done && std::chrono::steady_clock::now() < deadline) {
      cv.WaitFor(10000);
    }
  });
  ASSERT_OK(a->Free(victim));
  taker.join();
  ASSERT_OK(taken_status);

  // Every other block of the first slab goes; the block just taken must
  // stay allocated (and its slab with it) until it is freed.
  for (DmAddr x : rest_of_first) ASSERT_OK(a->Free(x));
  uint64_t usable = 0;
  ASSERT_OK(a->UsableSize(taken, &usable));
  EXPECT_EQ(block, usable);
  ASSERT_OK(a->Free(taken));
  for (DmAddr x : second) ASSERT_OK(a->Free(x));
  const AllocatorStats st = Stats();
  EXPECT_EQ(0u, st.run_chunks);
  EXPECT_EQ(0u, st.transient_chunks);
}

TEST_P(AllocatorConformance, DeadIncarnationIsReclaimed) {
  const uint64_t chunk = alloc_->chunk_size();
  std::unique_ptr<DmAllocator> dying;
  ASSERT_OK(DmAllocator::Open(fabric(), 5, &dying));
  const uint64_t dead_gen = dying->generation();
  DmAddr a;
  for (int i = 0; i < 50; i++) ASSERT_OK(dying->Allocate(200, &a));
  ASSERT_OK(dying->Allocate(4 * chunk, &a));
  // A claim that died half-way: a reserving head and one body, by hand.
  AllocatorStats before = Stats();
  const uint64_t heap_chunks = alloc_->chunk_count();
  const uint64_t table =
      fabric()->RegionStart(RegionKind::kAllocator).offset() +
      kAllocatorHeaderSize + 64 * 8;
  ChunkWord head{ChunkState::kReserving, 5,
                 static_cast<uint32_t>(dead_gen) & kGenerationMask, 2};
  ChunkWord body{ChunkState::kRunBody, 5,
                 static_cast<uint32_t>(dead_gen) & kGenerationMask, 1};
  const uint64_t last = heap_chunks - 2;
  ASSERT_OK(fabric()->CompareAndSwap64(DmAddr(1, table + last * 8), 0,
                                       head.Encode(), nullptr));
  ASSERT_OK(fabric()->CompareAndSwap64(DmAddr(1, table + (last + 1) * 8), 0,
                                       body.Encode(), nullptr));
  dying.reset();  // "dies" without freeing anything
  EXPECT_EQ(1u, Stats().transient_chunks);
  EXPECT_EQ(before.free_chunks - 2, Stats().free_chunks);
  // Its slab blocks and runs are still allocated; the live allocator keeps
  // working meanwhile.
  ASSERT_OK(alloc_->Allocate(300, &a));
  // The restarted owner 5 collects what its predecessor held.
  std::unique_ptr<DmAllocator> reborn;
  ASSERT_OK(DmAllocator::Open(fabric(), 5, &reborn));
  EXPECT_EQ(dead_gen + 1, reborn->generation());
  uint64_t freed = 0;
  ASSERT_OK(reborn->ReclaimPredecessors(&freed));
  EXPECT_EQ(1u + 4u + 2u, freed);  // a slab, a 4-chunk run, the dead claim
  const AllocatorStats st = Stats();
  EXPECT_EQ(0u, st.transient_chunks);
  EXPECT_EQ(0u, st.run_chunks);
  EXPECT_EQ(1u, st.slab_chunks);  // the live allocator's
  // Reclaiming an owner from outside, and refusing to reclaim oneself.
  ASSERT_OK(reborn->Allocate(100, &a));
  ASSERT_OK(alloc_->ReclaimOwner(5, &freed));
  EXPECT_EQ(1u, freed);
  EXPECT_TRUE(alloc_->ReclaimOwner(1, &freed).IsInvalidArgument());
  EXPECT_TRUE(alloc_
                  ->ReclaimIncarnation(
                      1, static_cast<uint32_t>(alloc_->generation()), &freed)
                  .IsInvalidArgument());
}

TEST_P(AllocatorConformance, CorruptAllocatorStateIsDetected) {
  const uint64_t chunk = alloc_->chunk_size();
  const uint64_t heap = fabric()->RegionStart(RegionKind::kHeap).offset();
  DmAddr block;
  ASSERT_OK(alloc_->Allocate(128, &block));
  // Damage the slab header's magic: the free refuses with Corruption.
  const DmAddr slab(1, heap + (block.offset() - heap) / chunk * chunk);
  uint64_t junk = 0x1234;
  ASSERT_OK(fabric()->Write(slab, &junk, 8));
  Status s = alloc_->Free(block);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(s.data_loss());
  // An unknown state in a chunk word.
  DmAddr run;
  ASSERT_OK(alloc_->Allocate(2 * chunk, &run));
  const uint64_t table =
      fabric()->RegionStart(RegionKind::kAllocator).offset() +
      kAllocatorHeaderSize + 64 * 8;
  const uint64_t idx = (run.offset() - heap) / chunk;
  uint64_t bad = uint64_t{0xE} << 60 | 1;
  ASSERT_OK(fabric()->Write(DmAddr(1, table + idx * 8), &bad, 8));
  s = alloc_->Free(run);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // A run head with an impossible length.
  ChunkWord huge{ChunkState::kRunHead, 1,
                 static_cast<uint32_t>(alloc_->generation()) & kGenerationMask,
                 0x7fffffff};
  bad = huge.Encode();
  ASSERT_OK(fabric()->Write(DmAddr(1, table + idx * 8), &bad, 8));
  s = alloc_->Free(run);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  // A damaged allocator header: Open refuses.
  const DmAddr header = fabric()->RegionStart(RegionKind::kAllocator);
  uint64_t count = 0;
  ASSERT_OK(fabric()->Read(header + alloc_header::kChunkCount, &count, 8));
  count += 1;
  ASSERT_OK(fabric()->Write(header + alloc_header::kChunkCount, &count, 8));
  std::unique_ptr<DmAllocator> again;
  s = DmAllocator::Open(fabric(), 3, &again);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("checksum")) << s.ToString();
}

INSTANTIATE_TEST_SUITE_P(Backends, AllocatorConformance,
                         ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace o3lsm::fabric::test
