// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SeekSampler charges iterator seeks to the files they pass through, for
// read-triggered compaction (Options::seek_compaction_bytes_per_seek; the
// charging itself is Version::ChargeSeek). A DBIter made over a version of
// two or more sorted runs reports each Seek and SeekForPrev target here.
// Each thread charges one seek in kPeriod, for kPeriod seeks, so that
// readers rarely touch the shared budgets.
//
// Thread safety: Sample may be called concurrently from any thread, with
// no lock held.

#ifndef O3LSM_LSM_DB_SEEK_SAMPLER_H_
#define O3LSM_LSM_DB_SEEK_SAMPLER_H_

#include <cstdint>
#include <functional>
#include <utility>

#include "lsm/version/version.h"

namespace o3lsm {

class SeekSampler {
 public:
  // Called on the reading thread, once per file, when a charge uses up the
  // file's seek budget.
  using BudgetSpent = std::function<void(FileRef file, int level)>;

  static constexpr int64_t kPeriod = 16;

  explicit SeekSampler(BudgetSpent on_spent) : on_spent_(std::move(on_spent)) {}

  void Sample(const Version& v, const Slice& user_key) const;

 private:
  const BudgetSpent on_spent_;
};

// What a DBIter needs to report its seeks: the sampler (nullptr: none) and
// the version its internal iterator reads (pinned by the iterator's owner).
struct SeekSampling {
  const SeekSampler* sampler = nullptr;
  const Version* version = nullptr;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_SEEK_SAMPLER_H_
