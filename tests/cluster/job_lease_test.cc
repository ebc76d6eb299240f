// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Leases: an executor that stops heartbeating loses its job to another, and
// nothing it does afterwards (heartbeat, complete, a late result scribbled
// over the slot) is ever accepted.

#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <thread>

#include "interconnect/fabric_wrapper.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/lease_watch.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

JobView Claimed(uint16_t attempt, uint64_t heartbeat, uint16_t executor = 5) {
  JobView v;
  v.slot = 2;
  v.serial = 9;
  v.state = JobState::kClaimed;
  v.attempt = attempt;
  v.executor = executor;
  v.heartbeat = heartbeat;
  return v;
}

TEST(LeaseWatch, ExpiresWhenTheHeartbeatStops) {
  LeaseWatch w(100ms);
  const Clock::time_point t0 = Clock::now();
  EXPECT_FALSE(w.Expired(Claimed(1, 10), t0));
  EXPECT_FALSE(w.Expired(Claimed(1, 11), t0 + 80ms));   // moved
  EXPECT_FALSE(w.Expired(Claimed(1, 11), t0 + 170ms));  // 90 ms still
  EXPECT_TRUE(w.Expired(Claimed(1, 11), t0 + 180ms));
  // A new attempt (after a repost) starts a new lease.
  EXPECT_FALSE(w.Expired(Claimed(2, 11, 6), t0 + 200ms));
  EXPECT_TRUE(w.Expired(Claimed(2, 11, 6), t0 + 300ms));
  // Only claims expire.
  JobView posted = Claimed(3, 11);
  posted.state = JobState::kPosted;
  EXPECT_FALSE(w.Expired(posted, t0 + 300ms));
  EXPECT_FALSE(w.Expired(posted, t0 + 900ms));
  EXPECT_EQ(600ms, w.InState(posted, t0 + 900ms));
  EXPECT_EQ(1u, w.size());
  w.Forget(posted.ticket());
  EXPECT_EQ(0u, w.size());
}

// Runs a callback just before a batch that CASes a given word is posted:
// the window between an executor's last check of its claim and its
// Complete, where a revoked executor scribbles its result.
class PauseBeforeCas : public fabric::FabricWrapper {
 public:
  using FabricWrapper::FabricWrapper;
  std::function<void()> hook;

  Status Post(std::span<fabric::WorkRequest> batch,
              fabric::Completion* c) override {
    for (const fabric::WorkRequest& wr : batch) {
      if (wr.verb == fabric::Verb::kCompareAndSwap && hook) {
        auto h = std::move(hook);
        hook = nullptr;
        h();
        break;
      }
    }
    return FabricWrapper::Post(batch, c);
  }
};

// Inspects the job every few ms until the watch says its lease expired.
void WaitForExpiry(JobBoard* b, const JobTicket& t, LeaseWatch* watch) {
  const auto deadline = Clock::now() + 5s;
  while (Clock::now() < deadline) {
    JobView v;
    ASSERT_OK(b->Inspect(t, &v));
    if (watch->Expired(v, Clock::now())) return;
    std::this_thread::sleep_for(2ms);
  }
  FAIL() << "the lease never expired";
}

