// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A whole-key bloom filter, blocked by cache line: a key's probes all fall
// in one 64-byte line chosen by its hash, so a lookup touches one cache line
// (one DRAM miss) instead of k. A key is hashed once with XXH3-64; the line
// and every probe are derived from that hash. Blocking costs a little
// accuracy against a classic bloom filter (about 1% false positives at 10
// bits per key, against 0.8%), repaid many times by the saved misses.
//
// The filter bytes describe themselves (docs/sst_format.md):
//   line[num_lines] (64 bytes each) | fixed32 num_lines | u8 num_probes |
//   u8 kind (= 1)
// so a reader needs nothing but the bytes. SST files store one filter per
// table; DM memtable segments keep one per segment on the compute node, so
// nothing here depends on tables.
//
// Thread safety: a builder is used by one thread at a time; a reader is
// immutable and its const methods may be called concurrently.
// Lifetimes: a reader points into the filter bytes it was given, which must
// outlive it.

#ifndef O3LSM_LSM_TABLE_BLOOM_H_
#define O3LSM_LSM_TABLE_BLOOM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/slice.h"

namespace o3lsm {

// The hash the filter is built on. A caller probing many filters for one
// key (e.g. every DM segment's) computes it once and uses HashMayMatch.
uint64_t BloomHash(const Slice& key);

class BloomFilterBuilder {
 public:
  // bits_per_key below 1 is treated as 1.
  explicit BloomFilterBuilder(int bits_per_key);

  // Adds a key. Consecutive duplicates (versions of one user key, as a
  // table presents them) are counted once.
  void AddKey(const Slice& user_key) { AddHash(BloomHash(user_key)); }
  void AddHash(uint64_t hash) {
    if (hashes_.empty() || hashes_.back() != hash) hashes_.push_back(hash);
  }

  size_t num_keys() const { return hashes_.size(); }

  // Returns the filter over every key added since construction or the last
  // Finish(), and starts over.
  std::string Finish();

  // Probes per key chosen for a bits_per_key setting.
  static int NumProbes(int bits_per_key);

 private:
  const int bits_per_key_;
  std::vector<uint64_t> hashes_;
};

class BloomFilterReader {
 public:
  // A reader without a filter: every key may match.
  BloomFilterReader() = default;
  // REQUIRES: filter's bytes outlive the reader. Malformed bytes give a
  // reader for which every key may match.
  explicit BloomFilterReader(const Slice& filter);

  // False only if user_key was certainly never added.
  bool KeyMayMatch(const Slice& user_key) const {
    return !valid_ || HashMayMatch(BloomHash(user_key));
  }
  bool HashMayMatch(uint64_t hash) const;

  // True if the bytes given to the constructor were a well-formed filter.
  bool valid() const { return valid_; }

 private:
  const char* lines_ = nullptr;
  uint32_t num_lines_ = 0;
  int num_probes_ = 0;
  bool valid_ = false;
};

// A filter keys are added to while it is read: a memtable's, so that a
// lookup of a key the memtable does not hold skips its skiplist (RocksDB's
// memtable whole-key filtering). Sized in bytes up front (a memtable's key
// count is not known in advance), never serialized, and blocked by 64-bit
// word rather than by cache line: a key's probes all fall in one word, so
// an add is at most one atomic OR, which is what the write path pays per
// key. That costs accuracy (1.7% false positives at 10 bits per key, 0.2%
// at 20, against 1.0% and 0.04% for the filter above), and a false
// positive costs only the skiplist search the filter saves.
//
// Thread safety: AddHash and HashMayMatch may run concurrently; concurrent
// adds lose no bits. A reader sees the bits of every key whose add
// happens-before its lookup: a memtable adds a key's hash before inserting
// the entry, and readers reach entries through the release that publishes
// them (the sequence number, or a sealed memtable's SuperVersion).
class ConcurrentBloomFilter {
 public:
  // bytes is rounded up to whole 64-bit words, at least one.
  explicit ConcurrentBloomFilter(size_t bytes);

  void AddHash(uint64_t hash) {
    std::atomic<uint64_t>& word = words_[WordOf(hash)];
    const uint64_t mask = MaskOf(hash);
    // No locked instruction where the bits are already set (hot keys).
    if ((word.load(std::memory_order_relaxed) & mask) != mask) {
      word.fetch_or(mask, std::memory_order_relaxed);
    }
  }
  bool HashMayMatch(uint64_t hash) const {
    const uint64_t mask = MaskOf(hash);
    return (words_[WordOf(hash)].load(std::memory_order_relaxed) & mask) ==
           mask;
  }
  size_t bytes() const { return size_t{num_words_} * sizeof(uint64_t); }

 private:
  // The word: the hash's high 32 bits scaled into [0, num_words_).
  size_t WordOf(uint64_t hash) const {
    return static_cast<size_t>(((hash >> 32) * uint64_t{num_words_}) >> 32);
  }
  // kProbes bit positions, 6 bits each, from a remix of the whole hash.
  static uint64_t MaskOf(uint64_t hash);

  const uint32_t num_words_;
  const std::unique_ptr<std::atomic<uint64_t>[]> words_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_BLOOM_H_
