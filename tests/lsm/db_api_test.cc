// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The API RocksDB users reach for: iteration bounds, SeekForPrev,
// DeleteRange and the read-only open. The randomized model test
// (db_model_test.cc) checks the same calls against std::map; these pin
// the edges and what a bound saves.

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/statistics.h"

#include "tests/fault_injection_env.h"
#include "tests/testutil.h"

namespace o3lsm {

namespace {

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "k%05d", i);
  return buf;
}

class DBApiTest : public ::testing::Test {
 protected:
  DBApiTest() { options_.create_if_missing = true; }
  ~DBApiTest() override { db_.reset(); }

  void Reopen() {
    db_.reset();
    ASSERT_OK(DB::Open(options_, dir_.path(), &db_));
  }

  // key=value; pairs the iterator yields from where it stands, forward or
  // backward.
  static std::string Walk(Iterator* it, bool forward) {
    std::string r;
    for (; it->Valid(); forward ? it->Next() : it->Prev()) {
      r += it->key().ToString() + ";";
    }
    EXPECT_OK(it->status());
    return r;
  }

  // The SST files of the current version: number, smallest and largest
  // user key (from the "o3lsm.sstables" property).
  struct TableRange {
    uint64_t number;
    std::string smallest, largest;
  };
  std::vector<TableRange> Tables() {
    std::string text;
    EXPECT_TRUE(db_->GetProperty("o3lsm.sstables", &text));
    // Lines " <number>:<size>['<smallest>' @ s : t .. '<largest>' @ s : t]"
    // (the test's keys need no escaping).
    std::vector<TableRange> tables;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(pos, end - pos);
      pos = end + 1;
      if (line.size() < 2 || line[0] != ' ' || !isdigit(line[1])) continue;
      const size_t q1 = line.find('\''), q2 = line.find('\'', q1 + 1);
      const size_t q3 = line.find('\'', line.find("..", q2));
      const size_t q4 = line.find('\'', q3 + 1);
      tables.push_back({std::stoull(line.substr(1)),
                        line.substr(q1 + 1, q2 - q1 - 1),
                        line.substr(q3 + 1, q4 - q3 - 1)});
    }
    return tables;
  }

  test::ScratchDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
};

}  // namespace

TEST_F(DBApiTest, BoundsLimitEveryMoveOfTheIterator) {
  Reopen();
  for (int i = 0; i < 10; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v"));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  for (int i = 10; i < 20; i++) {  // some in the memtable
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v"));
  }
  const std::string lo = Key(3), hi = Key(15);
  const Slice lower(lo), upper(hi);
  ReadOptions ro;
  ro.iterate_lower_bound = &lower;
  ro.iterate_upper_bound = &upper;
  auto it = db_->NewIterator(ro);
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(3), it->key().ToString());
  std::string all;
  for (int i = 3; i < 15; i++) all += Key(i) + ";";
  it->SeekToFirst();
  EXPECT_EQ(all, Walk(it.get(), true));
  std::string reversed;
  for (int i = 14; i >= 3; i--) reversed += Key(i) + ";";
  it->SeekToLast();
  EXPECT_EQ(reversed, Walk(it.get(), false));
  // Seeks outside the bounds land on them, or nowhere.
  it->Seek(Key(0));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(3), it->key().ToString());
  it->Seek(Key(15));
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(Key(19));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(14), it->key().ToString());
  it->SeekForPrev(Key(2));
  EXPECT_FALSE(it->Valid());
  // Turning at the bounds.
  it->Seek(Key(14));
  it->Next();
  EXPECT_FALSE(it->Valid());
  it->Seek(Key(3));
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(Key(4));
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(3), it->key().ToString());
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(4), it->key().ToString());
}

TEST_F(DBApiTest, SeekForPrevFindsTheLastKeyAtOrBeforeTheTarget) {
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "b", "1"));
  ASSERT_OK(db_->Put(WriteOptions(), "d", "2"));
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(db_->Put(WriteOptions(), "f", "3"));
  ASSERT_OK(db_->Delete(WriteOptions(), "d"));
  auto it = db_->NewIterator(ReadOptions());
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("b");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key().ToString());
  it->SeekForPrev("e");  // d is deleted
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key().ToString());
  it->SeekForPrev("z");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("f", it->key().ToString());
  EXPECT_EQ("3", it->value().ToString());
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ("b", it->key().ToString());
}

