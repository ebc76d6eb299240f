// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "lsm/db/db_impl.h"
#include "o3lsm/db.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

class DBTest : public ::testing::Test {
 protected:
  DBTest() { options_.create_if_missing = true; }
  ~DBTest() override { db_.reset(); }

  void Reopen() {
    db_.reset();
    ASSERT_OK(DB::Open(options_, dir_.path(), &db_));
  }

  DBImpl* impl() { return static_cast<DBImpl*>(db_.get()); }

  std::string Get(const std::string& k, const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    Status s = db_->Get(ro, k, &v);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return s.ToString();
    return v;
  }

  std::string Contents() {
    std::string r;
    auto it = db_->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      r += it->key().ToString() + "=" + it->value().ToString() + ";";
    }
    EXPECT_OK(it->status());
    return r;
  }

  test::ScratchDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
};

}  // namespace

TEST_F(DBTest, OpenMissingWithoutCreateFails) {
  options_.create_if_missing = false;
  Status s = DB::Open(options_, dir_.Child("nope"), &db_);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(nullptr, db_);
}

TEST_F(DBTest, SecondOpenIsBusy) {
  Reopen();
  std::unique_ptr<DB> other;
  Status s = DB::Open(options_, dir_.path(), &other);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
}

TEST_F(DBTest, PutGetDelete) {
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "foo", "v1"));
  EXPECT_EQ("v1", Get("foo"));
  ASSERT_OK(db_->Put(WriteOptions(), "foo", "v2"));
  EXPECT_EQ("v2", Get("foo"));
  ASSERT_OK(db_->Delete(WriteOptions(), "foo"));
  EXPECT_EQ("NOT_FOUND", Get("foo"));
  ASSERT_OK(db_->Put(WriteOptions(), "", "empty key"));
  EXPECT_EQ("empty key", Get(""));
}

TEST_F(DBTest, GetFromSstAfterFlushAndReopen) {
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "a", "1"));
  ASSERT_OK(db_->Put(WriteOptions(), "b", "2"));
  ASSERT_OK(db_->Flush(FlushOptions()));
  EXPECT_EQ(1, impl()->TEST_current()->NumFiles(0));
  ASSERT_OK(db_->Delete(WriteOptions(), "a"));
  EXPECT_EQ("NOT_FOUND", Get("a"));
  EXPECT_EQ("2", Get("b"));
  Reopen();
  EXPECT_EQ("NOT_FOUND", Get("a"));
  EXPECT_EQ("2", Get("b"));
  EXPECT_EQ("b=2;", Contents());
}

TEST_F(DBTest, WalRecoversUnflushedWrites) {
  Reopen();
  WriteOptions sync;
  sync.sync = true;
  for (int i = 0; i < 100; i++) {
    ASSERT_OK(db_->Put(sync, "k" + std::to_string(i), std::to_string(i)));
  }
  Reopen();
  for (int i = 0; i < 100; i++) {
    EXPECT_EQ(std::to_string(i), Get("k" + std::to_string(i)));
  }
}

TEST_F(DBTest, DisableWalDataSurvivesCleanClose) {
  Reopen();
  WriteOptions nowal;
  nowal.disable_wal = true;
  ASSERT_OK(db_->Put(nowal, "x", "y"));
  ASSERT_OK(db_->Close());
  Reopen();
  EXPECT_EQ("y", Get("x"));
}

// MultiGet answers each key as Get does, as of one state: memtable,
// tables, deletions, missing keys, repeats and a snapshot.
TEST_F(DBTest, MultiGetAnswersEachKeyLikeGet) {
  options_.write_buffer_size = 64 << 10;
  Reopen();
  for (int i = 0; i < 3000; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i),
                       "v" + std::to_string(i)));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  for (int i = 0; i < 3000; i += 7) {
    ASSERT_OK(db_->Delete(WriteOptions(), "k" + std::to_string(i)));
  }
  const Snapshot* snap = db_->GetSnapshot();
  for (int i = 0; i < 3000; i += 5) {
    ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i), "new"));
  }
  std::vector<std::string> names;
  for (int i = -2; i < 3005; i += 3) names.push_back("k" + std::to_string(i));
  names.push_back("k5");  // asked twice
  for (const Snapshot* at : {static_cast<const Snapshot*>(nullptr), snap}) {
    ReadOptions ro;
    ro.snapshot = at;
    std::vector<Slice> keys(names.begin(), names.end());
    std::vector<std::string> values;
    const std::vector<Status> statuses = db_->MultiGet(ro, keys, &values);
    ASSERT_EQ(names.size(), statuses.size());
    ASSERT_EQ(names.size(), values.size());
    for (size_t k = 0; k < names.size(); k++) {
      const std::string got = statuses[k].IsNotFound() ? "NOT_FOUND"
                              : statuses[k].ok()      ? values[k]
                                                      : statuses[k].ToString();
      EXPECT_EQ(Get(names[k], at), got) << names[k];
    }
  }
  db_->ReleaseSnapshot(snap);
  std::vector<std::string> values;
  EXPECT_TRUE(db_->MultiGet(ReadOptions(), {}, &values).empty());
}

