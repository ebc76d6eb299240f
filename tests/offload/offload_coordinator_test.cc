// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// OffloadCoordinator's hand-backs at the edges of a job's life: every job
// it posts comes back exactly once, also when the executor of its last
// attempt dies holding the claim; and its leases run on the Env's clock.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "lsm/offload/offload_coordinator.h"
#include "o3lsm/env.h"
#include "scheduler/cluster/job_slot_format.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"

namespace o3lsm {
namespace {

using namespace std::chrono_literals;

// Claims the next posted job, waiting for the coordinator's poster to post
// it (Submit only queues).
Status ClaimWhenPosted(cluster::JobBoard* board, uint16_t node,
                       cluster::ClaimedJob* job) {
  Status s;
  for (int i = 0; i < 500; i++) {
    s = board->Claim(node, cluster::JobTypeBit(cluster::JobType::kFlush), 0ns,
                     job);
    if (s.ok()) return s;
    std::this_thread::sleep_for(10ms);
  }
  return s;
}

// An Env whose clock moves only when the test says.
class FakeClockEnv final : public EnvWrapper {
 public:
  FakeClockEnv() : EnvWrapper(Env::Default()) {}
  uint64_t NowMicros() override { return now_.load(); }
  void Advance(std::chrono::microseconds by) { now_ += by.count(); }

 private:
  std::atomic<uint64_t> now_{1000000};
};

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
  ASSERT_OK(ClaimWhenPosted(c.board.get(), worker.node, &job));
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

// A lease of 10 minutes expires as soon as the Env's clock says so: the
// coordinator reads no other clock.
TEST(OffloadCoordinator, LeasesExpireOnTheEnvClock) {
  cluster::test::TestCluster c;
  ASSERT_OK(cluster::test::OpenTestCluster(&c));
  cluster::NodeRegistration cn, worker;
  ASSERT_OK(c.table->Register(cluster::NodeRole::kCompute, "cn", 0, &cn));
  ASSERT_OK(c.table->Register(cluster::NodeRole::kWorker, "w", 1, &worker));

  FakeClockEnv clock;
  OffloadCoordinatorOptions options;
  options.self = cn;
  options.env = &clock;
  options.lease_timeout = 600s;
  options.liveness_timeout = 3600s;
  options.unclaimed_timeout = 3600s;
  OffloadCoordinator coordinator(c.board.get(), c.table.get(), options);
  coordinator.Start();

  std::atomic<bool> done{false};
  ASSERT_OK(coordinator.Submit(cluster::JobType::kFlush, "payload",
                               /*max_attempts=*/2,
                               [&](const Status&, const JobResult&) {
                                 done.store(true);
                               }));
  cluster::ClaimedJob job;
  ASSERT_OK(ClaimWhenPosted(c.board.get(), worker.node, &job));
  // The watcher sees the claim (its lease starts then) ...
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(0u, coordinator.stats().reposted);
  // ... and 11 fake minutes later, with no heartbeat, re-posts the job.
  clock.Advance(660s);
  for (int i = 0; i < 500 && coordinator.stats().reposted == 0; i++) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(1u, coordinator.stats().reposted);
  EXPECT_TRUE(c.board->Heartbeat(job).IsAborted());
  coordinator.Stop();
  EXPECT_TRUE(done.load());  // handed back by Stop
}

}  // namespace
}  // namespace o3lsm
