// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The offloading engine over a faulty Fabric (FaultInjectionFabric between
// the engine and its DM pool): dropped verbs, failed CAS, slow verbs and a
// memory node that disappears. Every write either succeeds or returns a
// clear error; reads never return wrong data; the database reopens with
// every acknowledged write.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <memory>

#include "interconnect/fault_injection_fabric.h"
#include "lsm/db/db_impl.h"
#include "o3lsm/db.h"
#include "tests/testutil.h"
#include "util/random.h"

namespace o3lsm {

namespace {

// A FaultInjectionFabric that owns the pool it wraps.
class OwningFaultFabric final : public fabric::FaultInjectionFabric {
 public:
  OwningFaultFabric(std::unique_ptr<fabric::Fabric> base, uint64_t seed)
      : FaultInjectionFabric(base.get(), seed), base_(std::move(base)) {}

 private:
  std::unique_ptr<fabric::Fabric> base_;
};

class OffloadFaultTest : public ::testing::Test {
 protected:
  OffloadFaultTest() {
    options_.create_if_missing = true;
    options_.write_buffer_size = 256 << 10;
    options_.memtable_shards = 2;
    options_.dm_segment_size = 64 << 10;
    options_.dm_write_buffer_budget = 4 << 20;
    options_.offload = kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
    options_.embedded_workers = 2;
  }
  ~OffloadFaultTest() override { db_.reset(); }

  // Opens the database with its pool behind a FaultInjectionFabric that
  // configure sets up; faulty_ points at it while the database is open.
  void OpenFaulty(std::function<void(fabric::FaultInjectionFabric*)> configure) {
    db_.reset();
    faulty_.store(nullptr);
    Options options = options_;
    options.dm_fabric_wrapper =
        [this, configure](std::unique_ptr<fabric::Fabric> base) {
          auto f = std::make_unique<OwningFaultFabric>(std::move(base), 17);
          configure(f.get());
          faulty_.store(f.get());
          return std::unique_ptr<fabric::Fabric>(std::move(f));
        };
    ASSERT_OK(DB::Open(options, dir_.path(), &db_));
    ASSERT_NE(nullptr, faulty_.load()) << "the database opened no DM pool";
  }

  void ReopenClean() {
    db_.reset();
    faulty_.store(nullptr);
    ASSERT_OK(DB::Open(options_, dir_.path(), &db_));
  }