TEST(JobLease, StaleExecutorIsFencedOff) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket t;
  ASSERT_OK(b->Post(1, JobType::kFlush, "flush shard 3", 0, &t));
  ClaimedJob a;
  ASSERT_OK(b->Claim(11, kAnyJobType, 0ns, &a));
  ASSERT_OK(b->Heartbeat(a));

  // A stalls. The owner's watch notices and re-posts attempt 2.
  LeaseWatch watch(50ms);
  WaitForExpiry(b, t, &watch);
  ASSERT_OK(b->Repost(&t, 0));
  EXPECT_EQ(2, t.attempt);
  EXPECT_TRUE(b->Repost(&t, 0).IsBusy());  // no longer claimed

  // B takes attempt 2; whatever A does now is refused.
  ClaimedJob bj;
  ASSERT_OK(b->Claim(12, kAnyJobType, 0ns, &bj));
  EXPECT_EQ(2, bj.ticket.attempt);
  EXPECT_EQ("flush shard 3", bj.payload);
  EXPECT_TRUE(b->Heartbeat(a).IsAborted());
  EXPECT_TRUE(b->Complete(a, true, "attempt 1 late").IsAborted());
  ASSERT_OK(b->Complete(bj, true, "attempt 2 ok"));
  EXPECT_TRUE(b->Complete(a, true, "attempt 1 later").IsAborted());
  bool success = false;
  std::string result;
  ASSERT_OK(b->ReadResult(t, &success, &result));
  EXPECT_TRUE(success);
  EXPECT_EQ("attempt 2 ok", result);
}

TEST(JobLease, LateScribbleOfARevokedExecutorFailsValidation) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  JobBoard* owner = c.board.get();
  PauseBeforeCas a_fabric(c.fabric.get());
  std::unique_ptr<JobBoard> a_board;
  ASSERT_OK(JobBoard::Open(&a_fabric, &a_board));

  JobTicket t;
  ASSERT_OK(owner->Post(1, JobType::kCompaction, "compact L0", 0, &t));
  ClaimedJob a;
  ASSERT_OK(a_board->Claim(11, kAnyJobType, 0ns, &a));

  // A checks its claim (still valid), then stalls right before its result
  // write + CAS. Meanwhile the lease expires, B runs attempt 2 to the end.
  ClaimedJob b;
  a_fabric.hook = [&] {
    LeaseWatch watch(20ms);
    WaitForExpiry(owner, t, &watch);
    ASSERT_OK(owner->Repost(&t, 0));
    ASSERT_OK(owner->Claim(12, kAnyJobType, 0ns, &b));
    ASSERT_OK(owner->Complete(b, true, "attempt 2 ok"));
  };
  Status s = a_board->Complete(a, true, "attempt 1 late");
  EXPECT_TRUE(s.IsAborted()) << s.ToString();
  ASSERT_EQ(2, t.attempt);

  // A's result bytes landed over B's: the owner must not accept them.
  bool success = false;
  std::string result;
  s = owner->ReadResult(t, &success, &result);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("attempt 1")) << s.ToString();

  // The owner retries; attempt 3 is accepted, with its own result.
  ASSERT_OK(owner->Retry(&t, 0));
  ClaimedJob c3;
  ASSERT_OK(owner->Claim(13, kAnyJobType, 0ns, &c3));
  EXPECT_EQ(3, c3.ticket.attempt);
  ASSERT_OK(owner->Complete(c3, true, "attempt 3 ok"));
  ASSERT_OK(owner->ReadResult(t, &success, &result));
  EXPECT_EQ("attempt 3 ok", result);
  // Nothing the stale executors do changes that.
  EXPECT_TRUE(a_board->Complete(a, true, "again").IsAborted());
  EXPECT_TRUE(owner->Complete(b, true, "again").IsAborted());
  ASSERT_OK(owner->ReadResult(t, &success, &result));
  EXPECT_EQ("attempt 3 ok", result);
}

TEST(JobLease, HeartbeatsKeepALeaseAlive) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket t;
  ASSERT_OK(b->Post(1, JobType::kFlush, "long job", 0, &t));
  ClaimedJob job;
  ASSERT_OK(b->Claim(3, kAnyJobType, 0ns, &job));
  LeaseWatch watch(100ms);
  const auto end = Clock::now() + 250ms;
  while (Clock::now() < end) {
    ASSERT_OK(b->Heartbeat(job));
    JobView v;
    ASSERT_OK(b->Inspect(t, &v));
    EXPECT_FALSE(watch.Expired(v, Clock::now()));
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_OK(b->Complete(job, true, "done"));
}

}  // namespace
}  // namespace o3lsm::cluster
