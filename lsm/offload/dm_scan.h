// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Scans over DM segments, read a window of fenced ranges at a time.
//
// FenceRead fetches fenced ranges [first, first + count) of one segment in
// rounds of one-sided reads that a caller may post together with those of
// other segments: one round for a sorted image (the ranges' bytes), two
// for an arena copy (the ranges' order records, then their entries). A
// sorted range is verified by its fence's checksum; an arena copy's
// records by their fence's checksum, and each entry by its record's.
// For a seek, an arena copy's window can start where the target's key hint
// does: of the target's range it reads only the entries from the first
// that can hold the target through the second past it, and the rest of
// the range later, from the records already read and verified.
//
// NewDmSegmentsIterator merges many segments into one iterator. Its seeks
// position every segment at once: the target's window of every segment is
// fetched in the same rounds, so a seek over a hundred segments costs two
// round trips and, for arena copies, a record block and two or three entries
// per segment, not two round trips per segment or their whole ranges. A
// segment whose window runs out waits, ordered by the next key it knows
// (the next range's first key, or the bound its next entry's hint gives),
// and is read only if the merge reaches that key: then its next ranges
// are fetched, twice as many each time (up to
// DmSegment::kMaxReadaheadFences). Backward moves (Prev, SeekToLast,
// SeekForPrev through Seek + Prev) go through per-segment iterators
// (DmSegment::NewBoundedIterator) merged the usual way. Creating the
// iterator reads nothing.
//
// Thread safety: a FenceRead or an iterator is used by one thread at a
// time.

#ifndef O3LSM_LSM_OFFLOAD_DM_SCAN_H_
#define O3LSM_LSM_OFFLOAD_DM_SCAN_H_

#include <memory>
#include <string>
#include <vector>

#include "interconnect/fabric.h"
#include "lsm/offload/dm_segment.h"
#include "o3lsm/iterator.h"

namespace o3lsm {

class FenceRead {
 public:
  // REQUIRES: first + count <= the segment's fences, count > 0; with
  // seek_target (an internal key that fence `first` may hold; the Slice
  // outlives this), count == 1.
  FenceRead(const DmSegment* segment, size_t first, size_t count,
            const Slice* seek_target = nullptr);
  // The rest of arena-copy fence `fence` from entry `from`, whose verified
  // records a FenceRead took earlier (TakeRecords): one round.
  FenceRead(const DmSegment* segment, size_t fence,
            std::vector<OrderRecord> records, uint32_t from);
  FenceRead(const FenceRead&) = delete;
  FenceRead& operator=(const FenceRead&) = delete;

  // Appends the reads of the next round to *reads; false when no round is
  // left. The reads' buffers live in this object.
  bool PlanRound(std::vector<fabric::WorkRequest>* reads);
  // The round planned last finished with status s.
  void RoundDone(const Status& s);
  // Verifies and decodes what was read: appends the entries, in key
  // order, to *entries, pointing into *bytes (which takes the buffer).
  Status Finish(std::unique_ptr<char[]>* bytes,
                std::vector<SegmentEntry>* entries);
  // After Finish, of an arena copy: the first entry of fence `first` not
  // read (its length when all were), and that fence's verified records.
  uint32_t end() const { return end_; }
  std::vector<OrderRecord> TakeRecords() {
    records_.resize(segment_->index().fences()[first_].length);
    return std::move(records_);
  }

 private:
  enum class Stage { kRanges, kOrder, kEntries, kDone };

  const DmSegment* const segment_;
  const size_t first_;
  const size_t count_;
  const Slice* const seek_target_;
  Stage stage_;
  Status status_;
  std::unique_ptr<char[]> bytes_;
  std::string order_;
  // kArenaCopy: whether the entry at records_ index e is read: those of
  // fence first_ in [begin_, end_), and all of the later fences'.
  bool InWindow(size_t e) const;
  // kArenaCopy: bytes_ sized for the window's entries; the next stage
  // reads them, or there is nothing to read.
  void AllocateWindow();

  // kArenaCopy: the verified records of the window's fences, one after
  // another (records_ index e: fence first_'s entry e, then the next
  // fences' in turn), and the entries of fence first_ read, [begin_, end_).
  std::vector<OrderRecord> records_;
  uint32_t begin_ = 0;
  uint32_t end_ = 0;
};

// One iterator over the internal keys of segments (any order), holding
// them so that their DM is not freed while it lives. With bounds (user
// keys; the Slices outlive the iterator; nullptr: unbounded) it reads no
// fenced range wholly outside [lower_bound, upper_bound): moving forward
// it ends before a range whose first key is at or past upper_bound,
// moving backward after the last range that reaches lower_bound, and
// SeekToLast starts just before upper_bound.
Iterator* NewDmSegmentsIterator(std::vector<DmSegmentRef> segments,
                                const Slice* lower_bound = nullptr,
                                const Slice* upper_bound = nullptr);

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_DM_SCAN_H_
