// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The request distributions of YCSB's core workloads, written from the
// published algorithms (Gray et al., "Quickly Generating Billion-Record
// Synthetic Databases", SIGMOD 1994, as YCSB applies them):
//
//   ZipfianGenerator           item i (0 = most popular) with probability
//                              proportional to 1 / (i + 1)^theta.
//   ScrambledZipfianGenerator  the same popularity, but the hot items are
//                              scattered over the key space by an FNV-1a
//                              hash. With YCSB's theta 0.99 it draws from
//                              10^10 items and folds them onto the record
//                              count, as YCSB does, so the skew does not
//                              depend on the record count.
//   SkewedLatestGenerator      "latest": Zipfian over recency, counting back
//                              from the newest acknowledged insert.
//   AcknowledgedCounter        record numbers for inserts, and the highest
//                              number below which every insert finished, so
//                              readers never ask for a record still being
//                              written.
//
// Thread safety: ZipfianGenerator and ScrambledZipfianGenerator are
// immutable after construction except GrowTo; their const methods may be
// called concurrently, each thread passing its own Random64.
// SkewedLatestGenerator grows its state: one per thread. AcknowledgedCounter
// is safe for concurrent use.

#ifndef O3LSM_TOOLS_BENCH_YCSB_GENERATORS_H_
#define O3LSM_TOOLS_BENCH_YCSB_GENERATORS_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>

#include "util/random.h"
#include "util/thread_annotations.h"

namespace o3lsm::bench {

// YCSB's zipfian constant.
inline constexpr double kYcsbZipfianConstant = 0.99;

// YCSB's fnvhash64: FNV-1a over the 8 bytes of v, least significant first,
// made non-negative as a signed 64-bit number.
uint64_t FnvHash64(uint64_t v);

// sum_{i=1..n} i^-theta. Exact for small n; beyond 10^5 terms the tail is
// integrated (Euler-Maclaurin, error below 1e-12 relative).
double ZipfZeta(uint64_t n, double theta);

class ZipfianGenerator {
 public:
  // Computes zeta(items). REQUIRES: items >= 1, 0 < theta < 1.
  ZipfianGenerator(uint64_t items, double theta);
  // With zeta(items) already known.
  ZipfianGenerator(uint64_t items, double theta, double zetan);

  // Maps u in [0, 1) to an item in [0, items).
  uint64_t Sample(double u) const;
  uint64_t Next(Random64* rnd) const { return Sample(rnd->NextDouble()); }

  // Raises the item count to items (no-op if not larger), adding the new
  // terms to zeta instead of recomputing it.
  void GrowTo(uint64_t items);

  uint64_t items() const { return items_; }
  double zetan() const { return zetan_; }

 private:
  void DeriveConstants();

  uint64_t items_;
  double theta_;
  double zetan_;
  double zeta2_;
  double alpha_ = 0;
  double eta_ = 0;
  double second_threshold_ = 0;  // 1 + 0.5^theta
};

class ScrambledZipfianGenerator {
 public:
  // REQUIRES: items >= 1, 0 < theta < 1.
  ScrambledZipfianGenerator(uint64_t items, double theta);

  // An item in [0, items).
  uint64_t Next(Random64* rnd) const;

  uint64_t items() const { return items_; }

 private:
  uint64_t items_;
  ZipfianGenerator zipf_;
};

class SkewedLatestGenerator {
 public:
  // initial_latest: the newest record number at the start.
  SkewedLatestGenerator(uint64_t initial_latest, double theta);

  // A record number in [0, latest]; latest itself is the most likely.
  uint64_t Next(Random64* rnd, uint64_t latest);

 private:
  ZipfianGenerator zipf_;
};

class AcknowledgedCounter {
 public:
  // Numbers below start exist already (the loaded records).
  // REQUIRES: start >= 1.
  explicit AcknowledgedCounter(uint64_t start) : next_(start), limit_(start) {}
  AcknowledgedCounter(const AcknowledgedCounter&) = delete;
  AcknowledgedCounter& operator=(const AcknowledgedCounter&) = delete;

  // The record number for a new insert.
  uint64_t Next() { return next_.fetch_add(1, std::memory_order_relaxed); }

  // Insert n has finished.
  void Acknowledge(uint64_t n);

  // The highest number such that it and every number below it finished.
  uint64_t LastAcknowledged() const {
    return limit_.load(std::memory_order_acquire) - 1;
  }

 private:
  std::atomic<uint64_t> next_;
  // Every number below limit_ has finished.
  std::atomic<uint64_t> limit_;
  std::mutex mu_;
  // Finished numbers above limit_, waiting for the gap below them to close.
  std::set<uint64_t> pending_ GUARDED_BY(mu_);
};

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_YCSB_GENERATORS_H_
