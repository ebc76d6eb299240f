// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/memtable/skiplist.h"

#include <cstring>
#include <functional>
#include <thread>

#include "util/coding.h"
#include "util/random.h"

namespace o3lsm {

namespace {

constexpr uint32_t kLinkSize = sizeof(uint32_t);

// Heights grow with probability 1/4 per level, as in leveldb: about 1.33
// links per node, and O(log n) expected search with 12 levels for ~16M
// entries.
int RandomHeight() {
  thread_local Random64 rnd(
      std::hash<std::thread::id>()(std::this_thread::get_id()) ^
      reinterpret_cast<uintptr_t>(&rnd));
  int height = 1;
  while (height < SkipList::kMaxHeight && rnd.OneIn(4)) height++;
  return height;
}

}  // namespace

bool SkipList::Format(MemArena* arena) {
  if (!arena->ok()) return false;
  const uint32_t links = kMaxHeight * kLinkSize;
  const uint32_t start = arena->Allocate(links, kLinkSize);
  if (start == 0) return false;
  memset(arena->base() + start, 0, links);
  auto* h = reinterpret_cast<SkipListHeader*>(arena->base());
  h->magic = SkipListHeader::kMagic;
  h->version = SkipListHeader::kVersion;
  h->head = start + (kMaxHeight - 1) * kLinkSize;
  h->max_height.store(1, std::memory_order_release);
  return true;
}

SkipList::SkipList(const char* base, size_t limit)
    : base_(base), limit_(limit) {}

bool SkipList::HeaderValid() const {
  if (limit_ < MemArena::kHeaderSize) return false;
  const SkipListHeader* h = header();
  const uint32_t height = h->max_height.load(std::memory_order_acquire);
  return h->magic == SkipListHeader::kMagic &&
         h->version == SkipListHeader::kVersion && height >= 1 &&
         height <= static_cast<uint32_t>(kMaxHeight) &&
         (h->head & (kLinkSize - 1)) == 0 &&  // links are atomic words
         h->head >= MemArena::kHeaderSize + (kMaxHeight - 1) * kLinkSize &&
         static_cast<size_t>(h->head) + kLinkSize <= limit_;
}

size_t SkipList::MaxNodeSize(size_t internal_key_size, size_t value_size) {
  return kMaxHeight * kLinkSize + 2 * 5 + internal_key_size + value_size +
         kLinkSize;  // alignment slack
}

uint32_t SkipList::Next(uint32_t node, int level, bool* ok) const {
  const uint32_t next = LinkAt(node, level)->load(std::memory_order_acquire);
  // A link at `level` points at an aligned node whose links 0..level and
  // entry start lie inside the region.
  if (next != 0 &&
      ((next & (kLinkSize - 1)) != 0 ||
       next < MemArena::kHeaderSize + kLinkSize * level ||
       static_cast<size_t>(next) + kLinkSize > limit_)) {
    *ok = false;
    return 0;
  }
  return next;
}

bool SkipList::DecodeKey(uint32_t node, Slice* key) const {
  const char* p = base_ + node + kLinkSize;
  const char* limit = base_ + limit_;
  uint32_t klen;
  p = GetVarint32Ptr(p, limit, &klen);
  if (p == nullptr || klen < 8 || klen > static_cast<size_t>(limit - p)) {
    return false;
  }
  *key = Slice(p, klen);
  return true;
}

bool SkipList::DecodeEntry(uint32_t node, Slice* key, Slice* value) const {
  if (!DecodeKey(node, key)) return false;
  const char* p = key->data() + key->size();
  const char* limit = base_ + limit_;
  uint32_t vlen;
  p = GetVarint32Ptr(p, limit, &vlen);
  if (p == nullptr || vlen > static_cast<size_t>(limit - p)) return false;
  *value = Slice(p, vlen);
  return true;
}

bool SkipList::KeyIsAfterNode(const Slice& key, uint32_t node,
                              bool* ok) const {
  if (node == 0) return false;
  Slice node_key;
  if (!DecodeKey(node, &node_key)) {
    *ok = false;
    return false;
  }
  return cmp_.Compare(node_key, key) < 0;
}

uint32_t SkipList::FindGreaterOrEqual(const Slice& key, uint32_t* prev,
                                      bool* ok) const {
  uint32_t x = header()->head;
  int level = MaxHeight() - 1;
  // A node already found >= key: when the descent meets it again one level
  // down, it needs no second comparison (a common case: ~1 per level).
  uint32_t last_bigger = 0;
  size_t steps = 0;
  while (true) {
    const uint32_t next = Next(x, level, ok);
    if (!*ok || ++steps > MaxSteps()) {
      *ok = false;
      return 0;
    }
    if (level > 0) {
      // x is in cache: start loading its successor one level down, where
      // the descent goes if `next` is past key, while `next` is loaded and
      // compared (two misses in flight instead of one after the other).
      const uint32_t down =
          LinkAt(x, level - 1)->load(std::memory_order_relaxed);
      if (down != next && down != 0 && down < limit_) {
        __builtin_prefetch(base_ + down);
      }
    }
    bool after = false;
    if (next != 0 && next != last_bigger) {
      // Start loading the node after `next` while `next` is compared: the
      // search is bound by cache misses, one per node visited.
      const uint32_t after_next =
          LinkAt(next, level)->load(std::memory_order_relaxed);
      if (after_next != 0 && after_next < limit_) {
        __builtin_prefetch(base_ + after_next);
      }
      after = KeyIsAfterNode(key, next, ok);
      if (!*ok) return 0;
    }
    if (after) {
      x = next;
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      last_bigger = next;
      level--;
    }
  }
}

uint32_t SkipList::FindLessThan(const Slice& key, bool* ok) const {
  uint32_t x = header()->head;
  int level = MaxHeight() - 1;
  size_t steps = 0;
  while (true) {
    const uint32_t next = Next(x, level, ok);
    if (!*ok || ++steps > MaxSteps()) {
      *ok = false;
      return 0;
    }
    if (KeyIsAfterNode(key, next, ok)) {
      x = next;
    } else {
      if (!*ok) return 0;
      if (level == 0) return x == header()->head ? 0 : x;
      level--;
    }
  }
}

uint32_t SkipList::FindLast(bool* ok) const {
  uint32_t x = header()->head;
  int level = MaxHeight() - 1;
  size_t steps = 0;
  while (true) {
    const uint32_t next = Next(x, level, ok);
    if (!*ok || ++steps > MaxSteps()) {
      *ok = false;
      return 0;
    }
    if (next != 0) {
      x = next;
    } else if (level == 0) {
      return x == header()->head ? 0 : x;
    } else {
      level--;
    }
  }
}

bool SkipList::Insert(MemArena* arena, const Slice& user_key, uint64_t tag,
                      const Slice& value) {
  const int height = RandomHeight();
  const size_t ikey_size = user_key.size() + 8;
  const size_t entry_size = VarintLength(ikey_size) + ikey_size +
                            VarintLength(value.size()) + value.size();
  const size_t node_size = height * kLinkSize + entry_size;
  const uint32_t start = arena->Allocate(node_size, kLinkSize);
  if (start == 0) return false;
  const uint32_t node = start + (height - 1) * kLinkSize;

  char* p = arena->base() + node + kLinkSize;
  p = EncodeVarint32(p, static_cast<uint32_t>(ikey_size));
  const Slice internal_key(p, ikey_size);
  memcpy(p, user_key.data(), user_key.size());
  p += user_key.size();
  EncodeFixed64(p, tag);
  p += 8;
  p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
  memcpy(p, value.data(), value.size());

  // Raise the list's height first, so that searches from now on start high
  // enough to find this node's upper links once they are published.
  uint32_t max_height =
      mutable_header()->max_height.load(std::memory_order_relaxed);
  while (static_cast<uint32_t>(height) > max_height &&
         !mutable_header()->max_height.compare_exchange_weak(
             max_height, height, std::memory_order_acq_rel)) {
  }

  // Our own arena is trusted: bounds checks cannot fail here.
  bool ok = true;
  uint32_t prev[kMaxHeight];
  for (int i = MaxHeight(); i < kMaxHeight; i++) prev[i] = header()->head;
  FindGreaterOrEqual(internal_key, prev, &ok);
  for (int i = 0; i < height; i++) {
    while (true) {
      // Find the successor at this level from the last known predecessor;
      // concurrent inserts only add nodes, so the predecessor stays valid.
      uint32_t next = Next(prev[i], i, &ok);
      while (KeyIsAfterNode(internal_key, next, &ok)) {
        prev[i] = next;
        next = Next(next, i, &ok);
      }
      LinkAt(node, i)->store(next, std::memory_order_relaxed);
      if (LinkAt(prev[i], i)->compare_exchange_strong(
              next, node, std::memory_order_release,
              std::memory_order_relaxed)) {
        break;
      }
    }
  }
  return true;
}

void SkipList::PrefetchSuccessor(uint32_t node) const {
  const uint32_t next = LinkAt(node, 0)->load(std::memory_order_relaxed);
  if (next == 0 || static_cast<size_t>(next) + 128 > limit_) return;
  // The link and the key share the first line; a db_bench-sized entry
  // (16-byte key, 100-byte value) ends in the second.
  __builtin_prefetch(base_ + next);
  __builtin_prefetch(base_ + next + 64);
}

void SkipList::Iterator::SetNode(uint32_t node) {
  node_ = node;
  if (node_ == 0) return;
  if (!list_->DecodeEntry(node_, &key_, &value_)) {
    node_ = 0;
    corrupted_ = true;
    return;
  }
  list_->PrefetchSuccessor(node_);
}

void SkipList::Iterator::Next() {
  bool ok = true;
  const uint32_t next = list_->Next(node_, 0, &ok);
  if (!ok) corrupted_ = true;
  SetNode(next);
}

void SkipList::Iterator::Prev() {
  // No back links: search for the last node before this one.
  bool ok = true;
  const uint32_t prev = list_->FindLessThan(key_, &ok);
  if (!ok) corrupted_ = true;
  SetNode(prev);
}

void SkipList::Iterator::Seek(const Slice& target) {
  bool ok = true;
  const uint32_t node = list_->FindGreaterOrEqual(target, nullptr, &ok);
  if (!ok) corrupted_ = true;
  SetNode(node);
}

void SkipList::Iterator::SeekToFirst() {
  bool ok = true;
  const uint32_t node = list_->Next(list_->header()->head, 0, &ok);
  if (!ok) corrupted_ = true;
  SetNode(node);
}

void SkipList::Iterator::SeekToLast() {
  bool ok = true;
  const uint32_t node = list_->FindLast(&ok);
  if (!ok) corrupted_ = true;
  SetNode(node);
}

}  // namespace o3lsm
