// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Several processes on one pool: forked and exec'ed o3lsm_fabric_helper
// children (tests/fabric/fabric_helper.cc) share an emulated /dev/shm pool
// and a cxl pool on tmpfs; a forked child shares an anonymous pool.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric.h"
#include "tests/fabric/fabric_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::fabric::test {
namespace {

using ::o3lsm::test::ReapProcess;
using ::o3lsm::test::SpawnProcess;

class MultiProcess : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const std::string not_built = NotBuiltReason(GetParam());
    if (!not_built.empty()) GTEST_SKIP() << not_built;
    shm_ = std::make_unique<ShmPath>("mp");
    uri_ = std::string(GetParam()) + ":" + shm_->path();
    FabricOptions o;
    o.uri = uri_;
    o.create_if_missing = true;
    o.size = 32 << 20;
    o.layout = TestLayout();
    ASSERT_OK(OpenFabric(o, &fabric_));
    ASSERT_TRUE(std::filesystem::exists(HelperPath())) << HelperPath();
  }
  DmAddr Heap(uint64_t delta) const {
    return fabric_->RegionStart(RegionKind::kHeap) + delta;
  }

  std::unique_ptr<ShmPath> shm_;
  std::string uri_;
  std::unique_ptr<Fabric> fabric_;
  o3lsm::test::ScratchDir dir_{"mp"};
};

TEST_P(MultiProcess, ConcurrentCountersEndExact) {
  const int kChildren = 4, kIters = 4000;
  const uint64_t offset = Heap(4096).offset();
  std::vector<pid_t> pids;
  for (int i = 0; i < kChildren; i++) {
    pids.push_back(
        SpawnProcess({HelperPath(), "count", uri_, std::to_string(offset),
                      std::to_string(kIters)}));
  }
  // The parent counts too, at the same time.
  for (int i = 0; i < kIters; i++) {
    ASSERT_OK(fabric_->FetchAndAdd64(Heap(4096), 1, nullptr));
  }
  for (pid_t p : pids) EXPECT_EQ(0, ReapProcess(p));
  uint64_t faa = 0, cas = 0;
  ASSERT_OK(fabric_->Read(Heap(4096), &faa, 8));
  ASSERT_OK(fabric_->Read(Heap(4096 + 8), &cas, 8));
  EXPECT_EQ(uint64_t{kChildren + 1} * kIters, faa);
  EXPECT_EQ(uint64_t{kChildren} * kIters, cas);
}

TEST_P(MultiProcess, ConcurrentAllocationsNeverOverlap) {
  const int kChildren = 3;
  std::vector<pid_t> pids;
  for (int i = 0; i < kChildren; i++) {
    pids.push_back(
        SpawnProcess({HelperPath(), "alloc", uri_, std::to_string(10 + i),
                      "150", dir_.Child("out" + std::to_string(i))}));
  }
  for (pid_t p : pids) EXPECT_EQ(0, ReapProcess(p));
  struct Span {
    uint64_t offset, size, tag;
  };
  std::vector<Span> spans;
  for (int i = 0; i < kChildren; i++) {
    std::ifstream in(dir_.Child("out" + std::to_string(i)));
    Span s;
    int n = 0;
    while (in >> s.offset >> s.size >> s.tag) {
      spans.push_back(s);
      n++;
    }
    EXPECT_GT(n, 100) << "child " << i;
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.offset < b.offset; });
  for (size_t i = 1; i < spans.size(); i++) {
    ASSERT_LE(spans[i - 1].offset + spans[i - 1].size, spans[i].offset);
  }
  // Every stamp survived the others' writes.
  for (const Span& s : spans) {
    std::vector<uint64_t> back(s.size / 8);
    ASSERT_OK(fabric_->Read(DmAddr(fabric_->pool_id(), s.offset), back.data(),
                            back.size() * 8));
    for (uint64_t v : back) ASSERT_EQ(s.tag, v);
  }
}

