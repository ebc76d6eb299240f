// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The job board's state machine, one step at a time, on an anonymous pool.

#include "scheduler/cluster/job_board.h"

#include <chrono>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::cluster {
namespace {

using namespace std::chrono_literals;
using test::OpenTestCluster;
using test::TestCluster;

constexpr uint32_t kFlushOnly = JobTypeBit(JobType::kFlush);

TEST(JobBoard, OpenNeedsAFormattedRegion) {
  std::unique_ptr<fabric::Fabric> f;
  ASSERT_OK(test::OpenPool("emulated:", test::SmallLayout(), false, &f));
  std::unique_ptr<JobBoard> board;
  Status s = JobBoard::Open(f.get(), &board);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("job board")) << s.ToString();
  ASSERT_OK(JobBoard::Format(f.get()));
  ASSERT_OK(JobBoard::Open(f.get(), &board));
  EXPECT_EQ(15u, board->slot_count());
  EXPECT_EQ(1984u, board->max_payload());
  EXPECT_EQ(1984u, board->max_result());
}

TEST(JobBoard, LayoutIsChosenAtFormat) {
  std::unique_ptr<fabric::Fabric> f;
  ASSERT_OK(test::OpenPool("emulated:", test::SmallLayout(), false, &f));
  JobBoardLayout layout;
  layout.slot_size = 1024;
  layout.payload_capacity = 256;
  ASSERT_OK(JobBoard::Format(f.get(), layout));
  std::unique_ptr<JobBoard> board;
  ASSERT_OK(JobBoard::Open(f.get(), &board));
  EXPECT_EQ(63u, board->slot_count());
  EXPECT_EQ(256u, board->max_payload());
  EXPECT_EQ(1024u - 128 - 256, board->max_result());
  layout.slot_size = 1000;  // not a multiple of 64
  EXPECT_TRUE(JobBoard::Format(f.get(), layout).IsInvalidArgument());
  layout.slot_size = 1024;
  layout.payload_capacity = 1024 - 128;  // no room for a result
  EXPECT_TRUE(JobBoard::Format(f.get(), layout).IsInvalidArgument());
}

TEST(JobBoard, PostClaimHeartbeatCompleteReadRelease) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket t;
  ASSERT_OK(b->Post(1, JobType::kFlush, "segments 7,8 -> file 42", 0, &t));
  EXPECT_EQ(1u, t.attempt);
  EXPECT_NE(0u, t.serial);

  JobView v;
  ASSERT_OK(b->Inspect(t, &v));
  EXPECT_EQ(JobState::kPosted, v.state);
  EXPECT_EQ(JobType::kFlush, v.type);
  EXPECT_EQ(1, v.owner);
  EXPECT_EQ(0, v.offered_to);
  EXPECT_EQ(1, v.attempt);
  EXPECT_EQ(23u, v.payload_length);
  EXPECT_GT(v.post_micros, 0u);

  ClaimedJob job;
  ASSERT_OK(b->Claim(5, kAnyJobType, 1h, &job));
  EXPECT_EQ("segments 7,8 -> file 42", job.payload);
  EXPECT_EQ(t.slot, job.ticket.slot);
  EXPECT_EQ(t.serial, job.ticket.serial);
  EXPECT_EQ(1, job.ticket.attempt);
  EXPECT_EQ(1, job.owner);
  EXPECT_EQ(5, job.executor);
  EXPECT_EQ(JobType::kFlush, job.type);
  // Nothing else is claimable.
  ClaimedJob other;
  EXPECT_TRUE(b->Claim(6, kAnyJobType, 0ns, &other).IsNotFound());

  ASSERT_OK(b->Inspect(t, &v));
  EXPECT_EQ(JobState::kClaimed, v.state);
  EXPECT_EQ(5, v.executor);
  const uint64_t hb = v.heartbeat;
  ASSERT_OK(b->Heartbeat(job));
  ASSERT_OK(b->Heartbeat(job));
  ASSERT_OK(b->Inspect(t, &v));
  EXPECT_EQ(hb + 2, v.heartbeat);

  bool success = false;
  std::string result;
  EXPECT_TRUE(b->ReadResult(t, &success, &result).IsBusy());
  ASSERT_OK(b->Complete(job, true, "sst 42: 1000 keys"));
  ASSERT_OK(b->Inspect(t, &v));
  EXPECT_EQ(JobState::kDone, v.state);
  EXPECT_EQ(5, v.executor);
  ASSERT_OK(b->ReadResult(t, &success, &result));
  EXPECT_TRUE(success);
  EXPECT_EQ("sst 42: 1000 keys", result);
  // The executor is done with it; a second Complete is refused.
  EXPECT_TRUE(b->Complete(job, true, "again").IsAborted());
  EXPECT_TRUE(b->Heartbeat(job).IsAborted());

  ASSERT_OK(b->Release(t));
  EXPECT_TRUE(b->Inspect(t, &v).IsNotFound());
  EXPECT_TRUE(b->Release(t).IsNotFound());
  std::vector<JobView> all;
  ASSERT_OK(b->List(&all));
  EXPECT_TRUE(all.empty());

  // The slot's next use has a new serial: the old ticket stays dead.
  std::vector<JobTicket> tickets(b->slot_count());
  for (JobTicket& x : tickets) {
    ASSERT_OK(b->Post(2, JobType::kFlush, "x", 0, &x));
  }
  for (const JobTicket& x : tickets) {
    if (x.slot == t.slot) {
      EXPECT_NE(t.serial, x.serial);
    }
  }
  EXPECT_TRUE(b->Inspect(t, &v).IsNotFound());
}

