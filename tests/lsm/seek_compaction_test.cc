// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Read-triggered compaction: Version::ChargeSeek's accounting, and a DB
// whose iterator seeks pass through overlapping L0 files compacting them
// (Options::seek_compaction_bytes_per_seek).

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "lsm/db/db_impl.h"
#include "lsm/memtable/memtable.h"
#include "o3lsm/db.h"
#include "o3lsm/statistics.h"
#include "tests/testutil.h"

namespace o3lsm {
namespace {

FileRef File(uint64_t number, const std::string& lo, const std::string& hi,
             int64_t budget) {
  auto f = std::make_shared<FileMetaData>();
  f->number = number;
  f->file_size = 1000;
  f->smallest = InternalKey(lo, 100, kTypeValue);
  f->largest = InternalKey(hi, 1, kTypeValue);
  f->seek_budget.Set(budget);
  return f;
}

TEST(ChargeSeek, ChargesTheNewestFileOncePerRunSaved) {
  std::vector<std::vector<FileRef>> files(3);
  files[0] = {File(2, "h", "z", 10), File(1, "a", "m", 1000)};  // newest first
  files[1] = {File(3, "a", "f", 1000), File(4, "g", "p", 1000)};
  VersionRef v = Version::FromFiles(std::move(files));
  EXPECT_EQ(3, v->SortedRuns());
  int level = -1;
  // "x" is in L0 #2 alone, "q" too (L1 ends at "p"): one run, no charge.
  EXPECT_EQ(nullptr, v->ChargeSeek("x", 4, &level));
  EXPECT_EQ(nullptr, v->ChargeSeek("q", 4, &level));
  EXPECT_EQ(10, v->files(0)[0]->seek_budget.left());
  // "k": L0 #2, L0 #1 and L1 #4. Three runs: #2 pays 2 per seek.
  EXPECT_EQ(nullptr, v->ChargeSeek("k", 4, &level));
  EXPECT_EQ(2, v->files(0)[0]->seek_budget.left());
  FileRef spent = v->ChargeSeek("k", 1, &level);
  ASSERT_NE(nullptr, spent);
  EXPECT_EQ(2u, spent->number);
  EXPECT_EQ(0, level);
  // Reported once: later charges of a spent budget return nothing.
  EXPECT_EQ(nullptr, v->ChargeSeek("k", 1, &level));
  // "c": L0 #1 and L1 #3. #1 pays.
  EXPECT_EQ(nullptr, v->ChargeSeek("c", 5, &level));
  EXPECT_EQ(995, v->files(0)[1]->seek_budget.left());
  EXPECT_EQ(1000, v->files(1)[0]->seek_budget.left());
}

TEST(ChargeSeek, WithoutL0TheUpperLevelsFilePays) {
  std::vector<std::vector<FileRef>> files(3);
  files[1] = {File(1, "a", "m", 3)};
  files[2] = {File(2, "a", "z", 3)};
  VersionRef v = Version::FromFiles(std::move(files));
  int level = -1;
  FileRef spent = v->ChargeSeek("c", 3, &level);
  ASSERT_NE(nullptr, spent);
  EXPECT_EQ(1u, spent->number);
  EXPECT_EQ(1, level);
  EXPECT_EQ(nullptr, v->ChargeSeek("n", 100, &level));  // L2 alone
  EXPECT_EQ(3, v->files(1 + 1)[0]->seek_budget.left());
}

class SeekCompactionTest : public ::testing::Test {
 protected:
  SeekCompactionTest() {
    options_.create_if_missing = true;
    options_.write_buffer_size = 256 << 10;
    options_.level0_file_num_compaction_trigger = 8;  // never by size here
    options_.statistics = CreateDBStatistics();
  }

  void Open() { ASSERT_OK(DB::Open(options_, dir_.path(), &db_)); }
  DBImpl* impl() { return static_cast<DBImpl*>(db_.get()); }

  // Three flushes of overlapping keys: three L0 files over the same range.
  void WriteThreeOverlappingFiles() {
    for (int round = 0; round < 3; round++) {
      for (int i = round; i < 3000; i += 3) {
        const std::string k = Key(i);
        const std::string v = "v" + std::to_string(round) + "-" + k;
        model_[k] = v;
        ASSERT_OK(db_->Put(WriteOptions(), k, v));
      }
      ASSERT_OK(db_->Flush(FlushOptions()));
    }
    ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
    ASSERT_EQ(3, impl()->TEST_current()->NumFiles(0));
  }

  static std::string Key(int i) {
    char buf[16];
    snprintf(buf, sizeof(buf), "key%06d", i);
    return buf;
  }

