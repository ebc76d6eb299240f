// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The node table and what is built on it: membership, load publishing,
// liveness from heartbeat movement, eviction by incarnation, placement.

#include "scheduler/cluster/node_table.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <gtest/gtest.h>
#include <thread>

#include "interconnect/fabric_wrapper.h"
#include "scheduler/cluster/liveness.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"
#include "util/coding.h"

namespace o3lsm::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const NodeInfo* FindNode(const std::vector<NodeInfo>& nodes, uint16_t id) {
  for (const NodeInfo& n : nodes) {
    if (n.node == id) return &n;
  }
  return nullptr;
}

TEST(NodeTable, RegisterPublishSnapshotDeregister) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  NodeTable* t = c.table.get();
  EXPECT_EQ(31u, t->slot_count());
  NodeRegistration cn, mn, w;
  ASSERT_OK(t->Register(NodeRole::kCompute, "host-a:100", 2, &cn));
  ASSERT_OK(t->Register(NodeRole::kMemory, "host-m:200", 0, &mn));
  ASSERT_OK(t->Register(NodeRole::kWorker, "worker-1", 4, &w));
  EXPECT_EQ(1, cn.node);
  EXPECT_EQ(2, mn.node);
  EXPECT_EQ(3, w.node);
  NodeLoad load;
  load.running_jobs = 3;
  load.capacity = 4;
  load.cpu_percent_x100 = 7550;
  load.io_bytes_per_sec = 123456789;
  load.jobs_done = 17;
  ASSERT_OK(t->Publish(w, load));

  std::vector<NodeInfo> nodes;
  ASSERT_OK(t->Snapshot(&nodes));
  ASSERT_EQ(3u, nodes.size());
  const NodeInfo* wi = FindNode(nodes, 3);
  ASSERT_NE(nullptr, wi);
  EXPECT_TRUE(wi->corruption.empty()) << wi->corruption;
  EXPECT_EQ(NodeState::kActive, wi->state);
  EXPECT_EQ(NodeRole::kWorker, wi->role);
  EXPECT_EQ("worker-1", wi->name);
  EXPECT_EQ(4u, wi->registered_capacity);
  EXPECT_EQ(w.incarnation, wi->incarnation);
  EXPECT_EQ(1u, wi->heartbeat);
  EXPECT_EQ(3u, wi->load.running_jobs);
  EXPECT_EQ(4u, wi->load.capacity);
  EXPECT_EQ(7550u, wi->load.cpu_percent_x100);
  EXPECT_EQ(123456789u, wi->load.io_bytes_per_sec);
  EXPECT_EQ(17u, wi->load.jobs_done);
  EXPECT_GT(wi->load.update_micros, 0u);
  EXPECT_GT(wi->register_micros, 0u);
  EXPECT_EQ(NodeRole::kMemory, FindNode(nodes, 2)->role);
  EXPECT_EQ(2u, FindNode(nodes, 1)->load.capacity);  // the initial load

  ASSERT_OK(t->Deregister(mn));
  EXPECT_TRUE(t->Deregister(mn).IsNotFound());
  EXPECT_TRUE(t->Publish(mn, load).IsAborted());
  ASSERT_OK(t->Snapshot(&nodes));
  EXPECT_EQ(2u, nodes.size());
  EXPECT_EQ(nullptr, FindNode(nodes, 2));
  // The lowest free id is reused, with a new incarnation.
  NodeRegistration again;
  ASSERT_OK(t->Register(NodeRole::kWorker, "worker-2", 1, &again));
  EXPECT_EQ(2, again.node);
  EXPECT_GT(again.incarnation, mn.incarnation);
}

TEST(NodeTable, FullTableIsNoSpaceAndBadInputIsRefused) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  NodeTable* t = c.table.get();
  NodeRegistration r;
  EXPECT_TRUE(t->Register(NodeRole::kWorker, std::string(65, 'n'), 1, &r)
                  .IsInvalidArgument());
  EXPECT_TRUE(
      t->Register(static_cast<NodeRole>(0), "x", 1, &r).IsInvalidArgument());
  EXPECT_TRUE(
      t->Register(static_cast<NodeRole>(4), "x", 1, &r).IsInvalidArgument());
  for (uint32_t i = 0; i < t->slot_count(); i++) {
    ASSERT_OK(t->Register(NodeRole::kWorker,
                          std::string(64, static_cast<char>('a' + i % 26)), 1,
                          &r));
    EXPECT_EQ(i + 1, r.node);
  }
  Status s = t->Register(NodeRole::kWorker, "late", 1, &r);
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_NE(std::string::npos, s.ToString().find("node table")) << s.ToString();
  EXPECT_TRUE(t->Evict(0, 1).IsInvalidArgument());
  EXPECT_TRUE(t->Evict(32, 1).IsInvalidArgument());
}

