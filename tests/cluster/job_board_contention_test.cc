// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Many threads on one board: executors racing for jobs, owners racing for
// slots. Every job must run exactly once and come back to its own owner.

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <thread>
#include <vector>

#include "scheduler/cluster/job_board.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::cluster {
namespace {

using namespace std::chrono_literals;

// Runs jobs until stop: the result is "ran:<payload>".
void Executor(JobBoard* b, uint16_t node, std::atomic<bool>* stop,
              std::vector<std::atomic<int>>* runs) {
  uint64_t seen = 0;
  while (!stop->load()) {
    ClaimedJob job;
    Status s = b->Claim(node, kAnyJobType, 0ns, &job);
    if (s.IsNotFound()) {
      s = b->WaitForWork(&seen, 2ms);
      ASSERT_TRUE(s.ok() || s.IsTimedOut()) << s.ToString();
      continue;
    }
    ASSERT_OK(s);
    const int id = std::stoi(job.payload.substr(job.payload.find(':') + 1));
    (*runs)[id]++;
    if (id % 3 == 0) {
      ASSERT_OK(b->Heartbeat(job));
    }
    ASSERT_OK(b->Complete(job, true, "ran:" + job.payload));
  }
}

// Posts jobs [first, first+count) as owner, keeps at most `window` in
// flight, and checks each result.
void Owner(JobBoard* b, uint16_t owner, int first, int count, size_t window,
           std::atomic<int>* accepted) {
  std::vector<std::pair<JobTicket, std::string>> flight;
  int next = first;
  uint64_t bell = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (next < first + count || !flight.empty()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "owner " << owner << " gave up waiting";
      return;
    }
    while (next < first + count && flight.size() < window) {
      const std::string payload =
          "owner" + std::to_string(owner) + ":" + std::to_string(next);
      JobTicket t;
      Status s = b->Post(owner, JobType::kFlush, payload, 0, &t);
      if (s.IsBusy()) break;  // the others hold every slot: wait for results
      ASSERT_OK(s);
      flight.emplace_back(t, payload);
      next++;
    }
    bool progress = false;
    for (size_t i = 0; i < flight.size();) {
      bool success = false;
      std::string result;
      Status s = b->ReadResult(flight[i].first, &success, &result);
      if (s.IsBusy()) {
        i++;
        continue;
      }
      ASSERT_OK(s);
      EXPECT_TRUE(success);
      EXPECT_EQ("ran:" + flight[i].second, result);
      ASSERT_OK(b->Release(flight[i].first));
      (*accepted)++;
      flight.erase(flight.begin() + static_cast<ptrdiff_t>(i));
      progress = true;
    }
    if (!progress) {
      Status s = b->WaitForCompletion(&bell, 2ms);
      ASSERT_TRUE(s.ok() || s.IsTimedOut()) << s.ToString();
    }
  }
}

TEST(JobBoardContention, ManyExecutorsRunEachJobExactlyOnce) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  constexpr int kJobs = 2000;
  std::vector<std::atomic<int>> runs(kJobs);
  std::atomic<bool> stop{false};
  std::vector<std::thread> executors;
  for (uint16_t node = 10; node < 14; node++) {
    executors.emplace_back(Executor, c.board.get(), node, &stop, &runs);
  }
  std::atomic<int> accepted{0};
  Owner(c.board.get(), 1, 0, kJobs, c.board->slot_count(), &accepted);
  stop = true;
  for (auto& t : executors) t.join();
  EXPECT_EQ(kJobs, accepted.load());
  for (int i = 0; i < kJobs; i++) EXPECT_EQ(1, runs[i].load()) << "job " << i;
  std::vector<JobView> left;
  ASSERT_OK(c.board->List(&left));
  EXPECT_TRUE(left.empty());
}

TEST(JobBoardContention, ManyOwnersPostAtOnce) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  constexpr int kOwners = 4, kPerOwner = 100;
  std::vector<std::atomic<int>> runs(kOwners * kPerOwner);
  std::atomic<bool> stop{false};
  std::vector<std::thread> executors;
  for (uint16_t node = 20; node < 22; node++) {
    executors.emplace_back(Executor, c.board.get(), node, &stop, &runs);
  }
  std::atomic<int> accepted{0};
  std::vector<std::thread> owners;
  for (int o = 0; o < kOwners; o++) {
    // Windows add up to more than the board holds: owners see Busy.
    owners.emplace_back(Owner, c.board.get(), static_cast<uint16_t>(o + 1),
                        o * kPerOwner, kPerOwner, 6, &accepted);
  }
  for (auto& t : owners) t.join();
  stop = true;
  for (auto& t : executors) t.join();
  EXPECT_EQ(kOwners * kPerOwner, accepted.load());
  for (size_t i = 0; i < runs.size(); i++) {
    EXPECT_EQ(1, runs[i].load()) << "job " << i;
  }
}

}  // namespace
}  // namespace o3lsm::cluster