TEST_F(DBTest, SnapshotSeesOldState) {
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v1"));
  const Snapshot* s1 = db_->GetSnapshot();
  ASSERT_OK(db_->Put(WriteOptions(), "k", "v2"));
  ASSERT_OK(db_->Delete(WriteOptions(), "j"));
  EXPECT_EQ("v1", Get("k", s1));
  EXPECT_EQ("v2", Get("k"));
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  EXPECT_EQ("v1", Get("k", s1));  // compaction kept the snapshot's version
  db_->ReleaseSnapshot(s1);
  EXPECT_EQ("v2", Get("k"));
}

TEST_F(DBTest, IteratorBothDirectionsAcrossMemtableAndTables) {
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "a", "1"));
  ASSERT_OK(db_->Put(WriteOptions(), "c", "3"));
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(db_->Put(WriteOptions(), "b", "2"));
  ASSERT_OK(db_->Delete(WriteOptions(), "c"));
  ASSERT_OK(db_->Put(WriteOptions(), "d", "4"));
  auto it = db_->NewIterator(ReadOptions());
  it->SeekToFirst();
  std::string forward;
  for (; it->Valid(); it->Next()) forward += it->key().ToString();
  EXPECT_EQ("abd", forward);
  std::string backward;
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward += it->key().ToString();
  EXPECT_EQ("dba", backward);
  it->Seek("bb");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("d", it->key().ToString());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key().ToString());
  it->Next();
  EXPECT_EQ("d", it->key().ToString());
}

TEST_F(DBTest, CompactionDropsTombstonesAtTheBottom) {
  options_.write_buffer_size = 64 << 10;
  Reopen();
  for (int i = 0; i < 2000; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), "key" + std::to_string(i),
                       std::string(100, 'x')));
  }
  for (int i = 0; i < 2000; i++) {
    ASSERT_OK(db_->Delete(WriteOptions(), "key" + std::to_string(i)));
  }
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  VersionRef v = impl()->TEST_current();
  EXPECT_EQ(0u, v->TotalFiles()) << v->DebugString();
  EXPECT_EQ("", Contents());
}

TEST_F(DBTest, BackgroundCompactionKeepsL0Bounded) {
  options_.write_buffer_size = 64 << 10;
  options_.level0_file_num_compaction_trigger = 2;
  options_.max_bytes_for_level_base = 256 << 10;
  options_.target_file_size_base = 64 << 10;
  Reopen();
  Random64 rnd(1);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 20000; i++) {
    std::string k = "key" + std::to_string(rnd.Uniform(5000));
    std::string v = test::RandomBytes(&rnd, 50);
    model[k] = v;
    ASSERT_OK(db_->Put(WriteOptions(), k, v));
  }
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  VersionRef v = impl()->TEST_current();
  EXPECT_LT(v->NumFiles(0), 4) << v->DebugString();
  EXPECT_GT(v->TotalFiles(), 1u);
  for (const auto& [k, val] : model) ASSERT_EQ(val, Get(k));
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("o3lsm.stats", &stats));
  EXPECT_NE(std::string::npos, stats.find("Write amplification"));
  Reopen();
  for (const auto& [k, val] : model) ASSERT_EQ(val, Get(k));
}

TEST_F(DBTest, ConcurrentWritersGroupCommit) {
  Reopen();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([this, t] {
      WriteOptions wo;
      wo.sync = (t == 0);
      for (int i = 0; i < kPerThread; i++) {
        ASSERT_OK(db_->Put(wo, "t" + std::to_string(t) + "_" + std::to_string(i),
                           std::to_string(i)));
      }
    });
  }
  for (auto& th : threads) th.join();
  Reopen();
  for (int t = 0; t < kThreads; t++) {
    for (int i = 0; i < kPerThread; i += 97) {
      EXPECT_EQ(std::to_string(i),
                Get("t" + std::to_string(t) + "_" + std::to_string(i)));
    }
  }
}

