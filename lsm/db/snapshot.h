// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SnapshotList tracks the live snapshots of a DB, so that flushes and
// compactions keep every version some snapshot can still read.
//
// Thread safety: guarded by the DB mutex.

#ifndef O3LSM_LSM_DB_SNAPSHOT_H_
#define O3LSM_LSM_DB_SNAPSHOT_H_

#include <map>

#include "lsm/dbformat.h"
#include "o3lsm/db.h"

namespace o3lsm {

class SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(SequenceNumber seq) : sequence_(seq) {}
  SequenceNumber sequence() const { return sequence_; }

 private:
  const SequenceNumber sequence_;
};

class SnapshotList {
 public:
  SnapshotList() = default;
  SnapshotList(const SnapshotList&) = delete;
  SnapshotList& operator=(const SnapshotList&) = delete;
  ~SnapshotList() {
    for (auto& [seq, s] : snapshots_) delete s;
  }

  const SnapshotImpl* New(SequenceNumber seq) {
    auto* s = new SnapshotImpl(seq);
    snapshots_.emplace(seq, s);
    return s;
  }

  // REQUIRES: s came from New and was not deleted yet.
  void Delete(const SnapshotImpl* s) {
    auto range = snapshots_.equal_range(s->sequence());
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second == s) {
        delete it->second;
        snapshots_.erase(it);
        return;
      }
    }
  }

  bool empty() const { return snapshots_.empty(); }
  size_t size() const { return snapshots_.size(); }
  // REQUIRES: !empty()
  SequenceNumber oldest() const { return snapshots_.begin()->first; }

 private:
  std::multimap<SequenceNumber, SnapshotImpl*> snapshots_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_SNAPSHOT_H_
