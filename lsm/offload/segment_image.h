// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A segment image is what a sealed memtable becomes in disaggregated memory:
// a relocatable, offset-linked skiplist region (skiplist.h), searchable in
// place by the memory node with the ordinary SkipList code. Two layouts
// (SegmentLayout, persisted in the segment header):
//
//   kArenaCopy (the default)  the memtable's arena bytes as they are, [0,
//       used): the move is one bulk copy, with no rewrite on the compute
//       node. Nodes lie in insertion order, so the entries near a key are
//       scattered; the build adds an order block (one 8-byte record per
//       entry in key order: its image offset and length), written to DM
//       after the image. A compute-node lookup reads the fence's records
//       (one read) and then the fence's entries (one batch of reads).
//   kSortedImage  a perfect skiplist rebuilt in key order (nodes
//       contiguous, every 4^k-th node k+1 high): one sequential pass that
//       copies every byte, after which a fenced range is one contiguous
//       byte range and a lookup is one read.
//
// Either way the compute node keeps a compact SegmentIndex: a bloom filter
// over the user keys, and a fence every kFenceInterval entries (its first
// key, where its range lies, and a checksum of its bytes). The choice
// between the layouts is measured in docs/benchmarks.md.
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
#include "lsm/offload/segment_format.h"
#include "lsm/table/bloom.h"
#include "util/checksum.h"
#include "o3lsm/status.h"

namespace o3lsm {

// The compute node's index of one segment image.
class SegmentIndex {
 public:
  // One fenced range: kFenceInterval entries (fewer in the last range).
  struct Fence {
    std::string first_key;  // internal key of the first entry of the range
    // kSortedImage: the image offset where the range starts and its bytes.
    // kArenaCopy: the index of the range's first entry in the order block
    // and its number of entries.
    uint32_t offset;
    uint32_t length;
    uint32_t first_node;  // kSortedImage: image offset of its first node
    // kSortedImage: Checksum32 of the range's bytes, seeded with offset.
    // kArenaCopy: EntriesChecksum of its entries, in key order.
    uint32_t checksum;
  };

  SegmentIndex() = default;

  // The fence whose range can hold internal_key's versions: the last fence
  // whose first key is <= internal_key (or fence 0). -1 if there is none.
  int FindFence(const Slice& internal_key) const;

  bool KeyMayMatch(const Slice& user_key) const {
    return filter_.KeyMayMatch(user_key);
  }

  const std::vector<Fence>& fences() const { return fences_; }
  SegmentLayout layout() const { return layout_; }
  // Bytes of local memory this index holds.
  size_t MemoryUsage() const;

 private:
  friend class SegmentImageBuilder;

  // The first 8 bytes of a user key, big-endian, zero-padded: keys whose
  // prefixes differ compare as their prefixes do (bytewise order).
  static uint64_t KeyPrefix(const Slice& user_key);

  SegmentLayout layout_ = SegmentLayout::kSortedImage;
  std::vector<Fence> fences_;
  // KeyPrefix of each fence's first user key, side by side: FindFence's
  // search reads these, and a fence's key only where prefixes tie.
  std::vector<uint64_t> fence_prefixes_;
  std::string filter_data_;
  BloomFilterReader filter_;
};

struct SegmentImage {
  SegmentLayout layout = SegmentLayout::kSortedImage;
  // The image, a SkipList region [bytes, bytes + size): the memtable's own
  // arena (kArenaCopy; valid while the memtable lives) or data.
  const char* bytes = nullptr;
  std::unique_ptr<char[]> data;  // kSortedImage: the rebuilt image
  size_t size = 0;
  uint64_t checksum = 0;  // Checksum64 of the whole image
  std::string order;      // kArenaCopy: the order block
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

// Makes the image of the sealed memtable mem in the given layout, with its
// index (and order block). bloom_bits_per_key sizes the index's bloom filter
// (0: no filter). Fails with Corruption if mem's own image is damaged, or
// InvalidArgument if it holds no entry.
Status BuildSegmentImage(MemTable* mem, SegmentLayout layout,
                         int bloom_bits_per_key, SegmentImage* image);

// The checksum a kArenaCopy fence holds: the fence's entries, in key order,
// the first seeded with the fence's first entry index.
class EntriesChecksum {
 public:
  explicit EntriesChecksum(uint32_t first_entry) : h_(first_entry) {}
  void Add(const char* entry, size_t n);
  uint32_t Finish() const { return FoldChecksum(h_); }

