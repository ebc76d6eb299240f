// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Statistics counts what a database does: tickers (counters, e.g. block
// cache misses) and histograms (distributions, e.g. Get latency in
// microseconds). Modelled on RocksDB's Statistics: a concept both engines
// have carries RocksDB's name ("rocksdb.block.cache.miss"), so that scripts
// written for RocksDB's db_bench --statistics read o3lsm's output; what
// only o3lsm has (disaggregated memory, offloaded jobs) is named "o3lsm.*".
// Names are part of the interface: never rename one.
//
// Turned on by handing a database one (Options::statistics); several
// databases may share one. Off (nullptr), the engine pays a null check per
// event and reads no clock.
//
// Thread safety: every method may be called concurrently. Recording goes
// to one of several cache-line-separated shards chosen by the calling
// thread, so threads recording at once rarely share a cache line; reads sum
// the shards. A read racing with recording sees each event or not, but not
// necessarily all of one operation's events; Reset racing with recording
// may keep some of the events recorded during it.

#ifndef O3LSM_INCLUDE_STATISTICS_H_
#define O3LSM_INCLUDE_STATISTICS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace o3lsm {

// Counters. The names are in statistics.cc's one table (TickerName).
// Only appended to: the values index arrays, not stored anywhere.
enum Tickers : uint32_t {
  // ---- Block cache (SST blocks in local memory) ----
  kBlockCacheMiss = 0,    // rocksdb.block.cache.miss: all block types
  kBlockCacheHit,         // rocksdb.block.cache.hit
  kBlockCacheAdd,         // rocksdb.block.cache.add
  kBlockCacheIndexMiss,   // rocksdb.block.cache.index.miss
  kBlockCacheIndexHit,    // rocksdb.block.cache.index.hit
  kBlockCacheFilterMiss,  // rocksdb.block.cache.filter.miss
  kBlockCacheFilterHit,   // rocksdb.block.cache.filter.hit
  kBlockCacheDataMiss,    // rocksdb.block.cache.data.miss
  kBlockCacheDataHit,     // rocksdb.block.cache.data.hit
  kBlockCacheDataAdd,     // rocksdb.block.cache.data.add
  kBlockCacheBytesRead,   // rocksdb.block.cache.bytes.read
  kBlockCacheBytesWrite,  // rocksdb.block.cache.bytes.write
  // ---- Bloom filters of SSTs ----
  kBloomFilterUseful,        // rocksdb.bloom.filter.useful: a read skipped
  kBloomFilterFullPositive,  // rocksdb.bloom.filter.full.positive
  // ---- Memtables (local and in DM) ----
  kMemtableHit,   // rocksdb.memtable.hit: Get answered by a memtable
  kMemtableMiss,  // rocksdb.memtable.miss
  // ---- User reads and writes ----
  kNumberKeysWritten,        // rocksdb.number.keys.written: puts and deletes
  kNumberKeysRead,           // rocksdb.number.keys.read: Get calls
  kBytesWritten,             // rocksdb.bytes.written: write batch bytes
  kBytesRead,                // rocksdb.bytes.read: values Get returned
  kNumberDbSeek,             // rocksdb.number.db.seek
  kNumberDbNext,             // rocksdb.number.db.next
  kNumberDbPrev,             // rocksdb.number.db.prev
  kNumberDbSeekFound,        // rocksdb.number.db.seek.found
  kNumberDbNextFound,        // rocksdb.number.db.next.found
  kNumberDbPrevFound,        // rocksdb.number.db.prev.found
  kIterBytesRead,            // rocksdb.db.iter.bytes.read: keys and values
  kNumberMultigetCalls,      // rocksdb.number.multiget.get
  kNumberMultigetKeysRead,   // rocksdb.number.multiget.keys.read
  kNumberMultigetBytesRead,  // rocksdb.number.multiget.bytes.read
  // ---- Write path ----
  kWriteDoneBySelf,   // rocksdb.write.self: writes that led their group
  kWriteDoneByOther,  // rocksdb.write.other: writes a leader wrote
  kWriteWithWal,      // rocksdb.write.wal
  kWalFileSynced,     // rocksdb.wal.synced
  kWalFileBytes,      // rocksdb.wal.bytes
  kStallMicros,       // rocksdb.stall.micros: writers waited or slept
  // ---- Flush and compaction (local and offloaded) ----
  kCompactReadBytes,   // rocksdb.compact.read.bytes
  kCompactWriteBytes,  // rocksdb.compact.write.bytes
  kFlushWriteBytes,    // rocksdb.flush.write.bytes
  // ---- Disaggregated memory (o3lsm only) ----
  kDmBytesMoved,           // o3lsm.dm.bytes.moved: memtables moved into DM
  kDmSegmentsWritten,      // o3lsm.dm.segments.written
  kDmSegmentsFreed,        // o3lsm.dm.segments.freed
  kDmBytesRead,            // o3lsm.dm.bytes.read: lookups and flushes
  kDmOneSidedReads,        // o3lsm.dm.one.sided.reads: segment lookups
  kDmLookupsOneSided,      // o3lsm.dm.lookups.one.sided
  kDmLookupsDelegated,     // o3lsm.dm.lookups.delegated: to the memory node
  kDmDelegationFallbacks,  // o3lsm.dm.delegation.fallbacks
  kDmKeyCacheHit,          // o3lsm.dm.key.cache.hit: key-offset cache
  kDmKeyCacheMiss,         // o3lsm.dm.key.cache.miss
  kDmBlockCacheHit,        // o3lsm.dm.block.cache.hit: SST blocks in DM
  kDmBlockCacheMiss,       // o3lsm.dm.block.cache.miss
  // ---- Offloaded jobs (o3lsm only) ----
  kFlushJobsPosted,       // o3lsm.jobs.flush.posted
  kCompactionJobsPosted,  // o3lsm.jobs.compaction.posted
  kJobsClaimed,           // o3lsm.jobs.claimed: by this process's executors
  kJobsSucceeded,         // o3lsm.jobs.done: results handed back
  kJobsRetried,           // o3lsm.jobs.retried: failed, tried again
  kJobsReposted,          // o3lsm.jobs.reposted: executor's lease expired
  kJobsFailed,            // o3lsm.jobs.failed: handed back to run here
  // ---- Compaction (appended) ----
  kSeekCompactionTriggers,  // o3lsm.compaction.seek.triggered: files whose
                            // seek budget readers used up
  kSeekFlushTriggers,       // o3lsm.flush.seek.triggered: memtables sealed
                            // because seeks used up their budget
  kTickerCount              // not a ticker: the number of them
};

