// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// MemTable is the in-memory write buffer: a SkipList of internal keys in its
// own MemArena. It is filled until ShouldSeal(), then sealed (read-only) and
// flushed to an SST; its arena image is relocatable (see skiplist.h), which
// is what lets a sealed memtable move to disaggregated memory by one copy.
//
// Thread safety: Add may be called concurrently with Add and with readers;
// the caller admits writers so that the arena never overflows (HasRoomFor).
// Readers (Get, iterators) are lock-free.
// Lifetime: shared through MemTableRef; an iterator pins its memtable.

#ifndef O3LSM_LSM_MEMTABLE_MEMTABLE_H_
#define O3LSM_LSM_MEMTABLE_MEMTABLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "lsm/dbformat.h"
#include "lsm/memtable/arena.h"
#include "lsm/memtable/memtable_reader.h"
#include "lsm/memtable/skiplist.h"
#include "lsm/table/bloom.h"
#include "o3lsm/iterator.h"
#include "o3lsm/status.h"

namespace o3lsm {

class MemTable final : public MemTableReader,
                       public std::enable_shared_from_this<MemTable> {
 public:
  // Reserves capacity bytes of address space; ShouldSeal() turns true once
  // seal_threshold bytes are used, counting seal_reserve_per_entry more
  // bytes for each entry (what the sealed memtable will need beyond its
  // arena, e.g. a DM segment's order record). Check ok() after
  // construction. bloom_bytes > 0 gives the memtable a whole-key bloom
  // filter of that size, filled as keys are added: Get, MayContain and
  // MultiGet of keys it does not hold then skip the skiplist.
  MemTable(uint64_t id, size_t seal_threshold, size_t capacity,
           size_t seal_reserve_per_entry = 0, size_t bloom_bytes = 0);
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  bool ok() const { return formatted_; }

  // Upper bound of the arena bytes one update takes.
  static size_t EntryBound(size_t user_key_size, size_t value_size) {
    return SkipList::MaxNodeSize(user_key_size + 8, value_size);
  }

  bool HasRoomFor(size_t bytes) const { return arena_.remaining() >= bytes; }
  bool ShouldSeal() const {
    return arena_.used() + num_entries() * seal_reserve_per_entry_ >=
           seal_threshold_;
  }

  // Inserts one update. Returns false if the arena is full (the caller's
  // admission should have prevented it).
  bool Add(SequenceNumber seq, ValueType type, const Slice& user_key,
           const Slice& value);

  // Looks up key as of key.sequence(). Returns true if the memtable decides
  // the answer: *value set and *s OK for a value, *s NotFound for a
  // deletion. Returns false if the key is not here. A corrupt image sets *s
  // to Corruption and returns true.
  bool Get(const LookupKey& key, std::string* value,
           Status* s) const override;
  bool MayContain(const Slice& user_key) const override {
    return bloom_ == nullptr || bloom_->HashMayMatch(BloomHash(user_key));
  }
  // Bytes of the bloom filter (0 if none).
  size_t bloom_bytes() const { return bloom_ ? bloom_->bytes() : 0; }

  // An iterator over internal keys that keeps this memtable alive.
  Iterator* NewIterator() override;

  // The smallest and largest user keys held (both empty if none).
  // REQUIRES: sealed.
  void KeyRange(std::string* smallest, std::string* largest) const;

  uint64_t id() const { return id_; }
  size_t MemoryUsage() const { return arena_.used(); }
  uint64_t num_entries() const {
    return num_entries_.load(std::memory_order_relaxed);
  }
  uint64_t num_deletes() const {
    return num_deletes_.load(std::memory_order_relaxed);
  }
  // Payload bytes (keys + values) added.
  uint64_t data_bytes() const {
    return data_bytes_.load(std::memory_order_relaxed);
  }
  SequenceNumber smallest_sequence() const {
    return smallest_seq_.load(std::memory_order_relaxed);
  }
  SequenceNumber largest_sequence() const {
    return largest_seq_.load(std::memory_order_relaxed);
  }

  // Read-triggered flush (SeekSampler): charges `seeks` iterator seeks
  // that positioned this memtable. Only seeks made while it does not grow
  // count: a charge that finds more entries than the last one starts the
  // count again, because flushing a memtable that writes keep filling
  // saves its readers nothing (a new one takes its place). Returns true
  // for the charge that brings the seeks counted to MemoryUsage() /
  // bytes_per_seek, and starts counting again (a memtable that could not
  // be sealed then is reported again one budget later).
  bool ChargeSeeks(int64_t seeks, uint64_t bytes_per_seek);

  // The earliest WAL file holding updates of this memtable: recovery must
  // replay from there until the memtable is flushed.
  uint64_t log_number() const { return log_number_; }
  void set_log_number(uint64_t n) { log_number_ = n; }

  // The relocatable image: [image(), image() + image_size()).
  // REQUIRES: sealed (no Add in progress or to come).
  const char* image() const { return arena_.base(); }
  size_t image_size() const { return arena_.used(); }

 private:
  const uint64_t id_;
  const size_t seal_threshold_;
  const size_t seal_reserve_per_entry_;
  MemArena arena_;
  bool formatted_;
  SkipList list_;
  const std::unique_ptr<ConcurrentBloomFilter> bloom_;  // null: no filter
  uint64_t log_number_ = 0;
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> num_deletes_{0};
  std::atomic<uint64_t> data_bytes_{0};
  std::atomic<SequenceNumber> smallest_seq_{kMaxSequenceNumber};
  std::atomic<SequenceNumber> largest_seq_{0};
  // ChargeSeeks: num_entries() at the last charge, and seeks counted since
  // it last changed or the budget was last reported.
  std::atomic<uint64_t> charged_at_entries_{0};
  std::atomic<int64_t> quiet_seeks_{0};
};

using MemTableRef = std::shared_ptr<MemTable>;

// An iterator over a skiplist image at [base, base + size) whose internal
// keys and values point into the image. `pin` is kept alive as long as the
// iterator (e.g. the memtable or DM segment the image belongs to).
Iterator* NewSkipListIterator(const char* base, size_t size,
                              std::shared_ptr<const void> pin);

}  // namespace o3lsm

#endif  // O3LSM_LSM_MEMTABLE_MEMTABLE_H_
