// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PlanRemoteFlushes, without a database: when sealed memtables in DM wait
// for a batch and when they go, and how they are grouped.

#include "lsm/db/flush_planner.h"

#include <gtest/gtest.h>

namespace o3lsm {
namespace {

using Stage = FlushCandidate::Stage;
using Jobs = std::vector<std::vector<size_t>>;

constexpr uint64_t kMiB = 1 << 20;

class FlushPlannerTest : public ::testing::Test {
 protected:
  FlushPlannerTest() {
    in_.batch_bytes = 8 * kMiB;
    in_.max_segments = 64;
    in_.max_jobs = 16;
    in_.dm_budget = 512 * kMiB;
    in_.dm_live_bytes = 16 * kMiB;  // far below half the budget
  }

  // A segment of shard in DM, waiting for a remote flush.
  void AddInDm(int shard, const std::string& lo, const std::string& hi,
               uint64_t bytes = 2 * kMiB, Stage stage = Stage::kFlushableInDm) {
    FlushCandidate c;
    c.id = in_.memtables.size() + 1;
    c.shard = shard;
    c.smallest = lo;
    c.largest = hi;
    c.stage = stage;
    c.bytes = bytes;
    c.footprint = bytes;
    in_.memtables.push_back(c);
  }

  FlushPlanInput in_;
};

TEST_F(FlushPlannerTest, SmallSegmentsWaitForABatch) {
  AddInDm(0, "a", "f");
  AddInDm(0, "b", "e");
  EXPECT_EQ(Jobs{}, PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, AShardsBatchGoesAsOneJobOldestFirst) {
  AddInDm(0, "a", "f");
  AddInDm(1, "m", "z");
  for (int i = 0; i < 3; i++) AddInDm(0, "a", "f");
  // Shard 0 has 4 x 2 MiB = one batch; shard 1 waits.
  EXPECT_EQ((Jobs{{0, 2, 3, 4}}), PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, AWaitedForMemtableGoesWithoutABatch) {
  AddInDm(0, "a", "f");
  AddInDm(0, "a", "f");
  in_.wanted_through = 2;  // Flush() waits for memtables up to id 2
  EXPECT_EQ((Jobs{{0, 1}}), PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, DmMoreThanHalfFullSendsSmallGroups) {
  AddInDm(0, "a", "f");
  AddInDm(1, "m", "z");
  in_.dm_live_bytes = in_.dm_budget / 2 + 2 * kMiB;
  // 2 MiB over: the first group frees that much; the second still waits.
  EXPECT_EQ((Jobs{{0}}), PlanRemoteFlushes(in_));
  // Jobs already out count against the excess.
  AddInDm(2, "0", "1", 4 * kMiB, Stage::kRemoteFlushing);
  EXPECT_EQ(Jobs{}, PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, DmThatCannotTakeLocalMemtablesSendsAGroup) {
  AddInDm(0, "a", "f");
  AddInDm(1, "m", "z");
  in_.dm_blocked = true;
  EXPECT_EQ((Jobs{{0}}), PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, ANewerOverlappingMemtableThatCannotJoinEndsTheGroup) {
  AddInDm(0, "a", "f");
  AddInDm(0, "c", "d", 2 * kMiB, Stage::kWaiting);  // still moving
  for (int i = 0; i < 3; i++) AddInDm(0, "a", "f");
  in_.wanted_through = 1;
  // Only the first goes: one L0 file may not span memtable 2.
  EXPECT_EQ((Jobs{{0}}), PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, AnOlderSegmentHoldingBackANewerFlushGoesAtOnce) {
  AddInDm(0, "a", "f");
  AddInDm(1, "c", "d", 2 * kMiB, Stage::kMovedOn);  // flushed, waits on 0
  EXPECT_EQ((Jobs{{0}}), PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, AHeldShardHoldsItsNewerSegmentsButNotOtherShards) {
  AddInDm(0, "a", "f");
  for (int i = 0; i < 4; i++) AddInDm(1, "m", "z");
  AddInDm(0, "a", "f");
  EXPECT_EQ((Jobs{{1, 2, 3, 4}}), PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, JobsAreCappedBySegmentsPerJobAndJobsInFlight) {
  for (int i = 0; i < 5; i++) AddInDm(0, "a", "f", 8 * kMiB);
  in_.max_segments = 2;
  in_.max_jobs = 2;
  // Each 8 MiB segment is a batch by itself.
  EXPECT_EQ((Jobs{{0}, {1}}), PlanRemoteFlushes(in_));
  in_.batch_bytes = 64 * kMiB;
  in_.wanted_through = 5;
  EXPECT_EQ((Jobs{{0, 1}, {2, 3}}), PlanRemoteFlushes(in_));
  in_.max_segments = 0;  // a board too small for any flush
  EXPECT_EQ(Jobs{}, PlanRemoteFlushes(in_));
}

TEST_F(FlushPlannerTest, SegmentsToBeFlushedHereAreNeverPlanned) {
  AddInDm(0, "a", "f", 8 * kMiB, Stage::kWaiting);  // local_only
  AddInDm(0, "a", "f", 8 * kMiB, Stage::kRemoteFlushing);
  EXPECT_EQ(Jobs{}, PlanRemoteFlushes(in_));
}

}  // namespace
}  // namespace o3lsm