// Tables opened without mappings read every block with pread into the
// block cache; mapped tables use their blocks in place and cache none.
TEST_F(DBTest, UnmappedTablesReadThroughTheBlockCache) {
  for (bool mmap : {false, true}) {
    SCOPED_TRACE(mmap ? "mapped" : "pread");
    options_.allow_mmap_reads = mmap;
    Reopen();
    for (int i = 0; i < 2000; i++) {
      ASSERT_OK(db_->Put(WriteOptions(), "k" + std::to_string(i),
                         std::string(100, static_cast<char>('a' + i % 26))));
    }
    ASSERT_OK(db_->Flush(FlushOptions()));
    Reopen();  // fresh block cache and table handles
    for (int i = 0; i < 2000; i += 3) {
      ASSERT_EQ(std::string(100, static_cast<char>('a' + i % 26)),
                Get("k" + std::to_string(i)));
    }
    std::string usage;
    ASSERT_TRUE(db_->GetProperty("o3lsm.block-cache-usage", &usage));
    if (mmap) {
      EXPECT_EQ("0", usage);
    } else {
      EXPECT_GT(std::stoull(usage), 100000u);
    }
    db_.reset();
    ASSERT_OK(DestroyDB(dir_.path(), options_));
  }
}

TEST_F(DBTest, ShardedWritesSpreadAndFlushToDisjointL0Files) {
  options_.write_buffer_size = 1 << 20;
  options_.memtable_shards = 4;
  options_.disable_auto_compactions = true;
  Reopen();
  Random64 rnd(5);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 40000; i++) {
    char key[32];
    snprintf(key, sizeof(key), "user%012llu",
             static_cast<unsigned long long>(rnd.Uniform(1000000000)));
    model[key] = std::to_string(i);
    ASSERT_OK(db_->Put(WriteOptions(), key, std::to_string(i)));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  std::string shards;
  ASSERT_TRUE(db_->GetProperty("o3lsm.shards", &shards));
  EXPECT_NE(std::string::npos, shards.find("Shards: 4 of target 4")) << shards;
  // Balance is reported and close to even for random keys.
  const size_t at = shards.find("balance max/mean ");
  ASSERT_NE(std::string::npos, at) << shards;
  EXPECT_LT(atof(shards.c_str() + at + strlen("balance max/mean ")), 1.5)
      << shards;
  // L0 files written after the split cover one shard each: many of them do
  // not overlap each other.
  VersionRef v = impl()->TEST_current();
  int disjoint_pairs = 0;
  const auto& l0 = v->files(0);
  for (size_t i = 0; i < l0.size(); i++) {
    for (size_t j = i + 1; j < l0.size(); j++) {
      if (l0[i]->largest.user_key().compare(l0[j]->smallest.user_key()) < 0 ||
          l0[j]->largest.user_key().compare(l0[i]->smallest.user_key()) < 0) {
        disjoint_pairs++;
      }
    }
  }
  EXPECT_GT(disjoint_pairs, 0) << v->DebugString();
  for (const auto& [k, val] : model) ASSERT_EQ(val, Get(k));
  Reopen();
  for (const auto& [k, val] : model) ASSERT_EQ(val, Get(k));
}

TEST_F(DBTest, ShardedSequentialWritesKeepAllShardsBusy) {
  options_.write_buffer_size = 1 << 20;
  options_.memtable_shards = 4;
  Reopen();
  for (int i = 0; i < 60000; i++) {
    char key[32];
    snprintf(key, sizeof(key), "seq%012d", i);
    ASSERT_OK(db_->Put(WriteOptions(), key, std::string(40, 'v')));
  }
  std::string shards;
  ASSERT_TRUE(db_->GetProperty("o3lsm.shards", &shards));
  EXPECT_NE(std::string::npos, shards.find("keys ascending")) << shards;
  EXPECT_NE(std::string::npos, shards.find("Shards: 4 of target 4")) << shards;
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  auto it = db_->NewIterator(ReadOptions());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  EXPECT_EQ(60000, n);
}

TEST_F(DBTest, PropertiesAreReported) {
  Reopen();
  std::string v;
  EXPECT_TRUE(db_->GetProperty("o3lsm.num-files-at-level0", &v));
  EXPECT_EQ("0", v);
  EXPECT_FALSE(db_->GetProperty("o3lsm.num-files-at-levelx", &v));
  EXPECT_FALSE(db_->GetProperty("rocksdb.stats", &v));
  EXPECT_TRUE(db_->GetProperty("o3lsm.approximate-memory-usage", &v));
  EXPECT_TRUE(db_->GetProperty("o3lsm.level-bytes1", &v));
  EXPECT_EQ("0", v);
  EXPECT_TRUE(db_->GetProperty("o3lsm.compaction-pending", &v));
  EXPECT_EQ("0", v);
  EXPECT_TRUE(db_->GetProperty("o3lsm.num-running-compactions", &v));
  EXPECT_FALSE(db_->GetProperty("o3lsm.level-bytes99", &v));
}

TEST_F(DBTest, DestroyRemovesEverything) {
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "a", "b"));
  db_.reset();
  ASSERT_OK(DestroyDB(dir_.path(), options_));
  EXPECT_FALSE(Env::Default()->FileExists(dir_.path()));
}

}  // namespace o3lsm
