// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// StressRunner is o3lsm-stress: worker threads run a random mix of puts,
// deletes, batches, gets, range iterations and snapshot reads against one
// database, and check every read against the ExpectedState as they go. A
// write holds its key's lock (KeyLocks) from BeginWrite to CommitWrite, and
// a read holds the locks of the keys it checks while it takes its view of
// the database, so the expected state is exact for every check.
//
// A run is a sequence of rounds: open the database, verify it whole
// (VerifyDatabase, settling keys left ambiguous by a crash), run the
// workers, close. Without faults there is one round. With fault injection
// (fault_prob) or power cuts, a round ends when a write fails or the power
// is cut; the next round reopens without faults and verifies first. The
// clean end of a run closes, reopens and verifies once more.
//
// What fails a run (docs/reliability.md):
//   kWrongData    a read or a verification found a value, or an absence,
//                 that the expected state does not allow: a lost
//                 acknowledged write, a resurrected deletion, a value of
//                 another key or generation, a damaged value, keys out of
//                 order;
//   kEngineError  an operation failed although no fault was injected.
// Under injected faults, errors are expected and counted; wrong data never
// is.
//
// Thread safety: Run() is called once, from one thread.

#ifndef O3LSM_TOOLS_STRESS_STRESS_RUNNER_H_
#define O3LSM_TOOLS_STRESS_STRESS_RUNNER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/db.h"

#include "tests/fault_injection_env.h"
#include "tools/stress/expected_state.h"
#include "tools/stress/key_locks.h"
#include "tools/stress/stress_options.h"
#include "tools/stress/verifier.h"
#include "util/random.h"

namespace o3lsm::stress {

enum class Outcome { kOk, kWrongData, kEngineError };

// Counters of a run; printed as the summary line.
struct StressStats {
  std::atomic<uint64_t> puts{0}, deletes{0}, batches{0}, gets{0}, iterations{0},
      snapshots{0}, flushes{0}, compactions{0};
  // Writes not attempted because their key was still ambiguous.
  std::atomic<uint64_t> skipped_pending{0};
  // Failed operations (only under injected faults).
  std::atomic<uint64_t> write_errors{0}, read_errors{0};
  std::atomic<uint64_t> rounds{0}, power_cuts{0}, verifications{0};
  // Rounds in which the disk filled up (writes fail with NoSpace).
  std::atomic<uint64_t> disk_full_rounds{0};
  // Totals over every verification.
  std::atomic<uint64_t> verified_keys{0}, pending_found{0}, pending_landed{0},
      lost_found{0};
};

class StressRunner {
 public:
  // REQUIRES: options.db is set and the percentages add up to 100.
  explicit StressRunner(const StressOptions& options);
  ~StressRunner();
  StressRunner(const StressRunner&) = delete;
  StressRunner& operator=(const StressRunner&) = delete;

  // Runs the whole run (or, with options.verify, one verification). On
  // failure, the status says what and outcome() says which kind.
  [[nodiscard]] Status Run();

  Outcome outcome() const { return outcome_; }
  const StressStats& stats() const { return stats_; }
  uint64_t seed() const { return seed_; }
  // Faults the Env injected (0 without fault injection).
  int faults_injected() const {
    return fault_env_ ? fault_env_->injected() : 0;
  }
  // "puts=... deletes=..." for the summary line.
  std::string StatsString() const;

 private:
  // One worker thread's own state.
  struct Worker {
    Worker(int index, uint64_t seed, const StressOptions& options)
        : id(index), rnd(seed * 0x9E3779B97F4A7C15ull + index + 1) {
      wo.sync = options.sync;
      wo.disable_wal = options.disable_wal;
    }
    const int id;
    Random64 rnd;
    WriteOptions wo;
  };

  bool faults_enabled() const {
    return options_.fault_prob > 0 || options_.power_cut;
  }
  Options DbOptions();

  // ---- rounds (stress_runner.cc) ----
  [[nodiscard]] Status OpenDatabase();
  [[nodiscard]] Status Verify(const char* when);
  void RunRound();
  // Closes after a round: tolerates errors under faults, restores power.
  [[nodiscard]] Status CloseAfterRound(bool power_was_cut);
  bool RunFinished() const;
  // The operations each worker runs; 0 for no limit.
  uint64_t OpsPerThread() const;
  void ArmFaults();
  void DisarmFaults();

  // ---- the workload (stress_ops.cc) ----
  void WorkerLoop(Worker* w);
  void DoWrite(Worker* w, uint32_t key, bool del);
  void DoBatch(Worker* w);
  void DoGet(Worker* w);
  void DoIterate(Worker* w);
  void DoSnapshot(Worker* w);
  void DoFlush(Worker* w);
  void DoCompact(Worker* w);
  // The states a key may be found in, copied while its lock was held.
  struct Allowed {
    KeyState settled;
    std::optional<KeyState> pending;
    bool Accepts(const KeyState& s) const {
      return s.SameAs(settled) || (pending && s.SameAs(*pending));
    }
  };
  // Checks that an iterator's view of keys [first, last] matches the
  // allowed states (allowed[k - first] for key k).
  void CheckRange(Iterator* it, uint32_t first, uint32_t last,
                  const std::vector<Allowed>& allowed, bool reverse,
                  const char* what);
  // Decodes and checks one value read for key; false after WrongData.
  bool DecodeFound(uint32_t key, const Slice& value, KeyState* found,
                   const char* what);
  void WriteFailed(const char* what, const Status& s);
  void ReadFailed(const char* what, const Status& s);
  void WrongData(const std::string& what);

  const StressOptions options_;
  uint64_t seed_ = 0;
  std::unique_ptr<test::FaultInjectionEnv> fault_env_;  // if faults
  std::unique_ptr<ExpectedState> state_;
  std::unique_ptr<KeyLocks> locks_;
  std::unique_ptr<DB> db_;
  Random64 round_rnd_{1};

  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point next_report_;  // of progress
  std::vector<uint64_t> ops_done_;       // per worker, over every round
  std::atomic<bool> stop_{false};        // the run ends (failure)
  std::atomic<bool> round_stop_{false};  // the round ends
  std::atomic<int> running_{0};          // workers still in the round
  Outcome outcome_ = Outcome::kOk;
  std::atomic<bool> failed_{false};
  std::string failure_;  // set once, by the thread that sets failed_
  StressStats stats_;
};

}  // namespace o3lsm::stress

#endif  // O3LSM_TOOLS_STRESS_STRESS_RUNNER_H_
