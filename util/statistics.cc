// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Statistics: the name table, the sharded counters and the histograms.

#include "o3lsm/statistics.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <thread>
#include <utility>
#include <vector>

namespace o3lsm {

namespace {

// ---- The one table of names ----
// A concept RocksDB has carries RocksDB's exact name (its scripts parse
// them); o3lsm's own are "o3lsm.*". Never rename an entry.

struct TickerEntry {
  Tickers ticker;
  const char* name;
};

constexpr TickerEntry kTickerNames[] = {
    {kBlockCacheMiss, "rocksdb.block.cache.miss"},
    {kBlockCacheHit, "rocksdb.block.cache.hit"},
    {kBlockCacheAdd, "rocksdb.block.cache.add"},
    {kBlockCacheIndexMiss, "rocksdb.block.cache.index.miss"},
    {kBlockCacheIndexHit, "rocksdb.block.cache.index.hit"},
    {kBlockCacheFilterMiss, "rocksdb.block.cache.filter.miss"},
    {kBlockCacheFilterHit, "rocksdb.block.cache.filter.hit"},
    {kBlockCacheDataMiss, "rocksdb.block.cache.data.miss"},
    {kBlockCacheDataHit, "rocksdb.block.cache.data.hit"},
    {kBlockCacheDataAdd, "rocksdb.block.cache.data.add"},
    {kBlockCacheBytesRead, "rocksdb.block.cache.bytes.read"},
    {kBlockCacheBytesWrite, "rocksdb.block.cache.bytes.write"},
    {kBloomFilterUseful, "rocksdb.bloom.filter.useful"},
    {kBloomFilterFullPositive, "rocksdb.bloom.filter.full.positive"},
    {kMemtableHit, "rocksdb.memtable.hit"},
    {kMemtableMiss, "rocksdb.memtable.miss"},
    {kNumberKeysWritten, "rocksdb.number.keys.written"},
    {kNumberKeysRead, "rocksdb.number.keys.read"},
    {kBytesWritten, "rocksdb.bytes.written"},
    {kBytesRead, "rocksdb.bytes.read"},
    {kNumberDbSeek, "rocksdb.number.db.seek"},
    {kNumberDbNext, "rocksdb.number.db.next"},
    {kNumberDbPrev, "rocksdb.number.db.prev"},
    {kNumberDbSeekFound, "rocksdb.number.db.seek.found"},
    {kNumberDbNextFound, "rocksdb.number.db.next.found"},
    {kNumberDbPrevFound, "rocksdb.number.db.prev.found"},
    {kIterBytesRead, "rocksdb.db.iter.bytes.read"},
    {kNumberMultigetCalls, "rocksdb.number.multiget.get"},
    {kNumberMultigetKeysRead, "rocksdb.number.multiget.keys.read"},
    {kNumberMultigetBytesRead, "rocksdb.number.multiget.bytes.read"},
    {kWriteDoneBySelf, "rocksdb.write.self"},
    {kWriteDoneByOther, "rocksdb.write.other"},
    {kWriteWithWal, "rocksdb.write.wal"},
    {kWalFileSynced, "rocksdb.wal.synced"},
    {kWalFileBytes, "rocksdb.wal.bytes"},
    {kStallMicros, "rocksdb.stall.micros"},
    {kCompactReadBytes, "rocksdb.compact.read.bytes"},
    {kCompactWriteBytes, "rocksdb.compact.write.bytes"},
    {kFlushWriteBytes, "rocksdb.flush.write.bytes"},
    {kDmBytesMoved, "o3lsm.dm.bytes.moved"},
    {kDmSegmentsWritten, "o3lsm.dm.segments.written"},
    {kDmSegmentsFreed, "o3lsm.dm.segments.freed"},
    {kDmBytesRead, "o3lsm.dm.bytes.read"},
    {kDmOneSidedReads, "o3lsm.dm.one.sided.reads"},
    {kDmLookupsOneSided, "o3lsm.dm.lookups.one.sided"},
    {kDmLookupsDelegated, "o3lsm.dm.lookups.delegated"},
    {kDmDelegationFallbacks, "o3lsm.dm.delegation.fallbacks"},
    {kDmKeyCacheHit, "o3lsm.dm.key.cache.hit"},
    {kDmKeyCacheMiss, "o3lsm.dm.key.cache.miss"},
    {kDmBlockCacheHit, "o3lsm.dm.block.cache.hit"},
    {kDmBlockCacheMiss, "o3lsm.dm.block.cache.miss"},
    {kFlushJobsPosted, "o3lsm.jobs.flush.posted"},
    {kCompactionJobsPosted, "o3lsm.jobs.compaction.posted"},
    {kJobsClaimed, "o3lsm.jobs.claimed"},
    {kJobsSucceeded, "o3lsm.jobs.done"},
    {kJobsRetried, "o3lsm.jobs.retried"},
    {kJobsReposted, "o3lsm.jobs.reposted"},
    {kJobsFailed, "o3lsm.jobs.failed"},
    {kSeekCompactionTriggers, "o3lsm.compaction.seek.triggered"},
    {kSeekFlushTriggers, "o3lsm.flush.seek.triggered"},
};

struct HistogramEntry {
  Histograms histogram;
  const char* name;
};

constexpr HistogramEntry kHistogramNames[] = {
    {kDbGet, "rocksdb.db.get.micros"},
    {kDbWrite, "rocksdb.db.write.micros"},
    {kDbSeek, "rocksdb.db.seek.micros"},
    {kDbMultiget, "rocksdb.db.multiget.micros"},
    {kCompactionTime, "rocksdb.compaction.times.micros"},
    {kFlushTime, "rocksdb.db.flush.micros"},
    {kWalFileSyncMicros, "rocksdb.wal.file.sync.micros"},
    {kWriteStall, "rocksdb.db.write.stall"},
    {kBytesPerRead, "rocksdb.bytes.per.read"},
    {kBytesPerWrite, "rocksdb.bytes.per.write"},
    {kBytesPerMultiget, "rocksdb.bytes.per.multiget"},
    {kDmMoveMicros, "o3lsm.dm.move.micros"},
    {kDmGetMicros, "o3lsm.dm.get.micros"},
    {kRemoteFlushMicros, "o3lsm.jobs.flush.micros"},
    {kRemoteCompactionMicros, "o3lsm.jobs.compaction.micros"},
};

// Every enumerator has its entry, at its own index.
constexpr bool TickerTableInOrder() {
  for (size_t i = 0; i < std::size(kTickerNames); i++) {
    if (kTickerNames[i].ticker != i) return false;
  }
  return true;
}
constexpr bool HistogramTableInOrder() {
  for (size_t i = 0; i < std::size(kHistogramNames); i++) {
    if (kHistogramNames[i].histogram != i) return false;
  }
  return true;
}
static_assert(std::size(kTickerNames) == kTickerCount,
              "a ticker without a name (or a name without a ticker)");
static_assert(TickerTableInOrder(), "kTickerNames out of enum order");
static_assert(std::size(kHistogramNames) == kHistogramCount,
              "a histogram without a name (or a name without a histogram)");
static_assert(HistogramTableInOrder(), "kHistogramNames out of enum order");

// ---- Histogram buckets ----
// Bucket i holds values in [limit(i - 1), limit(i)), limit(-1) = 0. The
// limits are 1..10, then grow by 1.5x rounded down to two significant
// digits, the last one the largest uint64_t: about 110 buckets, so a
// percentile falls in a bucket about 1.5x wide.
class BucketLimits {
 public:
  BucketLimits() {
    for (uint64_t v = 1; v <= 10; v++) limits_.push_back(v);
    const double end =
        static_cast<double>(std::numeric_limits<uint64_t>::max() / 2);
    for (double next = 15; next < end; next *= 1.5) {
      uint64_t v = static_cast<uint64_t>(next);
      uint64_t scale = 1;
      while (v / scale >= 100) scale *= 10;
      v = v / scale * scale;
      if (v > limits_.back()) limits_.push_back(v);
    }
    limits_.push_back(std::numeric_limits<uint64_t>::max());
  }
  size_t size() const { return limits_.size(); }
  uint64_t limit(size_t i) const { return limits_[i]; }
  uint64_t lower(size_t i) const { return i == 0 ? 0 : limits_[i - 1]; }
  size_t BucketOf(uint64_t value) const {
    return static_cast<size_t>(
        std::upper_bound(limits_.begin(), limits_.end() - 1, value) -
        limits_.begin());
  }

