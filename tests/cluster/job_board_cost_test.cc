// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// What the job board costs, with the emulated link model off and at 2 us
// per round trip: each step of a job's life, and the latency from Post to
// a sleeping executor's Claim. Numbers are printed and recorded as test
// properties; only the model's lower bound (round trips x latency) is
// asserted, since wall times depend on the machine.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

#include "scheduler/cluster/job_board.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// Medians, not means: the machine is shared, and one preemption in a
// hundred samples would dominate a mean.
double Median(std::vector<Clock::duration> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return Micros(v[v.size() / 2]);
}

struct StepCosts {
  double post = 0, claim = 0, heartbeat = 0, complete = 0, read = 0,
         release = 0, wake = 0;
};

void Measure(const std::string& uri, int iterations, StepCosts* out) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c, test::SmallLayout(), uri));
  JobBoard* b = c.board.get();
  const std::string payload(200, 'p'), result(100, 'r');
  std::vector<Clock::duration> post, claim, heartbeat, complete, read, release,
      wake;
  for (int i = 0; i < iterations; i++) {
    JobTicket t;
    ClaimedJob job;
    bool success;
    std::string back;
    auto t0 = Clock::now();
    ASSERT_OK(b->Post(1, JobType::kFlush, payload, 0, &t));
    auto t1 = Clock::now();
    ASSERT_OK(b->Claim(2, kAnyJobType, 0ns, &job));
    auto t2 = Clock::now();
    ASSERT_OK(b->Heartbeat(job));
    auto t3 = Clock::now();
    ASSERT_OK(b->Complete(job, true, result));
    auto t4 = Clock::now();
    ASSERT_OK(b->ReadResult(t, &success, &back));
    auto t5 = Clock::now();
    ASSERT_OK(b->Release(t));
    auto t6 = Clock::now();
    post.push_back(t1 - t0);
    claim.push_back(t2 - t1);
    heartbeat.push_back(t3 - t2);
    complete.push_back(t4 - t3);
    read.push_back(t5 - t4);
    release.push_back(t6 - t5);
  }
  out->post = Median(post);
  out->claim = Median(claim);
  out->heartbeat = Median(heartbeat);
  out->complete = Median(complete);
  out->read = Median(read);
  out->release = Median(release);

  // Post -> claim by an executor asleep on the work bell.
  std::atomic<int64_t> posted_at{0};
  std::atomic<int> done{0};
  std::thread executor([&] {
    uint64_t seen = 0;
    for (int n = 0; n < iterations;) {
      ClaimedJob job;
      Status s = b->Claim(2, kAnyJobType, 0ns, &job);
      if (s.IsNotFound()) {
        s = b->WaitForWork(&seen, 1s);
        continue;
      }
      ASSERT_OK(s);
      wake.push_back(Clock::now().time_since_epoch() -
                     Clock::duration(posted_at.load()));
      ASSERT_OK(b->Complete(job, true, ""));
      n++;
      done = n;
    }
  });
  for (int i = 0; i < iterations; i++) {
    std::this_thread::sleep_for(200us);  // let the executor fall asleep
    JobTicket t;
    posted_at = Clock::now().time_since_epoch().count();
    ASSERT_OK(b->Post(1, JobType::kFlush, payload, 0, &t));
    while (done.load() <= i) std::this_thread::yield();
    ASSERT_OK(b->Release(t));
  }
  executor.join();
  out->wake = Median(wake);
}

void Report(const char* label, const StepCosts& c) {
  printf(
      "job board, %s (medians): post %.1f us, claim %.1f, heartbeat %.1f, "
      "complete "
      "%.1f, read result %.1f, release %.1f; post -> claim by a sleeping "
      "executor %.1f us\n",
      label, c.post, c.claim, c.heartbeat, c.complete, c.read, c.release,
      c.wake);
}

TEST(JobBoardCost, StepsAndPostToClaimLatency) {
  StepCosts off, model;
  Measure("emulated:", 200, &off);
  Measure("emulated:?latency_ns=2000", 100, &model);
  Report("model off", off);
  Report("model 2 us", model);
  RecordProperty("post_to_claim_us_model_off", static_cast<int>(off.wake));
  RecordProperty("post_to_claim_us_model_2us", static_cast<int>(model.wake));
  // Round trips x 2 us, a floor the model guarantees: post 4 (table read,
  // reserve CAS, write+post CAS, ring), claim 2 (table read, CAS+payload
  // read), complete 3 (check, result write+CAS, ring), release 2.
  EXPECT_GE(model.post, 8.0);
  EXPECT_GE(model.claim, 4.0);
  EXPECT_GE(model.complete, 6.0);
  EXPECT_GE(model.release, 4.0);
}

}  // namespace
}  // namespace o3lsm::cluster