// Tables wholly past an upper bound are never opened: with every read of
// them failing, a bounded scan still succeeds and an unbounded one fails.
TEST_F(DBApiTest, BoundedScanOpensNoTablePastItsBound) {
  options_.target_file_size_base = 8 << 10;
  options_.write_buffer_size = 64 << 10;
  options_.allow_mmap_reads = false;
  Reopen();
  const std::string value(200, 'v');
  for (int i = 0; i < 2000; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), value));
  }
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  const std::vector<TableRange> tables = Tables();
  ASSERT_GE(tables.size(), 4u);
  // The bound: the first key of a table in the middle of the key space.
  const TableRange* cut = nullptr;
  for (const TableRange& t : tables) {
    if (t.smallest > Key(1000) && (cut == nullptr || t.smallest < cut->smallest)) {
      cut = &t;
    }
  }
  ASSERT_NE(nullptr, cut);
  const std::string bound = cut->smallest;
  test::FaultInjectionEnv env;
  options_.env = &env;
  Reopen();  // an empty table cache
  for (const TableRange& t : tables) {
    if (t.smallest >= bound) {
      char name[32];
      snprintf(name, sizeof(name), "%06llu.sst",
               static_cast<unsigned long long>(t.number));
      env.FailReads(name);
      break;  // FaultInjectionEnv takes one pattern per rule: the first
    }
  }
  const Slice upper(bound);
  ReadOptions bounded;
  bounded.iterate_upper_bound = &upper;
  auto it = db_->NewIterator(bounded);
  int n = 0;
  for (it->Seek(Key(900)); it->Valid(); it->Next()) n++;
  ASSERT_OK(it->status());
  EXPECT_EQ(std::stoi(bound.substr(1)) - 900, n);
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    EXPECT_LT(it->key().ToString(), bound);
    break;
  }
  ASSERT_OK(it->status());
  auto unbounded = db_->NewIterator(ReadOptions());
  for (unbounded->Seek(Key(900)); unbounded->Valid(); unbounded->Next()) {
  }
  EXPECT_FALSE(unbounded->status().ok())
      << "the table past the bound was readable: the test proves nothing";
  it.reset();
  unbounded.reset();
  db_.reset();
}

}  // namespace o3lsm

namespace o3lsm {

namespace {

// DeleteRange under every layout: a monolithic engine, and all three
// offload layers with an embedded pool.
class DeleteRangeTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  DeleteRangeTest() {
    options_.create_if_missing = true;
    options_.offload = GetParam();
    if (options_.offload != 0) {
      // Small memtables: most of the keys are sealed into DM segments.
      options_.write_buffer_size = 64 << 10;
      options_.memtable_shards = 4;
      options_.embedded_workers = 2;
    }
  }
  ~DeleteRangeTest() override { db_.reset(); }

  void Reopen() {
    db_.reset();
    ASSERT_OK(DB::Open(options_, dir_.path(), &db_));
  }

  std::string Get(const std::string& k, const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    Status s = db_->Get(ro, k, &v);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return s.ToString();
    return v;
  }

  // The keys an iterator at snap yields, and how many.
  int Count(const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    auto it = db_->NewIterator(ro);
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
    EXPECT_OK(it->status());
    return n;
  }

  uint64_t Tombstones() {
    std::string v;
    EXPECT_TRUE(db_->GetProperty("o3lsm.num-range-tombstones", &v));
    return std::stoull(v);
  }

  // Every key of [0, n) is present with value "v<i>", except those in
  // [gone_begin, gone_end).
  void CheckKeys(int n, int gone_begin, int gone_end, const std::string& at) {
    std::vector<Slice> keys;
    std::vector<std::string> names;
    for (int i = 0; i < n; i++) names.push_back(Key(i));
    for (const std::string& k : names) keys.emplace_back(k);
    std::vector<std::string> values;
    const std::vector<Status> got = db_->MultiGet(ReadOptions(), keys, &values);
    for (int i = 0; i < n; i++) {
      const bool gone = i >= gone_begin && i < gone_end;
      ASSERT_EQ(gone ? "NOT_FOUND" : "v" + std::to_string(i), Get(Key(i)))
          << at << " key " << i;
      ASSERT_EQ(gone, got[i].IsNotFound()) << at << " MultiGet key " << i;
    }
    ASSERT_EQ(n - (gone_end - gone_begin), Count()) << at;
  }

  test::ScratchDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
};

}  // namespace