 private:
  std::vector<uint64_t> limits_;
};

const BucketLimits& Limits() {
  static const BucketLimits limits;
  return limits;
}

// A fixed upper bound on the bucket count (checked where shards are made).
constexpr size_t kMaxBuckets = 128;

// Shards per Statistics: enough that the threads of a busy machine rarely
// share one, at most 64.
uint32_t ShardCount() {
  const uint32_t cores = std::max(1u, std::thread::hardware_concurrency());
  uint32_t n = 4;
  while (n < cores && n < 64) n *= 2;
  return n;
}

// The calling thread's shard index (before masking): threads take
// consecutive numbers as they first record, so up to the shard count of
// threads each get their own.
uint32_t ThreadSlot() {
  static std::atomic<uint32_t> next{0};
  thread_local const uint32_t slot =
      next.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

void AtomicMin(std::atomic<uint64_t>* a, uint64_t v) {
  uint64_t cur = a->load(std::memory_order_relaxed);
  while (v < cur &&
         !a->compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

void AtomicMax(std::atomic<uint64_t>* a, uint64_t v) {
  uint64_t cur = a->load(std::memory_order_relaxed);
  while (v > cur &&
         !a->compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

}  // namespace

const char* TickerName(Tickers ticker) {
  return ticker < kTickerCount ? kTickerNames[ticker].name : "";
}

const char* HistogramName(Histograms histogram) {
  return histogram < kHistogramCount ? kHistogramNames[histogram].name : "";
}

// One thread group's share of every ticker and histogram. Shards are
// cache-line aligned, so threads of different shards never write one line.
struct alignas(64) Statistics::Shard {
  struct Histogram {
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum{0};
    std::atomic<uint64_t> min{std::numeric_limits<uint64_t>::max()};
    std::atomic<uint64_t> max{0};
    std::atomic<double> sum_squares{0};
    std::atomic<uint64_t> buckets[kMaxBuckets] = {};
  };
  std::atomic<uint64_t> tickers[kTickerCount] = {};
  Histogram histograms[kHistogramCount];
};

Statistics::Statistics()
    : shard_mask_(ShardCount() - 1), shards_(new Shard[shard_mask_ + 1]) {
  // Fails loudly (in tests) if the bucket layout outgrows the arrays.
  if (Limits().size() > kMaxBuckets) std::abort();
}

Statistics::~Statistics() = default;

Statistics::Shard& Statistics::ShardForThisThread() {
  return shards_[ThreadSlot() & shard_mask_];
}

void Statistics::recordTick(Tickers ticker, uint64_t count) {
  if (ticker >= kTickerCount) return;
  ShardForThisThread().tickers[ticker].fetch_add(count,
                                                 std::memory_order_relaxed);
}

void Statistics::recordInHistogram(Histograms histogram, uint64_t value) {
  if (histogram >= kHistogramCount) return;
  Shard::Histogram& h = ShardForThisThread().histograms[histogram];
  h.buckets[Limits().BucketOf(value)].fetch_add(1, std::memory_order_relaxed);
  h.count.fetch_add(1, std::memory_order_relaxed);
  h.sum.fetch_add(value, std::memory_order_relaxed);
  const double v = static_cast<double>(value);
  h.sum_squares.fetch_add(v * v, std::memory_order_relaxed);
  AtomicMin(&h.min, value);
  AtomicMax(&h.max, value);
}

uint64_t Statistics::getTickerCount(Tickers ticker) const {
  if (ticker >= kTickerCount) return 0;
  uint64_t sum = 0;
  for (uint32_t i = 0; i <= shard_mask_; i++) {
    sum += shards_[i].tickers[ticker].load(std::memory_order_relaxed);
  }
  return sum;
}

void Statistics::getHistogramData(Histograms histogram,
                                  HistogramData* data) const {
  *data = HistogramData();
  if (histogram >= kHistogramCount) return;
  const BucketLimits& limits = Limits();
  std::array<uint64_t, kMaxBuckets> buckets{};
  uint64_t min = std::numeric_limits<uint64_t>::max(), max = 0;
  double sum_squares = 0;
  for (uint32_t i = 0; i <= shard_mask_; i++) {
    const Shard::Histogram& h = shards_[i].histograms[histogram];
    data->count += h.count.load(std::memory_order_relaxed);
    data->sum += h.sum.load(std::memory_order_relaxed);
    sum_squares += h.sum_squares.load(std::memory_order_relaxed);
    min = std::min(min, h.min.load(std::memory_order_relaxed));
    max = std::max(max, h.max.load(std::memory_order_relaxed));
    for (size_t b = 0; b < limits.size(); b++) {
      buckets[b] += h.buckets[b].load(std::memory_order_relaxed);
    }
  }
  if (data->count == 0) return;
  // Racing recorders may leave count and the buckets one event apart:
  // percentiles come from the buckets' own total.
  uint64_t total = 0;
  for (size_t b = 0; b < limits.size(); b++) total += buckets[b];
  const double lo = static_cast<double>(min), hi = static_cast<double>(max);
  auto percentile = [&](double p) {
    const double threshold = static_cast<double>(total) * p / 100.0;
    double cumulative = 0;
    for (size_t b = 0; b < limits.size(); b++) {
      if (buckets[b] == 0) continue;
      const double before = cumulative;
      cumulative += static_cast<double>(buckets[b]);
      if (cumulative >= threshold) {
        // Linear within the bucket, then clamped to what was recorded.
        const double left = static_cast<double>(limits.lower(b));
        const double right = static_cast<double>(limits.limit(b));
        const double pos =
            (threshold - before) / static_cast<double>(buckets[b]);
        return std::clamp(left + (right - left) * pos, lo, hi);
      }
    }
    return hi;
  };
  data->median = percentile(50);
  data->percentile95 = percentile(95);
  data->percentile99 = percentile(99);
  data->percentile999 = percentile(99.9);
  data->max = hi;
  data->min = lo;
  const double n = static_cast<double>(data->count);
  data->average = static_cast<double>(data->sum) / n;
  const double variance = sum_squares / n - data->average * data->average;
  data->standard_deviation = variance > 0 ? std::sqrt(variance) : 0;
}

std::string Statistics::getHistogramString(Histograms histogram) const {
  HistogramData d;
  getHistogramData(histogram, &d);
  char buf[256];
  std::snprintf(
      buf, sizeof(buf),
      "P50 : %f P95 : %f P99 : %f P100 : %f COUNT : %" PRIu64 " SUM : %" PRIu64,
      d.median, d.percentile95, d.percentile99, d.max, d.count, d.sum);
  return buf;
}

std::map<std::string, uint64_t> Statistics::getTickerMap() const {
  std::map<std::string, uint64_t> map;
  for (uint32_t t = 0; t < kTickerCount; t++) {
    map[kTickerNames[t].name] = getTickerCount(static_cast<Tickers>(t));
  }
  return map;
}

void Statistics::Reset() {
  for (uint32_t i = 0; i <= shard_mask_; i++) {
    Shard& shard = shards_[i];
    for (auto& t : shard.tickers) t.store(0, std::memory_order_relaxed);
    for (auto& h : shard.histograms) {
      h.count.store(0, std::memory_order_relaxed);
      h.sum.store(0, std::memory_order_relaxed);
      h.min.store(std::numeric_limits<uint64_t>::max(),
                  std::memory_order_relaxed);
      h.max.store(0, std::memory_order_relaxed);
      h.sum_squares.store(0, std::memory_order_relaxed);
      for (auto& b : h.buckets) b.store(0, std::memory_order_relaxed);
    }
  }
}

std::string Statistics::ToString() const {
  std::string out;
  char buf[256];
  for (uint32_t t = 0; t < kTickerCount; t++) {
    std::snprintf(buf, sizeof(buf), "%s COUNT : %" PRIu64 "\n",
                  kTickerNames[t].name,
                  getTickerCount(static_cast<Tickers>(t)));
    out += buf;
  }
  for (uint32_t h = 0; h < kHistogramCount; h++) {
    out += kHistogramNames[h].name;
    out += ' ';
    out += getHistogramString(static_cast<Histograms>(h));
    out += '\n';
  }
  return out;
}

std::shared_ptr<Statistics> CreateDBStatistics() {
  return std::make_shared<Statistics>();
}

}  // namespace o3lsm