  // n seeks to keys below `keys`, each checked against model_.
  void Seeks(int n, int seed, int keys = 3000) {
    Random64 rnd(seed);
    for (int i = 0; i < n; i++) {
      auto it = db_->NewIterator(ReadOptions());
      const std::string k = Key(static_cast<int>(rnd.Uniform(keys)));
      it->Seek(k);
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(k, it->key().ToString());
      ASSERT_EQ(model_[k], it->value().ToString());
    }
  }

  // Keys [from, to) with short values, recorded in model_.
  void PutKeys(int from, int to) {
    for (int i = from; i < to; i++) {
      const std::string k = Key(i);
      model_[k] = "m-" + k;
      ASSERT_OK(db_->Put(WriteOptions(), k, model_[k]));
    }
  }

  // Keys [0, n) with short values, into the memtable only.
  void WriteMemTable(int n) {
    PutKeys(0, n);
    ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
    ASSERT_EQ(0, impl()->TEST_current()->NumFiles(0)) << "the fill flushed";
  }

  uint64_t SeekFlushes() const {
    return options_.statistics->getTickerCount(kSeekFlushTriggers);
  }

  // One seek to k from a new iterator: true if it lands on k with
  // model_'s value. Safe from reader threads while model_ is not written.
  bool SeekFinds(const std::string& k) {
    auto it = db_->NewIterator(ReadOptions());
    it->Seek(k);
    return it->Valid() && it->key().ToString() == k &&
           it->value().ToString() == model_.at(k);
  }

  void ExpectModel() {
    for (const auto& [k, v] : model_) {
      std::string got;
      ASSERT_OK(db_->Get(ReadOptions(), k, &got));
      ASSERT_EQ(v, got);
    }
    auto it = db_->NewIterator(ReadOptions());
    auto m = model_.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
      ASSERT_NE(model_.end(), m);
      ASSERT_EQ(m->first, it->key().ToString());
      ASSERT_EQ(m->second, it->value().ToString());
    }
    ASSERT_OK(it->status());
    EXPECT_EQ(model_.end(), m);
  }

