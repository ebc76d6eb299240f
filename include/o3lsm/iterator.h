// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// An Iterator yields a sequence of key/value pairs in key order. The DB's
// iterators see a consistent snapshot; the engine's internal iterators
// (blocks, tables, memtables, merges) use the same interface.
//
// Thread safety: const methods may be called concurrently; non-const methods
// need external synchronization.

#ifndef O3LSM_INCLUDE_ITERATOR_H_
#define O3LSM_INCLUDE_ITERATOR_H_

#include <functional>
#include <vector>

#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm {

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  // Runs the registered clean-up functions, in registration order.
  virtual ~Iterator();

  // True if the iterator is positioned at an entry.
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first entry with key >= target.
  virtual void Seek(const Slice& target) = 0;
  // Positions at the last entry with key <= target. The default seeks and
  // steps back, comparing keys bytewise; the DB's iterators override it.
  virtual void SeekForPrev(const Slice& target);
  // REQUIRES: Valid()
  virtual void Next() = 0;
  // REQUIRES: Valid()
  virtual void Prev() = 0;

  // REQUIRES: Valid(). The returned storage stays valid until the next
  // modification of the iterator.
  virtual Slice key() const = 0;
  // REQUIRES: Valid(). Same lifetime as key().
  virtual Slice value() const = 0;

  // The first error met, or OK. An iterator that hit an error is !Valid().
  virtual Status status() const = 0;

  // Runs fn when the iterator is destroyed; used to pin what the iterator
  // points into (a cached block, a memtable, a version).
  // Cleanups run in the order they were registered.
  void RegisterCleanup(std::function<void()> fn) {
    if (!first_cleanup_) {
      first_cleanup_ = std::move(fn);
    } else {
      more_cleanups_.push_back(std::move(fn));
    }
  }

 private:
  // Most iterators have one cleanup: it is held inline, so registering it
  // allocates nothing (a seek builds several iterators per table).
  std::function<void()> first_cleanup_;
  std::vector<std::function<void()>> more_cleanups_;
};

// An iterator over nothing that reports status s.
Iterator* NewEmptyIterator();
Iterator* NewErrorIterator(const Status& s);

}  // namespace o3lsm

#endif  // O3LSM_INCLUDE_ITERATOR_H_