TEST(NodeTable, EvictOnlyTheIncarnationThatDied) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  NodeTable* t = c.table.get();
  NodeRegistration old;
  ASSERT_OK(t->Register(NodeRole::kWorker, "w", 2, &old));
  EXPECT_TRUE(t->Evict(old.node, old.incarnation + 1).IsBusy());
  ASSERT_OK(t->Evict(old.node, old.incarnation));
  EXPECT_TRUE(t->Evict(old.node, old.incarnation).IsNotFound());
  // The evicted node learns it at its next publish...
  EXPECT_TRUE(t->Publish(old, NodeLoad()).IsAborted());
  // ...and a successor in the same slot is safe from a late evictor that
  // still names the old incarnation.
  NodeRegistration next;
  ASSERT_OK(t->Register(NodeRole::kWorker, "w", 2, &next));
  EXPECT_EQ(old.node, next.node);
  EXPECT_TRUE(t->Evict(old.node, old.incarnation).IsBusy());
  EXPECT_TRUE(t->Publish(old, NodeLoad()).IsAborted());
  EXPECT_TRUE(t->Deregister(old).IsBusy());
  ASSERT_OK(t->Publish(next, NodeLoad()));
}

TEST(LivenessTracker, AliveWhileTheHeartbeatMoves) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  NodeTable* t = c.table.get();
  NodeRegistration a, b;
  ASSERT_OK(t->Register(NodeRole::kWorker, "a", 1, &a));
  ASSERT_OK(t->Register(NodeRole::kWorker, "b", 1, &b));
  LivenessTracker tracker(100ms);
  const Clock::time_point t0 = Clock::now();
  std::vector<NodeInfo> snap;
  ASSERT_OK(t->Snapshot(&snap));
  tracker.Update(snap, t0);
  EXPECT_TRUE(tracker.Alive(a.node));  // grace on first sight
  EXPECT_TRUE(tracker.Alive(b.node));
  EXPECT_FALSE(tracker.Alive(9));
  for (int i = 1; i <= 5; i++) {
    ASSERT_OK(t->Publish(a, NodeLoad()));  // only a beats
    ASSERT_OK(t->Snapshot(&snap));
    tracker.Update(snap, t0 + i * 40ms);
  }
  EXPECT_TRUE(tracker.Alive(a.node));
  EXPECT_FALSE(tracker.Alive(b.node));
  std::vector<NodeRegistration> dead = tracker.Dead();
  ASSERT_EQ(1u, dead.size());
  EXPECT_EQ(b.node, dead[0].node);
  EXPECT_EQ(b.incarnation, dead[0].incarnation);
  // The reaper evicts it; the next snapshot forgets it.
  ASSERT_OK(t->Evict(dead[0].node, dead[0].incarnation));
  ASSERT_OK(t->Snapshot(&snap));
  tracker.Update(snap, t0 + 240ms);
  EXPECT_EQ(nullptr, tracker.Find(b.node));
  EXPECT_TRUE(tracker.Dead().empty());
  // A node that re-registers in the slot is a new incarnation with grace.
  NodeRegistration b2;
  ASSERT_OK(t->Register(NodeRole::kWorker, "b", 1, &b2));
  ASSERT_OK(t->Snapshot(&snap));
  tracker.Update(snap, t0 + 250ms);
  EXPECT_TRUE(tracker.Alive(b2.node));
}

