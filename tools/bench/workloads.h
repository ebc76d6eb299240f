// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The thread bodies of the benchmarks. The runner starts N threads on one
// WorkloadFn, each with its own ThreadContext (random generator, stats),
// all sharing one RunContext (database, options, counts). A body runs its
// operations, calls stats.FinishedOps after each, and adds its counters
// ("found", "reads", ...) and bytes at the end. It stops early when any
// thread has failed; the first failure is kept in the RunContext.
//
// The operations follow db_bench 7.8 (see docs/bench.md): random keys are
// uniform over [0, num), every write goes through a reused WriteBatch of
// --batch_size entries, seekrandom opens a fresh iterator per seek.
//
// Thread safety: RunContext is shared; its counters and error are atomic or
// locked. ThreadContext belongs to its thread (the runner reads its stats
// after the join, and the progress monitor its published counter).

#ifndef O3LSM_TOOLS_BENCH_WORKLOADS_H_
#define O3LSM_TOOLS_BENCH_WORKLOADS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "o3lsm/db.h"
#include "o3lsm/options.h"

#include "tools/bench/bench_stats.h"
#include "tools/bench/mixgraph.h"
#include "tools/bench/rate_limiter.h"
#include "tools/bench/value_generator.h"
#include "tools/bench/ycsb_generators.h"
#include "tools/bench/ycsb_workload.h"
#include "util/random.h"

namespace o3lsm::bench {

// State of a YCSB run shared by its threads.
struct YcsbShared {
  WorkloadSpec spec;
  uint64_t record_count = 0;      // records present when the run starts
  uint64_t expected_inserts = 0;  // inserts the whole run may do
  bool hashed_keys = true;
  double zipfian_constant = kYcsbZipfianConstant;
  int max_scan_length = 100;
  std::unique_ptr<AcknowledgedCounter> inserts;  // next record numbers
};

struct RunContext {
  DB* db = nullptr;
  const ValueSource* values = nullptr;
  ReadOptions read_options;
  WriteOptions write_options;
  int64_t num = 1;  // key space [0, num); >= 1
  int64_t ops = 0;  // operations per thread
  int key_size = 16;
  size_t value_size = 100;
  int64_t batch_size = 1;
  int duration_seconds = 0;  // > 0: time-bounded instead of ops-bounded
  int seek_nexts = 0;
  int64_t max_scan_distance = 0;  // > 0: seekrandom's upper bound
  int64_t range_tombstone_width = 100;
  int readwritepercent = 90;
  // --read_key_dist=zipfian: the keys readrandom, multireadrandom and
  // seekrandom pick (YCSB's scrambled zipfian); null: uniform.
  std::shared_ptr<const ScrambledZipfianGenerator> read_zipf;

  // The next key a read picks, in [0, num).
  uint64_t NextReadKey(Random64* rnd) const {
    return read_zipf != nullptr ? read_zipf->Next(rnd)
                                : rnd->Next() % static_cast<uint64_t>(num);
  }
  // --benchmark_write_rate_limit: paces the bytes written by all threads
  // (and the background writer); null: unlimited.
  RateLimiter* write_limiter = nullptr;
  // --benchmark_read_rate_limit: paces the reads (Gets, keys of a MultiGet,
  // seeks) of readrandom, multireadrandom and seekrandom; null: unlimited.
  RateLimiter* read_limiter = nullptr;
  // mixgraph: its model, and with --sine_mix_rate the limiter of its
  // operations, whose rate follows the sine from start_nanos on.
  const MixGraphModel* mixgraph = nullptr;
  RateLimiter* mixgraph_limiter = nullptr;
  uint64_t start_nanos = 0;
  // Threads doing the measured work; a background writer waits for them.
  int workers = 1;
  std::atomic<int> workers_done{0};
  YcsbShared* ycsb = nullptr;

  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // Keeps the first error, as "<what>: <status>".
  void Fail(const char* what, const Status& s);
  std::string error() const;

 private:
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  std::string error_;  // guarded by mu_
};

struct ThreadContext {
  ThreadContext(int id, uint64_t seed, RunContext* r)
      : tid(id), rand(seed), run(r) {}
  int tid;
  Random64 rand;
  ThreadStats stats;
  RunContext* run;
};

using WorkloadFn = void (*)(ThreadContext*);

// Stops a loop after max_ops operations, or after duration_seconds when
// that is > 0 (checking the clock every 1000 operations), like db_bench's
// Duration. Done(n) counts n more operations and says whether to stop
// before doing them.
class OpBudget {
 public:
  OpBudget(int duration_seconds, int64_t max_ops);
  bool Done(int64_t n);

 private:
  const uint64_t deadline_nanos_;  // 0: none
  const int64_t max_ops_;
  int64_t ops_ = 0;
};

// ---- db_bench workloads ----
void FillSeq(ThreadContext* t);      // keys 0, 1, 2, ... per thread
void FillRandom(ThreadContext* t);   // uniform random keys (overwrite too)
void ReadSeq(ThreadContext* t);      // iterator from the first key
void ReadReverse(ThreadContext* t);  // iterator from the last key
void ReadRandom(ThreadContext* t);   // Get of random keys
// MultiGet of --batch_size random keys at a time (db_bench's
// multireadrandom); each key counts as one read.
void MultiReadRandom(ThreadContext* t);
void SeekRandom(ThreadContext* t);   // Seek + seek_nexts x Next
void DeleteSeq(ThreadContext* t);
void DeleteRandom(ThreadContext* t);
// DeleteRange over consecutive keys from 0, range_tombstone_width keys a
// call; counts the keys covered as operations.
void DeleteRange(ThreadContext* t);
// Thread 0 writes random keys until the other threads finish reading; its
// stats stay out of the report.
void ReadWhileWriting(ThreadContext* t);
// The same, with seekrandom's readers (db_bench's seekrandomwhilewriting).
void SeekRandomWhileWriting(ThreadContext* t);
void ReadRandomWriteRandom(ThreadContext* t);
// db_bench's mixgraph: Get, Put and Seek drawn from run->mixgraph.
void MixGraph(ThreadContext* t);
void UpdateRandom(ThreadContext* t);  // Get + Put of random keys
void CompactAll(ThreadContext* t);    // thread 0: CompactRange(all)

// ---- YCSB ----
// Inserts records [tid * num / workers, (tid + 1) * num / workers).
void YcsbLoad(ThreadContext* t);
// Runs run->ycsb->spec for run->ops operations (or the duration).
void YcsbRun(ThreadContext* t);

}  // namespace o3lsm::bench

#endif  // O3LSM_TOOLS_BENCH_WORKLOADS_H_
