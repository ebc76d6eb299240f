// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// LRU cache: per shard, a chained hash table of entries and two circular
// lists. An entry is on exactly one list while it is in the cache:
//   lru_     refs == 1 (only the cache holds it), oldest first: evictable;
//   in_use_  refs >= 2 (a caller holds it): not evictable.
// An entry erased or replaced while held is on no list and is freed by the
// last Release.

#include "lsm/cache/cache.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "util/checksum.h"
#include "util/mutex.h"

namespace o3lsm {

namespace {

struct LRUHandle {
  void* value;
  Cache::Deleter deleter;
  LRUHandle* next_hash;
  LRUHandle* next;
  LRUHandle* prev;
  size_t charge;
  size_t key_length;
  bool in_cache;
  uint32_t refs;
  uint32_t hash;
  char key_data[1];  // beginning of the key

  Slice key() const { return Slice(key_data, key_length); }
};

// Open hashing with chaining; grows to keep chains about one entry long.
class HandleTable {
 public:
  HandleTable() { Resize(); }
  ~HandleTable() { delete[] list_; }

  LRUHandle* Lookup(const Slice& key, uint32_t hash) {
    return *FindPointer(key, hash);
  }

  // Returns the entry it replaced, if any.
  LRUHandle* Insert(LRUHandle* h) {
    LRUHandle** ptr = FindPointer(h->key(), h->hash);
    LRUHandle* old = *ptr;
    h->next_hash = (old == nullptr ? nullptr : old->next_hash);
    *ptr = h;
    if (old == nullptr) {
      ++elems_;
      if (elems_ > length_) Resize();
    }
    return old;
  }

  LRUHandle* Remove(const Slice& key, uint32_t hash) {
    LRUHandle** ptr = FindPointer(key, hash);
    LRUHandle* result = *ptr;
    if (result != nullptr) {
      *ptr = result->next_hash;
      --elems_;
    }
    return result;
  }

 private:
  LRUHandle** FindPointer(const Slice& key, uint32_t hash) {
    LRUHandle** ptr = &list_[hash & (length_ - 1)];
    while (*ptr != nullptr && ((*ptr)->hash != hash || key != (*ptr)->key())) {
      ptr = &(*ptr)->next_hash;
    }
    return ptr;
  }

  void Resize() {
    uint32_t new_length = 16;
    while (new_length < elems_ * 2) new_length *= 2;
    auto** new_list = new LRUHandle*[new_length];
    memset(new_list, 0, sizeof(new_list[0]) * new_length);
    for (uint32_t i = 0; i < length_; i++) {
      LRUHandle* h = list_[i];
      while (h != nullptr) {
        LRUHandle* next = h->next_hash;
        LRUHandle** ptr = &new_list[h->hash & (new_length - 1)];
        h->next_hash = *ptr;
        *ptr = h;
        h = next;
      }
    }
    delete[] list_;
    list_ = new_list;
    length_ = new_length;
  }

  uint32_t length_ = 0;
  uint32_t elems_ = 0;
  LRUHandle** list_ = nullptr;
};

class LRUShard {
 public:
  LRUShard() {
    lru_.next = lru_.prev = &lru_;
    in_use_.next = in_use_.prev = &in_use_;
  }
  ~LRUShard() {
    // Callers must have released everything; free what the cache holds.
    for (LRUHandle* e = lru_.next; e != &lru_;) {
      LRUHandle* next = e->next;
      e->in_cache = false;
      Unref(e);
      e = next;
    }
  }

  void SetCapacity(size_t capacity) { capacity_ = capacity; }

  Cache::Handle* Insert(const Slice& key, uint32_t hash, void* value,
                        size_t charge, Cache::Deleter deleter) {
    auto* e = static_cast<LRUHandle*>(
        malloc(sizeof(LRUHandle) - 1 + key.size()));
    e->value = value;
    e->deleter = deleter;
    e->charge = charge;
    e->key_length = key.size();
    e->hash = hash;
    e->in_cache = false;
    e->refs = 1;  // for the returned handle
    memcpy(e->key_data, key.data(), key.size());

    MutexLock l(&mutex_);
    if (capacity_ > 0) {
      e->refs++;  // for the cache's reference
      e->in_cache = true;
      Append(&in_use_, e);
      usage_ += charge;
      FinishErase(table_.Insert(e));
    } else {
      e->next = nullptr;  // caching is off
    }
    while (usage_ > capacity_ && lru_.next != &lru_) {
      LRUHandle* old = lru_.next;
      FinishErase(table_.Remove(old->key(), old->hash));
    }
    return reinterpret_cast<Cache::Handle*>(e);
  }

  Cache::Handle* Lookup(const Slice& key, uint32_t hash) {
    MutexLock l(&mutex_);
    LRUHandle* e = table_.Lookup(key, hash);
    if (e != nullptr) Ref(e);
    return reinterpret_cast<Cache::Handle*>(e);
  }

