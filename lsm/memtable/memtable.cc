// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/memtable/memtable.h"

namespace o3lsm {

namespace {

template <typename T>
void AtomicMin(std::atomic<T>* a, T v) {
  T cur = a->load(std::memory_order_relaxed);
  while (v < cur && !a->compare_exchange_weak(cur, v)) {
  }
}

template <typename T>
void AtomicMax(std::atomic<T>* a, T v) {
  T cur = a->load(std::memory_order_relaxed);
  while (v > cur && !a->compare_exchange_weak(cur, v)) {
  }
}

class SkipListIterator final : public Iterator {
 public:
  SkipListIterator(const char* base, size_t size,
                   std::shared_ptr<const void> pin)
      : list_(base, size), iter_(&list_), pin_(std::move(pin)) {
    if (!list_.HeaderValid()) {
      status_ = Status::Corruption("memtable image", "bad skiplist header");
    }
  }

  bool Valid() const override { return status_.ok() && iter_.Valid(); }
  void Seek(const Slice& k) override {
    if (status_.ok()) {
      iter_.Seek(k);
      CheckCorruption();
    }
  }
  void SeekToFirst() override {
    if (status_.ok()) {
      iter_.SeekToFirst();
      CheckCorruption();
    }
  }
  void SeekToLast() override {
    if (status_.ok()) {
      iter_.SeekToLast();
      CheckCorruption();
    }
  }
  void Next() override {
    iter_.Next();
    CheckCorruption();
  }
  void Prev() override {
    iter_.Prev();
    CheckCorruption();
  }
  Slice key() const override { return iter_.key(); }
  Slice value() const override { return iter_.value(); }
  Status status() const override { return status_; }

 private:
  void CheckCorruption() {
    if (iter_.Corrupted() && status_.ok()) {
      status_ = Status::Corruption("memtable image", "bad skiplist link");
    }
  }

  SkipList list_;
  SkipList::Iterator iter_;
  std::shared_ptr<const void> pin_;
  Status status_;
};

}  // namespace

MemTable::MemTable(uint64_t id, size_t seal_threshold, size_t capacity,
                   size_t seal_reserve_per_entry, size_t bloom_bytes)
    : id_(id),
      seal_threshold_(seal_threshold),
      seal_reserve_per_entry_(seal_reserve_per_entry),
      arena_(capacity),
      formatted_(SkipList::Format(&arena_)),
      list_(arena_.base(), arena_.capacity()),
      bloom_(bloom_bytes > 0
                 ? std::make_unique<ConcurrentBloomFilter>(bloom_bytes)
                 : nullptr) {}

bool MemTable::Add(SequenceNumber seq, ValueType type, const Slice& user_key,
                   const Slice& value) {
  // The bits go in before the entry: a reader that can see the entry sees
  // them (see ConcurrentBloomFilter).
  if (bloom_ != nullptr) bloom_->AddHash(BloomHash(user_key));
  if (!list_.Insert(&arena_, user_key, PackSequenceAndType(seq, type),
                    value)) {
    return false;
  }
  num_entries_.fetch_add(1, std::memory_order_relaxed);
  if (type == kTypeDeletion) {
    num_deletes_.fetch_add(1, std::memory_order_relaxed);
  }
  data_bytes_.fetch_add(user_key.size() + value.size(),
                        std::memory_order_relaxed);
  AtomicMin(&smallest_seq_, seq);
  AtomicMax(&largest_seq_, seq);
  return true;
}

bool MemTable::ChargeSeeks(int64_t seeks, uint64_t bytes_per_seek) {
  // Loads before stores: many readers charge the same memtable.
  const uint64_t entries = num_entries();
  if (charged_at_entries_.load(std::memory_order_relaxed) != entries) {
    charged_at_entries_.store(entries, std::memory_order_relaxed);
    quiet_seeks_.store(0, std::memory_order_relaxed);  // it grew: start over
    return false;
  }
  const int64_t counted =
      quiet_seeks_.fetch_add(seeks, std::memory_order_relaxed) + seeks;
  if (static_cast<uint64_t>(counted) * bytes_per_seek < MemoryUsage()) {
    return false;
  }
  quiet_seeks_.store(0, std::memory_order_relaxed);  // a budget per report
  return true;
}

bool MemTable::Get(const LookupKey& key, std::string* value,
                   Status* s) const {
  if (!MayContain(key.user_key())) return false;
  SkipList::Iterator iter(&list_);
  iter.Seek(key.internal_key());
  if (iter.Corrupted()) {
    *s = Status::Corruption("memtable", "bad skiplist link");
    return true;
  }
  if (!iter.Valid()) return false;
  const Slice found = iter.key();
  if (ExtractUserKey(found) != key.user_key()) return false;
  switch (key.EntryType(ExtractTag(found))) {
    case kTypeValue:
      value->assign(iter.value().data(), iter.value().size());
      *s = Status::OK();
      return true;
    case kTypeDeletion:
      *s = Status::NotFound(Slice());
      return true;
  }
  *s = Status::Corruption("memtable", "unknown value type");
  return true;
}

void MemTable::KeyRange(std::string* smallest, std::string* largest) const {
  smallest->clear();
  largest->clear();
  SkipList::Iterator it(&list_);
  it.SeekToFirst();
  if (!it.Valid()) return;
  const Slice first = ExtractUserKey(it.key());
  smallest->assign(first.data(), first.size());
  it.SeekToLast();
  if (!it.Valid()) return;
  const Slice last = ExtractUserKey(it.key());
  largest->assign(last.data(), last.size());
}

Iterator* MemTable::NewIterator() {
  // Reads stop at the arena's capacity: entries published by concurrent
  // Adds lie below it.
  return new SkipListIterator(arena_.base(), arena_.capacity(),
                              shared_from_this());
}

Iterator* NewSkipListIterator(const char* base, size_t size,
                              std::shared_ptr<const void> pin) {
  return new SkipListIterator(base, size, std::move(pin));
}

}  // namespace o3lsm