TEST(JobBoard, FailedJobsReportFailureAndCanBeRetried) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket t;
  ASSERT_OK(b->Post(1, JobType::kCompaction, "inputs", 0, &t));
  ClaimedJob job;
  ASSERT_OK(b->Claim(3, kAnyJobType, 0ns, &job));
  ASSERT_OK(b->Complete(job, false, "IOError: disk full"));
  bool success = true;
  std::string result;
  ASSERT_OK(b->ReadResult(t, &success, &result));
  EXPECT_FALSE(success);
  EXPECT_EQ("IOError: disk full", result);

  // Repost is for lost leases only; Retry reposts a finished job.
  JobTicket stale = t;
  EXPECT_TRUE(b->Repost(&t, 0).IsBusy());
  ASSERT_OK(b->Retry(&t, 4));
  EXPECT_EQ(2, t.attempt);
  JobView v;
  ASSERT_OK(b->Inspect(t, &v));
  EXPECT_EQ(JobState::kPosted, v.state);
  EXPECT_EQ(4, v.offered_to);
  EXPECT_EQ(2, v.attempt);
  // A ticket that still names attempt 1 cannot move the job any more.
  EXPECT_TRUE(b->Retry(&stale, 0).IsBusy());
  EXPECT_TRUE(b->ReadResult(stale, &success, &result).IsBusy());

  ASSERT_OK(b->Claim(4, kAnyJobType, 1h, &job));
  EXPECT_EQ(2, job.ticket.attempt);
  EXPECT_EQ("inputs", job.payload);
  ASSERT_OK(b->Complete(job, true, "ok"));
  ASSERT_OK(b->ReadResult(t, &success, &result));
  EXPECT_TRUE(success);
  EXPECT_EQ("ok", result);
}

TEST(JobBoard, CancelTakesBackAnUnclaimedJobOnly) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket t1, t2;
  ASSERT_OK(b->Post(1, JobType::kFlush, "a", 0, &t1));
  ASSERT_OK(b->Post(1, JobType::kFlush, "b", 0, &t2));
  ASSERT_OK(b->Cancel(t1));
  JobView v;
  EXPECT_TRUE(b->Inspect(t1, &v).IsNotFound());
  EXPECT_TRUE(b->Cancel(t1).IsNotFound());
  ClaimedJob job;
  ASSERT_OK(b->Claim(2, kAnyJobType, 0ns, &job));
  EXPECT_EQ("b", job.payload);
  EXPECT_TRUE(b->Cancel(t2).IsBusy());
  EXPECT_TRUE(b->Claim(2, kAnyJobType, 0ns, &job).IsNotFound());
}

TEST(JobBoard, FullBoardIsBusyNotAHang) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  std::vector<JobTicket> tickets(b->slot_count());
  for (JobTicket& t : tickets) {
    ASSERT_OK(b->Post(1, JobType::kFlush, "job", 0, &t));
  }
  JobTicket extra;
  const auto start = std::chrono::steady_clock::now();
  Status s = b->Post(1, JobType::kFlush, "one too many", 0, &extra);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_TRUE(s.retryable());
  EXPECT_NE(std::string::npos, s.ToString().find("full")) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  ASSERT_OK(b->Release(tickets[3]));
  ASSERT_OK(b->Post(1, JobType::kFlush, "fits now", 0, &extra));
  EXPECT_EQ(tickets[3].slot, extra.slot);
}