TEST_P(MultiProcess, SigkillMidAllocationLeavesThePoolUsable) {
  std::unique_ptr<DmAllocator> mine;
  ASSERT_OK(DmAllocator::Open(fabric_.get(), 1, &mine));
  struct Churner {
    uint16_t owner;
    pid_t pid;
    std::string gen_file;
  };
  std::vector<Churner> churners;
  auto start = [&](uint16_t owner) {
    Churner c{owner, 0, dir_.Child("gen" + std::to_string(owner))};
    c.pid = SpawnProcess(
        {HelperPath(), "churn", uri_, std::to_string(owner), c.gen_file});
    churners.push_back(c);
  };
  auto generation = [&](const Churner& c) {
    uint64_t gen = 0;
    for (int i = 0; i < 500 && gen == 0; i++) {
      std::ifstream in(c.gen_file);
      if (!(in >> gen)) {
        gen = 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    return gen;
  };
  Random64 rnd(77);
  start(10);
  start(11);
  std::vector<DmAddr> held;
  for (int round = 0; round < 4; round++) {
    // Kill a churner at a random moment, while the others (and this
    // process) keep allocating.
    Churner& victim = churners[churners.size() - 2];
    ASSERT_NE(0u, generation(victim));
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(20 + rnd.Uniform(60));
    while (std::chrono::steady_clock::now() < until) {
      DmAddr a;
      Status s = mine->Allocate(64 + rnd.Uniform(3 * mine->chunk_size()), &a);
      if (s.ok()) held.push_back(a);
      ASSERT_TRUE(s.ok() || s.IsNoSpace()) << s.ToString();
      if (held.size() > 20) {
        ASSERT_OK(mine->Free(held.front()));
        held.erase(held.begin());
      }
    }
    ASSERT_EQ(0, kill(victim.pid, SIGKILL));
    EXPECT_EQ(128 + SIGKILL, ReapProcess(victim.pid));
    victim.pid = 0;
    start(static_cast<uint16_t>(12 + round));
  }
  for (Churner& c : churners) {
    if (c.pid == 0) continue;
    ASSERT_NE(0u, generation(c));
    kill(c.pid, SIGKILL);
    EXPECT_EQ(128 + SIGKILL, ReapProcess(c.pid));
  }
  // Every incarnation is dead now: reclaim them, which only needs CAS.
  for (const Churner& c : churners) {
    uint64_t chunks = 0;
    ASSERT_OK(mine->ReclaimIncarnation(
        c.owner, static_cast<uint32_t>(generation(c)), &chunks));
  }
  for (DmAddr a : held) ASSERT_OK(mine->Free(a));
  AllocatorStats st;
  ASSERT_OK(mine->GetStats(&st));
  EXPECT_EQ(0u, st.transient_chunks);
  EXPECT_EQ(0u, st.run_chunks);
  EXPECT_LE(st.slab_chunks, 8u);  // this process's own: one per size class
  // The pool is whole again: one run of every free chunk.
  DmAddr all;
  ASSERT_OK(mine->Allocate(st.largest_free_run * st.chunk_size, &all));
  ASSERT_OK(mine->Free(all));
}

INSTANTIATE_TEST_SUITE_P(FileBackends, MultiProcess,
                         ::testing::Values("emulated", "cxl"));

TEST(MultiProcessAnonymous, ForkedChildrenShareTheMemfdPool) {
  FabricOptions o;
  o.uri = "emulated:?size=4M";
  o.layout = TestLayout();
  std::unique_ptr<Fabric> f;
  ASSERT_OK(OpenFabric(o, &f));
  const DmAddr word = f->RegionStart(RegionKind::kMailboxes);
  const int kChildren = 3, kIters = 5000;
  std::vector<pid_t> pids;
  for (int i = 0; i < kChildren; i++) {
    const pid_t pid = fork();
    if (pid == 0) {
      // Async-signal-safe enough: atomics on an inherited mapping.
      for (int k = 0; k < kIters; k++) {
        if (!f->FetchAndAdd64(word, 1, nullptr).ok()) _exit(1);
      }
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (int k = 0; k < kIters; k++)
    ASSERT_OK(f->FetchAndAdd64(word, 1, nullptr));
  for (pid_t p : pids) EXPECT_EQ(0, ReapProcess(p));
  uint64_t v = 0;
  ASSERT_OK(f->Read(word, &v, 8));
  EXPECT_EQ(uint64_t{kChildren + 1} * kIters, v);
}

TEST(MultiProcessDoorbell, RingWakesAnotherProcess) {
  ShmPath shm("bell");
  FabricOptions o;
  o.uri = "emulated:" + shm.path() + "?size=4M&create=1";
  o.layout = TestLayout();
  std::unique_ptr<Fabric> f;
  ASSERT_OK(OpenFabric(o, &f));
  const DmAddr bell = f->RegionStart(RegionKind::kMailboxes) + 8;
  const pid_t pid = fork();
  if (pid == 0) {
    // Sleeps in the kernel until the parent rings, then acknowledges.
    uint64_t now = 0;
    Status s = f->WaitOnWord(bell, 0, std::chrono::seconds(10), &now);
    if (!s.ok() || now != 1) _exit(1);
    if (!f->Ring(bell + 8).ok()) _exit(2);
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ASSERT_OK(f->Ring(bell));
  ASSERT_OK(f->WaitOnWord(bell + 8, 0, std::chrono::seconds(10), nullptr));
  EXPECT_EQ(0, ReapProcess(pid));
}

}  // namespace
}  // namespace o3lsm::fabric::test