TEST(LivenessTracker, PicksTheLeastLoadedLiveExecutor) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  NodeTable* t = c.table.get();
  NodeRegistration cn, busy, idle, hot_cpu, full, mem;
  ASSERT_OK(t->Register(NodeRole::kCompute, "cn", 2, &cn));
  ASSERT_OK(t->Register(NodeRole::kWorker, "busy", 4, &busy));
  ASSERT_OK(t->Register(NodeRole::kWorker, "idle", 4, &idle));
  ASSERT_OK(t->Register(NodeRole::kWorker, "hot", 4, &hot_cpu));
  ASSERT_OK(t->Register(NodeRole::kWorker, "full", 2, &full));
  ASSERT_OK(t->Register(NodeRole::kMemory, "mem", 2, &mem));
  auto publish = [&](const NodeRegistration& r, uint32_t running,
                     uint32_t capacity, uint32_t cpu, uint64_t io) {
    NodeLoad l;
    l.running_jobs = running;
    l.capacity = capacity;
    l.cpu_percent_x100 = cpu;
    l.io_bytes_per_sec = io;
    ASSERT_OK(t->Publish(r, l));
  };
  publish(cn, 0, 2, 9000, 0);
  publish(busy, 3, 4, 2000, 0);        // 0.75 + 0.1
  publish(idle, 1, 4, 1000, 1 << 28);  // 0.25 + 0.05 + 0.125 = 0.425
  publish(hot_cpu, 0, 4, 9000, 0);     // 0 + 0.45
  publish(full, 2, 2, 0, 0);           // no free slot
  publish(mem, 0, 2, 0, 0);            // 0
  LivenessTracker tracker(1s);
  std::vector<NodeInfo> snap;
  ASSERT_OK(t->Snapshot(&snap));
  const Clock::time_point t0 = Clock::now();
  tracker.Update(snap, t0);
  const uint32_t workers = NodeRoleBit(NodeRole::kWorker);
  EXPECT_EQ(idle.node, tracker.PickLeastLoaded(workers));
  EXPECT_NEAR(0.425, tracker.Score(idle.node), 1e-9);
  EXPECT_TRUE(std::isinf(tracker.Score(full.node)));
  EXPECT_EQ(mem.node, tracker.PickLeastLoaded(kAnyNodeRole));
  EXPECT_EQ(hot_cpu.node, tracker.PickLeastLoaded(workers, idle.node));
  // Offers count until the node publishes again: a burst spreads out.
  tracker.NoteOffered(idle.node);  // 0.675: hot (0.45) is better now
  EXPECT_EQ(hot_cpu.node, tracker.PickLeastLoaded(workers));
  tracker.NoteOffered(hot_cpu.node);  // 0.7
  EXPECT_EQ(idle.node, tracker.PickLeastLoaded(workers));
  tracker.NoteOffered(idle.node);
  tracker.NoteOffered(idle.node);
  tracker.NoteOffered(hot_cpu.node);
  tracker.NoteOffered(hot_cpu.node);
  tracker.NoteOffered(hot_cpu.node);  // hot is full now, idle too
  EXPECT_EQ(busy.node, tracker.PickLeastLoaded(workers));
  tracker.NoteOffered(busy.node);
  EXPECT_EQ(0, tracker.PickLeastLoaded(workers));  // everyone is full
  // A publish resets the count of offers.
  publish(idle, 0, 4, 0, 0);
  ASSERT_OK(t->Snapshot(&snap));
  tracker.Update(snap, t0 + 10ms);
  EXPECT_EQ(idle.node, tracker.PickLeastLoaded(workers));
  // Dead nodes are never picked.
  for (int i = 2; i <= 4; i++) {
    publish(busy, 0, 4, 0, 0);
    ASSERT_OK(t->Snapshot(&snap));
    tracker.Update(snap, t0 + i * 600ms);
  }
  EXPECT_FALSE(tracker.Alive(idle.node));
  EXPECT_EQ(busy.node, tracker.PickLeastLoaded(workers));
  EXPECT_EQ(0, tracker.PickLeastLoaded(NodeRoleBit(NodeRole::kCompute)));
}

// Publishes as fast as it can while snapshots are taken: a torn load
// record must never be returned as a valid one.
TEST(NodeTable, TornLoadRecordsAreNeverSeen) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  NodeTable* t = c.table.get();
  NodeRegistration r;
  ASSERT_OK(t->Register(NodeRole::kWorker, "fast", 8, &r));
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> published{0};
  std::thread writer([&] {
    for (uint32_t i = 1; !stop.load(); i++) {
      NodeLoad l;
      l.running_jobs = i;
      l.capacity = i * 3;
      l.cpu_percent_x100 = i * 5;
      l.io_bytes_per_sec = uint64_t{i} * 7;
      l.jobs_done = uint64_t{i} * 11;
      ASSERT_OK(t->Publish(r, l));
      published = i;
    }
  });
  // Snapshots overlap publishes for a while (bounded in time and count).
  int checked = 0, snapshots = 0;
  const auto end = Clock::now() + 150ms;
  while (Clock::now() < end) {
    snapshots++;
    std::vector<NodeInfo> snap;
    ASSERT_OK(t->Snapshot(&snap));
    ASSERT_EQ(1u, snap.size());
    const NodeLoad& l = snap[0].load;
    if (!snap[0].corruption.empty()) continue;  // torn every retry: flagged
    checked++;
    if (l.running_jobs == 0) continue;  // the initial record
    ASSERT_EQ(l.running_jobs * 3, l.capacity);
    ASSERT_EQ(l.running_jobs * 5, l.cpu_percent_x100);
    ASSERT_EQ(uint64_t{l.running_jobs} * 7, l.io_bytes_per_sec);
    ASSERT_EQ(uint64_t{l.running_jobs} * 11, l.jobs_done);
  }
  stop = true;
  writer.join();
  EXPECT_GT(checked, snapshots / 2);
  // How often a read overlapped a publish and was retried (informative:
  // depends on scheduling).
  RecordProperty("torn_reads_retried", static_cast<int>(t->torn_reads()));
}

