// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// OffloadCoordinator's hand-backs at the edges of a job's life: every job
// it posts comes back exactly once, also when the executor of its last
// attempt dies holding the claim.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "lsm/offload/offload_coordinator.h"
#include "scheduler/cluster/job_slot_format.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"

namespace o3lsm {
namespace {

using namespace std::chrono_literals;

// Bug (docs/offload.md §9, now fixed): when the lease of a job's last
// attempt expired, the coordinator tried Cancel, which frees only a posted
// job, so the job never came back and its memtables were never flushed.
TEST(OffloadCoordinator, LastAttemptOfADeadExecutorIsHandedBack) {
  cluster::test::TestCluster c;
  ASSERT_OK(cluster::test::OpenTestCluster(&c));
  cluster::NodeRegistration cn, worker;
  ASSERT_OK(c.table->Register(cluster::NodeRole::kCompute, "cn", 0, &cn));
  ASSERT_OK(c.table->Register(cluster::NodeRole::kWorker, "w", 1, &worker));

  OffloadCoordinatorOptions options;
  options.self = cn;
  options.lease_timeout = 100ms;
  options.liveness_timeout = 60s;  // the worker stays "alive" throughout
  OffloadCoordinator coordinator(c.board.get(), c.table.get(), options);
  coordinator.Start();
  // The watcher's first look at the node table shows the worker.
  for (int i = 0; i < 200 && !coordinator.HaveExecutors(); i++) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(coordinator.HaveExecutors());

  std::atomic<int> calls{0};
  Status handed_back;
  std::atomic<bool> done{false};
  ASSERT_OK(coordinator.Submit(
      cluster::JobType::kFlush, "payload", /*max_attempts=*/1,
      [&](const Status& s, const JobResult&) {
        handed_back = s;
        calls++;
        done.store(true);
      }));
  // The worker claims the only attempt, then dies: no heartbeat, ever.
  cluster::ClaimedJob job;
  ASSERT_OK(c.board->Claim(worker.node,
                           cluster::JobTypeBit(cluster::JobType::kFlush), 0ns,
                           &job));
  for (int i = 0; i < 500 && !done.load(); i++) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(done.load()) << "the job was never handed back";
  EXPECT_TRUE(handed_back.IsTimedOut()) << handed_back.ToString();
  // The dead executor's claim is revoked: were it only slow, nothing it
  // did now would count.
  EXPECT_TRUE(c.board->Heartbeat(job).IsAborted());
  EXPECT_TRUE(c.board->Complete(job, true, "late").IsAborted());
  coordinator.Stop();
  EXPECT_EQ(1, calls.load());
  EXPECT_EQ(0u, coordinator.stats().outstanding);
}

}  // namespace
}  // namespace o3lsm
