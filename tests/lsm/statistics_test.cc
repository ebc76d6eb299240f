// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Statistics: the container (sharded tickers, histograms, names, the
// ToString format RocksDB's scripts parse) and what a database counts
// into it for a known workload.

#include "o3lsm/statistics.h"

#include <cstdio>
#include <gtest/gtest.h>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/iterator.h"
#include "o3lsm/options.h"
#include "o3lsm/write_batch.h"

#include "lsm/db/db_impl.h"
#include "tests/testutil.h"

namespace o3lsm {
namespace {

// The line shapes RocksDB's result-parsing scripts look for in
// db_bench --statistics output.
const std::regex kTickerLine(R"(^([a-z0-9._]+) COUNT : (\d+)$)");
const std::regex kHistogramLine(
    R"(^([a-z0-9._]+) P50 : ([0-9.]+) P95 : ([0-9.]+) P99 : ([0-9.]+) )"
    R"(P100 : ([0-9.]+) COUNT : (\d+) SUM : (\d+)$)");

TEST(Statistics, NamesAreUniqueAndStable) {
  std::set<std::string> names;
  for (uint32_t t = 0; t < kTickerCount; t++) {
    const std::string name = TickerName(static_cast<Tickers>(t));
    EXPECT_TRUE(name.rfind("rocksdb.", 0) == 0 || name.rfind("o3lsm.", 0) == 0)
        << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
  }
  for (uint32_t h = 0; h < kHistogramCount; h++) {
    const std::string name = HistogramName(static_cast<Histograms>(h));
    EXPECT_TRUE(name.rfind("rocksdb.", 0) == 0 || name.rfind("o3lsm.", 0) == 0)
        << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
  }
  // RocksDB's names for RocksDB's concepts (scripts match them exactly).
  EXPECT_STREQ(TickerName(kBlockCacheMiss), "rocksdb.block.cache.miss");
  EXPECT_STREQ(TickerName(kBlockCacheDataHit), "rocksdb.block.cache.data.hit");
  EXPECT_STREQ(TickerName(kBloomFilterUseful), "rocksdb.bloom.filter.useful");
  EXPECT_STREQ(TickerName(kMemtableHit), "rocksdb.memtable.hit");
  EXPECT_STREQ(TickerName(kNumberKeysWritten), "rocksdb.number.keys.written");
  EXPECT_STREQ(TickerName(kWalFileSynced), "rocksdb.wal.synced");
  EXPECT_STREQ(TickerName(kStallMicros), "rocksdb.stall.micros");
  EXPECT_STREQ(TickerName(kNumberMultigetCalls), "rocksdb.number.multiget.get");
  EXPECT_STREQ(HistogramName(kDbGet), "rocksdb.db.get.micros");
  EXPECT_STREQ(HistogramName(kCompactionTime),
               "rocksdb.compaction.times.micros");
  EXPECT_STREQ(HistogramName(kWalFileSyncMicros),
               "rocksdb.wal.file.sync.micros");
  EXPECT_STREQ(TickerName(kTickerCount), "");
  EXPECT_STREQ(HistogramName(kHistogramCount), "");
}

TEST(Statistics, ConcurrentIncrementsSumRight) {
  auto stats = CreateDBStatistics();
  constexpr int kThreads = 16;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; i++) {
    threads.emplace_back([&stats] {
      for (int k = 0; k < kPerThread; k++) {
        stats->recordTick(kBlockCacheHit);
        stats->recordTick(kBytesRead, 3);
        stats->recordInHistogram(kDbGet, static_cast<uint64_t>(k % 100));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stats->getTickerCount(kBlockCacheHit),
            uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(stats->getTickerCount(kBytesRead),
            uint64_t{3} * kThreads * kPerThread);
  HistogramData d;
  stats->getHistogramData(kDbGet, &d);
  EXPECT_EQ(d.count, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(d.sum, uint64_t{kThreads} * (kPerThread / 100) * 4950);
  EXPECT_EQ(d.min, 0);
  EXPECT_EQ(d.max, 99);
}

TEST(Statistics, PercentilesOfAKnownDistribution) {
  auto stats = CreateDBStatistics();
  // 1..10000, once each: Pn is n% of 10000.
  for (uint64_t v = 1; v <= 10000; v++) stats->recordInHistogram(kDbWrite, v);
  HistogramData d;
  stats->getHistogramData(kDbWrite, &d);
  EXPECT_EQ(d.count, 10000u);
  EXPECT_EQ(d.sum, 10000u * 10001u / 2);
  EXPECT_EQ(d.min, 1);
  EXPECT_EQ(d.max, 10000);
  EXPECT_DOUBLE_EQ(d.average, 5000.5);
  // Buckets are at most 1.5x wide, interpolated linearly: within 10%.
  EXPECT_NEAR(d.median, 5000, 500);
  EXPECT_NEAR(d.percentile95, 9500, 950);
  EXPECT_NEAR(d.percentile99, 9900, 990);
  EXPECT_NEAR(d.percentile999, 9990, 999);
  EXPECT_LE(d.percentile99, d.max);
  EXPECT_NEAR(d.standard_deviation, 2886.75, 1);

  // Small values have a bucket each: exact.
  for (int i = 0; i < 100; i++) stats->recordInHistogram(kDbSeek, 7);
  stats->getHistogramData(kDbSeek, &d);
  EXPECT_DOUBLE_EQ(d.median, 7);
  EXPECT_DOUBLE_EQ(d.percentile99, 7);

  // An empty histogram is all zeros.
  stats->getHistogramData(kDbMultiget, &d);
  EXPECT_EQ(d.count, 0u);
  EXPECT_EQ(d.median, 0);
  EXPECT_EQ(d.max, 0);
}

TEST(Statistics, ResetZeroesEverything) {
  auto stats = CreateDBStatistics();
  stats->recordTick(kMemtableHit, 5);
  stats->recordInHistogram(kDbGet, 10);
  stats->Reset();
  EXPECT_EQ(stats->getTickerCount(kMemtableHit), 0u);
  HistogramData d;
  stats->getHistogramData(kDbGet, &d);
  EXPECT_EQ(d.count, 0u);
  stats->recordInHistogram(kDbGet, 10);
  stats->getHistogramData(kDbGet, &d);
  EXPECT_EQ(d.min, 10);  // min was reset too
}

TEST(Statistics, ToStringLinesParseAsRocksDbScriptsExpect) {
  auto stats = CreateDBStatistics();
  stats->recordTick(kBlockCacheMiss, 12);
  for (uint64_t v = 1; v <= 100; v++) stats->recordInHistogram(kDbGet, v);
  std::istringstream in(stats->ToString());
  std::string line;
  uint32_t tickers = 0, histograms = 0;
  bool saw_miss = false, saw_get = false;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, kTickerLine)) {
      tickers++;
      if (m[1] == "rocksdb.block.cache.miss") {
        EXPECT_EQ(m[2], "12");
        saw_miss = true;
      }
    } else if (std::regex_match(line, m, kHistogramLine)) {
      histograms++;
      if (m[1] == "rocksdb.db.get.micros") {
        EXPECT_EQ(m[6], "100");
        EXPECT_EQ(m[7], "5050");
        EXPECT_DOUBLE_EQ(std::stod(m[5]), 100.0);
        saw_get = true;
      }
    } else {
      ADD_FAILURE() << "unparsable line: " << line;
    }
  }
  EXPECT_EQ(tickers, kTickerCount);
  EXPECT_EQ(histograms, kHistogramCount);
  EXPECT_TRUE(saw_miss);
  EXPECT_TRUE(saw_get);
  EXPECT_EQ(stats->getTickerMap().at("rocksdb.block.cache.miss"), 12u);
  EXPECT_EQ(stats->getTickerMap().size(), kTickerCount);
}

// ---- What a database counts ----

class StatisticsDBTest : public ::testing::Test {
 protected:
  StatisticsDBTest() {
    options_.create_if_missing = true;
    options_.statistics = stats_;
  }
  ~StatisticsDBTest() override { db_.reset(); }

  void Open() {
    db_.reset();
    ASSERT_OK(DB::Open(options_, dir_.path(), &db_));
  }
  uint64_t Ticker(Tickers t) const { return stats_->getTickerCount(t); }
  uint64_t HistogramCount(Histograms h) const {
    HistogramData d;
    stats_->getHistogramData(h, &d);
    return d.count;
  }
  static std::string Key(int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "key%05d", i);
    return buf;
  }

  std::shared_ptr<Statistics> stats_ = CreateDBStatistics();
  Options options_;
  test::ScratchDir dir_{"stats"};
  std::unique_ptr<DB> db_;
};

TEST_F(StatisticsDBTest, PutsCountKeysAndBytesWritten) {
  Open();
  constexpr int kPuts = 100;
  uint64_t batch_bytes = 0;
  for (int i = 0; i < kPuts; i++) {
    const std::string value(100 + i, 'v');
    WriteBatch batch;
    batch.Put(Key(i), value);
    batch_bytes += batch.ApproximateSize();
    ASSERT_OK(db_->Write(WriteOptions(), &batch));
  }
  WriteOptions sync;
  sync.sync = true;
  WriteBatch two;
  two.Put(Key(1000), "a");
  two.Delete(Key(0));
  batch_bytes += two.ApproximateSize();
  ASSERT_OK(db_->Write(sync, &two));

  EXPECT_EQ(Ticker(kNumberKeysWritten), kPuts + 2u);
  EXPECT_EQ(Ticker(kBytesWritten), batch_bytes);
  // One writer at a time: every write led its own group, one WAL record
  // each, the same bytes.
  EXPECT_EQ(Ticker(kWriteDoneBySelf), kPuts + 1u);
  EXPECT_EQ(Ticker(kWriteDoneByOther), 0u);
  EXPECT_EQ(Ticker(kWriteWithWal), kPuts + 1u);
  EXPECT_EQ(Ticker(kWalFileBytes), batch_bytes);
  EXPECT_EQ(Ticker(kWalFileSynced), 1u);
  EXPECT_EQ(HistogramCount(kWalFileSyncMicros), 1u);
  EXPECT_EQ(HistogramCount(kDbWrite), kPuts + 1u);
  EXPECT_EQ(HistogramCount(kBytesPerWrite), kPuts + 1u);

  WriteOptions no_wal;
  no_wal.disable_wal = true;
  ASSERT_OK(db_->Put(no_wal, Key(2000), "x"));
  EXPECT_EQ(Ticker(kWriteWithWal), kPuts + 1u);
  EXPECT_EQ(Ticker(kNumberKeysWritten), kPuts + 3u);
}

TEST_F(StatisticsDBTest, GetsCountMemtableHitsAndMisses) {
  Open();
  uint64_t value_bytes = 0;
  for (int i = 0; i < 10; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), std::string(i + 1, 'v')));
    value_bytes += i + 1;
  }
  std::string value;
  for (int i = 0; i < 10; i++) {
    ASSERT_OK(db_->Get(ReadOptions(), Key(i), &value));
  }
  for (int i = 10; i < 15; i++) {
    EXPECT_TRUE(db_->Get(ReadOptions(), Key(i), &value).IsNotFound());
  }
  EXPECT_EQ(Ticker(kNumberKeysRead), 15u);
  EXPECT_EQ(Ticker(kMemtableHit), 10u);
  EXPECT_EQ(Ticker(kMemtableMiss), 5u);
  EXPECT_EQ(Ticker(kBytesRead), value_bytes);
  EXPECT_EQ(HistogramCount(kDbGet), 15u);
  EXPECT_EQ(HistogramCount(kBytesPerRead), 10u);

  std::vector<Slice> keys = {"key00001", "key00002", "nope"};
  std::vector<std::string> values;
  db_->MultiGet(ReadOptions(), keys, &values);
  EXPECT_EQ(Ticker(kNumberMultigetCalls), 1u);
  EXPECT_EQ(Ticker(kNumberMultigetKeysRead), 3u);
  EXPECT_EQ(Ticker(kNumberMultigetBytesRead), 5u);  // 2 + 3
  EXPECT_EQ(HistogramCount(kDbMultiget), 1u);
}

