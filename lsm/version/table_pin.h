// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TablePin keeps an SST's open Table with its FileMetaData, so that readers
// of a version reach the table without a table cache lookup (a shard mutex
// and a reference count per file per read; the profile of 8-thread seeks
// put a seventh of the time there). The TableCache decides what to pin and
// bounds how many (see TableCache); the pin lets go of the table when the
// FileMetaData goes, that is when no version holds the file any more.
//
// Thread safety: get() and Pin() may be called concurrently; the first Pin
// wins. A copy of a FileMetaData (an edit's) starts unpinned.

#ifndef O3LSM_LSM_VERSION_TABLE_PIN_H_
#define O3LSM_LSM_VERSION_TABLE_PIN_H_

#include <atomic>
#include <memory>

namespace o3lsm {

class Table;

class TablePin {
 public:
  TablePin() = default;
  TablePin(const TablePin&) {}
  TablePin& operator=(const TablePin&) { return *this; }
  ~TablePin() { delete held_.load(std::memory_order_relaxed); }

  // The pinned table, or null. Valid as long as this pin.
  const Table* get() const {
    const std::shared_ptr<const Table>* held =
        held_.load(std::memory_order_acquire);
    return held != nullptr ? held->get() : nullptr;
  }

  // Pins table unless another is pinned already (then table is dropped).
  // Returns the table pinned.
  const Table* Pin(std::shared_ptr<const Table> table) {
    auto* mine = new std::shared_ptr<const Table>(std::move(table));
    std::shared_ptr<const Table>* expected = nullptr;
    if (held_.compare_exchange_strong(expected, mine,
                                      std::memory_order_acq_rel)) {
      return mine->get();
    }
    delete mine;
    return expected->get();
  }

 private:
  std::atomic<std::shared_ptr<const Table>*> held_{nullptr};
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_VERSION_TABLE_PIN_H_