 private:
  uint64_t h_;
};

// Bytes of one link of an image's skiplist node; a node's entry starts
// after its level-0 link.
inline constexpr uint32_t kImageLinkSize = 4;

// Decodes the image entry at p: varint32 internal key length, internal
// key, varint32 value length, value, all before limit. Returns the end of
// the entry, or nullptr if it is malformed.
const char* DecodeSegmentEntry(const char* p, const char* limit, Slice* ikey,
                               Slice* value);

// One decoded record of a kArenaCopy order block.
struct OrderRecord {
  uint32_t offset;  // image offset of the entry (its key length varint)
  uint32_t length;  // bytes of the entry
};

// Decodes the order record at [order, order + kOrderRecordSize) and checks
// that its entry lies within an image of image_length bytes. Corruption
// naming the record otherwise.
Status DecodeOrderRecord(const char* order, uint64_t image_length,
                         OrderRecord* record);

enum class RangeLookup {
  kDecided,    // *value/*s hold the answer (value, deletion or Corruption)
  kAbsent,     // the segment has no version of the key visible to lkey
  kPastRange,  // every entry of the range sorts before lkey: the answer, if
               // any, is the next range's first entry
};

// Where the entry that decided a range lookup lies (RangeLookup::kDecided
// with a value or a deletion): what a memory node's delegated search
// answers besides the value.
struct RangeHit {
  // kSortedImage: the image offset of the entry's node. kArenaCopy: the
  // entry's index in the range (0 .. fence.length).
  uint32_t at = 0;
  SequenceNumber sequence = 0;
};

// Looks internal key lkey up in one fenced range of a kSortedImage
// segment, fetched into [range, range + fence.length). Verifies the range's
// checksum first; a mismatch or a malformed range gives kDecided with
// Corruption. *hit (may be null) says where a value or deletion lies.
RangeLookup GetFromFencedRange(const SegmentIndex::Fence& fence,
                               const char* range, const LookupKey& lkey,
                               std::string* value, Status* s,
                               RangeHit* hit = nullptr);

// The same for one fenced range of a kArenaCopy segment: its fence.length
// entries, fetched one after another into [entries, entries + length), as
// its order records lens[0 .. fence.length) give their lengths.
RangeLookup GetFromFencedEntries(const SegmentIndex::Fence& fence,
                                 const char* entries, const uint32_t* lens,
                                 const LookupKey& lkey, std::string* value,
                                 Status* s, RangeHit* hit = nullptr);

// One entry of a fenced range, pointing into the bytes it was decoded from.
struct SegmentEntry {
  Slice internal_key;
  Slice value;
};

// Verifies a fenced range by its checksum and appends its entries, in key
// order, to *out (what an iterator over DM reads a range at a time).
// kSortedImage: range holds the range's bytes (fence.length of them).
// kArenaCopy: entries holds its fence.length entries one after another,
// entry k being lens[k] bytes. Corruption naming the range if damaged.
Status DecodeFencedRange(const SegmentIndex::Fence& fence, const char* range,
                         std::vector<SegmentEntry>* out);
Status DecodeFencedEntries(const SegmentIndex::Fence& fence,
                           const char* entries, const uint32_t* lens,
                           std::vector<SegmentEntry>* out);

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SEGMENT_IMAGE_H_