TEST(NodeTable, ATornLoadRecordIsDetected) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  NodeTable* t = c.table.get();
  NodeRegistration a, b;
  ASSERT_OK(t->Register(NodeRole::kWorker, "a", 4, &a));
  ASSERT_OK(t->Register(NodeRole::kWorker, "b", 4, &b));
  NodeLoad l;
  l.running_jobs = 1;
  l.capacity = 4;
  ASSERT_OK(t->Publish(a, l));
  // Half a publish: running_jobs rewritten, checksum not.
  const fabric::DmAddr slot = t->TEST_SlotAddr(a.node);
  const uint32_t running = 3;
  ASSERT_OK(c.fabric->Write(slot + node_slot::kRunningJobs, &running, 4));
  std::vector<NodeInfo> snap;
  ASSERT_OK(t->Snapshot(&snap));
  ASSERT_EQ(2u, snap.size());
  EXPECT_NE(std::string::npos, snap[0].corruption.find("load record"))
      << snap[0].corruption;
  EXPECT_TRUE(snap[1].corruption.empty());
  LivenessTracker tracker(1s);
  tracker.Update(snap, Clock::now());
  EXPECT_FALSE(tracker.Alive(a.node));
  EXPECT_TRUE(tracker.Alive(b.node));
  EXPECT_EQ(b.node, tracker.PickLeastLoaded(kAnyNodeRole));
  // The node's next publish repairs it.
  ASSERT_OK(t->Publish(a, l));
  ASSERT_OK(t->Snapshot(&snap));
  EXPECT_TRUE(snap[0].corruption.empty()) << snap[0].corruption;
  EXPECT_EQ(1u, snap[0].load.running_jobs);
}

// Delivers the first large read (Snapshot's read of the whole table) with
// one byte of node 1's load record changed, as if the read had overlapped
// a Publish.
class TearFirstTableRead : public fabric::FabricWrapper {
 public:
  using FabricWrapper::FabricWrapper;
  bool armed = true;

  Status Post(std::span<fabric::WorkRequest> batch,
              fabric::Completion* c) override {
    for (const fabric::WorkRequest& wr : batch) {
      if (armed && wr.verb == fabric::Verb::kRead &&
          wr.length > kNodeSlotSize) {
        torn_ = static_cast<char*>(wr.local);
        armed = false;
      }
    }
    return FabricWrapper::Post(batch, c);
  }
  Status Wait(fabric::Completion* c, std::chrono::nanoseconds t) override {
    Status s = FabricWrapper::Wait(c, t);
    if (torn_ != nullptr) {
      torn_[node_slot::kRunningJobs] ^= 0x40;
      torn_ = nullptr;
    }
    return s;
  }

 private:
  char* torn_ = nullptr;
};

TEST(NodeTable, ATornReadIsReadAgain) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  NodeRegistration r;
  ASSERT_OK(c.table->Register(NodeRole::kWorker, "w", 4, &r));
  NodeLoad l;
  l.running_jobs = 2;
  l.capacity = 4;
  ASSERT_OK(c.table->Publish(r, l));
  TearFirstTableRead tearing(c.fabric.get());
  std::unique_ptr<NodeTable> t;
  ASSERT_OK(NodeTable::Open(&tearing, &t));
  std::vector<NodeInfo> snap;
  ASSERT_OK(t->Snapshot(&snap));
  EXPECT_FALSE(tearing.armed);
  ASSERT_EQ(1u, snap.size());
  EXPECT_TRUE(snap[0].corruption.empty()) << snap[0].corruption;
  EXPECT_EQ(2u, snap[0].load.running_jobs);
  EXPECT_EQ(1u, t->torn_reads());
}

TEST(NodeTable, WaitForMembershipWakesOnRegister) {
  test::TestCluster c;
  ASSERT_OK(test::OpenTestCluster(&c));
  uint64_t seen = 0;
  EXPECT_TRUE(c.table->WaitForMembership(&seen, 2ms).IsTimedOut());
  std::thread joiner([&] {
    std::this_thread::sleep_for(5ms);
    NodeRegistration r;
    EXPECT_OK(c.table->Register(NodeRole::kWorker, "late", 1, &r));
  });
  ASSERT_OK(c.table->WaitForMembership(&seen, 5s));
  EXPECT_EQ(1u, seen);
  joiner.join();
}

}  // namespace
}  // namespace o3lsm::cluster
