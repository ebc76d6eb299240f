// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Cache maps keys to values with a capacity measured in "charge" units
// (bytes, for the block cache; one per open file, for the table cache). When
// the total charge exceeds the capacity, the least recently used entries not
// in use are evicted. NewLRUCache shards the key space by hash so that
// concurrent lookups rarely meet on one mutex.
//
// Thread safety: all methods may be called concurrently.
// Ownership: Insert hands the value to the cache; the deleter runs when the
// entry has been both evicted (or erased) and released by every holder.

#ifndef O3LSM_LSM_CACHE_CACHE_H_
#define O3LSM_LSM_CACHE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "o3lsm/slice.h"

namespace o3lsm {

class Cache {
 public:
  // An entry held by a caller; opaque.
  struct Handle {};
  using Deleter = void (*)(const Slice& key, void* value);

  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  // REQUIRES: every handle has been released.
  virtual ~Cache() = default;

  // Inserts key -> value, replacing an existing entry, and returns a handle
  // to it. REQUIRES: the caller Releases the handle.
  virtual Handle* Insert(const Slice& key, void* value, size_t charge,
                         Deleter deleter) = 0;
  // Returns a handle to key's entry, or nullptr. REQUIRES: the caller
  // Releases a non-null handle.
  virtual Handle* Lookup(const Slice& key) = 0;
  // REQUIRES: handle came from this cache and was not released yet.
  virtual void Release(Handle* handle) = 0;
  // REQUIRES: handle is held.
  virtual void* Value(Handle* handle) = 0;
  // Drops key's entry; holders keep their handles valid until Release.
  virtual void Erase(const Slice& key) = 0;
  // A fresh id for clients sharing the cache to prefix their keys with.
  virtual uint64_t NewId() = 0;
  virtual size_t TotalCharge() const = 0;
  virtual size_t Capacity() const = 0;
};

// A sharded LRU cache of the given capacity; num_shard_bits < 0 picks
// from the capacity (at most 64 shards, at least 512 KiB each).
std::unique_ptr<Cache> NewLRUCache(size_t capacity, int num_shard_bits = -1);

}  // namespace o3lsm

#endif  // O3LSM_LSM_CACHE_CACHE_H_
