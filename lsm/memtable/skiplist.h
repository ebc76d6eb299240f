// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// SkipList is a concurrent skiplist of (internal key, value) entries laid
// out in one relocatable region (a MemArena, or a copy of one in DM). All
// links are 32-bit offsets from the region's base, so the same bytes can be
// searched at any address: locally, by the memory node in place, or after a
// bulk copy.
//
// Region layout (see docs/dm_format.md, "memtable image"):
//   [0, 64)    SkipListHeader
//   nodes      for a node of height h, the h links come first, highest
//              level at the lowest address; the node's offset names its
//              level-0 link, so link i lives at (node - 4*i). The entry
//              follows the level-0 link:
//                varint32 internal key length | internal key |
//                varint32 value length | value
// Entries are ordered by InternalKeyComparator.
//
// Thread safety: Insert may run concurrently with other Inserts and with
// readers (lock-free: links are published with release CAS, read with
// acquire loads). Nodes are never removed.
//
// Robustness: every link and length read from the region is checked against
// the region's limit before use. A reader of a corrupt image sees
// Corruption(), never an out-of-bounds access.

#ifndef O3LSM_LSM_MEMTABLE_SKIPLIST_H_
#define O3LSM_LSM_MEMTABLE_SKIPLIST_H_

#include <atomic>
#include <cstdint>

#include "lsm/dbformat.h"
#include "lsm/memtable/arena.h"
#include "o3lsm/slice.h"

namespace o3lsm {

struct SkipListHeader {
  static constexpr uint32_t kMagic = 0x4c53334f;  // "O3SL"
  static constexpr uint32_t kVersion = 1;

  uint32_t magic;
  uint32_t version;
  uint32_t head;                     // offset of the head node's level 0
  std::atomic<uint32_t> max_height;  // tallest node so far
};
static_assert(sizeof(SkipListHeader) <= MemArena::kHeaderSize);

class SkipList {
 public:
  static constexpr int kMaxHeight = 12;

  // Writes an empty list (header and head node) into a fresh arena.
  // Returns false if the arena is unusable.
  static bool Format(MemArena* arena);

  // Attaches to a formatted region [base, base + limit). Reads never touch
  // bytes at or past limit. For a list still being filled, limit may be the
  // arena's capacity.
  SkipList(const char* base, size_t limit);

  // Checks the header: magic, version, head and height in range.
  bool HeaderValid() const;

  // Inserts (user_key | tag, value), building the internal key in place.
  // Returns false (and inserts nothing) if the arena is full.
  // REQUIRES: this list lives in arena (was attached at arena->base()).
  bool Insert(MemArena* arena, const Slice& user_key, uint64_t tag,
              const Slice& value);

  // Bytes a node of this entry can occupy at most: the bound to reserve room
  // for before inserting.
  static size_t MaxNodeSize(size_t internal_key_size, size_t value_size);

  // A cursor. Valid() is false before positioning, past either end, and
  // after corruption is found (Corrupted() tells which).
  class Iterator {
   public:
    explicit Iterator(const SkipList* list) : list_(list) {}

    bool Valid() const { return node_ != 0; }
    bool Corrupted() const { return corrupted_; }
    // REQUIRES: Valid(). Point into the region.
    Slice key() const { return key_; }
    Slice value() const { return value_; }

    void Next();
    void Prev();
    // First entry >= target (an internal key).
    void Seek(const Slice& target);
    void SeekToFirst();
    void SeekToLast();

   private:
    // Positions at node (0 = invalid) and decodes its entry.
    void SetNode(uint32_t node);

    const SkipList* list_;
    uint32_t node_ = 0;
    bool corrupted_ = false;
    Slice key_;
    Slice value_;
  };

 private:
  friend class Iterator;

  const SkipListHeader* header() const {
    return reinterpret_cast<const SkipListHeader*>(base_);
  }
  SkipListHeader* mutable_header() const {
    return reinterpret_cast<SkipListHeader*>(const_cast<char*>(base_));
  }

  // Link at level of node; *ok is cleared if it points outside the region.
  uint32_t Next(uint32_t node, int level, bool* ok) const;
  std::atomic<uint32_t>* LinkAt(uint32_t node, int level) const {
    return reinterpret_cast<std::atomic<uint32_t>*>(
        const_cast<char*>(base_) + node - 4 * level);
  }
  // Decodes the entry of node; false if it runs past the region.
  bool DecodeEntry(uint32_t node, Slice* key, Slice* value) const;
  bool DecodeKey(uint32_t node, Slice* key) const;
  // Starts loading node's successor at level 0 (its link and entry), so a
  // walk in key order overlaps the next node's cache miss with the work on
  // this one. Only a hint: a bad link is never dereferenced.
  void PrefetchSuccessor(uint32_t node) const;

  // True if node's key is smaller than key (the search continues past it).
  bool KeyIsAfterNode(const Slice& key, uint32_t node, bool* ok) const;

  // Last node < key at each level, and its successor (0 at the end).
  // Returns the first node >= key at level 0.
  uint32_t FindGreaterOrEqual(const Slice& key, uint32_t* prev,
                              bool* ok) const;
  uint32_t FindLessThan(const Slice& key, bool* ok) const;
  uint32_t FindLast(bool* ok) const;

  // A search visits each node at most once per level; more steps than that
  // means a cycle in a corrupt image.
  size_t MaxSteps() const { return (limit_ / (2 * 4)) * kMaxHeight + 64; }

  // Clamped, so that a corrupt header cannot send a search below the head.
  int MaxHeight() const {
    const uint32_t h = header()->max_height.load(std::memory_order_acquire);
    return h < 1 ? 1 : (h > kMaxHeight ? kMaxHeight : static_cast<int>(h));
  }

  const char* const base_;
  const size_t limit_;
  InternalKeyComparator cmp_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_MEMTABLE_SKIPLIST_H_
