// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Statistics: the container (sharded tickers, histograms, names, the
// ToString format RocksDB's scripts parse) and what a database counts
// into it for a known workload.

#include "o3lsm/statistics.h"

#include <gtest/gtest.h>

#include <cstdio>
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

}  // namespace
}  // namespace o3lsm
