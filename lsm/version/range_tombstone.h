// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Range tombstones: what DB::DeleteRange writes. A tombstone (begin, end,
// seq) hides every entry of a user key k with begin <= k < end whose
// sequence is below seq, from every read at a sequence >= seq.
//
// Where they live (docs/manifest_format.md, "Range tombstones"): in the
// WAL with the batch that wrote them (tag 0xF), in memory beside the
// memtables while that WAL is live, then in the MANIFEST, written by the
// version edit that makes their WAL obsolete, until no entry they hide is
// left (the edit that drops them). SST files never hold them: a read
// consults one DB-wide set, not one per file, and compactions drop what
// the persisted ones hide.
//
// RangeTombstoneSet is that set as readers see it: fragmented into
// disjoint key ranges, each with the sequences of the tombstones covering
// it, newest first, so that a lookup is one binary search.
//
// Thread safety: a RangeTombstoneSet is immutable once built; share it
// with std::shared_ptr<const RangeTombstoneSet>.

#ifndef O3LSM_LSM_VERSION_RANGE_TOMBSTONE_H_
#define O3LSM_LSM_VERSION_RANGE_TOMBSTONE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "o3lsm/slice.h"

namespace o3lsm {

struct RangeTombstone {
  std::string begin;  // user key, inclusive
  std::string end;    // user key, exclusive
  SequenceNumber seq = 0;

  // True if [begin, end) shares a user key with [smallest, largest].
  bool Overlaps(const Slice& smallest, const Slice& largest) const {
    return smallest.compare(end) < 0 && largest.compare(begin) >= 0;
  }
};

class RangeTombstoneSet {
 public:
  // REQUIRES: every tombstone has begin < end.
  explicit RangeTombstoneSet(const std::vector<const RangeTombstone*>& all);

  bool empty() const { return fragments_.empty(); }

  // The newest sequence at or below `snapshot` of a tombstone covering
  // user_key, or 0 if none does: an entry of user_key with a sequence
  // below it is deleted as of snapshot.
  SequenceNumber CoveringSequence(const Slice& user_key,
                                  SequenceNumber snapshot) const;

 private:
  struct Fragment {
    std::string begin;  // the fragment is [begin, next fragment's begin)
    std::string end;    // or [begin, end) where no fragment follows at end
    std::vector<SequenceNumber> seqs;  // newest first; empty: a gap
  };
  std::vector<Fragment> fragments_;  // sorted by begin, disjoint
};

using RangeTombstoneSetRef = std::shared_ptr<const RangeTombstoneSet>;

// The set of the persisted tombstones (by sequence, as the MANIFEST holds
// them) and `more` (whose sequences the persisted ones lack); null when
// both are empty.
RangeTombstoneSetRef MakeRangeTombstoneSet(
    const std::map<SequenceNumber, RangeTombstone>& persisted,
    const std::vector<const RangeTombstone*>& more = {});

// Tells key which of its versions the tombstones of set (may be null) hide
// as of key.sequence().
inline void ApplyRangeTombstones(const RangeTombstoneSet* set,
                                 LookupKey* key) {
  if (set != nullptr) {
    key->set_range_deleted_below(
        set->CoveringSequence(key->user_key(), key->sequence()));
  }
}

}  // namespace o3lsm

#endif  // O3LSM_LSM_VERSION_RANGE_TOMBSTONE_H_
