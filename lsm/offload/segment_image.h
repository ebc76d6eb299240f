// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A segment image is what a sealed memtable becomes in disaggregated memory:
// the same relocatable, offset-linked skiplist format as a memtable arena
// (skiplist.h), rewritten at seal time so that
//   - nodes lie in key order, contiguously, and
//   - node heights follow a fixed pattern (every 4^k-th node is k+1 high),
//     which makes it a perfect skiplist, searchable in place by the memory
//     node with the ordinary SkipList code, with no random heights.
// Because nodes are in key order, the entries between two "fences" (every
// kFenceInterval-th entry) form one contiguous byte range. The compute node
// keeps a compact SegmentIndex — a bloom filter over the user keys and the
// fence keys with their byte ranges and checksums — so a point lookup of a
// segment in DM costs one one-sided read of one range.
//
// Why rewrite at seal time (on the compute node) rather than copy the arena
// as it is: in an insertion-ordered arena the entries near a key are
// scattered, and a remote lookup would follow one link per read. The rewrite
// is one sequential pass over the memtable, cheaper than the flush it
// replaces on the compute node (see docs/offload.md for the measurement).
//
// Thread safety: BuildSegmentImage reads a sealed (immutable) memtable; the
// results are values. SegmentIndex's const methods may be called
// concurrently.

#ifndef O3LSM_LSM_OFFLOAD_SEGMENT_IMAGE_H_
#define O3LSM_LSM_OFFLOAD_SEGMENT_IMAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/memtable/memtable.h"
#include "lsm/table/bloom.h"
#include "o3lsm/status.h"

namespace o3lsm {

// The compute node's index of one segment image.
class SegmentIndex {
 public:
  struct Fence {
    std::string first_key;  // internal key of the first entry of the range
    uint32_t offset;        // image offset where the range starts
    uint32_t length;        // bytes of the range
    uint32_t first_node;    // image offset of its first node (level-0 link)
    uint32_t checksum;      // Checksum32 of the range's bytes
  };

  SegmentIndex() = default;

  // The fence whose range can hold internal_key's versions: the last fence
  // whose first key is <= internal_key (or fence 0). -1 if there is none.
  int FindFence(const Slice& internal_key) const;

  bool KeyMayMatch(const Slice& user_key) const {
    return filter_.KeyMayMatch(user_key);
  }

  const std::vector<Fence>& fences() const { return fences_; }
  // Bytes of local memory this index holds.
  size_t MemoryUsage() const;

 private:
  friend class SegmentImageBuilder;

  std::vector<Fence> fences_;
  std::string filter_data_;
  BloomFilterReader filter_;
};

struct SegmentImage {
  std::unique_ptr<char[]> data;  // the image: a SkipList region
  size_t size = 0;
  uint64_t checksum = 0;  // Checksum64 of the whole image
  SegmentIndex index;
  uint64_t entries = 0;
  std::string smallest_user_key;
  std::string largest_user_key;
  SequenceNumber smallest_seq = kMaxSequenceNumber;
  SequenceNumber largest_seq = 0;
};

// Entries per fenced range: a lookup reads about this many entries.
inline constexpr uint32_t kFenceInterval = 16;

// Height of the i-th node (0-based) of an image's perfect 4-ary skiplist:
// one more level for every factor 4 in i + 1.
int PerfectHeight(uint64_t i);

// Rewrites the sealed memtable mem into *image. bloom_bits_per_key sizes the
// index's bloom filter (0: no filter). Fails with Corruption if mem's own
// image is damaged, or InvalidArgument if it holds no entry.
Status BuildSegmentImage(MemTable* mem, int bloom_bits_per_key,
                         SegmentImage* image);

enum class RangeLookup {
  kDecided,    // *value/*s hold the answer (value, deletion or Corruption)
  kAbsent,     // the segment has no version of the key visible to lkey
  kPastRange,  // every entry of the range sorts before lkey: the answer, if
               // any, is the next range's first entry
};

// Looks internal key lkey up in one fenced range of a segment, fetched into
// [range, range + fence.length). Verifies the range's checksum first; a
// mismatch or a malformed range gives kDecided with Corruption.
RangeLookup GetFromFencedRange(const SegmentIndex::Fence& fence,
                               const char* range, const LookupKey& lkey,
                               std::string* value, Status* s);

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SEGMENT_IMAGE_H_
