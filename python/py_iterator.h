// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PyIterator is o3lsm.Iterator: a cursor over the database (as of a
// snapshot, or of its creation) that is also a Python iterator.
//
// The cursor is at an entry (valid is True; key() and value() read it) or
// off one end of the range. Moves:
//   seek_to_first(), seek_to_last()  the first / last entry
//   seek(key)            the first entry with a key >= key
//   seek_for_prev(key)   the last entry with a key <= key
//   next(it)             returns the entry at the cursor, then moves it one
//                        entry in the iteration direction
//   prev()               moves it one entry against the iteration direction,
//                        then returns the entry there
// so next(it) followed by it.prev() returns the same entry twice. The
// direction is ascending key order, or descending with reverse=True; seeks
// take the same keys either way (a descending scan from k starts with
// seek_for_prev(k)). A new iterator's cursor is before the first entry of
// its direction: the first next(it) returns the first entry (the last one
// with reverse=True). A cursor that went off an end comes back from it: past
// the last entry, a move toward the entries returns the last one. At an end,
// next(it) and prev() raise StopIteration.
//
// What next(it) and prev() return: (key, value), or key alone with
// include_value=False, or value alone with include_key=False.
//
// Bounds: lower_bound (inclusive) and upper_bound (exclusive) are copied
// into the iterator, since ReadOptions only points at them; the engine
// honours them in every move.
//
// Lifetime: the binding keeps the DB object alive while the iterator lives.
// close() (or the end of a `with` block) frees the engine's iterator, which
// pins memtables and files; closing the database closes its iterators.
// Using a closed iterator raises o3lsm.InvalidArgument.
//
// Thread safety: any thread may use it; mu_ orders the moves. mu_ is taken
// with the GIL released and never held while taking the GIL or the DB's
// mutex.

#ifndef O3LSM_PYTHON_PY_ITERATOR_H_
#define O3LSM_PYTHON_PY_ITERATOR_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <pybind11/pybind11.h>
#include <string>

#include "o3lsm/iterator.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"

#include "python/bytes_arg.h"

namespace o3lsm::python {

namespace py = pybind11;

class PyDB;
class PySnapshot;

class PyIterator {
 public:
  struct Config {
    std::optional<std::string> lower_bound;
    std::optional<std::string> upper_bound;
    PySnapshot* snapshot = nullptr;
    bool reverse = false;
    bool include_key = true;
    bool include_value = true;
    bool fill_cache = true;
    bool verify_checksums = false;
  };

  // Creates the engine's iterator (GIL released). REQUIRES: the GIL is held.
  PyIterator(PyDB* db, Config config);
  PyIterator(const PyIterator&) = delete;
  PyIterator& operator=(const PyIterator&) = delete;
  ~PyIterator();

  // The Python methods; see the top of the file. REQUIRES: the GIL is held.
  py::object Next();
  py::object Prev();
  void SeekToFirst();
  void SeekToLast();
  void Seek(py::handle key);
  void SeekForPrev(py::handle key);
  bool valid() const { return at_entry_.load(std::memory_order_acquire); }
  py::bytes key();
  py::bytes value();
  void Close();

 private:
  friend class PyDB;

  enum class Off { kBeforeFirst, kAfterLast };
  enum class Move {
    kSeekToFirst,
    kSeekToLast,
    kSeek,
    kSeekForPrev,
    kTakeAndStep,  // next(it)
    kStepBack,     // prev()
  };

  // What a move left under the cursor, copied out under mu_.
  struct Entry {
    bool valid = false;
    std::string key;
    std::string value;
    Status status;  // the iterator's error when !valid
  };

  // Runs move (target for the seeks) with the GIL released and mu_ held;
  // for kTakeAndStep the entry returned is the one before the step.
  Entry Run(Move move, const Slice* target, bool copy_entry);
  // Locked helpers. REQUIRES: mu_ held, it_ != nullptr.
  void Step(bool ascending);
  void EnterFromEnd(bool ascending);
  void Settle(Off off_if_invalid);
  // The Python value of an entry (tuple, key or value).
  py::object Result(const Entry& entry) const;
  // StopIteration, or the iterator's error.
  [[noreturn]] static void ThrowEnd(const Status& status);

  // Kept alive by the Python DB object (keep_alive in the binding).
  PyDB* const db_;
  // Owned copies of the bounds and the Slices ReadOptions points at.
  const std::optional<std::string> lower_bound_, upper_bound_;
  Slice lower_slice_, upper_slice_;
  const bool reverse_;
  const bool include_key_, include_value_;

  std::mutex mu_;
  // The engine's iterator; null once closed. Moved under mu_ inside an
  // EngineCall; reset by Close (mu_, EngineCall), by the database's Close
  // (db_->mu_, no EngineCall running) or by the destructor (db_->mu_).
  std::unique_ptr<Iterator> it_;
  Off off_;  // where the cursor is when !at_entry_; guarded by mu_
  // it_ is at an entry. Written under mu_; read by valid() without it.
  std::atomic<bool> at_entry_{false};
};

}  // namespace o3lsm::python

#endif  // O3LSM_PYTHON_PY_ITERATOR_H_
