// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// MemTableReader is what the read path needs of a sealed memtable, wherever
// it lives: a MemTable in local memory, or a DmSegment in disaggregated
// memory.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_LSM_MEMTABLE_MEMTABLE_READER_H_
#define O3LSM_LSM_MEMTABLE_MEMTABLE_READER_H_

#include <memory>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "o3lsm/iterator.h"
#include "o3lsm/status.h"

namespace o3lsm {

// A MultiGet in progress on one sealed memtable, split at its round trips
// so that a caller can overlap those of many memtables: PostRound until it
// returns false, WaitRound after each, then Finish, newest memtable first.
class MemTableBatchLookup {
 public:
  virtual ~MemTableBatchLookup() = default;
  // Posts the next round of reads; false when none is left.
  virtual bool PostRound() = 0;
  // Waits for the round posted.
  virtual void WaitRound() = 0;
  // Decides the keys it was asked for that are not decided yet (by newer
  // memtables), as MemTableReader::MultiGet does.
  virtual void Finish(std::vector<std::string>* values,
                      std::vector<Status>* statuses,
                      std::vector<char>* decided) = 0;
};

class MemTableReader {
 public:
  virtual ~MemTableReader() = default;

  // Looks key up as of key.sequence(). Returns true if the memtable decides
  // the answer: *value set and *s OK for a value, *s NotFound for a
  // deletion, *s an error if the memtable could not be read. Returns false
  // if the key is not here.
  virtual bool Get(const LookupKey& key, std::string* value,
                   Status* s) const = 0;

  // False only if the memtable surely holds no version of user_key (a DM
  // segment's local bloom filter says so).
  virtual bool MayContain(const Slice& user_key) const { return true; }

  // Get for many keys at once: for each k with !(*decided)[k], looks
  // *keys[k] up and, where this memtable decides it, sets (*decided)[k],
  // (*values)[k] and (*statuses)[k] as Get would. A memtable in DM reads
  // for all the keys in one batch per round trip.
  virtual void MultiGet(const std::vector<const LookupKey*>& keys,
                        std::vector<std::string>* values,
                        std::vector<Status>* statuses,
                        std::vector<char>* decided) const {
    for (size_t k = 0; k < keys.size(); k++) {
      if (!(*decided)[k] && Get(*keys[k], &(*values)[k], &(*statuses)[k])) {
        (*decided)[k] = 1;
      }
    }
  }

  // MultiGet split at its round trips (see MemTableBatchLookup), for the
  // keys k with !skip[k]. REQUIRES: keys outlive the lookup. The default
  // has no rounds: Finish calls MultiGet.
  virtual std::unique_ptr<MemTableBatchLookup> NewBatchLookup(
      const std::vector<const LookupKey*>& keys, std::vector<char> skip);

  // An iterator over internal keys; it keeps what it reads alive. Tuned
  // for seeks and short scans.
  virtual Iterator* NewIterator() = 0;

  // An iterator for reading everything once, in order (a flush).
  virtual Iterator* NewFullScanIterator() { return NewIterator(); }
};

using MemTableReaderRef = std::shared_ptr<MemTableReader>;

namespace memtable_internal {

// MemTableReader::NewBatchLookup's default: no rounds.
class SyncBatchLookup final : public MemTableBatchLookup {
 public:
  SyncBatchLookup(const MemTableReader* reader,
                  const std::vector<const LookupKey*>& keys,
                  std::vector<char> skip)
      : reader_(reader), keys_(keys), skip_(std::move(skip)) {}
  bool PostRound() override { return false; }
  void WaitRound() override {}
  void Finish(std::vector<std::string>* values, std::vector<Status>* statuses,
              std::vector<char>* decided) override {
    std::vector<char> d = *decided;
    for (size_t k = 0; k < d.size(); k++) d[k] = d[k] || skip_[k];
    const std::vector<char> asked = d;
    reader_->MultiGet(keys_, values, statuses, &d);
    for (size_t k = 0; k < d.size(); k++) {
      if (!asked[k] && d[k]) (*decided)[k] = 1;
    }
  }

 private:
  const MemTableReader* const reader_;
  const std::vector<const LookupKey*>& keys_;
  const std::vector<char> skip_;
};

}  // namespace memtable_internal

inline std::unique_ptr<MemTableBatchLookup> MemTableReader::NewBatchLookup(
    const std::vector<const LookupKey*>& keys, std::vector<char> skip) {
  return std::make_unique<memtable_internal::SyncBatchLookup>(this, keys,
                                                              std::move(skip));
}

}  // namespace o3lsm

#endif  // O3LSM_LSM_MEMTABLE_MEMTABLE_READER_H_