// Distributions. The names are in statistics.cc's one table
// (HistogramName). Only appended to.
enum Histograms : uint32_t {
  kDbGet = 0,               // rocksdb.db.get.micros
  kDbWrite,                 // rocksdb.db.write.micros
  kDbSeek,                  // rocksdb.db.seek.micros
  kDbMultiget,              // rocksdb.db.multiget.micros
  kCompactionTime,          // rocksdb.compaction.times.micros
  kFlushTime,               // rocksdb.db.flush.micros
  kWalFileSyncMicros,       // rocksdb.wal.file.sync.micros
  kWriteStall,              // rocksdb.db.write.stall: micros per stall
  kBytesPerRead,            // rocksdb.bytes.per.read
  kBytesPerWrite,           // rocksdb.bytes.per.write
  kBytesPerMultiget,        // rocksdb.bytes.per.multiget
  kDmMoveMicros,            // o3lsm.dm.move.micros: a memtable into DM
  kDmGetMicros,             // o3lsm.dm.get.micros: a lookup of DM segments
  kRemoteFlushMicros,       // o3lsm.jobs.flush.micros: executor's time
  kRemoteCompactionMicros,  // o3lsm.jobs.compaction.micros
  kHistogramCount           // not a histogram: the number of them
};

// The name of a ticker or histogram, e.g. "rocksdb.block.cache.miss";
// "" for a value out of range.
const char* TickerName(Tickers ticker);
const char* HistogramName(Histograms histogram);

// What a histogram holds. Percentiles are interpolated within the bucket
// they fall in (buckets grow by about 1.5x), so they are estimates;
// min, max, count and sum are exact.
struct HistogramData {
  double median = 0;  // P50
  double percentile95 = 0;
  double percentile99 = 0;
  double percentile999 = 0;
  double max = 0;  // P100
  double min = 0;
  double average = 0;
  double standard_deviation = 0;
  uint64_t count = 0;
  uint64_t sum = 0;
};

class Statistics {
 public:
  Statistics();
  Statistics(const Statistics&) = delete;
  Statistics& operator=(const Statistics&) = delete;
  ~Statistics();

  // ---- Recording (the engine calls these) ----
  void recordTick(Tickers ticker, uint64_t count = 1);
  // Adds value (micros, bytes) to histogram.
  void recordInHistogram(Histograms histogram, uint64_t value);

  // ---- Reading ----
  uint64_t getTickerCount(Tickers ticker) const;
  void getHistogramData(Histograms histogram, HistogramData* data) const;
  // One histogram as ToString prints it, without the name.
  std::string getHistogramString(Histograms histogram) const;
  // Every ticker by name (for exporters such as a Prometheus endpoint).
  std::map<std::string, uint64_t> getTickerMap() const;
  // Zeroes every ticker and histogram.
  void Reset();

  // Every ticker, then every histogram, one a line, as RocksDB's
  // db_bench --statistics prints them:
  //   rocksdb.block.cache.miss COUNT : 12
  //   rocksdb.db.get.micros P50 : 3.100000 P95 : 8.000000 P99 : 12.500000
  //       P100 : 40.000000 COUNT : 1000 SUM : 4200
  // (each on one line; the second is broken here to fit).
  std::string ToString() const;

 private:
  struct Shard;
  Shard& ShardForThisThread();

  const uint32_t shard_mask_;
  std::unique_ptr<Shard[]> shards_;
};

// A Statistics to hand to Options::statistics.
std::shared_ptr<Statistics> CreateDBStatistics();

}  // namespace o3lsm

#endif  // O3LSM_INCLUDE_STATISTICS_H_