  void Release(Cache::Handle* handle) {
    MutexLock l(&mutex_);
    Unref(reinterpret_cast<LRUHandle*>(handle));
  }

  void Erase(const Slice& key, uint32_t hash) {
    MutexLock l(&mutex_);
    FinishErase(table_.Remove(key, hash));
  }

  size_t TotalCharge() {
    MutexLock l(&mutex_);
    return usage_;
  }

 private:
  static void Append(LRUHandle* list, LRUHandle* e) {
    e->next = list;
    e->prev = list->prev;
    e->prev->next = e;
    e->next->prev = e;
  }
  static void Remove(LRUHandle* e) {
    e->next->prev = e->prev;
    e->prev->next = e->next;
  }

  void Ref(LRUHandle* e) {
    if (e->refs == 1 && e->in_cache) {  // leaves lru_ for in_use_
      Remove(e);
      Append(&in_use_, e);
    }
    e->refs++;
  }

  void Unref(LRUHandle* e) {
    e->refs--;
    if (e->refs == 0) {
      (*e->deleter)(e->key(), e->value);
      free(e);
    } else if (e->in_cache && e->refs == 1) {  // back to evictable
      Remove(e);
      Append(&lru_, e);
    }
  }

  // Completes removing e (already out of the table) from the cache.
  void FinishErase(LRUHandle* e) {
    if (e == nullptr) return;
    Remove(e);
    e->in_cache = false;
    usage_ -= e->charge;
    Unref(e);
  }

  size_t capacity_ = 0;
  Mutex mutex_;
  size_t usage_ GUARDED_BY(mutex_) = 0;
  LRUHandle lru_ GUARDED_BY(mutex_);
  LRUHandle in_use_ GUARDED_BY(mutex_);
  HandleTable table_ GUARDED_BY(mutex_);
};

class ShardedLRUCache final : public Cache {
 public:
  ShardedLRUCache(size_t capacity, int num_shard_bits)
      : shard_bits_(num_shard_bits),
        shards_(size_t{1} << num_shard_bits),
        capacity_(capacity) {
    const size_t per_shard = (capacity + shards_.size() - 1) / shards_.size();
    for (auto& s : shards_) s.SetCapacity(per_shard);
  }

  Handle* Insert(const Slice& key, void* value, size_t charge,
                 Deleter deleter) override {
    const uint32_t hash = HashSlice(key);
    return shards_[Shard(hash)].Insert(key, hash, value, charge, deleter);
  }
  Handle* Lookup(const Slice& key) override {
    const uint32_t hash = HashSlice(key);
    return shards_[Shard(hash)].Lookup(key, hash);
  }
  void Release(Handle* handle) override {
    auto* h = reinterpret_cast<LRUHandle*>(handle);
    shards_[Shard(h->hash)].Release(handle);
  }
  void Erase(const Slice& key) override {
    const uint32_t hash = HashSlice(key);
    shards_[Shard(hash)].Erase(key, hash);
  }
  void* Value(Handle* handle) override {
    return reinterpret_cast<LRUHandle*>(handle)->value;
  }
  uint64_t NewId() override {
    return last_id_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  size_t TotalCharge() const override {
    size_t total = 0;
    for (auto& s : shards_) total += const_cast<LRUShard&>(s).TotalCharge();
    return total;
  }
  size_t Capacity() const override { return capacity_; }

 private:
  static uint32_t HashSlice(const Slice& s) {
    return static_cast<uint32_t>(Checksum64(s.data(), s.size()));
  }
  uint32_t Shard(uint32_t hash) const {
    return shard_bits_ == 0 ? 0 : hash >> (32 - shard_bits_);
  }

  const int shard_bits_;
  std::vector<LRUShard> shards_;
  const size_t capacity_;
  std::atomic<uint64_t> last_id_{0};
};

}  // namespace

std::unique_ptr<Cache> NewLRUCache(size_t capacity, int num_shard_bits) {
  if (num_shard_bits < 0) {
    // A shard per 512 KiB (RocksDB's rule), and at least two shards per
    // core while each keeps 64 KiB, so that threads on every core rarely
    // meet on a shard's mutex; at most 64.
    constexpr size_t kMinShardSize = 512 * 1024;
    constexpr size_t kMinShardSizeForCores = 64 * 1024;
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    num_shard_bits = 0;
    while (num_shard_bits < 6 &&
           (capacity >> (num_shard_bits + 1)) >= kMinShardSize) {
      num_shard_bits++;
    }
    while (num_shard_bits < 6 && (size_t{1} << num_shard_bits) < 2 * cores &&
           (capacity >> (num_shard_bits + 1)) >= kMinShardSizeForCores) {
      num_shard_bits++;
    }
  }
  if (num_shard_bits > 19) num_shard_bits = 19;
  return std::make_unique<ShardedLRUCache>(capacity, num_shard_bits);
}

}  // namespace o3lsm
