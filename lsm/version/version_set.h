// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// VersionSet owns the sequence of Versions of one database and the MANIFEST
// that persists them: every change to the set of SST files is a VersionEdit
// appended (and synced) to the MANIFEST before the new Version is installed.
// Recovery replays the MANIFEST named by CURRENT. It also hands out file
// numbers and tracks the last sequence number.
//
// Obsolete files: each FileMetaData is shared by the versions that list it;
// when the last one lets go, its number is reported to ObsoleteFiles and the
// DB deletes the file at its next clean-up.
//
// Thread safety: methods documented "REQUIRES: mu held" are called with the
// DB mutex; LogAndApply releases it while writing the MANIFEST and
// serializes concurrent callers. current() may be called with mu held.

#ifndef O3LSM_LSM_VERSION_VERSION_SET_H_
#define O3LSM_LSM_VERSION_VERSION_SET_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lsm/version/version.h"
#include "lsm/version/version_edit.h"
#include "lsm/wal/log_writer.h"
#include "o3lsm/env.h"
#include "o3lsm/options.h"
#include "util/mutex.h"

namespace o3lsm {

// File numbers whose last reference went away. Thread-safe.
class ObsoleteFiles {
 public:
  void Add(uint64_t number) {
    MutexLock l(&mu_);
    numbers_.push_back(number);
  }
  std::vector<uint64_t> Take() {
    MutexLock l(&mu_);
    std::vector<uint64_t> r;
    r.swap(numbers_);
    return r;
  }

 private:
  Mutex mu_;
  std::vector<uint64_t> numbers_ GUARDED_BY(mu_);
};

class VersionSet {
 public:
  // REQUIRES: options and its env outlive the VersionSet.
  VersionSet(std::string dbname, const Options* options,
             std::shared_ptr<ObsoleteFiles> obsolete);
  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;
  ~VersionSet();

  // Creates the first MANIFEST and CURRENT of a new database.
  Status CreateNew();

  // Loads the state recorded by CURRENT and the MANIFEST. Damage is
  // reported as Corruption naming the file and offset; a torn last record
  // (a crash while appending) is ignored.
  Status Recover();

  // Applies edit to the current version, appends it to the MANIFEST (a new
  // MANIFEST on the first call after Recover and when the old one is large),
  // syncs, and installs the result. Fills in the edit's next file number and
  // last sequence; a missing log number keeps the current one.
  // REQUIRES: *mu held; released while writing.
  Status LogAndApply(VersionEdit* edit, Mutex* mu);

  // A FileRef for f that reports f.number to ObsoleteFiles when released.
  FileRef MakeFileRef(const FileMetaData& f) const;

  VersionRef current() const { return current_; }

  uint64_t NewFileNumber() { return next_file_number_.fetch_add(1); }
  // n consecutive numbers; returns the first.
  uint64_t NewFileNumbers(uint64_t n) { return next_file_number_.fetch_add(n); }
  // Makes sure number will not be handed out again.
  void MarkFileNumberUsed(uint64_t number);
  uint64_t next_file_number() const { return next_file_number_.load(); }
  // The next file number the MANIFEST records: a reopen hands out no
  // number below it. REQUIRES: the DB mutex.
  uint64_t durable_next_file_number() const { return durable_next_file_; }
  uint64_t manifest_file_number() const { return manifest_file_number_; }
  // The oldest MANIFEST that CURRENT may name: older ones are obsolete.
  uint64_t live_manifest_number() const { return live_manifest_number_; }
  uint64_t manifest_file_size() const;

  // The oldest WAL still needed: WALs numbered below it are obsolete.
  uint64_t log_number() const { return log_number_; }

  SequenceNumber LastSequence() const {
    return last_sequence_.load(std::memory_order_acquire);
  }
  void SetLastSequence(SequenceNumber s) {
    last_sequence_.store(s, std::memory_order_release);
  }

  // Per-level round-robin position of the compaction picker.
  // REQUIRES: mu held.
  std::string& compact_pointer(int level) { return compact_pointer_[level]; }

  // Adds the numbers of the files in the current version to *live.
  void AddLiveFiles(std::set<uint64_t>* live) const;

  // The range tombstones the MANIFEST holds, by sequence.
  // REQUIRES: mu held (as for LogAndApply).
  const std::map<SequenceNumber, RangeTombstone>& range_tombstones() const {
    return range_tombstones_;
  }

 private:
  class Builder;

  static std::vector<FileRef>* MutableFiles(Version* v, int level) {
    return &v->files_[level];
  }

  // Writes the current state as one edit into a new MANIFEST.
  Status WriteSnapshot(log::Writer* log);

  const std::string dbname_;
  const Options* const options_;
  Env* const env_;
  std::shared_ptr<ObsoleteFiles> obsolete_;

  std::atomic<uint64_t> next_file_number_{2};
  uint64_t durable_next_file_ = 0;  // as of the last MANIFEST record
  uint64_t manifest_file_number_ = 0;
  uint64_t live_manifest_number_ = 0;
  uint64_t log_number_ = 0;
  std::atomic<SequenceNumber> last_sequence_{0};
  std::map<SequenceNumber, RangeTombstone> range_tombstones_;
  std::vector<std::string> compact_pointer_;

  std::unique_ptr<log::Writer> descriptor_log_;
  VersionRef current_;

  // LogAndApply callers queue here; guarded by the DB mutex.
  bool manifest_busy_ = false;
  Status manifest_error_;  // the first failed MANIFEST write; sticky
  std::unique_ptr<CondVar> manifest_cv_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_VERSION_VERSION_SET_H_
