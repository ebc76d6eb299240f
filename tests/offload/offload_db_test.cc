// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The database with memtable offloading: sealed memtables move into DM
// (an embedded pool), local memory stays within its budget while DM holds
// more, reads and scans see DM segments, and a full DM means backpressure.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "o3lsm/db.h"

#include "interconnect/fabric_wrapper.h"
#include "lsm/db/db_impl.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

class OffloadDBTest : public ::testing::Test {
 protected:
  OffloadDBTest() {
    options_.create_if_missing = true;
    options_.write_buffer_size = 256 << 10;
    options_.memtable_shards = 4;
    options_.offload = kOffloadMemtable;
  }
  ~OffloadDBTest() override { db_.reset(); }

  void Reopen() {
    db_.reset();
    ASSERT_OK(DB::Open(options_, dir_.path(), &db_));
  }
  DBImpl* impl() { return static_cast<DBImpl*>(db_.get()); }

  // Puts k = v into the database and the model CheckAll compares it with.
  Status Put(std::map<std::string, std::string>* model, const std::string& k,
             const std::string& v) {
    (*model)[k] = v;
    return db_->Put(WriteOptions(), k, v);
  }

  std::string Key(uint64_t i) {
    char buf[32];
    snprintf(buf, sizeof(buf), "user%012llu",
             static_cast<unsigned long long>((i * 2654435761u) % 1000000007));
    return buf;
  }

  void CheckAll(const std::map<std::string, std::string>& model) {
    for (const auto& [k, v] : model) {
      std::string got;
      Status gs = db_->Get(ReadOptions(), k, &got);
      if (!gs.ok()) {
        std::string sst, st;
        db_->GetProperty("o3lsm.sstables", &sst);
        db_->GetProperty("o3lsm.stats", &st);
        FAIL() << gs.ToString() << " key " << k << "\n" << sst << st;
      }
      ASSERT_EQ(v, got) << k;
    }
    auto it = db_->NewIterator(ReadOptions());
    auto m = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(m, model.end());
      ASSERT_EQ(m->first, it->key().ToString());
      ASSERT_EQ(m->second, it->value().ToString());
    }
    ASSERT_OK(it->status());
    ASSERT_EQ(m, model.end());
  }

  test::ScratchDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
};

}  // namespace

TEST_F(OffloadDBTest, SealedMemtablesLiveInDmWhileLocalMemoryStaysInBudget) {
  options_.dm_write_buffer_budget = 8 << 20;
  Reopen();
  impl()->TEST_PauseFlushes(true);
  std::map<std::string, std::string> model;
  Random64 rnd(11);
  for (int i = 0; i < 30000; i++) {
    const std::string v = test::RandomBytes(&rnd, 100);
    ASSERT_OK(Put(&model, Key(i), v));
  }
  // Writes kept going past the local budget (2 x 256 KiB) because sealed
  // memtables moved into DM.
  // Sealed memtables held locally: the budget, plus at most the shard
  // memtables one seal adds after the budget check passed.
  const size_t local_budget = options_.write_buffer_size;
  EXPECT_LE(impl()->TEST_SealedLocalBytes(), 2 * local_budget);
  EXPECT_GT(impl()->TEST_DmLiveBytes(), 8 * local_budget);
  std::string segments;
  ASSERT_TRUE(db_->GetProperty("o3lsm.segments", &segments));
  EXPECT_NE(std::string::npos, segments.find("segments:")) << segments;
  // Every value is readable, most of them from DM.
  CheckAll(model);
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("o3lsm.stats", &stats));
  EXPECT_NE(std::string::npos, stats.find("remote gets")) << stats;

  // Flushing drains DM into SSTs and frees it.
  impl()->TEST_PauseFlushes(false);
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_EQ(0u, impl()->TEST_DmLiveBytes());
  CheckAll(model);
  Reopen();
  CheckAll(model);
}