TEST(JobBoard, PayloadAndResultSizesAreBounded) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  Random64 rnd(5);
  const std::string biggest =
      o3lsm::test::RandomBytes(&rnd, b->max_payload(), false);
  JobTicket t;
  Status s = b->Post(1, JobType::kFlush, biggest + "x", 0, &t);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(
      b->Post(0, JobType::kFlush, "no owner", 0, &t).IsInvalidArgument());
  EXPECT_TRUE(
      b->Post(1, static_cast<JobType>(0), "", 0, &t).IsInvalidArgument());
  EXPECT_TRUE(
      b->Post(1, static_cast<JobType>(16), "", 0, &t).IsInvalidArgument());
  ASSERT_OK(b->Post(1, JobType::kFlush, biggest, 0, &t));
  JobTicket empty;
  ASSERT_OK(b->Post(1, JobType::kFlush, "", 0, &empty));

  ClaimedJob job, job2;
  ASSERT_OK(b->Claim(2, kAnyJobType, 0ns, &job));
  ASSERT_OK(b->Claim(2, kAnyJobType, 0ns, &job2));
  ClaimedJob& big = job.payload.size() > 0 ? job : job2;
  ClaimedJob& small = job.payload.size() > 0 ? job2 : job;
  EXPECT_EQ(biggest, big.payload);
  EXPECT_EQ("", small.payload);
  const std::string result =
      o3lsm::test::RandomBytes(&rnd, b->max_result(), false);
  EXPECT_TRUE(b->Complete(big, true, result + "y").IsInvalidArgument());
  ASSERT_OK(b->Complete(big, true, result));
  ASSERT_OK(b->Complete(small, true, ""));
  bool success = false;
  std::string back;
  ASSERT_OK(b->ReadResult(t, &success, &back));
  EXPECT_EQ(result, back);
  ASSERT_OK(b->ReadResult(empty, &success, &back));
  EXPECT_EQ("", back);
}

TEST(JobBoard, ClaimFollowsOffersTypesAndStealing) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket to9, compaction, anyone, to4;
  ASSERT_OK(b->Post(1, JobType::kFlush, "offered to 9", 9, &to9));
  ASSERT_OK(b->Post(1, JobType::kCompaction, "compaction", 0, &compaction));
  ClaimedJob job;
  // A flush-only executor ignores the compaction; the flush is node 9's.
  EXPECT_TRUE(b->Claim(3, kFlushOnly, 1h, &job).IsNotFound());
  ASSERT_OK(b->Post(1, JobType::kFlush, "anyone", 0, &anyone));
  ASSERT_OK(b->Post(1, JobType::kFlush, "offered to 4", 4, &to4));
  // Node 4 takes its own offer before the open one.
  ASSERT_OK(b->Claim(4, kFlushOnly, 1h, &job));
  EXPECT_EQ("offered to 4", job.payload);
  ASSERT_OK(b->Claim(4, kFlushOnly, 1h, &job));
  EXPECT_EQ("anyone", job.payload);
  EXPECT_TRUE(b->Claim(4, kFlushOnly, 1h, &job).IsNotFound());
  // Node 9's job waits for it... until node 3 has seen it wait for
  // steal_after (on node 3's own clock, from its first look).
  std::unique_ptr<JobBoard> thief;
  ASSERT_OK(JobBoard::Open(c.fabric.get(), &thief));
  EXPECT_TRUE(thief->Claim(3, kFlushOnly, 30ms, &job).IsNotFound());
  std::this_thread::sleep_for(40ms);
  ASSERT_OK(thief->Claim(3, kFlushOnly, 30ms, &job));
  EXPECT_EQ("offered to 9", job.payload);
  ASSERT_OK(b->Claim(3, JobTypeBit(JobType::kCompaction), 1h, &job));
  EXPECT_EQ("compaction", job.payload);
  EXPECT_TRUE(b->Claim(0, kAnyJobType, 0ns, &job).IsInvalidArgument());
}

