// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Processes sharing one /dev/shm pool (o3lsm_cluster_helper children): an
// executor killed by SIGKILL in the middle of a job loses it to another
// process, and every job ends with exactly one accepted result; a node
// killed by SIGKILL goes dead in the node table and is evicted.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <signal.h>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <vector>

#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/lease_watch.h"
#include "scheduler/cluster/liveness.h"
#include "scheduler/cluster/node_table.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"

namespace o3lsm::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using ::o3lsm::test::ReapProcess;
using ::o3lsm::test::SpawnProcess;

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

class ClusterMultiProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(test::HelperPath()))
        << test::HelperPath();
    uri_ = "emulated:" + shm_.path();
    ASSERT_OK(test::OpenPool(uri_, test::SmallLayout(), true, &fabric_));
  }

  test::ShmFile shm_{"mp"};
  std::string uri_;
  std::unique_ptr<fabric::Fabric> fabric_;
  o3lsm::test::ScratchDir dir_{"cluster-mp"};
};

TEST_F(ClusterMultiProcess, KilledExecutorsJobIsRedoneExactlyOnce) {
  std::unique_ptr<JobBoard> board;
  ASSERT_OK(JobBoard::Open(fabric_.get(), &board));
  constexpr int kJobs = 6;
  std::vector<JobTicket> tickets(kJobs);
  for (int i = 0; i < kJobs; i++) {
    ASSERT_OK(board->Post(1, JobType::kFlush, "job-" + std::to_string(i), 0,
                          &tickets[i]));
  }
  // A is slow: it is surely mid-job when it dies.
  const std::string log_a = dir_.Child("a.log"), log_b = dir_.Child("b.log");
  const pid_t a = SpawnProcess(
      {test::HelperPath(), "executor", uri_, "11", "10000", "5000", log_a});
  int victim = -1;
  for (auto until = Clock::now() + 5s; victim < 0 && Clock::now() < until;) {
    for (int i = 0; i < kJobs; i++) {
      JobView v;
      ASSERT_OK(board->Inspect(tickets[i], &v));
      if (v.state == JobState::kClaimed && v.executor == 11 &&
          v.heartbeat > 0) {
        victim = i;
      }
    }
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_GE(victim, 0) << "executor A never claimed a job";
  ASSERT_EQ(0, kill(a, SIGKILL));
  EXPECT_EQ(128 + SIGKILL, ReapProcess(a));
  const pid_t b = SpawnProcess(
      {test::HelperPath(), "executor", uri_, "12", "20", "500", log_b});

  // The owner: re-post expired leases, accept results, release.
  LeaseWatch watch(200ms);
  std::map<int, std::string> results;
  int reposts = 0;
  for (auto until = Clock::now() + 15s;
       results.size() < kJobs && Clock::now() < until;) {
    for (int i = 0; i < kJobs; i++) {
      if (results.count(i)) continue;
      JobView v;
      ASSERT_OK(board->Inspect(tickets[i], &v));
      if (watch.Expired(v, Clock::now())) {
        ASSERT_OK(board->Repost(&tickets[i], 0));
        reposts++;
      } else if (v.state == JobState::kDone || v.state == JobState::kFailed) {
        bool success = false;
        std::string result;
        ASSERT_OK(board->ReadResult(tickets[i], &success, &result));
        ASSERT_TRUE(success);
        results[i] = result;
        ASSERT_OK(board->Release(tickets[i]));
        watch.Forget(tickets[i]);
      }
    }
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(0, ReapProcess(b));
  ASSERT_EQ(kJobs, static_cast<int>(results.size()));
  EXPECT_EQ(1, reposts);
  EXPECT_EQ(2, tickets[victim].attempt);
  for (int i = 0; i < kJobs; i++) {
    EXPECT_EQ("done:job-" + std::to_string(i) + ":12", results[i]);
  }
  // A claimed one job and finished none; B completed each job once.
  const std::vector<std::string> a_lines = Lines(log_a);
  ASSERT_EQ(1u, a_lines.size());
  EXPECT_NE(std::string::npos,
            a_lines[0].find("job-" + std::to_string(victim)));
  std::map<std::string, int> completed;
  for (const std::string& l : Lines(log_b)) {
    std::istringstream in(l);
    std::string what, slot, serial, attempt, payload, status;
    in >> what >> slot >> serial >> attempt >> payload >> status;
    if (what == "completed") {
      EXPECT_EQ("OK", status) << l;
      completed[payload]++;
    }
  }
  ASSERT_EQ(static_cast<size_t>(kJobs), completed.size());
  for (const auto& [payload, n] : completed) EXPECT_EQ(1, n) << payload;
  std::vector<JobView> left;
  ASSERT_OK(board->List(&left));
  EXPECT_TRUE(left.empty());
}

TEST_F(ClusterMultiProcess, KilledNodeGoesDeadAndIsEvicted) {
  std::unique_ptr<NodeTable> table;
  ASSERT_OK(NodeTable::Open(fabric_.get(), &table));
  const std::string id1 = dir_.Child("n1"), id2 = dir_.Child("n2");
  const pid_t p1 =
      SpawnProcess({test::HelperPath(), "node", uri_, "one", "10", id1});
  const pid_t p2 =
      SpawnProcess({test::HelperPath(), "node", uri_, "two", "10", id2});
  auto read_id = [](const std::string& path, NodeRegistration* r) {
    for (auto until = Clock::now() + 5s; Clock::now() < until;) {
      std::ifstream in(path);
      if (in >> r->node >> r->incarnation) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  };
  NodeRegistration r1, r2;
  ASSERT_TRUE(read_id(id1, &r1));
  ASSERT_TRUE(read_id(id2, &r2));
  EXPECT_NE(r1.node, r2.node);

  LivenessTracker tracker(300ms);
  auto observe = [&] {
    std::vector<NodeInfo> snap;
    EXPECT_OK(table->Snapshot(&snap));
    tracker.Update(snap, Clock::now());
  };
  observe();
  std::this_thread::sleep_for(50ms);
  observe();
  EXPECT_TRUE(tracker.Alive(r1.node));
  EXPECT_TRUE(tracker.Alive(r2.node));
  ASSERT_EQ(0, kill(p1, SIGKILL));
  EXPECT_EQ(128 + SIGKILL, ReapProcess(p1));
  std::vector<NodeRegistration> dead;
  for (auto until = Clock::now() + 5s; dead.empty() && Clock::now() < until;) {
    std::this_thread::sleep_for(10ms);
    observe();
    dead = tracker.Dead();
  }
  ASSERT_EQ(1u, dead.size());
  EXPECT_EQ(r1.node, dead[0].node);
  EXPECT_EQ(r1.incarnation, dead[0].incarnation);
  EXPECT_TRUE(tracker.Alive(r2.node));
  ASSERT_OK(table->Evict(dead[0].node, dead[0].incarnation));
  observe();
  EXPECT_EQ(nullptr, tracker.Find(r1.node));
  EXPECT_EQ(r2.node, tracker.PickLeastLoaded(kAnyNodeRole));
  ASSERT_EQ(0, kill(p2, SIGKILL));
  EXPECT_EQ(128 + SIGKILL, ReapProcess(p2));
}

}  // namespace
}  // namespace o3lsm::cluster
