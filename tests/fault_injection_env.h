// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// FaultInjectionEnv wraps an Env and injects file-system faults into the
// files whose names contain a given pattern (".log", ".sst", "MANIFEST",
// "CURRENT"...):
//   - appends fail (IOError), or fail with NoSpace once a byte budget is
//     spent (disk full);
//   - syncs fail;
//   - reads come back short (fewer bytes than asked, not at end of file);
//   - reads fail.
// It can also simulate a power cut: DropUnsyncedData() truncates every file
// written through it back to its last successful Sync.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_TESTS_FAULT_INJECTION_ENV_H_
#define O3LSM_TESTS_FAULT_INJECTION_ENV_H_

#include <atomic>
#include <map>
#include <string>

#include "o3lsm/env.h"
#include "util/mutex.h"

namespace o3lsm::test {

class FaultInjectionEnv : public EnvWrapper {
 public:
  explicit FaultInjectionEnv(Env* base = Env::Default()) : EnvWrapper(base) {}

  enum Rule { kFailWrites, kFailSyncs, kShortReads, kFailReads, kDiskFull,
              kNumRules };

  // Each fault applies to files whose name contains pattern; "" = none.
  void FailWrites(const std::string& pattern) { Set(kFailWrites, pattern); }
  void FailSyncs(const std::string& pattern) { Set(kFailSyncs, pattern); }
  void ShortReads(const std::string& pattern) { Set(kShortReads, pattern); }
  void FailReads(const std::string& pattern) { Set(kFailReads, pattern); }
  // Appends to matching files fail with NoSpace after `bytes` more bytes.
  void DiskFullAfter(const std::string& pattern, int64_t bytes) {
    space_left_.store(bytes);
    Set(kDiskFull, pattern);
  }
  void ClearFaults();

  // Truncates every file created through this Env to its synced length.
  Status DropUnsyncedData();

  // Counters of injected faults.
  int injected() const { return injected_.load(); }

  // ---- internal, used by the file wrappers ----
  bool Matches(const std::string& fname, Rule rule);
  Status AppendFault(const std::string& fname, size_t n);
  void RecordSynced(const std::string& fname, uint64_t size);
  void Injected() { injected_.fetch_add(1); }

  Status NewSequentialFile(const std::string& f,
                           std::unique_ptr<SequentialFile>* r) override;
  Status NewRandomAccessFile(const std::string& f,
                             std::unique_ptr<RandomAccessFile>* r) override;
  Status NewWritableFile(const std::string& f,
                         std::unique_ptr<WritableFile>* r) override;
  Status NewAppendableFile(const std::string& f,
                           std::unique_ptr<WritableFile>* r) override;
  Status RenameFile(const std::string& s, const std::string& t) override;
  Status RemoveFile(const std::string& f) override;

 private:
  void Set(Rule rule, const std::string& pattern) {
    MutexLock l(&mu_);
    patterns_[rule] = pattern;
  }

  Mutex mu_;
  std::string patterns_[kNumRules] GUARDED_BY(mu_);
  std::atomic<int64_t> space_left_{0};
  std::atomic<int> injected_{0};
  // Files written through this Env -> bytes known durable.
  std::map<std::string, uint64_t> synced_ GUARDED_BY(mu_);
};

}  // namespace o3lsm::test

#endif  // O3LSM_TESTS_FAULT_INJECTION_ENV_H_