TEST_P(DeleteRangeTest, HidesKeysThroughFlushCompactionAndReopen) {
  Reopen();
  constexpr int kKeys = 3000;
  for (int i = 0; i < kKeys; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)));
    if (i == kKeys / 2) {
      ASSERT_OK(db_->Flush(FlushOptions()));
    }
  }
  const Snapshot* before = db_->GetSnapshot();
  ASSERT_OK(db_->DeleteRange(WriteOptions(), Key(1000), Key(2000)));
  EXPECT_EQ(1u, Tombstones());
  CheckKeys(kKeys, 1000, 2000, "in the memtable");
  // The snapshot taken before still sees every key.
  EXPECT_EQ("v1500", Get(Key(1500), before));
  EXPECT_EQ(kKeys, Count(before));
  // A key written after the tombstone is not hidden by it.
  ASSERT_OK(db_->Put(WriteOptions(), Key(1500), "v1500"));
  EXPECT_EQ("v1500", Get(Key(1500)));
  EXPECT_EQ("NOT_FOUND", Get(Key(1501)));
  ASSERT_OK(db_->Delete(WriteOptions(), Key(1500)));
  db_->ReleaseSnapshot(before);

  // The WAL brings it back.
  Reopen();
  CheckKeys(kKeys, 1000, 2000, "after reopen from the WAL");
  // The MANIFEST keeps it once flushed.
  ASSERT_OK(db_->Flush(FlushOptions()));
  Reopen();
  CheckKeys(kKeys, 1000, 2000, "after flush and reopen");
  EXPECT_EQ(1u, Tombstones());
  // Compacting everything drops what it hides, and then the tombstone.
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  CheckKeys(kKeys, 1000, 2000, "after compaction");
  // (Offloaded compactions are given the tombstones with their job.)
  EXPECT_EQ(0u, Tombstones());
  Reopen();
  CheckKeys(kKeys, 1000, 2000, "after compaction and reopen");
  EXPECT_EQ(0u, Tombstones());
}

// Background compactions apply the persisted tombstones (offloaded ones
// get them with their job): what a tombstone hides is dropped, and then
// the tombstone, with no CompactRange.
TEST_P(DeleteRangeTest, BackgroundCompactionsDropWhatATombstoneHides) {
  options_.statistics = CreateDBStatistics();
  options_.level0_file_num_compaction_trigger = 2;
  Reopen();
  for (int i = 0; i < 1000; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(db_->DeleteRange(WriteOptions(), Key(200), Key(800)));
  ASSERT_OK(db_->Flush(FlushOptions()));  // the tombstone is persisted
  EXPECT_EQ(1u, Tombstones());
  // Keys on both sides of the range, overlapping the first file (a merge,
  // not a trivial move).
  for (int i = 0; i < 2000; i++) {
    if (i >= 200 && i < 800) continue;
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));  // L0 is due for a compaction
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Tombstones() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(0u, Tombstones());
  CheckKeys(2000, 200, 800, "after background compaction");
  if (options_.offload & kOffloadCompaction) {
    EXPECT_GT(options_.statistics->getTickerCount(kCompactionJobsPosted), 0u)
        << "no compaction was offloaded: the case tests nothing";
  }
  Reopen();
  CheckKeys(2000, 200, 800, "after reopen");
  EXPECT_EQ(0u, Tombstones());
}

TEST_P(DeleteRangeTest, EmptyAndBackwardRanges) {
  Reopen();
  ASSERT_OK(db_->Put(WriteOptions(), "b", "1"));
  ASSERT_OK(db_->DeleteRange(WriteOptions(), "b", "b"));  // empty
  EXPECT_EQ("1", Get("b"));
  EXPECT_EQ(0u, Tombstones());
  Status s = db_->DeleteRange(WriteOptions(), "c", "a");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  // A batch with a backward range is refused whole.
  WriteBatch batch;
  batch.Put("x", "1");
  batch.DeleteRange("z", "y");
  EXPECT_TRUE(db_->Write(WriteOptions(), &batch).IsInvalidArgument());
  EXPECT_EQ("NOT_FOUND", Get("x"));
  // A batch's range deletion hides the batch's earlier puts, not its later
  // ones.
  WriteBatch mixed;
  mixed.Put("a1", "1");
  mixed.DeleteRange("a", "b");
  mixed.Put("a2", "2");
  ASSERT_OK(db_->Write(WriteOptions(), &mixed));
  EXPECT_EQ("NOT_FOUND", Get("a1"));
  EXPECT_EQ("2", Get("a2"));
  Reopen();
  EXPECT_EQ("NOT_FOUND", Get("a1"));
  EXPECT_EQ("2", Get("a2"));
}

