// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// FaultInjectionFabric, and the allocator and verbs under injected faults:
// a vanished peer is a retryable Unavailable, dropped batches time out, lost
// CAS races are retried, and the allocator stays consistent.

#include <vector>

#include "interconnect/dm_allocator.h"
#include "interconnect/fault_injection_fabric.h"
#include "tests/fabric/fabric_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::fabric::test {
namespace {

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    FabricOptions o;
    o.uri = "emulated:?size=16M";
    o.layout = TestLayout();
    ASSERT_OK(OpenFabric(o, &base_));
    faulty_ = std::make_unique<FaultInjectionFabric>(base_.get());
  }
  DmAddr Heap(uint64_t d) const {
    return base_->RegionStart(RegionKind::kHeap) + d;
  }
  std::unique_ptr<Fabric> base_;
  std::unique_ptr<FaultInjectionFabric> faulty_;
};

TEST_F(FaultInjection, WrapperForwardsEverything) {
  EXPECT_EQ(base_->pool_id(), faulty_->pool_id());
  EXPECT_EQ(base_->Describe(), faulty_->Describe());
  uint64_t v = 5, back = 0;
  ASSERT_OK(faulty_->Write(Heap(0), &v, 8));
  ASSERT_OK(base_->Read(Heap(0), &back, 8));
  EXPECT_EQ(5u, back);
  EXPECT_EQ(base_->LocalView(Heap(0), 8), faulty_->LocalView(Heap(0), 8));
  ASSERT_OK(faulty_->Ring(Heap(64)));
  ASSERT_OK(
      faulty_->WaitOnWord(Heap(64), 0, std::chrono::milliseconds(1), &back));
  EXPECT_EQ(1u, back);
}

TEST_F(FaultInjection, VanishedPeerIsRetryableUnavailable) {
  faulty_->SetPeerGone(true);
  uint64_t v = 0;
  Status s = faulty_->Read(Heap(0), &v, 8);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_TRUE(s.retryable());
  EXPECT_FALSE(s.data_loss());
  EXPECT_TRUE(faulty_->Ring(Heap(0)).IsUnavailable());
  EXPECT_TRUE(faulty_->Persist(Heap(0), 8).IsUnavailable());
  std::unique_ptr<DmAllocator> a;
  EXPECT_TRUE(DmAllocator::Open(faulty_.get(), 1, &a).IsUnavailable());
  faulty_->SetPeerGone(false);
  EXPECT_OK(faulty_->Read(Heap(0), &v, 8));
}

TEST_F(FaultInjection, DroppedBatchesTimeOutAndDoNothing) {
  faulty_->SetDropProbability(1.0);
  uint64_t v = 7;
  Status s = faulty_->Write(Heap(0), &v, 8);
  EXPECT_TRUE(s.IsTimedOut()) << s.ToString();
  EXPECT_EQ(1u, faulty_->dropped_batches());
  uint64_t back = 1;
  ASSERT_OK(base_->Read(Heap(0), &back, 8));
  EXPECT_EQ(0u, back);
}

TEST_F(FaultInjection, AllocatorSurvivesLostCasRaces) {
  std::unique_ptr<DmAllocator> a;
  ASSERT_OK(DmAllocator::Open(faulty_.get(), 1, &a));
  faulty_->SetCasFailureProbability(0.3);
  std::vector<DmAddr> held;
  for (int i = 0; i < 300; i++) {
    DmAddr addr;
    Status s = a->Allocate(i % 3 == 0 ? 200000 : 100 + i, &addr);
    if (s.ok()) held.push_back(addr);
    ASSERT_TRUE(s.ok() || s.IsNoSpace()) << s.ToString();
  }
  EXPECT_GT(faulty_->failed_cas(), 0u);
  faulty_->SetCasFailureProbability(0);
  EXPECT_GT(held.size(), 200u);
  for (DmAddr addr : held) ASSERT_OK(a->Free(addr));
  AllocatorStats st;
  ASSERT_OK(a->GetStats(&st));
  EXPECT_EQ(0u, st.run_chunks);
  EXPECT_EQ(0u, st.transient_chunks);
}

}  // namespace
}  // namespace o3lsm::fabric::test