  test::ScratchDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
  std::map<std::string, std::string> model_;
};

TEST(MemTableChargeSeeks, OnlySeeksWhileItDoesNotGrowCount) {
  MemTable mem(1, 1 << 20, 1 << 20);
  ASSERT_TRUE(mem.ok());
  for (int i = 0; i < 100; i++) {
    ASSERT_TRUE(mem.Add(i + 1, kTypeValue, "key" + std::to_string(i),
                        std::string(100, 'v')));
  }
  // The budget: seeks at 100 bytes each until they cost MemoryUsage().
  const uint64_t per_seek = 100;
  auto budget = [&] {
    return static_cast<int64_t>((mem.MemoryUsage() + per_seek - 1) / per_seek);
  };
  EXPECT_FALSE(mem.ChargeSeeks(1, per_seek));  // notes the entry count only
  EXPECT_FALSE(mem.ChargeSeeks(budget() - 1, per_seek));
  // A write: what was counted no longer counts, nor does the charge that
  // finds it.
  ASSERT_TRUE(mem.Add(1000, kTypeValue, "another", "v"));
  EXPECT_FALSE(mem.ChargeSeeks(budget() - 1, per_seek));
  EXPECT_FALSE(mem.ChargeSeeks(budget() - 2, per_seek));
  EXPECT_TRUE(mem.ChargeSeeks(2, per_seek));
  // Reported again one whole budget later (it could not be sealed).
  EXPECT_FALSE(mem.ChargeSeeks(budget() - 1, per_seek));
  EXPECT_TRUE(mem.ChargeSeeks(1, per_seek));
}

TEST_F(SeekCompactionTest, SeeksThroughOverlappingL0FilesCompactThem) {
  Open();
  WriteThreeOverlappingFiles();
  // Small files have LevelDB's floor of 100 seeks; each sampled seek pays
  // 16 x 2 (three runs, two saved).
  Seeks(2000, 1);
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  VersionRef v = impl()->TEST_current();
  EXPECT_EQ(0, v->NumFiles(0)) << v->DebugString();
  EXPECT_GE(v->NumFiles(1), 1) << v->DebugString();
  EXPECT_EQ(1u, options_.statistics->getTickerCount(kSeekCompactionTriggers));
  ExpectModel();
  // Nothing left to charge: one sorted run.
  Seeks(2000, 2);
  EXPECT_EQ(1u, options_.statistics->getTickerCount(kSeekCompactionTriggers));
}

TEST_F(SeekCompactionTest, PointLookupsAndAZeroBudgetCompactNothing) {
  options_.seek_compaction_bytes_per_seek = 0;
  Open();
  WriteThreeOverlappingFiles();
  Seeks(2000, 1);
  ExpectModel();  // Gets are never charged
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_EQ(3, impl()->TEST_current()->NumFiles(0));
  EXPECT_EQ(0u, options_.statistics->getTickerCount(kSeekCompactionTriggers));
}

TEST_F(SeekCompactionTest, GetsAloneNeverCharge) {
  Open();
  WriteThreeOverlappingFiles();
  for (int round = 0; round < 3; round++) ExpectModel();
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_EQ(3, impl()->TEST_current()->NumFiles(0));
}

TEST_F(SeekCompactionTest, SeeksOverAMemTableNoWriteGrowsFlushIt) {
  Open();
  WriteMemTable(3000);
  // About 200 KiB of memtable: a budget of about 200 seeks at the default
  // 1024 bytes per seek, charged 16 at a time.
  Seeks(2000, 1);
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_EQ(1u, SeekFlushes());
  EXPECT_EQ(1, impl()->TEST_current()->NumFiles(0));
  ExpectModel();
  // The new memtable is empty: nothing left to charge.
  Seeks(2000, 2);
  EXPECT_EQ(1u, SeekFlushes());
  db_.reset();
  Open();
  ExpectModel();
}

TEST_F(SeekCompactionTest, AMemTableIsSealedOnceTheOneBeforeItIsFlushed) {
  Open();
  // A sealed memtable waits for its flush...
  impl()->TEST_PauseFlushes(true);
  WriteMemTable(1000);
  FlushOptions no_wait;
  no_wait.wait = false;
  ASSERT_OK(db_->Flush(no_wait));
  ASSERT_EQ(1, impl()->TEST_NumImmutableMemTables());
  // ...so seeks that use up the active one's budget seal nothing.
  PutKeys(1000, 3000);
  Seeks(2000, 1);
  EXPECT_EQ(1, impl()->TEST_NumImmutableMemTables());
  EXPECT_EQ(0u, SeekFlushes());
  // Once it is flushed, the next budget of seeks seals the active one.
  impl()->TEST_PauseFlushes(false);
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  ASSERT_EQ(1, impl()->TEST_current()->NumFiles(0));
  Seeks(2000, 2);
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_EQ(1u, SeekFlushes());
  EXPECT_EQ(2, impl()->TEST_current()->NumFiles(0) +
                   impl()->TEST_current()->NumFiles(1));
  ExpectModel();
}

TEST_F(SeekCompactionTest, ManyReadersSpendingTheBudgetSealItOnce) {
  Open();
  WriteMemTable(3000);
  // Four readers cross the budget together: each may ask for the seal;
  // one seals, the others find their memtable no longer active.
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; t++) {
    readers.emplace_back([&, t] {
      Random64 rnd(200 + t);
      for (int i = 0; i < 1000; i++) {
        if (!SeekFinds(Key(static_cast<int>(rnd.Uniform(3000))))) failures++;
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(0, failures.load());
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_GE(SeekFlushes(), 1u);
  EXPECT_EQ(1, impl()->TEST_current()->NumFiles(0));
  ExpectModel();
}

TEST_F(SeekCompactionTest, SeeksBetweenWritesFlushNothing) {
  Open();
  WriteMemTable(3000);
  // Each write starts the count again; 100 seeks never reach the budget.
  for (int round = 0; round < 40; round++) {
    const std::string k = Key(round);
    model_[k] = "w" + std::to_string(round);
    ASSERT_OK(db_->Put(WriteOptions(), k, model_[k]));
    Seeks(100, round);
  }
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_EQ(0u, SeekFlushes());
  EXPECT_EQ(0, impl()->TEST_current()->NumFiles(0));
  ExpectModel();
}

TEST_F(SeekCompactionTest, AMemTableUnderAQuarterOfTheBufferStays) {
  Open();
  WriteMemTable(300);  // about 20 KiB of a 256 KiB write buffer
  Seeks(5000, 1, 300);
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  EXPECT_EQ(0u, SeekFlushes());
  EXPECT_EQ(0, impl()->TEST_current()->NumFiles(0));
  ExpectModel();
}

TEST_F(SeekCompactionTest, ConcurrentSeeksWhileWritingAndFlushing) {
  Open();
  WriteThreeOverlappingFiles();
  // Readers seek keys the writer never touches (>= 3000 are written only
  // by it); their values are fixed, so every seek can be checked.
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; t++) {
    readers.emplace_back([&, t] {
      Random64 rnd(100 + t);
      while (!stop.load()) {
        if (!SeekFinds(Key(static_cast<int>(rnd.Uniform(3000))))) failures++;
      }
    });
  }
  std::map<std::string, std::string> written;
  for (int i = 3000; i < 9000; i++) {
    const std::string k = Key(i);
    written[k] = std::string(200, static_cast<char>('a' + i % 26));
    ASSERT_OK(db_->Put(WriteOptions(), k, written[k]));
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(0, failures.load());
  model_.insert(written.begin(), written.end());
  ASSERT_OK(impl()->TEST_WaitForBackgroundWork());
  ExpectModel();
  db_.reset();
  Open();
  ExpectModel();
}

}  // namespace
}  // namespace o3lsm