TEST_F(OffloadDBTest, FullDmIsBackpressureNotAnError) {
  options_.dm_write_buffer_budget = 512 << 10;  // a few segments
  Reopen();
  impl()->TEST_PauseFlushes(true);
  // Flushes resume once the writer has stopped making progress (DM and the
  // local budget are full): however slow the build, it must stall first.
  std::atomic<int> written{0};
  std::atomic<bool> done{false};
  bool saw_stall = false;
  std::thread releaser([&] {
    int last = -1;
    auto still_since = std::chrono::steady_clock::now();
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const int now = written.load();
      if (now != last) {
        last = now;
        still_since = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - still_since >
                 std::chrono::milliseconds(300)) {
        saw_stall = true;
        break;
      }
    }
    impl()->TEST_PauseFlushes(false);
  });
  std::map<std::string, std::string> model;
  for (int i = 0; i < 40000; i++) {
    // Writes stall once DM and the local budget are full, and resume when
    // flushes free room: never an error.
    ASSERT_OK(Put(&model, Key(i), std::to_string(i)));
    written.store(i + 1);
  }
  done = true;
  releaser.join();
  EXPECT_TRUE(saw_stall) << "40000 writes never filled a 512 KiB DM budget";
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("o3lsm.stats", &stats));
  EXPECT_NE(std::string::npos, stats.find("memtable stop: ")) << stats;
  EXPECT_EQ(std::string::npos, stats.find("memtable stop: 0 ")) << stats;
  CheckAll(model);
}

TEST_F(OffloadDBTest, ReopenAfterCrashLeavesNoSegmentsBehind) {
  // The embedded pool dies with the process; what matters is that the WAL
  // brings everything back.
  Reopen();
  impl()->TEST_PauseFlushes(true);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 20000; i++) {
    ASSERT_OK(Put(&model, Key(i), std::to_string(i * 3)));
  }
  EXPECT_GT(impl()->TEST_DmLiveBytes(), 0u);
  Reopen();
  CheckAll(model);
}

