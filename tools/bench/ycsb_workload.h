// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// YCSB's core workloads A-F as o3lsm-bench runs them (benchmark names
// ycsba .. ycsbf; ycsbload loads the records first):
//
//   A  50% read, 50% update                zipfian   session store
//   B  95% read,  5% update                zipfian   photo tagging
//   C 100% read                            zipfian   user profile cache
//   D  95% read,  5% insert                latest    user status updates
//   E  95% scan,  5% insert                zipfian   threaded conversations
//                 (scan length uniform in [1, max_scan_length = 100])
//   F  50% read, 50% read-modify-write     zipfian   user database
//
// "zipfian" is YCSB's scrambled Zipfian with constant 0.99.
//
// OperationMix deals the operations in shuffled decks of 100 whose
// composition is the mix exactly, so every 100 consecutive operations of a
// thread hold exactly the defined percentages (YCSB draws each operation
// independently; the deck keeps the same long-run mix without its noise, so
// runs compare with each other more tightly).
//
// Thread safety: WorkloadSpec is a value. OperationMix and YcsbKeyChooser
// hold per-thread state: one per thread.

#ifndef O3LSM_TOOLS_BENCH_YCSB_WORKLOAD_H_
#define O3LSM_TOOLS_BENCH_YCSB_WORKLOAD_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "o3lsm/status.h"

#include "tools/bench/ycsb_generators.h"
#include "util/random.h"

namespace o3lsm::bench {

enum class YcsbOp : uint8_t {
  kRead = 0,
  kUpdate,
  kInsert,
  kScan,
  kReadModifyWrite,
};
inline constexpr int kNumYcsbOps = 5;
const char* YcsbOpName(YcsbOp op);

enum class RequestDistribution : uint8_t { kZipfian, kLatest, kUniform };

struct WorkloadSpec {
  char id = 'A';
  // Percent of operations of each YcsbOp kind; they sum to 100.
  std::array<int, kNumYcsbOps> percent{};
  RequestDistribution distribution = RequestDistribution::kZipfian;
  int max_scan_length = 100;

  int PercentOf(YcsbOp op) const { return percent[static_cast<int>(op)]; }
};

// Looks up "ycsba" .. "ycsbf" (case-sensitive, as benchmark names are).
// NotFound for any other name.
[[nodiscard]] Status GetYcsbWorkload(const std::string& name,
                                     WorkloadSpec* spec);

class OperationMix {
 public:
  explicit OperationMix(const WorkloadSpec& spec);

  YcsbOp Next(Random64* rnd);

 private:
  std::array<YcsbOp, 100> deck_;
  int dealt_ = 100;  // cards used from deck_; 100 means reshuffle
};

// Picks the record number each read, update, scan or read-modify-write
// targets, following the workload's distribution, never beyond the newest
// acknowledged insert.
class YcsbKeyChooser {
 public:
  // record_count: records loaded; expected_inserts: inserts this run may
  // add (YCSB sizes the zipfian key space as records + 2 x that).
  YcsbKeyChooser(const WorkloadSpec& spec, uint64_t record_count,
                 uint64_t expected_inserts, double zipfian_constant);

  // REQUIRES: last_acknowledged >= 0 records exist below it, inclusive.
  uint64_t Next(Random64* rnd, uint64_t last_acknowledged);

 private:
  RequestDistribution distribution_;
  std::unique_ptr<ScrambledZipfianGenerator> scrambled_;
  std::unique_ptr<SkewedLatestGenerator> latest_;
};

// The integer whose db_bench key stores record number n: YCSB's hashed
// insert order scatters records by FNV-1a, ordered keeps n.
inline uint64_t YcsbKeyInt(uint64_t n, bool hashed) {
  return hashed ? FnvHash64(n) : n;
}

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_YCSB_WORKLOAD_H_
