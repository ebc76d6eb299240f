// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Key-range shards of the write buffer. A ShardRouter splits the user key
// space into N disjoint ranges by N-1 boundary keys; each range has its own
// memtable, sealed, moved to DM and flushed independently, and its L0 files
// cover only its range.
//
// ShardPlanner chooses the boundaries from a sample of the keys actually
// written (not a fixed byte of the key, as the O3-LSM prototype did), so
// that random keys, keys with a long common prefix ("user000123...") and
// keys written in order all spread evenly:
//   - by default, boundaries are quantiles of the recent sample;
//   - when the sample shows keys arriving in increasing (or decreasing)
//     order, quantiles of the past would send every new key to the last
//     shard, so the boundaries are instead placed ahead, along the trend of
//     key value against bytes written, to split what the next round of
//     memtables will hold.
// The planner also decides when the current boundaries have gone stale:
// when one shard has taken far more than its share of the bytes written.
//
// Thread safety: ShardRouter is immutable and may be shared. ShardPlanner is
// used by one thread at a time (the write leader, under the DB mutex).

#ifndef O3LSM_LSM_OFFLOAD_SHARD_ROUTER_H_
#define O3LSM_LSM_OFFLOAD_SHARD_ROUTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "o3lsm/slice.h"
#include "util/random.h"

namespace o3lsm {

class ShardRouter {
 public:
  // One shard holding every key.
  ShardRouter() = default;
  // REQUIRES: boundaries strictly increasing and non-empty strings.
  ShardRouter(std::vector<std::string> boundaries, uint64_t generation);

  int num_shards() const { return static_cast<int>(boundaries_.size()) + 1; }
  uint64_t generation() const { return generation_; }

  // The shard whose range holds key.
  int ShardOf(const Slice& key) const;

  // Shard i holds [lower, upper); an empty lower means unbounded below, and
  // has_upper(i) false means unbounded above.
  Slice lower(int shard) const {
    return shard == 0 ? Slice() : Slice(boundaries_[shard - 1]);
  }
  bool has_upper(int shard) const { return shard + 1 < num_shards(); }
  Slice upper(int shard) const {
    return has_upper(shard) ? Slice(boundaries_[shard]) : Slice();
  }

  const std::vector<std::string>& boundaries() const { return boundaries_; }
  // "[-inf, "k3") ["k3", "m") ["m", +inf)" with non-printable bytes escaped.
  std::string Describe() const;

 private:
  std::vector<std::string> boundaries_;
  uint64_t generation_ = 0;
};

class ShardPlanner {
 public:
  // target_shards: how many shards to aim for. sample_size: keys kept.
  explicit ShardPlanner(int target_shards, size_t sample_size = 2048);

  int target_shards() const { return target_shards_; }

  // Notes a written key. Samples about one key in `every`, so that the cost
  // per write is a counter decrement.
  void Observe(const Slice& key, uint64_t bytes);

  // Keys sampled so far (bounded by the sample size).
  size_t sampled() const { return ring_.size(); }

  // True if the router should be replaced: it has fewer shards than the
  // target and the sample can say where to split, or one shard has taken
  // more than `imbalance` times its share of the bytes written in this
  // generation (shard_bytes[i] for shard i). A share is at least one
  // memtable (memtable_bytes): early in a generation, and for keys written
  // in order, one shard rightly takes everything for a while.
  bool ShouldResplit(const ShardRouter& router,
                     const std::vector<uint64_t>& shard_bytes,
                     uint64_t memtable_bytes, double imbalance = 2.0) const;

  // New boundaries for a router of up to target_shards shards, from the
  // sample. `horizon_bytes` is how many bytes the next round of memtables
  // will hold (used to place boundaries ahead of ordered keys). May return
  // fewer boundaries when the sample has too few distinct keys; then
  // ShouldResplit waits for a fresh sample before asking for more shards
  // again (each re-split seals every shard).
  std::vector<std::string> ChooseBoundaries(uint64_t horizon_bytes);

  // Whether the last ChooseBoundaries-relevant sample looks ordered: +1
  // ascending, -1 descending, 0 neither. Exposed for tests and stats.
  int Trend() const;

 private:
  struct Sample {
    std::string key;
    uint64_t bytes_before;  // cumulative bytes written before this key
  };

  std::vector<std::string> QuantileBoundaries(int shards) const;
  std::vector<std::string> TrendBoundaries(int shards, int trend,
                                           uint64_t horizon_bytes) const;

  const int target_shards_;
  const size_t sample_size_;
  std::vector<Sample> ring_;  // in arrival order, oldest at ring_head_
  size_t ring_head_ = 0;
  uint64_t bytes_seen_ = 0;
  uint64_t samples_taken_ = 0;
  // Below the target, ShouldResplit waits until this many samples were
  // taken: set when a split found too few distinct keys for the target.
  uint64_t retry_at_samples_ = 0;
  uint32_t countdown_ = 0;
  Random64 rnd_{0x5eed};
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SHARD_ROUTER_H_