TEST_P(DeleteRangeTest, WithoutTheWalSurvivesACleanClose) {
  Reopen();
  WriteOptions no_wal;
  no_wal.disable_wal = true;
  ASSERT_OK(db_->Put(WriteOptions(), "a1", "1"));
  ASSERT_OK(db_->Flush(FlushOptions()));
  // Alone in the memtable: no flush carries it.
  ASSERT_OK(db_->DeleteRange(no_wal, "a", "b"));
  EXPECT_EQ("NOT_FOUND", Get("a1"));
  Reopen();
  EXPECT_EQ("NOT_FOUND", Get("a1"));
  // With data beside it in the memtable: the close's flush carries it.
  ASSERT_OK(db_->Put(no_wal, "c1", "1"));
  ASSERT_OK(db_->Put(WriteOptions(), "b1", "1"));
  ASSERT_OK(db_->Flush(FlushOptions()));
  ASSERT_OK(db_->Put(no_wal, "d1", "1"));
  ASSERT_OK(db_->DeleteRange(no_wal, "b", "c"));
  Reopen();
  EXPECT_EQ("NOT_FOUND", Get("b1"));
  EXPECT_EQ("1", Get("c1"));
  EXPECT_EQ("1", Get("d1"));
  // Written after the tombstones, reopened twice: sequences move on.
  ASSERT_OK(db_->Put(WriteOptions(), "a2", "2"));
  Reopen();
  EXPECT_EQ("2", Get("a2"));
}

