// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SeekSampler charges iterator seeks to what they pass through:
//   - to the files of the version, for read-triggered compaction
//     (Options::seek_compaction_bytes_per_seek; the charging itself is
//     Version::ChargeSeek), when the version holds two or more sorted runs;
//   - to the active memtables, for read-triggered flushes, when they hold
//     at least min_memtable_bytes: a memtable that seeks keep positioning
//     while no write makes it grow is better flushed (MemTable::ChargeSeeks
//     prices it in the same bytes per seek).
// A DBIter reports each Seek and SeekForPrev target here. Each thread
// charges one seek in kPeriod, for kPeriod seeks, so that readers rarely
// touch the shared budgets.
//
// Thread safety: Sample may be called concurrently from any thread, with
// no lock held.

#ifndef O3LSM_LSM_DB_SEEK_SAMPLER_H_
#define O3LSM_LSM_DB_SEEK_SAMPLER_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "lsm/memtable/memtable.h"
#include "lsm/version/version.h"

namespace o3lsm {

struct SeekSampling;

class SeekSampler {
 public:
  // Called on the reading thread, once per file, when a charge uses up the
  // file's seek budget.
  using FileBudgetSpent = std::function<void(FileRef file, int level)>;
  // Called on the reading thread when a charge uses up a memtable's seek
  // budget (again each further budget, while it stays active).
  using MemTableBudgetSpent = std::function<void(const MemTableRef& mem)>;

  static constexpr int64_t kPeriod = 16;

  // on_mem_spent may be empty: memtables are then not charged.
  SeekSampler(uint64_t bytes_per_seek, FileBudgetSpent on_file_spent,
              size_t min_memtable_bytes, MemTableBudgetSpent on_mem_spent)
      : bytes_per_seek_(bytes_per_seek),
        min_memtable_bytes_(min_memtable_bytes),
        on_file_spent_(std::move(on_file_spent)),
        on_mem_spent_(std::move(on_mem_spent)) {}

  bool charges_memtables() const { return on_mem_spent_ != nullptr; }

  void Sample(const SeekSampling& sampling, const Slice& user_key) const;

 private:
  const uint64_t bytes_per_seek_;
  const size_t min_memtable_bytes_;
  const FileBudgetSpent on_file_spent_;
  const MemTableBudgetSpent on_mem_spent_;
};

// What a DBIter needs to report its seeks: the sampler (nullptr: none),
// the version its internal iterator reads (nullptr: not charged) and the
// active memtables it reads (nullptr: not charged). Both are pinned by the
// iterator's owner.
struct SeekSampling {
  const SeekSampler* sampler = nullptr;
  const Version* version = nullptr;
  const std::vector<MemTableRef>* mems = nullptr;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_SEEK_SAMPLER_H_
