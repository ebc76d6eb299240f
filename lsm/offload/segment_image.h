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
//       scattered; the build adds an order block (one 16-byte record per
//       entry in key order: its image offset, length, checksum and key
//       hint), written to DM after the image. A compute-node lookup reads
//       the fence's records (one read), verifies them by the fence's
//       checksum, and then reads only the entries it needs (one batch of
//       reads), each verified by its record's checksum.
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
    // kArenaCopy: OrderRecordsChecksum of its order records.
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
  // kArenaCopy: where the key hints of fence i's entries start. Every user
  // key of its range lies between its first key and the next fence's (the
  // segment's largest key, for the last fence), so all share the prefix
  // those two share; this is its length.
  size_t HintOffset(size_t i) const;
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
  std::string largest_user_key_;
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

// The checksum a kArenaCopy fence holds: Checksum32 of its n order
// records, seeded with the index of its first entry.
inline uint32_t OrderRecordsChecksum(const char* records, uint32_t n,
                                     uint32_t first_entry) {
  return Checksum32(records, size_t{n} * kOrderRecordSize, first_entry);
}

// The checksum an order record holds of its entry's bytes: Checksum32
// seeded with the entry's image offset (what a delegated search's reply
// gives for the key-offset cache, too).
inline uint32_t EntryChecksum(const char* entry, uint32_t length,
                              uint32_t offset) {
  return Checksum32(entry, length, offset);
}

// The key hint of an order record: four bytes of user_key from byte at,
// big-endian, zero-padded. Of two keys that share their first `at` bytes,
// the one with the smaller hint is the smaller key; equal hints say
// nothing.
uint32_t KeyHint(const Slice& user_key, size_t at);

// The smallest user key that starts with prefix (at least `at` bytes; its
// first `at` are used) and has hint `hint` at `at`: no key of a fenced
// range with that hint sorts before it.
std::string KeyHintLowerBound(const Slice& prefix, size_t at, uint32_t hint);

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
  uint32_t offset;    // image offset of the entry (its key length varint)
  uint32_t length;    // bytes of the entry
  uint32_t checksum;  // EntryChecksum of those bytes
  uint32_t hint;      // KeyHint of its user key at its fence's HintOffset
};

// Decodes the order record at [order, order + kOrderRecordSize) and checks
// that its entry lies within an image of image_length bytes. Corruption
// naming the record otherwise.
Status DecodeOrderRecord(const char* order, uint64_t image_length,
                         OrderRecord* record);

// Verifies a kArenaCopy fence's order records, its fence.length records
// at [records, ..), by the fence's checksum, and decodes them into
// out[0 .. fence.length). Corruption naming the range otherwise. Only
// records verified this way may direct a read.
Status DecodeFenceRecords(const SegmentIndex::Fence& fence,
                          const char* records, uint64_t image_length,
                          OrderRecord* out);

// The entries of a fence whose hints are below, equal to, or at most
// `hint`: [0, *below) have hints < hint, [*below, *through) == hint.
void HintRun(const OrderRecord* records, uint32_t n, uint32_t hint,
             uint32_t* below, uint32_t* through);

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

// The same for entries [first, first + count) of one fenced range of a
// kArenaCopy segment, whose verified records (DecodeFenceRecords) are
// records[0 .. fence.length), fetched one after another into entries.
// Verifies each entry by its record's checksum before reading it. When
// every entry of the run sorts before lkey: kPastRange if the run ends
// where the range does, else kAbsent (the run must then hold every entry
// of lkey's user key in the range, as LookupRun's does).
RangeLookup GetFromFencedEntries(const SegmentIndex::Fence& fence,
                                 const OrderRecord* records, uint32_t first,
                                 uint32_t count, const char* entries,
                                 const LookupKey& lkey, std::string* value,
                                 Status* s, RangeHit* hit = nullptr);

// The entries a point lookup of user_key reads of fenced range `fence` of
// a kArenaCopy segment, from its verified records: [*first, *first +
// *count), those whose hint equals the key's. With *count 0 no version of
// the key is in the range: the lookup's answer is past the range if *first
// is its length, else the segment holds none.
void LookupRun(const SegmentIndex& index, size_t fence,
               const OrderRecord* records, const Slice& user_key,
               uint32_t* first, uint32_t* count);

// A point lookup in a kArenaCopy segment's fenced range `fence` and, with
// with_next (the next range starts with the key's user key), the next one
// too, planned from their order records: the records say, by their hints,
// which entries can hold the key, and only those are read.
class ArenaPointLookup {
 public:
  // records: the ranges' order records, one range's after the other, as
  // read. Verifies and decodes them: Corruption if they are damaged.
  Status Plan(const SegmentIndex& index, int fence, bool with_next,
              const char* records, uint64_t image_length,
              const Slice& user_key);
  // The entries to read, in order, and their bytes in all.
  size_t num_entries() const { return reads_.size(); }
  const OrderRecord& entry(size_t j) const { return *reads_[j]; }
  size_t bytes() const { return bytes_; }
  // With those entries read one after another into entries: the answer,
  // as GetFromFencedEntries gives it for the ranges in turn. *hit (may be
  // null) says where a value or deletion lies: *range is the range (0 or
  // 1) and hit->at the entry's index in it.
  RangeLookup Decide(const char* entries, const LookupKey& lkey,
                     std::string* value, Status* s, RangeHit* hit = nullptr,
                     int* range = nullptr) const;

 private:
  const SegmentIndex* index_ = nullptr;
  int fence_ = 0;
  int ranges_ = 0;  // the ranges Decide goes through
  OrderRecord records_[2][kFenceInterval];
  uint32_t first_[2] = {0, 0};
  uint32_t count_[2] = {0, 0};
  std::vector<const OrderRecord*> reads_;
  size_t bytes_ = 0;
};

// One entry of a fenced range, pointing into the bytes it was decoded from.
struct SegmentEntry {
  Slice internal_key;
  Slice value;
};

// Verifies a fenced range by its checksum and appends its entries, in key
// order, to *out (what an iterator over DM reads a range at a time).
// kSortedImage: range holds the range's bytes (fence.length of them).
// Corruption naming the range if damaged.
Status DecodeFencedRange(const SegmentIndex::Fence& fence, const char* range,
                         std::vector<SegmentEntry>* out);
// kArenaCopy: entries [first, first + count) of the range, whose verified
// records are records[0 .. fence.length), one after another in entries;
// each is verified by its record's checksum.
Status DecodeFencedEntries(const SegmentIndex::Fence& fence,
                           const OrderRecord* records, uint32_t first,
                           uint32_t count, const char* entries,
                           std::vector<SegmentEntry>* out);

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_SEGMENT_IMAGE_H_