// Writers on many threads, each deleting ranges of its own keys while the
// others write: every acknowledged update, and no more, is there after a
// reopen.
TEST_P(DeleteRangeTest, ConcurrentWritersWithRangeDeletions) {
  Reopen();
  constexpr int kThreads = 6;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([this, t] {
      const std::string prefix = "t" + std::to_string(t) + "-";
      for (int i = 0; i < kPerThread; i++) {
        ASSERT_OK(db_->Put(WriteOptions(), prefix + Key(i), "v"));
        if (i % 500 == 499) {
          // Deletes this round's first half.
          ASSERT_OK(db_->DeleteRange(WriteOptions(), prefix + Key(i - 499),
                                     prefix + Key(i - 249)));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  auto check = [this](const std::string& at) {
    for (int t = 0; t < kThreads; t++) {
      const std::string prefix = "t" + std::to_string(t) + "-";
      for (int i = 0; i < kPerThread; i++) {
        const bool gone = i % 500 < 250;
        ASSERT_EQ(gone ? "NOT_FOUND" : "v", Get(prefix + Key(i)))
            << at << " " << prefix << i;
      }
    }
    ASSERT_EQ(kThreads * kPerThread / 2, Count()) << at;
  };
  check("after the writers");
  Reopen();
  check("after reopen");
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, DeleteRangeTest,
    ::testing::Values(0u, kOffloadMemtable | kOffloadFlush | kOffloadCompaction),
    [](const ::testing::TestParamInfo<uint32_t>& info) {
      return info.param == 0 ? std::string("monolithic")
                             : std::string("offload_all");
    });

}  // namespace o3lsm

namespace o3lsm {

namespace {

// name -> size of every file in dir.
std::map<std::string, uint64_t> Files(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_OK(Env::Default()->GetChildren(dir, &names));
  std::map<std::string, uint64_t> files;
  for (const std::string& name : names) {
    uint64_t size = 0;
    if (Env::Default()->GetFileSize(dir + "/" + name, &size).ok()) {
      files[name] = size;
    }
  }
  return files;
}

}  // namespace

TEST_F(DBApiTest, ReadOnlyOpenReadsTablesAndWalWhileAWriterHasIt) {
  options_.write_buffer_size = 64 << 10;
  Reopen();
  for (int i = 0; i < 3000; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  for (int i = 3000; i < 3100; i++) {  // only in the WAL
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v" + std::to_string(i)));
  }
  ASSERT_OK(db_->DeleteRange(WriteOptions(), Key(10), Key(20)));
  ASSERT_OK(db_->Delete(WriteOptions(), Key(3050)));
  // The writer stays open.
  const auto before = Files(dir_.path());
  std::unique_ptr<DB> ro;
  ASSERT_OK(DB::OpenForReadOnly(options_, dir_.path(), &ro));
  std::string v;
  ASSERT_OK(ro->Get(ReadOptions(), Key(5), &v));
  EXPECT_EQ("v5", v);
  ASSERT_OK(ro->Get(ReadOptions(), Key(3099), &v));
  EXPECT_EQ("v3099", v);
  EXPECT_TRUE(ro->Get(ReadOptions(), Key(15), &v).IsNotFound());
  EXPECT_TRUE(ro->Get(ReadOptions(), Key(3050), &v).IsNotFound());
  auto it = ro->NewIterator(ReadOptions());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  ASSERT_OK(it->status());
  EXPECT_EQ(3100 - 10 - 1, n);
  it->SeekForPrev(Key(15));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(Key(9), it->key().ToString());
  it.reset();
  // Later writes are not seen; writes through it are refused.
  ASSERT_OK(db_->Put(WriteOptions(), "later", "x"));
  EXPECT_TRUE(ro->Get(ReadOptions(), "later", &v).IsNotFound());
  EXPECT_TRUE(ro->Put(WriteOptions(), "a", "b").IsNotSupported());
  EXPECT_TRUE(ro->Delete(WriteOptions(), "a").IsNotSupported());
  EXPECT_TRUE(ro->DeleteRange(WriteOptions(), "a", "b").IsNotSupported());
  WriteBatch batch;
  batch.Put("a", "b");
  EXPECT_TRUE(ro->Write(WriteOptions(), &batch).IsNotSupported());
  EXPECT_TRUE(ro->Flush(FlushOptions()).IsNotSupported());
  EXPECT_TRUE(ro->CompactRange(nullptr, nullptr).IsNotSupported());
  const Snapshot* snap = ro->GetSnapshot();
  ReadOptions at;
  at.snapshot = snap;
  ASSERT_OK(ro->Get(at, Key(1), &v));
  ro->ReleaseSnapshot(snap);
  ASSERT_OK(ro->Close());
  ro.reset();
  // It wrote nothing: the files are the writer's, as they were (but for
  // the writer's own append of "later" to its WAL).
  auto after = Files(dir_.path());
  for (const auto& [name, size] : before) {
    ASSERT_EQ(1u, after.count(name)) << name;
    if (name.find(".log") == std::string::npos) {
      EXPECT_EQ(size, after[name]) << name;
    }
  }
  EXPECT_EQ(before.size(), after.size());
  // A WAL holding unflushed writes is an error when asked.
  Status s = DB::OpenForReadOnly(options_, dir_.path(), &ro,
                                 /*error_if_wal_file_exists=*/true);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  ASSERT_OK(db_->Flush(FlushOptions()));
  db_.reset();
  ASSERT_OK(DB::OpenForReadOnly(options_, dir_.path(), &ro, true));
  ASSERT_OK(ro->Get(ReadOptions(), "later", &v));
}

TEST_F(DBApiTest, ReadOnlyOpenOfAMissingDatabaseFails) {
  std::unique_ptr<DB> ro;
  Status s = DB::OpenForReadOnly(options_, dir_.path() + "/nothing", &ro);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(nullptr, ro);
  EXPECT_FALSE(Env::Default()->FileExists(dir_.path() + "/nothing"));
}

// Read-only opens while a writer flushes and compacts: each sees every
// write acknowledged before it opened.
TEST_F(DBApiTest, ReadOnlyOpensRaceAWriterThatFlushesAndCompacts) {
  options_.write_buffer_size = 64 << 10;
  options_.target_file_size_base = 64 << 10;
  options_.level0_file_num_compaction_trigger = 2;
  Reopen();
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const std::string value(100, 'v');
    for (int i = 0; !stop.load() && i < 200000; i++) {
      ASSERT_OK(db_->Put(WriteOptions(), Key(i % 20000), value));
      acked.store(i + 1);
    }
  });
  // Until the writer has flushed and compacted a while.
  for (int round = 0; round < 1000 && (round < 20 || acked.load() < 60000);
       round++) {
    const int seen = std::min(acked.load(), 20000);
    std::unique_ptr<DB> ro;
    ASSERT_OK(DB::OpenForReadOnly(options_, dir_.path(), &ro))
        << "round " << round;
    std::string v;
    for (int i = 0; i < seen; i += 97) {
      ASSERT_OK(ro->Get(ReadOptions(), Key(i), &v)) << "round " << round;
    }
  }
  stop.store(true);
  writer.join();
}

}  // namespace o3lsm
