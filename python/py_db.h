// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PyDB is o3lsm.DB: an open o3lsm::DB shared by Python threads, closed by
// close(), by the end of a `with` block, or when the object is collected.
// PySnapshot is o3lsm.Snapshot.
//
// Every engine call runs with the GIL released, so Python threads read and
// write in parallel. What keeps that safe:
//   - Arguments are BytesArgs: bytes read in place (immutable, referenced),
//     anything else copied, before the GIL is released.
//   - Each call into the engine is an EngineCall. Close() refuses new calls
//     (they raise o3lsm.InvalidArgument "database is closed"), waits for
//     the running ones to end, then closes every iterator and releases every
//     snapshot still alive (the engine requires both before the DB goes),
//     then closes the engine's DB. So closing while another thread reads, or
//     while iterators are alive, neither crashes nor blocks: the iterators
//     raise on their next use.
//   - A snapshot in use by a call is released by the engine only when that
//     call ends (PySnapshot::users_), whatever thread calls release().
//
// Locking: mu_ guards the fields marked "guarded by mu_" here and in
// PySnapshot and PyIterator. Never wait for mu_ for long with the GIL held:
// mu_ is only held briefly (Close waits on idle_cv_, which releases it), and
// no code takes the GIL while holding mu_. Lock order: the GIL, then mu_;
// PyIterator::mu_ is never held together with mu_.

#ifndef O3LSM_PYTHON_PY_DB_H_
#define O3LSM_PYTHON_PY_DB_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <pybind11/pybind11.h>
#include <string>
#include <unordered_set>

#include "o3lsm/db.h"

namespace o3lsm::python {

namespace py = pybind11;

class PyIterator;
class PySnapshot;
class PyWriteBatch;

class PyDB {
 public:
  // Opens the database with the GIL released. options: the keywords of
  // open_options.h. Raises o3lsm.Error if the engine refuses.
  PyDB(std::string path, const py::kwargs& options);
  PyDB(const PyDB&) = delete;
  PyDB& operator=(const PyDB&) = delete;
  // Closes if still open, ignoring the status (GIL held on entry, released
  // while closing).
  ~PyDB();

  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }
  bool closed();

  // The methods of o3lsm.DB; each raises o3lsm.Error for a failed Status
  // and o3lsm.InvalidArgument once the database is closed. REQUIRES: the
  // GIL is held (each releases it around the engine call).
  void Put(py::handle key, py::handle value, bool sync);
  // value, or default_value if the key does not exist.
  // snapshot: an o3lsm.Snapshot or None (SnapshotArg).
  py::object Get(py::handle key, py::object default_value, py::handle snapshot,
                 bool fill_cache, bool verify_checksums);
  void Delete(py::handle key, bool sync);
  void DeleteRange(py::handle begin, py::handle end, bool sync);
  void Write(PyWriteBatch* batch, bool sync);
  // A list with bytes, or None for a missing key, per key.
  py::list MultiGet(py::iterable keys, py::handle snapshot, bool fill_cache,
                    bool verify_checksums);
  void Flush(bool wait);
  // None means unbounded.
  void CompactRange(py::handle begin, py::handle end);
  // str, or None for an unknown property.
  py::object GetProperty(const std::string& name);
  std::unique_ptr<PySnapshot> NewSnapshot();
  // A no-op once closed. Raises the status of the engine's Close.
  void Close();

  // Looks every key up with DB::Get in a C++ loop, GIL released, and
  // returns (seconds, found): the engine's own cost per get, to compare
  // with get() called from Python (python/bench_get.py).
  py::tuple TimeGets(py::iterable keys);

 private:
  friend class EngineCall;
  friend class PyIterator;
  friend class PySnapshot;

  enum class State { kOpen, kClosing, kClosed };

  const std::string path_;
  bool read_only_ = false;

  std::mutex mu_;
  std::condition_variable idle_cv_;  // active_ reached 0, or kClosed
  State state_ = State::kOpen;       // guarded by mu_
  int active_ = 0;                   // EngineCalls running; guarded by mu_
  // Set at open; moved out by Close once no EngineCall runs. Read without
  // mu_ by EngineCalls, which keep it from changing.
  std::unique_ptr<DB> db_;
  // Alive and not yet closed by the database; guarded by mu_.
  std::unordered_set<PyIterator*> iterators_;
  std::unordered_set<PySnapshot*> snapshots_;
};

// The snapshot= argument: nullptr for None, else the Snapshot; TypeError for
// anything else. (Taken as an object rather than a PySnapshot* because
// pybind11 converts None to a pointer only in its second pass over the
// overloads, after a failed first pass that formats and drops an
// AttributeError: a get from Python took 4.1 us instead of 2.3 with it, on
// a loaded machine.) REQUIRES: the GIL is held.
PySnapshot* SnapshotArg(py::handle snapshot);

// One call into the engine. While it lives the database stays open (Close
// waits for it) and so does the snapshot it reads at, if any. Construct
// with the GIL held; the destructor needs no GIL.
class EngineCall {
 public:
  // Throws o3lsm.InvalidArgument if the database is closed or closing, or
  // if snapshot is released or belongs to another database.
  explicit EngineCall(PyDB* db, PySnapshot* snapshot = nullptr);
  EngineCall(const EngineCall&) = delete;
  EngineCall& operator=(const EngineCall&) = delete;
  ~EngineCall();

  DB* db() const { return db_->db_.get(); }
  // The engine's snapshot, or nullptr when the call reads the latest state.
  const Snapshot* snapshot() const { return engine_snapshot_; }

 private:
  PyDB* const db_;
  PySnapshot* const snapshot_;
  const Snapshot* engine_snapshot_ = nullptr;
};

class PySnapshot {
 public:
  // REQUIRES: inside an EngineCall on db (so the DB is open).
  PySnapshot(PyDB* db, const Snapshot* snapshot);
  PySnapshot(const PySnapshot&) = delete;
  PySnapshot& operator=(const PySnapshot&) = delete;
  // Releases it if release() was not called.
  ~PySnapshot();

  // Later uses raise o3lsm.InvalidArgument; the engine's snapshot is
  // released now, or when the last call reading at it ends. Idempotent.
  void Release();
  bool released();

 private:
  friend class EngineCall;
  friend class PyDB;

  // REQUIRES: db_->mu_ held. Releases the engine's snapshot once released_
  // and no call uses it.
  void MaybeReleaseLocked();

  // Kept alive by the Python DB object (keep_alive in the binding).
  PyDB* const db_;
  const Snapshot* snapshot_;  // null once released; guarded by db_->mu_
  bool released_ = false;     // guarded by db_->mu_
  int users_ = 0;             // EngineCalls reading at it; guarded by db_->mu_
};

}  // namespace o3lsm::python

#endif  // O3LSM_PYTHON_PY_DB_H_