TEST_F(StatisticsDBTest, FlushAndBlockCacheAndBloomFilter) {
  options_.allow_mmap_reads = false;  // blocks go through the block cache
  Open();
  for (int i = 0; i < 1000; i += 2) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), std::string(100, 'v')));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  EXPECT_EQ(HistogramCount(kDbWrite), 500u);  // Flush's seal is no write
  EXPECT_GT(Ticker(kFlushWriteBytes), 0u);
  EXPECT_EQ(HistogramCount(kFlushTime), 1u);

  stats_->Reset();
  std::string value;
  ASSERT_OK(db_->Get(ReadOptions(), Key(500), &value));
  EXPECT_EQ(Ticker(kMemtableMiss), 1u);
  EXPECT_EQ(Ticker(kBlockCacheDataMiss), 1u);
  EXPECT_EQ(Ticker(kBlockCacheMiss), 1u);
  EXPECT_EQ(Ticker(kBlockCacheDataAdd), 1u);
  EXPECT_GT(Ticker(kBlockCacheBytesWrite), 0u);
  EXPECT_EQ(Ticker(kBlockCacheDataHit), 0u);
  ASSERT_OK(db_->Get(ReadOptions(), Key(500), &value));
  EXPECT_EQ(Ticker(kBlockCacheDataHit), 1u);
  EXPECT_EQ(Ticker(kBlockCacheHit), 1u);
  EXPECT_EQ(Ticker(kBlockCacheDataMiss), 1u);
  EXPECT_GT(Ticker(kBlockCacheBytesRead), 0u);
  EXPECT_EQ(Ticker(kBloomFilterFullPositive), 2u);
  // Index and filter blocks live in the table, never in the cache.
  EXPECT_EQ(Ticker(kBlockCacheIndexMiss) + Ticker(kBlockCacheFilterMiss), 0u);

  // Absent keys inside the table's range: the filter spares nearly all
  // of them a block read (10 bits a key: about 1% false positives).
  for (int i = 1; i < 100; i += 2) {
    EXPECT_TRUE(db_->Get(ReadOptions(), Key(i), &value).IsNotFound());
  }
  EXPECT_GE(Ticker(kBloomFilterUseful), 45u);

  // A compaction counts what it read and wrote.
  ASSERT_OK(db_->CompactRange(nullptr, nullptr));
  EXPECT_GT(Ticker(kCompactReadBytes), 0u);
  EXPECT_GT(Ticker(kCompactWriteBytes), 0u);
  EXPECT_GE(HistogramCount(kCompactionTime), 1u);
}