  // Random puts and deletes over a small key space, recorded in model_ when
  // acknowledged. Stops at the first failed write and returns its status.
  Status WriteSome(int n, uint64_t seed) {
    Random64 rnd(seed);
    for (int i = 0; i < n; i++) {
      const std::string key = "key" + std::to_string(rnd.Uniform(4000));
      Status s;
      if (rnd.OneIn(8)) {
        s = db_->Delete(WriteOptions(), key);
        if (s.ok()) model_.erase(key);
      } else {
        const std::string value = test::RandomBytes(&rnd, 20 + rnd.Uniform(200));
        s = db_->Put(WriteOptions(), key, value);
        if (s.ok()) model_[key] = value;
      }
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  // Every read agrees with model_, or fails with an error (never a wrong
  // value, never a key that should not be there). Returns the reads that
  // failed.
  int CheckModel() {
    int errors = 0;
    for (int k = 0; k < 4000; k++) {
      const std::string key = "key" + std::to_string(k);
      std::string got;
      Status s = db_->Get(ReadOptions(), key, &got);
      auto m = model_.find(key);
      if (s.IsNotFound()) {
        EXPECT_TRUE(m == model_.end()) << key << " lost";
      } else if (s.ok()) {
        EXPECT_TRUE(m != model_.end()) << key << " came back";
        if (m != model_.end()) {
          EXPECT_EQ(m->second, got) << key;
        }
      } else {
        errors++;
      }
    }
    std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
    auto m = model_.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      if (m == model_.end()) {
        ADD_FAILURE() << "extra key " << it->key().ToString();
        break;
      }
      EXPECT_EQ(m->first, it->key().ToString());
      EXPECT_EQ(m->second, it->value().ToString());
    }
    if (it->status().ok()) {
      EXPECT_TRUE(m == model_.end()) << "scan stopped early without an error";
    } else {
      errors++;
    }
    return errors;
  }

  // Segments moved into DM so far (o3lsm.stats: "moved N segments").
  int MovedSegments() {
    std::string stats;
    if (!db_->GetProperty("o3lsm.stats", &stats)) return -1;
    const size_t at = stats.find("moved ");
    return at == std::string::npos ? -1 : atoi(stats.c_str() + at + 6);
  }

  test::ScratchDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
  std::atomic<fabric::FaultInjectionFabric*> faulty_{nullptr};
  std::map<std::string, std::string> model_;
};

TEST_F(OffloadFaultTest, DroppedVerbsAndFailedCasLoseNothing) {
  OpenFaulty([](fabric::FaultInjectionFabric* f) {
    f->SetDropProbability(0.01);
    f->SetCasFailureProbability(0.05);
  });
  Status s = WriteSome(30000, 1);
  // A write may fail only with a clear error, and then writes stay stopped.
  if (!s.ok()) {
    EXPECT_FALSE(s.ToString().empty());
    EXPECT_FALSE(db_->Put(WriteOptions(), "after", "x").ok());
  } else {
    Status fs = db_->Flush(FlushOptions());
    EXPECT_TRUE(fs.ok() || !fs.ToString().empty());
  }
  fabric::FaultInjectionFabric* f = faulty_.load();
  EXPECT_GT(f->dropped_batches() + f->failed_cas(), 0u)
      << "no fault was injected: the test tested nothing";
  EXPECT_GT(MovedSegments(), 0) << "nothing went through DM";
  fprintf(stderr, "DroppedVerbs: write status %s, %llu dropped batches, "
          "%llu failed CAS, %d segments moved\n", s.ToString().c_str(),
          static_cast<unsigned long long>(f->dropped_batches()),
          static_cast<unsigned long long>(f->failed_cas()), MovedSegments());
  CheckModel();  // errors allowed, wrong data not

  ReopenClean();
  EXPECT_EQ(0, CheckModel());
  ASSERT_OK(WriteSome(2000, 2));  // and it takes writes again
  EXPECT_EQ(0, CheckModel());
}

TEST_F(OffloadFaultTest, SlowVerbsOnlySlowDown) {
  OpenFaulty([](fabric::FaultInjectionFabric* f) { f->SetDelayMicros(200); });
  ASSERT_OK(WriteSome(20000, 3));
  ASSERT_OK(db_->Flush(FlushOptions()));
  EXPECT_GT(MovedSegments(), 0) << "nothing went through DM";
  EXPECT_EQ(0, CheckModel());
  ReopenClean();
  EXPECT_EQ(0, CheckModel());
}

TEST_F(OffloadFaultTest, MemoryNodeGoneMidRunFallsBackToLocal) {
  OpenFaulty([](fabric::FaultInjectionFabric*) {});
  ASSERT_OK(WriteSome(15000, 4));
  const int moved = MovedSegments();
  EXPECT_GT(moved, 0) << "nothing went through DM";
  faulty_.load()->SetPeerGone(true);  // every verb fails from now on
  // The compute node keeps going on local memtables and local flushes.
  ASSERT_OK(WriteSome(15000, 5));
  ASSERT_OK(db_->Flush(FlushOptions()));
  EXPECT_EQ(0, CheckModel());
  ReopenClean();
  EXPECT_EQ(0, CheckModel());
}

// A flush reading a memtable's only copy from DM when the memory node goes
// (here: a remote flush handed back, or a local one) hands it to the WAL
// rebuild like the memtables still waiting in DM: writes go on and nothing
// acknowledged is lost. (It used to stop writes with the flush's error.)
TEST_F(OffloadFaultTest, MemoryNodeGoneDuringAFlushFromDmLosesNothing) {
  options_.offload = kOffloadMemtable;  // flushes from DM run here
  options_.max_background_flushes = 1;
  OpenFaulty([](fabric::FaultInjectionFabric*) {});
  auto* impl = static_cast<DBImpl*>(db_.get());
  impl->TEST_PauseFlushes(true);
  ASSERT_OK(WriteSome(8000, 6));
  // Sealed memtables go into DM and wait there for their flushes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (MovedSegments() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(MovedSegments(), 3) << "nothing waits in DM";
  // The memory node dies once the first flush from DM holds its segment
  // and before it reads any of it: its reads fail, whatever else (the
  // heartbeat, a move) notices the loss first.
  fabric::FaultInjectionFabric* f = faulty_.load();
  impl->TEST_BeforeFlushFromDmReads([f] { f->SetPeerGone(true); });
  impl->TEST_PauseFlushes(false);
  ASSERT_OK(WriteSome(15000, 7));
  ASSERT_OK(db_->Flush(FlushOptions()));
  EXPECT_EQ(0, CheckModel());

  std::ifstream log(dir_.path() + "/LOG");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(std::string::npos, text.str().find("from DM failed"))
      << "no flush from DM failed: the test tested nothing";
  EXPECT_NE(std::string::npos, text.str().find("rebuilt"));

  ReopenClean();
  EXPECT_EQ(0, CheckModel());
}

}  // namespace

}  // namespace o3lsm
