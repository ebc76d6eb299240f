// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// No fabric round trip runs under the DB mutex (util/mutex.h,
// interconnect/round_trip_check_fabric.h): the check itself, a database
// with every layer offloaded run behind the check, and a memory node that
// hangs while writers keep writing.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "interconnect/fabric_wrapper.h"
#include "interconnect/round_trip_check_fabric.h"
#include "lsm/db/db_impl.h"
#include "o3lsm/db.h"
#include "tests/cluster/cluster_test_util.h"
#include "tests/testutil.h"
#include "util/mutex.h"
#include "util/random.h"

namespace o3lsm {
namespace {

using namespace std::chrono_literals;

TEST(RoundTripCheckFabric, RefusesVerbsUnderANoRoundTripMutex) {
  cluster::test::TestCluster c;
  ASSERT_OK(cluster::test::OpenTestCluster(&c));
  std::vector<std::string> refused;
  fabric::RoundTripCheckFabric checked(
      std::move(c.fabric), [&](const char* verb) { refused.push_back(verb); });
  const fabric::DmAddr word = c.board->TEST_WordAddr(0);
  uint64_t value = 0;

  ASSERT_OK(checked.Read(word, &value, sizeof(value)));  // no mutex held
  Mutex plain;
  {
    MutexLock l(&plain);
    ASSERT_OK(checked.Read(word, &value, sizeof(value)));
  }
  EXPECT_TRUE(refused.empty());

  Mutex db_mutex(Mutex::kNoRoundTrips);
  {
    MutexLock l(&db_mutex);
    EXPECT_TRUE(Mutex::RoundTripsForbiddenHere());
    ASSERT_OK(checked.Read(word, &value, sizeof(value)));
    ASSERT_OK(checked.Ring(word));
  }
  EXPECT_FALSE(Mutex::RoundTripsForbiddenHere());
  // Read is Post + Wait.
  EXPECT_EQ((std::vector<std::string>{"Post", "Wait", "Ring"}), refused);
  EXPECT_EQ(3u, checked.violations());
}

// A wait on a condition variable gives the mutex up and takes it back:
// the thread's tally follows.
TEST(RoundTripCheckFabric, CondVarWaitsKeepTheTallyBalanced) {
  Mutex db_mutex(Mutex::kNoRoundTrips);
  CondVar cv(&db_mutex);
  {
    MutexLock l(&db_mutex);
    EXPECT_TRUE(cv.WaitFor(1000));  // times out
    EXPECT_TRUE(Mutex::RoundTripsForbiddenHere());
  }
  EXPECT_FALSE(Mutex::RoundTripsForbiddenHere());
}

// A fabric whose verbs hang while its gate is closed: a memory node that
// stops answering without the connection breaking.
class GatedFabric final : public fabric::FabricWrapper {
 public:
  explicit GatedFabric(std::unique_ptr<fabric::Fabric> base)
      : FabricWrapper(base.get()), base_(std::move(base)) {}

  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Verbs that found the gate closed.
  int held() const { return held_.load(); }

  Status Post(std::span<fabric::WorkRequest> batch,
              fabric::Completion* c) override {
    Pass();
    return FabricWrapper::Post(batch, c);
  }
  Status Ring(fabric::DmAddr word) override {
    Pass();
    return FabricWrapper::Ring(word);
  }

 private:
  void Pass() {
    std::unique_lock<std::mutex> l(mu_);
    if (!open_) held_++;
    cv_.wait(l, [this] { return open_; });
  }

  std::unique_ptr<fabric::Fabric> base_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  std::atomic<int> held_{0};
};

class OffloadLockingTest : public ::testing::Test {
 protected:
  OffloadLockingTest() {
    options_.create_if_missing = true;
    options_.write_buffer_size = 256 << 10;
    options_.memtable_shards = 2;
    options_.dm_segment_size = 64 << 10;
    options_.dm_write_buffer_budget = 4 << 20;
    options_.embedded_workers = 2;
  }