TEST_F(StatisticsDBTest, IteratorMovesAreCounted) {
  Open();
  for (int i = 0; i < 10; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v"));
  }
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  it->Seek(Key(3));
  ASSERT_TRUE(it->Valid());
  it->Next();
  it->Next();
  it->Prev();
  it->SeekToLast();
  it->Next();  // past the end: not found
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(Ticker(kNumberDbSeek), 2u);
  EXPECT_EQ(Ticker(kNumberDbSeekFound), 2u);
  EXPECT_EQ(Ticker(kNumberDbNext), 3u);
  EXPECT_EQ(Ticker(kNumberDbNextFound), 2u);
  EXPECT_EQ(Ticker(kNumberDbPrev), 1u);
  EXPECT_EQ(Ticker(kNumberDbPrevFound), 1u);
  // key00003 .. (8 bytes) and "v", found 5 times.
  EXPECT_EQ(Ticker(kIterBytesRead), 5u * 9);
  EXPECT_EQ(HistogramCount(kDbSeek), 2u);
}

TEST_F(StatisticsDBTest, PropertyPrintsTheStatistics) {
  Open();
  ASSERT_OK(db_->Put(WriteOptions(), "a", "b"));
  std::string text;
  ASSERT_TRUE(db_->GetProperty("o3lsm.statistics", &text));
  EXPECT_NE(text.find("rocksdb.number.keys.written COUNT : 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text, stats_->ToString());
}

TEST_F(StatisticsDBTest, WithoutStatisticsNothingBreaks) {
  options_.statistics = nullptr;
  options_.allow_mmap_reads = false;
  Open();
  for (int i = 0; i < 100; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), "v"));
  }
  ASSERT_OK(db_->Flush(FlushOptions()));
  std::string value;
  ASSERT_OK(db_->Get(ReadOptions(), Key(5), &value));
  std::vector<std::string> values;
  db_->MultiGet(ReadOptions(), {Key(1), Key(2)}, &values);
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  EXPECT_EQ(n, 100);
  std::string text;
  EXPECT_FALSE(db_->GetProperty("o3lsm.statistics", &text));
  EXPECT_EQ(Ticker(kNumberKeysWritten), 0u);
}