TEST(JobBoard, ListShowsEveryJobWithItsState) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket posted, claimed, done;
  ASSERT_OK(b->Post(7, JobType::kFlush, "p", 3, &posted));
  ASSERT_OK(b->Post(8, JobType::kCompaction, "c", 0, &claimed));
  ClaimedJob job;
  ASSERT_OK(b->Claim(5, JobTypeBit(JobType::kCompaction), 1h, &job));
  ASSERT_OK(b->Post(7, JobType::kCompaction, "d", 0, &done));
  ASSERT_OK(b->Claim(6, JobTypeBit(JobType::kCompaction), 1h, &job));
  ASSERT_OK(b->Complete(job, true, "r"));

  std::vector<JobView> views;
  ASSERT_OK(b->List(&views));
  ASSERT_EQ(3u, views.size());
  for (size_t i = 1; i < views.size(); i++) {
    EXPECT_LT(views[i - 1].slot, views[i].slot);
  }
  for (const JobView& v : views) {
    EXPECT_TRUE(v.corruption.empty()) << v.corruption;
    EXPECT_GT(v.post_micros, 0u);
    EXPECT_EQ(1, v.attempt);
    if (v.slot == posted.slot) {
      EXPECT_EQ(JobState::kPosted, v.state);
      EXPECT_EQ(7, v.owner);
      EXPECT_EQ(3, v.offered_to);
      EXPECT_EQ(JobType::kFlush, v.type);
      EXPECT_EQ(posted.serial, v.serial);
    } else if (v.slot == claimed.slot) {
      EXPECT_EQ(JobState::kClaimed, v.state);
      EXPECT_EQ(8, v.owner);
      EXPECT_EQ(5, v.executor);
    } else {
      EXPECT_EQ(done.slot, v.slot);
      EXPECT_EQ(JobState::kDone, v.state);
      EXPECT_EQ(6, v.executor);
      EXPECT_EQ(JobType::kCompaction, v.type);
    }
  }
}

TEST(JobBoard, ReleaseStaleCleansUpAfterARestartedOwner) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  JobTicket a, b1, b2, b3;
  ASSERT_OK(b->Post(2, JobType::kFlush, "other owner", 5, &a));
  ASSERT_OK(b->Post(1, JobType::kFlush, "old 1", 0, &b1));
  ClaimedJob running;
  ASSERT_OK(b->Claim(4, kAnyJobType, 1h, &running));
  ASSERT_EQ(b1.slot, running.ticket.slot);
  ASSERT_OK(b->Post(1, JobType::kFlush, "old 2", 5, &b2));
  ASSERT_OK(b->Post(1, JobType::kCompaction, "old 3", 5, &b3));
  uint32_t released = 0;
  ASSERT_OK(b->ReleaseStale(1, &released));
  EXPECT_EQ(3u, released);
  std::vector<JobView> views;
  ASSERT_OK(b->List(&views));
  ASSERT_EQ(1u, views.size());
  EXPECT_EQ(a.slot, views[0].slot);
  // The executor of the released job learns at its next step.
  EXPECT_TRUE(b->Heartbeat(running).IsAborted());
  EXPECT_TRUE(b->Complete(running, true, "late").IsAborted());
}

TEST(JobBoard, WaitForWorkWakesOnPost) {
  TestCluster c;
  ASSERT_OK(OpenTestCluster(&c));
  JobBoard* b = c.board.get();
  uint64_t seen = 0;
  // Nothing posted: the bell is 0 and the wait times out.
  EXPECT_TRUE(b->WaitForWork(&seen, 5ms).IsTimedOut());
  std::atomic<bool> woke{false};
  std::thread executor([&] {
    uint64_t s = seen;
    Status st = b->WaitForWork(&s, 5s);
    EXPECT_OK(st);
    ClaimedJob job;
    EXPECT_OK(b->Claim(2, kAnyJobType, 0ns, &job));
    EXPECT_OK(b->Complete(job, true, "done"));
    woke = true;
  });
  std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(woke.load());
  uint64_t done_bell = 0;
  JobTicket t;
  ASSERT_OK(b->Post(1, JobType::kFlush, "wake up", 0, &t));
  ASSERT_OK(b->WaitForCompletion(&done_bell, 5s));
  executor.join();
  EXPECT_TRUE(woke.load());
  bool success = false;
  std::string result;
  ASSERT_OK(b->ReadResult(t, &success, &result));
  EXPECT_EQ("done", result);
}

TEST(JobBoard, EnsureFormattedFormatsOnceUnderARace) {
  std::unique_ptr<fabric::Fabric> f;
  ASSERT_OK(test::OpenPool("emulated:", test::SmallLayout(), false, &f));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; i++) {
    threads.emplace_back([&] {
      if (JobBoard::EnsureFormatted(f.get()).ok()) ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(4, ok.load());
  std::unique_ptr<JobBoard> board;
  ASSERT_OK(JobBoard::Open(f.get(), &board));
  JobTicket t;
  ASSERT_OK(board->Post(1, JobType::kFlush, "kept", 0, &t));
  // A formatted board is left alone.
  ASSERT_OK(JobBoard::EnsureFormatted(f.get()));
  JobView v;
  ASSERT_OK(board->Inspect(t, &v));
  EXPECT_EQ(JobState::kPosted, v.state);
}

}  // namespace
}  // namespace o3lsm::cluster
