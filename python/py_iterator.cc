// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "python/py_iterator.h"

#include <utility>

#include "o3lsm/db.h"

#include "python/py_db.h"
#include "python/status_error.h"

namespace o3lsm::python {

PyIterator::PyIterator(PyDB* db, Config config)
    : db_(db),
      lower_bound_(std::move(config.lower_bound)),
      upper_bound_(std::move(config.upper_bound)),
      reverse_(config.reverse),
      include_key_(config.include_key),
      include_value_(config.include_value),
      off_(config.reverse ? Off::kAfterLast : Off::kBeforeFirst) {
  if (lower_bound_) lower_slice_ = Slice(*lower_bound_);
  if (upper_bound_) upper_slice_ = Slice(*upper_bound_);
  EngineCall call(db_, config.snapshot);
  ReadOptions options;
  options.snapshot = call.snapshot();
  options.fill_cache = config.fill_cache;
  options.verify_checksums = config.verify_checksums;
  options.iterate_lower_bound = lower_bound_ ? &lower_slice_ : nullptr;
  options.iterate_upper_bound = upper_bound_ ? &upper_slice_ : nullptr;
  std::unique_ptr<Iterator> it;
  {
    py::gil_scoped_release nogil;
    it = call.db()->NewIterator(options);
  }
  it_ = std::move(it);
  // Registered inside the call, so the database's Close cannot have passed
  // its wait and will see it.
  std::lock_guard<std::mutex> lock(db_->mu_);
  db_->iterators_.insert(this);
}

PyIterator::~PyIterator() {
  // Nothing else holds this object, so no move runs. A non-null it_ means
  // the database has not closed it, so its DB is still alive; db_->mu_
  // keeps the database's Close from passing until it_ is gone.
  std::lock_guard<std::mutex> lock(db_->mu_);
  db_->iterators_.erase(this);
  it_.reset();
}

void PyIterator::Settle(Off off_if_invalid) {
  const bool valid = it_->Valid();
  at_entry_.store(valid, std::memory_order_release);
  if (!valid) off_ = off_if_invalid;
}

void PyIterator::Step(bool ascending) {
  if (ascending) {
    it_->Next();
    Settle(Off::kAfterLast);
  } else {
    it_->Prev();
    Settle(Off::kBeforeFirst);
  }
}

void PyIterator::EnterFromEnd(bool ascending) {
  if (ascending && off_ == Off::kBeforeFirst) {
    it_->SeekToFirst();
    Settle(Off::kBeforeFirst);
  } else if (!ascending && off_ == Off::kAfterLast) {
    it_->SeekToLast();
    Settle(Off::kAfterLast);
  }
}

PyIterator::Entry PyIterator::Run(Move move, const Slice* target,
                                  bool copy_entry) {
  EngineCall call(db_);  // raises once the database is closed
  Entry entry;
  bool closed = false;
  {
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(mu_);
    if (it_ == nullptr) {
      closed = true;
    } else {
      const bool forward = !reverse_;  // the iteration direction, ascending?
      bool copied = false;
      switch (move) {
        case Move::kSeekToFirst:
          it_->SeekToFirst();
          Settle(Off::kBeforeFirst);
          break;
        case Move::kSeekToLast:
          it_->SeekToLast();
          Settle(Off::kAfterLast);
          break;
        case Move::kSeek:
          it_->Seek(*target);
          Settle(Off::kAfterLast);
          break;
        case Move::kSeekForPrev:
          it_->SeekForPrev(*target);
          Settle(Off::kBeforeFirst);
          break;
        case Move::kTakeAndStep:
          if (!at_entry_) EnterFromEnd(forward);
          if (at_entry_) {
            entry.valid = true;
            if (include_key_) entry.key = it_->key().ToString();
            if (include_value_) entry.value = it_->value().ToString();
            copied = true;
            // An error met by this step is raised by the next call: the
            // cursor stays off this end.
            Step(forward);
          }
          break;
        case Move::kStepBack:
          if (at_entry_) {
            Step(!forward);
          } else {
            EnterFromEnd(!forward);
          }
          break;
      }
      if (!copied) {
        entry.valid = at_entry_;
        if (entry.valid && copy_entry) {
          if (include_key_) entry.key = it_->key().ToString();
          if (include_value_) entry.value = it_->value().ToString();
        }
      }
      if (!entry.valid) entry.status = it_->status();
    }
  }
  if (closed) ThrowInvalidArgument("iterator is closed");
  return entry;
}

py::object PyIterator::Result(const Entry& entry) const {
  if (!include_value_) return py::bytes(entry.key);
  if (!include_key_) return py::bytes(entry.value);
  return py::make_tuple(py::bytes(entry.key), py::bytes(entry.value));
}

void PyIterator::ThrowEnd(const Status& status) {
  ThrowIfError(status);
  throw py::stop_iteration();
}

py::object PyIterator::Next() {
  Entry entry = Run(Move::kTakeAndStep, nullptr, true);
  if (!entry.valid) ThrowEnd(entry.status);
  return Result(entry);
}

py::object PyIterator::Prev() {
  Entry entry = Run(Move::kStepBack, nullptr, true);
  if (!entry.valid) ThrowEnd(entry.status);
  return Result(entry);
}

void PyIterator::SeekToFirst() {
  ThrowIfError(Run(Move::kSeekToFirst, nullptr, false).status);
}

void PyIterator::SeekToLast() {
  ThrowIfError(Run(Move::kSeekToLast, nullptr, false).status);
}

void PyIterator::Seek(py::handle key) {
  BytesArg target(key, "key");
  const Slice slice = target.slice();
  ThrowIfError(Run(Move::kSeek, &slice, false).status);
}

void PyIterator::SeekForPrev(py::handle key) {
  BytesArg target(key, "key");
  const Slice slice = target.slice();
  ThrowIfError(Run(Move::kSeekForPrev, &slice, false).status);
}

py::bytes PyIterator::key() {
  EngineCall call(db_);
  std::string key;
  bool closed = false, valid = false;
  {
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(mu_);
    closed = it_ == nullptr;
    valid = !closed && at_entry_;
    if (valid) key = it_->key().ToString();
  }
  if (closed) ThrowInvalidArgument("iterator is closed");
  if (!valid) ThrowInvalidArgument("iterator is not at an entry");
  return py::bytes(key);
}

py::bytes PyIterator::value() {
  EngineCall call(db_);
  std::string value;
  bool closed = false, valid = false;
  {
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(mu_);
    closed = it_ == nullptr;
    valid = !closed && at_entry_;
    if (valid) value = it_->value().ToString();
  }
  if (closed) ThrowInvalidArgument("iterator is closed");
  if (!valid) ThrowInvalidArgument("iterator is not at an entry");
  return py::bytes(value);
}

void PyIterator::Close() {
  if (db_->closed()) return;  // the database closed it
  std::optional<EngineCall> call;
  try {
    call.emplace(db_);
  } catch (const StatusError&) {
    return;  // closed meanwhile
  }
  py::gil_scoped_release nogil;
  std::lock_guard<std::mutex> lock(mu_);
  it_.reset();
  at_entry_.store(false, std::memory_order_release);
}

}  // namespace o3lsm::python