// Memtable and flush offload in an embedded pool: the DM and job tickers
// move.
TEST_F(StatisticsDBTest, OffloadCountsDmAndJobs) {
  options_.write_buffer_size = 256 << 10;
  options_.memtable_shards = 2;
  options_.offload = kOffloadMemtable | kOffloadFlush;
  Open();
  DBImpl* impl = static_cast<DBImpl*>(db_.get());
  impl->TEST_PauseFlushes(true);  // the segments stay in DM to be read
  const std::string value(100, 'v');
  for (int i = 0; i < 10000; i++) {
    ASSERT_OK(db_->Put(WriteOptions(), Key(i), value));
  }
  ASSERT_GT(impl->TEST_DmLiveBytes(), 0u);
  std::string got;
  for (int i = 0; i < 100; i++) {
    ASSERT_OK(db_->Get(ReadOptions(), Key(i), &got));
  }
  EXPECT_GT(Ticker(kDmLookupsOneSided) + Ticker(kDmLookupsDelegated), 0u);
  EXPECT_GT(HistogramCount(kDmGetMicros), 0u);
  impl->TEST_PauseFlushes(false);
  ASSERT_OK(db_->Flush(FlushOptions()));
  db_.reset();  // waits for the jobs and frees the segments
  EXPECT_GT(Ticker(kDmSegmentsWritten), 0u);
  EXPECT_GT(Ticker(kDmBytesMoved), 0u);
  EXPECT_GT(HistogramCount(kDmMoveMicros), 0u);
  EXPECT_GT(Ticker(kDmBytesRead) + Ticker(kDmLookupsDelegated), 0u);
  EXPECT_GT(Ticker(kFlushWriteBytes), 0u);
  // Flush jobs ran on the embedded worker; the flushed segments freed.
  EXPECT_GT(Ticker(kFlushJobsPosted), 0u) << stats_->ToString();
  EXPECT_GT(Ticker(kJobsClaimed), 0u);
  EXPECT_GT(Ticker(kJobsSucceeded), 0u);
  EXPECT_GT(Ticker(kDmSegmentsFreed), 0u);
  EXPECT_GT(HistogramCount(kRemoteFlushMicros), 0u);
}

}  // namespace
}  // namespace o3lsm