TEST_F(OffloadDBTest, FlushesAndCompactionsRunOnEmbeddedWorkers) {
  options_.offload = kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
  options_.level0_file_num_compaction_trigger = 2;
  options_.max_bytes_for_level_base = 1 << 20;
  options_.target_file_size_base = 256 << 10;
  options_.embedded_workers = 2;
  Reopen();
  std::map<std::string, std::string> model;
  Random64 rnd(3);
  for (int i = 0; i < 60000; i++) {
    const std::string v = test::RandomBytes(&rnd, 80);
    ASSERT_OK(Put(&model, Key(i % 40000), v));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  std::string jobs, nodes, stats;
  ASSERT_TRUE(db_->GetProperty("o3lsm.jobs", &jobs));
  ASSERT_TRUE(db_->GetProperty("o3lsm.nodes", &nodes));
  ASSERT_TRUE(db_->GetProperty("o3lsm.stats", &stats));
  // Jobs were executed by the worker threads, not by this node.
  const size_t at = jobs.find("Embedded workers");
  ASSERT_NE(std::string::npos, at) << jobs;
  EXPECT_EQ(std::string::npos, jobs.find("done 0,", at)) << jobs;
  EXPECT_NE(std::string::npos, nodes.find("worker")) << nodes;
  EXPECT_NE(std::string::npos, stats.find("L1")) << stats;
  CheckAll(model);
  Reopen();
  CheckAll(model);
}

// Offloaded compactions larger than one output file split into key-range
// sub-jobs that run on the workers side by side and install in one edit:
// the database matches the model, and a snapshot taken before them still
// reads its own values.
TEST_F(OffloadDBTest, CompactionSubJobsKeepEveryVersionASnapshotNeeds) {
  options_.offload = kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
  options_.level0_file_num_compaction_trigger = 2;
  options_.max_bytes_for_level_base = 1 << 20;
  options_.target_file_size_base = 128 << 10;
  options_.max_subcompactions = 4;
  options_.embedded_workers = 3;
  Reopen();
  std::map<std::string, std::string> model;
  Random64 rnd(5);
  for (int i = 0; i < 20000; i++) {
    ASSERT_OK(Put(&model, Key(i), test::RandomBytes(&rnd, 80)));
  }
  const std::map<std::string, std::string> old_model = model;
  const Snapshot* snap = db_->GetSnapshot();
  for (int i = 0; i < 40000; i++) {
    const std::string k = Key(rnd.Uniform(20000));
    if (rnd.OneIn(5)) {
      model.erase(k);
      ASSERT_OK(db_->Delete(WriteOptions(), k));
    } else {
      ASSERT_OK(Put(&model, k, test::RandomBytes(&rnd, 80)));
    }
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("o3lsm.stats", &stats));
  const size_t at = stats.find("split compactions: ");
  ASSERT_NE(std::string::npos, at) << stats;
  EXPECT_GT(atoi(stats.c_str() + at + strlen("split compactions: ")), 0)
      << stats;
  CheckAll(model);
  ReadOptions at_snap;
  at_snap.snapshot = snap;
  for (const auto& [k, v] : old_model) {
    std::string got;
    ASSERT_OK(db_->Get(at_snap, k, &got)) << k;
    ASSERT_EQ(v, got) << k;
  }
  db_->ReleaseSnapshot(snap);
  Reopen();
  CheckAll(model);
}

// MultiGet of many keys held by segments in DM reads each segment with one
// batch per round trip, not one per key, and answers like Get.
TEST_F(OffloadDBTest, MultiGetBatchesTheReadsOfDmSegments) {
  options_.dm_read_mode = DmReadMode::kOneSided;  // counts one-sided posts
  options_.dm_write_buffer_budget = 16 << 20;
  options_.dm_segment_size = 64 << 10;
  std::atomic<uint64_t> posts{0};
  class CountingFabric final : public fabric::FabricWrapper {
   public:
    CountingFabric(std::unique_ptr<fabric::Fabric> base,
                   std::atomic<uint64_t>* posts)
        : FabricWrapper(base.get()), base_(std::move(base)), posts_(posts) {}
    Status Post(std::span<fabric::WorkRequest> batch,
                fabric::Completion* c) override {
      posts_->fetch_add(1);
      return FabricWrapper::Post(batch, c);
    }

   private:
    std::unique_ptr<fabric::Fabric> base_;
    std::atomic<uint64_t>* posts_;
  };
  options_.dm_fabric_wrapper = [&posts](std::unique_ptr<fabric::Fabric> f) {
    return std::unique_ptr<fabric::Fabric>(
        new CountingFabric(std::move(f), &posts));
  };
  Reopen();
  impl()->TEST_PauseFlushes(true);  // the segments stay in DM
  std::map<std::string, std::string> model;
  Random64 rnd(11);
  for (int i = 0; i < 4000; i++) {
    ASSERT_OK(Put(&model, Key(i), test::RandomBytes(&rnd, 100)));
  }
  ASSERT_OK(db_->Flush(FlushOptions{/*wait=*/false}));
  while (impl()->TEST_SealedLocalBytes() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string segments;
  ASSERT_TRUE(db_->GetProperty("o3lsm.segments", &segments));
  std::vector<std::string> names;
  for (int i = 0; i < 4000; i += 20) names.push_back(Key(i));
  names.push_back("absent");
  std::vector<Slice> keys(names.begin(), names.end());
  std::vector<std::string> values;
  const uint64_t before = posts.load();
  const std::vector<Status> statuses =
      db_->MultiGet(ReadOptions(), keys, &values);
  const uint64_t batched = posts.load() - before;
  for (size_t k = 0; k < names.size(); k++) {
    auto m = model.find(names[k]);
    if (m == model.end()) {
      EXPECT_TRUE(statuses[k].IsNotFound()) << names[k];
    } else {
      ASSERT_OK(statuses[k]) << names[k];
      EXPECT_EQ(m->second, values[k]) << names[k];
    }
  }
  const uint64_t one_by_one_before = posts.load();
  for (const auto& name : names) {
    std::string v;
    db_->Get(ReadOptions(), name, &v).PermitUncheckedError();
  }
  const uint64_t one_by_one = posts.load() - one_by_one_before;
  // At most two batches per segment for all 201 keys; Get posts for each.
  EXPECT_GE(one_by_one, names.size() - 1) << segments;
  EXPECT_LT(batched * 4, one_by_one) << segments;
  impl()->TEST_PauseFlushes(false);
  db_.reset();  // before `posts`, which its fabric counts into, goes
}

// Bug (docs/offload.md §9, now fixed): a job whose result does not fit its
// board slot (long keys: every output carries its smallest and largest
// key) could not be completed; it was re-posted until its attempts ran out
// and then never handed back. The executor now fails it as final and the
// compute node flushes the memtables itself, at once.
TEST_F(OffloadDBTest, FlushWhoseResultDoesNotFitTheBoardRunsHere) {
  options_.offload = kOffloadMemtable | kOffloadFlush;
  options_.disable_auto_compactions = true;
  options_.memtable_shards = 1;
  options_.embedded_workers = 1;
  Reopen();
  std::map<std::string, std::string> model;
  for (int i = 0; i < 400; i++) {
    // 1.5 KiB keys: smallest + largest alone outgrow a 1984-byte result.
    const std::string k = Key(i) + std::string(1500, 'k');
    ASSERT_OK(Put(&model, k, std::to_string(i)));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  std::string jobs;
  ASSERT_TRUE(db_->GetProperty("o3lsm.jobs", &jobs));
  // Handed back after the first attempt: nothing retried or re-posted.
  EXPECT_NE(std::string::npos, jobs.find("retried 0, re-posted 0")) << jobs;
  EXPECT_EQ(std::string::npos, jobs.find("handed back 0,")) << jobs;
  CheckAll(model);
  Reopen();
  CheckAll(model);
}

// Bug (found by the crash driver with a cluster, 127th cycle): job output
// numbers were taken past the next file number the MANIFEST recorded. After
// the compute node was killed, the reopened one handed the same numbers out
// again (its recovery flush's table) while an executor of a dead job still
// wrote, or deleted, files under them: a table of the new database vanished.
// Job numbers now come from blocks the MANIFEST records before use.
TEST_F(OffloadDBTest, JobFileNumbersAreRecordedInTheManifestBeforeUse) {
  options_.offload = kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
  options_.level0_file_num_compaction_trigger = 2;
  options_.max_bytes_for_level_base = 1 << 20;
  options_.target_file_size_base = 128 << 10;
  options_.embedded_workers = 1;
  for (int open = 0; open < 2; open++) {
    Reopen();
    Random64 rnd(open);
    for (int i = 0; i < 30000; i++) {
      ASSERT_OK(db_->Put(WriteOptions(), Key(i % 20000),
                         test::RandomBytes(&rnd, 80)));
      if (i % 5000 == 0) {
        uint64_t used = 0, durable = 0;
        impl()->TEST_JobFileNumbers(&used, &durable);
        ASSERT_LE(used, durable) << "at write " << i;
      }
    }
    ASSERT_OK(db_->Flush(FlushOptions()));
    ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
    uint64_t used = 0, durable = 0;
    impl()->TEST_JobFileNumbers(&used, &durable);
    EXPECT_GT(used, 0u) << "no job was posted";
    EXPECT_LE(used, durable);
    std::string jobs;
    ASSERT_TRUE(db_->GetProperty("o3lsm.jobs", &jobs));
    EXPECT_EQ(std::string::npos, jobs.find("done 0,")) << jobs;
  }
}

TEST_F(OffloadDBTest, SegmentsWaitInDmForABatchThenFlushAsOneFile) {
  // Small memtables (cheap inserts on the compute node), large L0 files:
  // a shard's segments wait in DM until they make a batch of
  // dm_budget / (2 x shards) = 2 MiB.
  options_.offload = kOffloadMemtable | kOffloadFlush;
  options_.disable_auto_compactions = true;
  options_.dm_segment_size = 64 << 10;
  options_.dm_write_buffer_budget = 16 << 20;
  options_.memtable_shards = 4;
  Reopen();
  std::map<std::string, std::string> model;
  Random64 rnd(5);
  // About 1 MiB per shard (1.3 for the busiest): many segments, no batch
  // yet.
  for (int i = 0; i < 30000; i++) {
    const std::string v = test::RandomBytes(&rnd, 100);
    ASSERT_OK(Put(&model, Key(i), v));
  }
  std::string jobs;
  ASSERT_TRUE(db_->GetProperty("o3lsm.jobs", &jobs));
  std::string before;
  ASSERT_TRUE(db_->GetProperty("o3lsm.stats", &before));
  EXPECT_NE(std::string::npos, jobs.find("posted by this node: 0,"))
      << jobs << before;
  EXPECT_EQ(0, impl()->TEST_current()->NumFiles(0));
  CheckAll(model);  // served from DM and the local memtables

  // Past the batch size, each shard's segments flush together.
  for (int i = 30000; i < 100000; i++) {
    const std::string v = test::RandomBytes(&rnd, 100);
    ASSERT_OK(Put(&model, Key(i), v));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_EQ(0u, impl()->TEST_DmLiveBytes());
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("o3lsm.stats", &stats));
  const size_t at = stats.find("moved ");
  ASSERT_NE(std::string::npos, at) << stats;
  const int moved = atoi(stats.c_str() + at + 6);
  const int l0 = impl()->TEST_current()->NumFiles(0);
  // Well over 100 segments became a few files per shard.
  EXPECT_GT(moved, 100) << stats;
  EXPECT_LE(l0 * 8, moved) << stats;
  CheckAll(model);
  Reopen();
  CheckAll(model);
}

TEST_F(OffloadDBTest, TinySegmentsThatFillDmStillDrain) {
  // Many shards of tiny segments fill DM long before any shard has a
  // batch: a full pool, or a writer waiting for room, sends what is there.
  options_.offload = kOffloadMemtable | kOffloadFlush;
  options_.disable_auto_compactions = true;
  options_.memtable_shards = 8;
  options_.dm_segment_size = 64 << 10;
  options_.dm_write_buffer_budget = 2 << 20;
  options_.write_buffer_size = 512 << 10;
  Reopen();
  std::map<std::string, std::string> model;
  for (int i = 0; i < 60000; i++) {
    ASSERT_OK(Put(&model, Key(i), std::to_string(i)));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  CheckAll(model);
}

namespace {

// The model test of the DM read modes: overwrites and deletes that live in
// different segments, a snapshot, Get and MultiGet (duplicate keys too),
// then reads racing the flushes that free the segments they read.
void CheckReadsThroughDm(DmReadMode mode) {
  SCOPED_TRACE(DmReadModeName(mode));
  test::ScratchDir dir;
  Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 256 << 10;
  options.memtable_shards = 2;
  options.offload = kOffloadMemtable;
  options.dm_write_buffer_budget = 16 << 20;
  options.dm_segment_size = 64 << 10;
  options.dm_read_mode = mode;
  options.embedded_search_threads = 2;
  std::unique_ptr<DB> db;
  ASSERT_OK(DB::Open(options, dir.path(), &db));
  auto* impl = static_cast<DBImpl*>(db.get());
  impl->TEST_PauseFlushes(true);
  auto key = [](int i) {
    char buf[24];
    snprintf(buf, sizeof(buf), "key%06d", i);
    return std::string(buf);
  };
  std::map<std::string, std::string> model, at_snapshot;
  const Snapshot* snapshot = nullptr;
  Random64 rnd(17);
  for (int op = 0; op < 12000; op++) {
    const std::string k = key(static_cast<int>(rnd.Uniform(2000)));
    if (rnd.OneIn(6)) {
      ASSERT_OK(db->Delete(WriteOptions(), k));
      model.erase(k);
    } else {
      const std::string v =
          test::RandomBytes(&rnd, rnd.OneIn(50) ? 5000 : rnd.Uniform(120));
      ASSERT_OK(db->Put(WriteOptions(), k, v));
      model[k] = v;
    }
    if (op == 6000) {
      snapshot = db->GetSnapshot();
      at_snapshot = model;
    }
  }
  ASSERT_OK(db->Flush(FlushOptions{/*wait=*/false}));
  while (impl->TEST_SealedLocalBytes() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto expect = [&](const std::map<std::string, std::string>& m,
                    const ReadOptions& ro) {
    for (int i = 0; i < 2010; i++) {
      std::string v;
      Status s = db->Get(ro, key(i), &v);
      auto it = m.find(key(i));
      if (it == m.end()) {
        ASSERT_TRUE(s.IsNotFound()) << key(i) << " " << s.ToString();
      } else {
        ASSERT_OK(s) << key(i);
        ASSERT_EQ(it->second, v) << key(i);
      }
    }
  };
  expect(model, ReadOptions());
  ReadOptions at;
  at.snapshot = snapshot;
  expect(at_snapshot, at);
  for (int round = 0; round < 4; round++) {
    std::vector<std::string> names;
    for (int i = 0; i < 150; i++) {
      names.push_back(key(static_cast<int>(rnd.Uniform(2010))));
    }
    names.push_back(names[0]);  // duplicates
    names.push_back(names[1]);
    std::vector<Slice> keys(names.begin(), names.end());
    std::vector<std::string> values;
    const auto& m = round % 2 ? at_snapshot : model;
    const std::vector<Status> statuses =
        db->MultiGet(round % 2 ? at : ReadOptions(), keys, &values);
    for (size_t k = 0; k < names.size(); k++) {
      auto it = m.find(names[k]);
      if (it == m.end()) {
        ASSERT_TRUE(statuses[k].IsNotFound()) << names[k];
      } else {
        ASSERT_OK(statuses[k]) << names[k];
        ASSERT_EQ(it->second, values[k]) << names[k];
      }
    }
  }
  const DmReadPath::Counters& c = impl->TEST_DmReads()->counters();
  EXPECT_GT(c.lookups.load(), 1000u);
  if (mode == DmReadMode::kDelegated) {
    EXPECT_GT(c.delegated.load(), 1000u);
    EXPECT_GT(c.batches.load(), 0u);
  } else if (mode == DmReadMode::kCached) {
    EXPECT_GT(c.cache_hits.load(), 100u);  // the snapshot pass, MultiGet
  } else if (mode == DmReadMode::kOneSided) {
    EXPECT_EQ(0u, c.delegated.load());
    EXPECT_EQ(0u, c.batches.load());
  }

  // Flushes free the segments while readers read them.
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; t++) {
    readers.emplace_back([&, t] {
      Random64 r(t + 1);
      while (!stop.load()) {
        const std::string k = key(static_cast<int>(r.Uniform(2000)));
        std::string v;
        Status s = db->Get(ReadOptions(), k, &v);
        auto it = model.find(k);
        if (it == model.end() ? !s.IsNotFound() : !s.ok() || v != it->second) {
          wrong++;
        }
      }
    });
  }
  db->ReleaseSnapshot(snapshot);
  impl->TEST_PauseFlushes(false);
  ASSERT_OK(impl->TEST_WaitForBackgroundWork());
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(0, wrong.load());
  EXPECT_EQ(0u, impl->TEST_DmLiveBytes());
  expect(model, ReadOptions());
}

}  // namespace

TEST(OffloadDBReadModes, OneSided) { CheckReadsThroughDm(DmReadMode::kOneSided); }
TEST(OffloadDBReadModes, Delegated) {
  CheckReadsThroughDm(DmReadMode::kDelegated);
}
TEST(OffloadDBReadModes, Cached) { CheckReadsThroughDm(DmReadMode::kCached); }
TEST(OffloadDBReadModes, Adaptive) { CheckReadsThroughDm(DmReadMode::kAdaptive); }

}  // namespace o3lsm
