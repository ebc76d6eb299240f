// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DmSegment is a sealed memtable that lives in disaggregated memory. The
// compute node creates it by moving a sealed MemTable (one bulk write of a
// segment: header, image, keys), then drops its local copy: the write buffer
// grows into DM while local memory stays within its budget.
//
// Reads from the compute node:
//   Get          checks the local bloom filter, finds the fence, and fetches
//                the fenced range (two ranges when a key's versions straddle
//                a fence) with one-sided reads: one round trip for a sorted
//                image; two for an arena copy (the range's order records,
//                then its entries in one batch);
//   NewIterator  reads the segment a few fenced ranges at a time: a seek
//                fetches the range holding its target (one round trip for
//                a sorted image, two for an arena copy), and moving on
//                fetches the next ranges, twice as many each time (up to
//                kMaxReadaheadFences), so that a seek reads a few KiB and a
//                long scan makes few round trips. Each range is verified
//                by its checksum;
//   NewFullScanIterator  reads the whole image back with one bulk read,
//                verifies it, and iterates the local copy (a flush).
// The segment frees its DM allocation when the last holder lets it go; the
// database holds it from the move until its flush is installed, readers
// hold it through their SuperVersion, so nobody reads freed DM.
//
// DmContext is a compute node's handle on its pool: the Fabric, its
// allocator incarnation, and counters. It frees segments: at once, or, on a
// thread that holds the DB mutex (the last reference of a segment often
// goes when a flush installs), on its own freeing thread, so that no round
// trip runs under that mutex (util/mutex.h).
//
// Thread safety: all const methods may be called concurrently.

#ifndef O3LSM_LSM_OFFLOAD_DM_SEGMENT_H_
#define O3LSM_LSM_OFFLOAD_DM_SEGMENT_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "o3lsm/statistics.h"

#include "interconnect/dm_allocator.h"
#include "interconnect/fabric.h"
#include "lsm/memtable/memtable.h"
#include "lsm/memtable/memtable_reader.h"
#include "lsm/offload/search_protocol.h"
#include "lsm/offload/segment_format.h"
#include "lsm/offload/segment_image.h"
#include "util/mutex.h"

namespace o3lsm {

struct DmCounters {
  std::atomic<uint64_t> segments_moved{0};
  std::atomic<uint64_t> bytes_moved{0};      // CN -> DM segment writes
  std::atomic<uint64_t> segments_freed{0};
  std::atomic<uint64_t> remote_gets{0};      // one-sided lookups
  std::atomic<uint64_t> remote_get_bytes{0};
  std::atomic<uint64_t> bytes_read_back{0};  // whole-image reads
  std::atomic<uint64_t> live_segments{0};
  // DM held by live segments, allocator rounding included.
  std::atomic<uint64_t> live_bytes{0};
  std::atomic<uint64_t> move_micros{0};      // building + writing images
};

class DmContext {
 public:
  // Takes ownership of fabric and allocator. REQUIRES: allocator was opened
  // on fabric.
  DmContext(std::unique_ptr<fabric::Fabric> fabric,
            std::unique_ptr<fabric::DmAllocator> allocator)
      : fabric_(std::move(fabric)), allocator_(std::move(allocator)) {}
  DmContext(const DmContext&) = delete;
  DmContext& operator=(const DmContext&) = delete;
  ~DmContext();

  fabric::Fabric* fabric() const { return fabric_.get(); }
  fabric::DmAllocator* allocator() const { return allocator_.get(); }
  DmCounters& counters() { return counters_; }
  const DmCounters& counters() const { return counters_; }
  // Where the counters above are also counted (Options::statistics), or
  // null. Set once, before any segment is made.
  void set_statistics(std::shared_ptr<Statistics> statistics) {
    statistics_ = std::move(statistics);
  }
  Statistics* statistics() const { return statistics_.get(); }

  // Set once the memory node is found gone: no further DM verbs are tried.
  bool available() const { return available_.load(std::memory_order_acquire); }
  void MarkUnavailable() { available_.store(false, std::memory_order_release); }

  uint64_t NewSegmentId() { return next_segment_id_.fetch_add(1) + 1; }

