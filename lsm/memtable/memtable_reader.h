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

class MemTableReader {
 public:
  virtual ~MemTableReader() = default;

  // Looks key up as of key.sequence(). Returns true if the memtable decides
  // the answer: *value set and *s OK for a value, *s NotFound for a
  // deletion, *s an error if the memtable could not be read. Returns false
  // if the key is not here.
  virtual bool Get(const LookupKey& key, std::string* value,
                   Status* s) const = 0;

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

  // An iterator over internal keys; it keeps what it reads alive. Tuned
  // for seeks and short scans.
  virtual Iterator* NewIterator() = 0;

  // An iterator for reading everything once, in order (a flush).
  virtual Iterator* NewFullScanIterator() { return NewIterator(); }
};

using MemTableReaderRef = std::shared_ptr<MemTableReader>;

}  // namespace o3lsm

#endif  // O3LSM_LSM_MEMTABLE_MEMTABLE_READER_H_
