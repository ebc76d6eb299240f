// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "python/py_db.h"

#include <chrono>
#include <utility>
#include <vector>

#include "python/bytes_arg.h"
#include "python/open_options.h"
#include "python/py_iterator.h"
#include "python/py_write_batch.h"
#include "python/status_error.h"

namespace o3lsm::python {

namespace {

WriteOptions MakeWriteOptions(bool sync) {
  WriteOptions options;
  options.sync = sync;
  return options;
}

ReadOptions MakeReadOptions(const EngineCall& call, bool fill_cache,
                            bool verify_checksums) {
  ReadOptions options;
  options.snapshot = call.snapshot();
  options.fill_cache = fill_cache;
  options.verify_checksums = verify_checksums;
  return options;
}

}  // namespace

PySnapshot* SnapshotArg(py::handle snapshot) {
  if (snapshot.is_none()) return nullptr;
  if (!py::isinstance<PySnapshot>(snapshot)) {
    throw py::type_error(
        std::string("snapshot must be an o3lsm.Snapshot or None, not ") +
        Py_TYPE(snapshot.ptr())->tp_name);
  }
  return snapshot.cast<PySnapshot*>();
}

// ---- EngineCall ----

EngineCall::EngineCall(PyDB* db, PySnapshot* snapshot)
    : db_(db), snapshot_(snapshot) {
  std::lock_guard<std::mutex> lock(db_->mu_);
  if (db_->state_ != PyDB::State::kOpen) {
    ThrowInvalidArgument("database is closed");
  }
  if (snapshot_ != nullptr) {
    if (snapshot_->db_ != db_) {
      ThrowInvalidArgument("the snapshot belongs to another database");
    }
    if (snapshot_->released_) ThrowInvalidArgument("snapshot is released");
    snapshot_->users_++;
    engine_snapshot_ = snapshot_->snapshot_;
  }
  db_->active_++;
}

EngineCall::~EngineCall() {
  std::lock_guard<std::mutex> lock(db_->mu_);
  if (snapshot_ != nullptr) {
    snapshot_->users_--;
    snapshot_->MaybeReleaseLocked();
  }
  if (--db_->active_ == 0) db_->idle_cv_.notify_all();
}

// ---- PySnapshot ----

PySnapshot::PySnapshot(PyDB* db, const Snapshot* snapshot)
    : db_(db), snapshot_(snapshot) {
  std::lock_guard<std::mutex> lock(db_->mu_);
  db_->snapshots_.insert(this);
}

PySnapshot::~PySnapshot() {
  std::lock_guard<std::mutex> lock(db_->mu_);
  released_ = true;
  MaybeReleaseLocked();  // no call uses it: nothing holds a reference
  db_->snapshots_.erase(this);
}

void PySnapshot::Release() {
  std::lock_guard<std::mutex> lock(db_->mu_);
  released_ = true;
  MaybeReleaseLocked();
}

bool PySnapshot::released() {
  std::lock_guard<std::mutex> lock(db_->mu_);
  return released_;
}

void PySnapshot::MaybeReleaseLocked() {
  // A non-null snapshot_ means the database has not closed yet: its Close
  // releases every registered snapshot under mu_ before the DB goes.
  if (released_ && users_ == 0 && snapshot_ != nullptr) {
    db_->db_->ReleaseSnapshot(snapshot_);
    snapshot_ = nullptr;
  }
}

// ---- PyDB ----

PyDB::PyDB(std::string path, const py::kwargs& options)
    : path_(std::move(path)) {
  const OpenRequest request = ParseOpenOptions(options);
  read_only_ = request.read_only;
  Status s;
  {
    py::gil_scoped_release nogil;
    s = request.read_only
            ? DB::OpenForReadOnly(request.options, path_, &db_,
                                  request.error_if_wal_file_exists)
            : DB::Open(request.options, path_, &db_);
  }
  ThrowIfError(s);
}

PyDB::~PyDB() {
  try {
    Close();
  } catch (const StatusError&) {
    // A destructor has no one to tell; close() reports it.
  }
}

bool PyDB::closed() {
  std::lock_guard<std::mutex> lock(mu_);
  return state_ != State::kOpen;
}

void PyDB::Put(py::handle key, py::handle value, bool sync) {
  BytesArg k(key, "key"), v(value, "value");
  EngineCall call(this);
  Status s;
  {
    py::gil_scoped_release nogil;
    s = call.db()->Put(MakeWriteOptions(sync), k.slice(), v.slice());
  }
  ThrowIfError(s);
}

py::object PyDB::Get(py::handle key, py::object default_value,
                     py::handle snapshot, bool fill_cache,
                     bool verify_checksums) {
  BytesArg k(key, "key");
  EngineCall call(this, SnapshotArg(snapshot));
  const ReadOptions options =
      MakeReadOptions(call, fill_cache, verify_checksums);
  std::string value;
  Status s;
  {
    py::gil_scoped_release nogil;
    s = call.db()->Get(options, k.slice(), &value);
  }
  if (s.IsNotFound()) return default_value;
  ThrowIfError(s);
  return py::bytes(value);
}

void PyDB::Delete(py::handle key, bool sync) {
  BytesArg k(key, "key");
  EngineCall call(this);
  Status s;
  {
    py::gil_scoped_release nogil;
    s = call.db()->Delete(MakeWriteOptions(sync), k.slice());
  }
  ThrowIfError(s);
}

void PyDB::DeleteRange(py::handle begin, py::handle end, bool sync) {
  BytesArg b(begin, "begin"), e(end, "end");
  EngineCall call(this);
  Status s;
  {
    py::gil_scoped_release nogil;
    s = call.db()->DeleteRange(MakeWriteOptions(sync), b.slice(), e.slice());
  }
  ThrowIfError(s);
}

void PyDB::Write(PyWriteBatch* batch, bool sync) {
  PyWriteBatch::Writing writing(batch);  // before the call: GIL held
  EngineCall call(this);
  Status s;
  {
    py::gil_scoped_release nogil;
    s = call.db()->Write(MakeWriteOptions(sync), batch->batch());
  }
  ThrowIfError(s);
}

py::list PyDB::MultiGet(py::iterable keys, py::handle snapshot, bool fill_cache,
                        bool verify_checksums) {
  std::vector<BytesArg> args;
  for (py::handle key : keys) args.emplace_back(key, "key");
  std::vector<Slice> slices;
  slices.reserve(args.size());
  for (const BytesArg& arg : args) slices.push_back(arg.slice());

  EngineCall call(this, SnapshotArg(snapshot));
  const ReadOptions options =
      MakeReadOptions(call, fill_cache, verify_checksums);
  std::vector<std::string> values;
  std::vector<Status> statuses;
  {
    py::gil_scoped_release nogil;
    statuses = call.db()->MultiGet(options, slices, &values);
  }
  py::list result(statuses.size());
  for (size_t i = 0; i < statuses.size(); i++) {
    if (statuses[i].IsNotFound()) {
      result[i] = py::none();
    } else {
      ThrowIfError(statuses[i]);
      result[i] = py::bytes(values[i]);
    }
  }
  return result;
}

void PyDB::Flush(bool wait) {
  EngineCall call(this);
  FlushOptions options;
  options.wait = wait;
  Status s;
  {
    py::gil_scoped_release nogil;
    s = call.db()->Flush(options);
  }
  ThrowIfError(s);
}

void PyDB::CompactRange(py::handle begin, py::handle end) {
  std::optional<BytesArg> b, e;
  if (!begin.is_none()) b.emplace(begin, "begin");
  if (!end.is_none()) e.emplace(end, "end");
  EngineCall call(this);
  Status s;
  {
    py::gil_scoped_release nogil;
    const Slice begin_slice = b ? b->slice() : Slice();
    const Slice end_slice = e ? e->slice() : Slice();
    s = call.db()->CompactRange(b ? &begin_slice : nullptr,
                                e ? &end_slice : nullptr);
  }
  ThrowIfError(s);
}

py::object PyDB::GetProperty(const std::string& name) {
  EngineCall call(this);
  std::string value;
  bool known;
  {
    py::gil_scoped_release nogil;
    known = call.db()->GetProperty(name, &value);
  }
  if (!known) return py::none();
  return DecodeText(value);
}

std::unique_ptr<PySnapshot> PyDB::NewSnapshot() {
  EngineCall call(this);
  const Snapshot* snapshot;
  {
    py::gil_scoped_release nogil;
    snapshot = call.db()->GetSnapshot();
  }
  return std::make_unique<PySnapshot>(this, snapshot);
}

void PyDB::Close() {
  std::unique_ptr<DB> db;
  Status s;
  {
    py::gil_scoped_release nogil;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (state_ != State::kOpen) {
        // Closed, or closing in another thread: return once it is closed,
        // so that the caller may reopen the path.
        idle_cv_.wait(lock, [this] { return state_ == State::kClosed; });
        return;
      }
      state_ = State::kClosing;  // EngineCalls are refused from here on
      idle_cv_.wait(lock, [this] { return active_ == 0; });
      // The engine wants its iterators and snapshots gone before it
      // closes. No EngineCall runs, so no iterator is being moved.
      for (PyIterator* it : iterators_) {
        it->it_.reset();
        it->at_entry_.store(false, std::memory_order_release);
      }
      iterators_.clear();
      for (PySnapshot* snapshot : snapshots_) {
        if (snapshot->snapshot_ != nullptr) {
          db_->ReleaseSnapshot(snapshot->snapshot_);
          snapshot->snapshot_ = nullptr;
        }
        snapshot->released_ = true;
      }
      snapshots_.clear();
      db = std::move(db_);
    }
    s = db->Close();
    db.reset();
    {
      std::lock_guard<std::mutex> lock(mu_);
      state_ = State::kClosed;
    }
    idle_cv_.notify_all();
  }
  ThrowIfError(s);
}

py::tuple PyDB::TimeGets(py::iterable keys) {
  std::vector<std::string> copies;
  for (py::handle key : keys) {
    copies.push_back(BytesArg(key, "key").slice().ToString());
  }
  EngineCall call(this);
  size_t found = 0;
  Status error;
  std::chrono::steady_clock::duration elapsed;
  {
    py::gil_scoped_release nogil;
    const ReadOptions options;
    std::string value;
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& key : copies) {
      Status s = call.db()->Get(options, key, &value);
      if (s.ok()) {
        found++;
      } else if (!s.IsNotFound()) {
        error = std::move(s);
        break;
      }
    }
    elapsed = std::chrono::steady_clock::now() - start;
  }
  ThrowIfError(error);
  return py::make_tuple(std::chrono::duration<double>(elapsed).count(), found);
}

}  // namespace o3lsm::python