  // Frees a segment's allocation (nothing once the pool is unavailable):
  // now, or on the freeing thread where this thread may make no round trip.
  void FreeSegment(fabric::DmAddr addr);
  // Waits until every queued free is done.
  void DrainFrees();

 private:
  void FreeLoop();
  void FreeNow(fabric::DmAddr addr);

  Mutex free_mu_;
  CondVar free_cv_{&free_mu_};
  std::vector<fabric::DmAddr> to_free_ GUARDED_BY(free_mu_);
  int freeing_ GUARDED_BY(free_mu_) = 0;  // taken off to_free_, not done
  bool stop_freeing_ GUARDED_BY(free_mu_) = false;
  std::thread freer_;  // started by the first deferred free

  std::unique_ptr<fabric::Fabric> fabric_;
  std::unique_ptr<fabric::DmAllocator> allocator_;
  DmCounters counters_;
  std::shared_ptr<Statistics> statistics_;
  std::atomic<bool> available_{true};
  std::atomic<uint64_t> next_segment_id_{0};
};

// Where a segment sits, as a job payload names it.
struct SegmentLocation {
  fabric::DmAddr addr;
  uint64_t length = 0;  // header + image + keys
};

// Reads and validates a whole segment (header, image checksum, keys) from
// DM into local memory. What a worker does before flushing it.
Status ReadSegment(fabric::Fabric* fabric, const SegmentLocation& where,
                   SegmentHeader* header, std::shared_ptr<char[]>* bytes);

class DmSegment final : public MemTableReader,
                        public std::enable_shared_from_this<DmSegment> {
 public:
  struct Placement {
    uint32_t shard = 0;
    uint64_t router_generation = 0;
  };

  struct Format {
    int bloom_bits_per_key = 10;  // of the compute node's index; 0: none
    SegmentLayout layout = SegmentLayout::kArenaCopy;
  };

  // Moves the sealed memtable mem into DM. NoSpace when the pool has no
  // room (the caller keeps the memtable local and retries later);
  // Unavailable/TimedOut when the memory node does not answer.
  static Status Create(std::shared_ptr<DmContext> ctx, MemTable* mem,
                       const Placement& placement, const Format& format,
                       std::shared_ptr<DmSegment>* segment);

  ~DmSegment() override;
  DmSegment(const DmSegment&) = delete;
  DmSegment& operator=(const DmSegment&) = delete;

  bool Get(const LookupKey& key, std::string* value,
           Status* s) const override;
  bool MayContain(const Slice& user_key) const override {
    return index_.KeyMayMatch(user_key);
  }
  // Get for a key MayContain passed: the one-sided search.
  bool GetUnfiltered(const LookupKey& key, std::string* value,
                     Status* s) const;

  // ---- Delegated search (search_protocol.h) ----
  // What the memory node must search here for key: false if the index
  // shows the segment has no version of it (no fence can hold it).
  bool SearchTargetFor(const LookupKey& key, SearchTarget* target) const;
  // Finishes a delegated answer that points at an entry here (a value too
  // big for the reply, or a cached offset): reads the entry with one
  // one-sided read, verifies it by the checksum given, and decides key as
  // Get would. Corruption if the bytes do not match.
  bool ReadEntry(uint32_t offset, uint32_t length, uint32_t checksum,
                 const LookupKey& key, std::string* value, Status* s) const;
  // Two round trips for all the keys with an arena copy, one with a sorted
  // image, whatever their number; NewBatchLookup lets a caller overlap the
  // round trips of many segments.
  void MultiGet(const std::vector<const LookupKey*>& keys,
                std::vector<std::string>* values,
                std::vector<Status>* statuses,
                std::vector<char>* decided) const override;
  std::unique_ptr<MemTableBatchLookup> NewBatchLookup(
      const std::vector<const LookupKey*>& keys,
      std::vector<char> skip) override;

  // For DmBatchLookup.
  fabric::Fabric* fabric() const { return ctx_->fabric(); }
  fabric::DmAddr ImageAddr(uint64_t offset) const {
    return addr_ + SegmentHeader::kEncodedLength + offset;
  }
  fabric::DmAddr OrderAddr(uint32_t entry) const {
    return addr_ + header_.order_offset() + uint64_t{entry} * kOrderRecordSize;
  }
  void CountRemoteGets(uint64_t n) const {
    ctx_->counters().remote_gets.fetch_add(n, std::memory_order_relaxed);
    if (Statistics* st = ctx_->statistics()) {
      st->recordTick(kDmOneSidedReads, n);
    }
  }
  void CountRemoteGetBytes(uint64_t n) const {
    ctx_->counters().remote_get_bytes.fetch_add(n, std::memory_order_relaxed);
    if (Statistics* st = ctx_->statistics()) st->recordTick(kDmBytesRead, n);
  }
  void CountReadBack(uint64_t n) const {
    ctx_->counters().bytes_read_back.fetch_add(n, std::memory_order_relaxed);
    if (Statistics* st = ctx_->statistics()) st->recordTick(kDmBytesRead, n);
  }
  Iterator* NewIterator() override;
  // An iterator that reads no fenced range wholly outside [lower_bound,
  // upper_bound) (user keys; nullptr: unbounded; the Slices outlive it):
  // moving forward it ends before a range that starts at or past upper,
  // moving backward after the last range that reaches lower, and
  // SeekToLast starts just before upper. Entries outside the bounds inside
  // a range it reads are still returned (DBIter stops at them).
  Iterator* NewBoundedIterator(const Slice* lower_bound,
                               const Slice* upper_bound);
  Iterator* NewFullScanIterator() override;

  // How many of fences [first, first + count) start before upper_bound (a
  // user key; nullptr: unbounded): the part of that window a scan bounded
  // by it reads; 0 if fence `first` starts at or past it.
  size_t FencesBefore(const Slice* upper_bound, size_t first,
                      size_t count) const;

  // Fenced ranges an iterator fetches at most per round trip.
  static constexpr size_t kMaxReadaheadFences = 64;

  // Reads fences [first, first + count) and appends their entries to
  // *entries; *bytes holds what they point into. For DmSegmentIterator.
  Status ReadFences(size_t first, size_t count,
                    std::unique_ptr<char[]>* bytes,
                    std::vector<SegmentEntry>* entries) const;
  const SegmentIndex& index() const { return index_; }

  SegmentLocation location() const { return {addr_, header_.total_length()}; }
  const SegmentHeader& header() const { return header_; }
  const std::string& smallest_user_key() const { return smallest_; }
  const std::string& largest_user_key() const { return largest_; }
  // Local memory the compute node spends on this segment (its index).
  size_t LocalMemoryUsage() const { return index_.MemoryUsage(); }

 private:
  DmSegment(std::shared_ptr<DmContext> ctx, fabric::DmAddr addr,
            SegmentHeader header, SegmentIndex index, std::string smallest,
            std::string largest);

  // Get's two ways, by layout: fence i, and i + 1 too if with_next.
  bool GetFromRange(int i, bool with_next, const LookupKey& key,
                    std::string* value, Status* s) const;
  bool GetFromEntries(int i, bool with_next, const LookupKey& key,
                      std::string* value, Status* s) const;

  const std::shared_ptr<DmContext> ctx_;
  const fabric::DmAddr addr_;
  const SegmentHeader header_;
  const SegmentIndex index_;
  const std::string smallest_;
  const std::string largest_;
};

using DmSegmentRef = std::shared_ptr<DmSegment>;

// DM segments a pool holds, per owner node.
struct HeldSegments {
  uint64_t count = 0;
  uint64_t bytes = 0;  // their lengths (header, image, keys)
};

// Finds the DM segments alive in fabric's pool, by the node that allocated
// them: the allocator's runs (allocations of more than an eighth of a
// chunk) that begin with a segment header whose checksum verifies. A
// segment small enough to live in a slab is not counted. One scan of the
// chunk table and one read of each run's header, batched.
[[nodiscard]] Status CountHeldSegments(fabric::Fabric* fabric,
                                       fabric::DmAllocator* allocator,
                                       std::map<uint16_t, HeldSegments>* held);

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_DM_SEGMENT_H_
