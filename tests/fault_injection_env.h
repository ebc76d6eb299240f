// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// FaultInjectionEnv wraps an Env and injects file-system faults into the
// files whose names contain a given pattern (".log", ".sst", "MANIFEST",
// "CURRENT", or a database's path for all of its files):
//   - appends fail (IOError), or fail with NoSpace once a byte budget is
//     spent (disk full);
//   - appends are torn: a prefix of the data reaches the file, then IOError;
//   - syncs fail;
//   - reads come back short (fewer bytes than asked, not at end of file);
//   - reads fail;
//   - reads return damaged bytes (one bit flipped), as a bad disk or a
//     misbehaving network file system may.
// By default a fault hits every matching operation; SetFaultProbability
// makes each one hit at random, for stress runs (tools/stress).
//
// It can also simulate a power cut: after CutPower() every operation that
// changes the file system fails (IOError "injected power cut"), and
// DropUnsyncedData() / RestorePower() truncate every file written through
// this Env back to its last successful Sync. What it does not model: a file
// created or renamed since the last SyncDir of its directory still exists
// after the "cut".
//
// Used by the tests (o3lsm_testutil) and by o3lsm-stress, which compiles
// this file in directly so that the tool does not depend on GoogleTest.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_TESTS_FAULT_INJECTION_ENV_H_
#define O3LSM_TESTS_FAULT_INJECTION_ENV_H_

#include <atomic>
#include <map>
#include <string>

#include "o3lsm/env.h"

#include "util/mutex.h"
#include "util/random.h"

namespace o3lsm::test {

class FaultInjectionEnv : public EnvWrapper {
 public:
  explicit FaultInjectionEnv(Env* base = Env::Default()) : EnvWrapper(base) {}

  enum Rule {
    kFailWrites,
    kFailSyncs,
    kShortReads,
    kFailReads,
    kDiskFull,
    kPartialWrites,
    kCorruptReads,
    kNumRules
  };

  // Each fault applies to files whose name contains pattern; "" = none.
  void FailWrites(const std::string& pattern) { Set(kFailWrites, pattern); }
  void FailSyncs(const std::string& pattern) { Set(kFailSyncs, pattern); }
  void ShortReads(const std::string& pattern) { Set(kShortReads, pattern); }
  void FailReads(const std::string& pattern) { Set(kFailReads, pattern); }
  // Appends write a prefix of their data (possibly empty), then fail.
  void PartialWrites(const std::string& pattern) {
    Set(kPartialWrites, pattern);
  }
  // Reads return their data with one bit flipped.
  void CorruptReads(const std::string& pattern) { Set(kCorruptReads, pattern); }
  // Appends to matching files fail with NoSpace after `bytes` more bytes.
  void DiskFullAfter(const std::string& pattern, int64_t bytes) {
    space_left_.store(bytes);
    Set(kDiskFull, pattern);
  }
  // Clears every pattern (not the probability, not a power cut).
  void ClearFaults();

  // Each matching operation is hit with probability p (in [0, 1]) instead
  // of always; seed makes runs repeatable. Disk-full is not affected.
  void SetFaultProbability(double p, uint64_t seed);

  // From now on every append, flush, sync, file creation, rename, removal
  // and truncation fails with IOError, as if the machine had lost power.
  void CutPower() { power_cut_.store(true); }
  bool power_cut() const { return power_cut_.load(); }
  // Drops unsynced data (DropUnsyncedData) and lets writes through again.
  // REQUIRES: no file written through this Env is still open.
  [[nodiscard]] Status RestorePower();

  // Truncates every file created through this Env to its synced length.
  [[nodiscard]] Status DropUnsyncedData();

  // Counters of injected faults.
  int injected() const { return injected_.load(); }

  // ---- internal, used by the file wrappers ----
  // Whether the fault `rule` hits this operation on fname.
  bool Matches(const std::string& fname, Rule rule);
  // The fault of an append of n bytes, if any. *keep is set to the number
  // of bytes to write before returning the (non-OK) status for a torn
  // append, 0 otherwise.
  Status AppendFault(const std::string& fname, size_t n, size_t* keep);
  // IOError for fname if the power is cut, else OK.
  Status PowerCutFault(const std::string& fname);
  void RecordSynced(const std::string& fname, uint64_t size);
  void Injected() { injected_.fetch_add(1); }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n);

  Status NewSequentialFile(const std::string& f,
                           std::unique_ptr<SequentialFile>* r) override;
  Status NewWritableFile(const std::string& f,
                         std::unique_ptr<WritableFile>* r) override;
  Status NewAppendableFile(const std::string& f,
                           std::unique_ptr<WritableFile>* r) override;
  Status RenameFile(const std::string& s, const std::string& t) override;
  Status RemoveFile(const std::string& f) override;
  Status TruncateFile(const std::string& f, uint64_t size) override;
  Status CreateDir(const std::string& d) override;
  Status RemoveDir(const std::string& d) override;
  Status SyncDir(const std::string& d) override;

 private:
  std::unique_ptr<RandomAccessFile> WrapRandomAccessFile(
      const std::string& fname,
      std::unique_ptr<RandomAccessFile> file) override;
  void Set(Rule rule, const std::string& pattern) {
    MutexLock l(&mu_);
    patterns_[rule] = pattern;
  }

  Mutex mu_;
  std::string patterns_[kNumRules] GUARDED_BY(mu_);
  double probability_ GUARDED_BY(mu_) = 1.0;
  Random64 rnd_ GUARDED_BY(mu_){301};
  std::atomic<int64_t> space_left_{0};
  std::atomic<int> injected_{0};
  std::atomic<bool> power_cut_{false};
  // Files written through this Env -> bytes known durable.
  std::map<std::string, uint64_t> synced_ GUARDED_BY(mu_);
};

}  // namespace o3lsm::test

#endif  // O3LSM_TESTS_FAULT_INJECTION_ENV_H_