  test::ScratchDir dir_;
  Options options_;
};

// Every layer offloaded, several writers, flushes and compactions run as
// jobs, the properties that read the pool, Flush, CompactRange and a
// reopen: not one verb under the DB mutex.
TEST_F(OffloadLockingTest, NoFabricVerbRunsUnderTheDbMutex) {
  options_.offload = kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
  std::atomic<fabric::RoundTripCheckFabric*> checked{nullptr};
  std::vector<std::string> refused;
  std::mutex refused_mu;
  options_.dm_fabric_wrapper = [&](std::unique_ptr<fabric::Fabric> base) {
    auto f = std::make_unique<fabric::RoundTripCheckFabric>(
        std::move(base), [&](const char* verb) {
          std::lock_guard<std::mutex> l(refused_mu);
          refused.push_back(verb);
        });
    checked.store(f.get());
    return std::unique_ptr<fabric::Fabric>(std::move(f));
  };
  for (int round = 0; round < 2; round++) {
    std::unique_ptr<DB> db;
    ASSERT_OK(DB::Open(options_, dir_.path(), &db));
    ASSERT_NE(nullptr, checked.load()) << "no DM pool was opened";
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; t++) {
      writers.emplace_back([&, t] {
        Random64 rnd(100 * round + t);
        for (int i = 0; i < 3000; i++) {
          const std::string key = "k" + std::to_string(rnd.Uniform(20000));
          EXPECT_OK(db->Put(WriteOptions(), key, test::RandomBytes(&rnd, 300)));
        }
      });
    }
    std::string value;
    for (int i = 0; i < 20; i++) {
      for (const char* p : {"o3lsm.stats", "o3lsm.jobs", "o3lsm.nodes",
                            "o3lsm.segments"}) {
        db->GetProperty(p, &value);
      }
      std::this_thread::sleep_for(5ms);
    }
    for (auto& w : writers) w.join();
    ASSERT_OK(db->Flush(FlushOptions()));
    ASSERT_OK(db->CompactRange(nullptr, nullptr));
    ASSERT_OK(static_cast<DBImpl*>(db.get())->TEST_WaitForBackgroundWork());
    ASSERT_TRUE(db->GetProperty("o3lsm.jobs", &value));
    EXPECT_EQ(std::string::npos, value.find("done 0,")) << value;
    ASSERT_OK(db->Close());
  }
  std::lock_guard<std::mutex> l(refused_mu);
  EXPECT_TRUE(refused.empty())
      << refused.size() << " verbs under the DB mutex, the first "
      << refused.front();
}

// The memory node stops answering (verbs hang, no error): writers and
// readers go on, and a thread reading the job board waits alone.
TEST_F(OffloadLockingTest, AHungMemoryNodeStallsNoWriter) {
  options_.offload = kOffloadFlush | kOffloadCompaction;
  std::atomic<GatedFabric*> gate{nullptr};
  options_.dm_fabric_wrapper = [&](std::unique_ptr<fabric::Fabric> base) {
    auto f = std::make_unique<GatedFabric>(std::move(base));
    gate.store(f.get());
    return std::unique_ptr<fabric::Fabric>(std::move(f));
  };
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options_, dir_.path(), &db));
  ASSERT_NE(nullptr, gate.load());
  Random64 rnd(7);
  for (int i = 0; i < 500; i++) {
    ASSERT_OK(db->Put(WriteOptions(), "a" + std::to_string(i),
                      test::RandomBytes(&rnd, 500)));
  }

  gate.load()->Close();
  std::atomic<bool> listed{false};
  std::thread lister([&] {
    std::string jobs;
    db->GetProperty("o3lsm.jobs", &jobs);  // reads the board: waits
    listed.store(true);
  });
  // Enough writes to seal memtables, flush them and make compactions due
  // (posted as jobs that cannot be posted yet).
  std::atomic<bool> wrote{false};
  std::thread writer([&] {
    Random64 r(8);
    for (int i = 0; i < 4000; i++) {
      ASSERT_OK(db->Put(WriteOptions(), "b" + std::to_string(i),
                        test::RandomBytes(&r, 500)));
    }
    std::string value;
    ASSERT_OK(db->Get(ReadOptions(), "b3999", &value));
    ASSERT_TRUE(db->GetProperty("o3lsm.num-files-at-level0", &value));
    wrote.store(true);
  });
  // Generous: on a loaded machine 4000 writes take well under a second.
  for (int i = 0; i < 3000 && !wrote.load(); i++) {
    std::this_thread::sleep_for(10ms);
  }
  const bool writes_went_on = wrote.load();
  const int held = gate.load()->held();
  gate.load()->Open();
  writer.join();
  lister.join();
  EXPECT_TRUE(writes_went_on)
      << "writers waited on a memory node that does not answer";
  EXPECT_GT(held, 0) << "nothing touched the pool while it hung";
  EXPECT_TRUE(listed.load());
  ASSERT_OK(static_cast<DBImpl*>(db.get())->TEST_WaitForBackgroundWork());
  std::string value;
  ASSERT_OK(db->Get(ReadOptions(), "a7", &value));
  ASSERT_OK(db->Close());
}

}  // namespace
}  // namespace o3lsm
