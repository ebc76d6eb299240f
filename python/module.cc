// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The Python module o3lsm: the bindings of DB, WriteBatch, Iterator and
// Snapshot, with their docstrings. docs/python.md is the user's guide; the
// classes themselves live in py_db.h, py_iterator.h and py_write_batch.h.

#include <memory>
#include <optional>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <string>

#include "o3lsm/db.h"

#include "python/bytes_arg.h"
#include "python/open_options.h"
#include "python/py_db.h"
#include "python/py_iterator.h"
#include "python/py_write_batch.h"
#include "python/status_error.h"

// __version__: the library's own VersionString() where the build has the
// generated o3lsm/version.h; else the project version CMake passes in.
#if __has_include("o3lsm/version.h")
#include "o3lsm/version.h"
#define O3LSM_PYTHON_VERSION_STRING (::o3lsm::VersionString())
#elif defined(O3LSM_PYTHON_VERSION)
#define O3LSM_PYTHON_VERSION_STRING O3LSM_PYTHON_VERSION
#else
#error "python/CMakeLists.txt defines O3LSM_PYTHON_VERSION"
#endif

namespace o3lsm::python {
namespace {

// A path as the file system takes it: str (encoded as os.fsencode does),
// bytes or os.PathLike.
std::string FsPath(py::handle path) {
  return py::module_::import("os").attr("fsencode")(path).cast<std::string>();
}

// The inverse, for DB.path: the str os.fsdecode makes of the bytes.
py::object FsDecode(const std::string& path) {
  return py::module_::import("os").attr("fsdecode")(py::bytes(path));
}

std::optional<std::string> OptionalBytes(py::handle obj, const char* what) {
  if (obj.is_none()) return std::nullopt;
  return BytesArg(obj, what).slice().ToString();
}

const char kModuleDoc[] = R"doc(
o3lsm: an LSM-tree key-value store for disaggregated memory.

    import o3lsm
    with o3lsm.DB("/tmp/example") as db:
        db.put(b"key", b"value")
        assert db.get(b"key") == b"value"
        for key, value in db:
            print(key, value)

Keys and values are bytes (any bytes-like object is accepted as an argument;
str raises TypeError); results are bytes. Errors are o3lsm.Error, subclassed
per Status code. Every call into the engine releases the GIL.
)doc";

const char kDBDoc[] = R"doc(
DB(path, **options)

Opens the database at path (str, bytes or os.PathLike). Keyword options,
each named after the C++ Options field (include/o3lsm/options.h) with its
default there unless said otherwise; None keeps the default:

  create_if_missing=True, error_if_exists=False, paranoid_checks
  read_only=False            open with DB::OpenForReadOnly (no writes)
  error_if_wal_file_exists   with read_only
  write_buffer_size, max_write_buffer_number, memtable_shards,
  allow_concurrent_memtable_write, memtable_bloom_size_ratio
  block_size, block_restart_interval, bloom_bits_per_key,
  compression ("none", "zstd", "lz4", "snappy"), compression_level,
  block_cache_size, allow_mmap_reads, max_open_files
  num_levels, level0_file_num_compaction_trigger,
  seek_compaction_bytes_per_seek, level0_slowdown_writes_trigger,
  level0_stop_writes_trigger,
  max_bytes_for_level_base, max_bytes_for_level_multiplier,
  target_file_size_base, delayed_write_rate, max_background_flushes,
  max_background_compactions, max_subcompactions, disable_auto_compactions
  offload ("none", "all" or e.g. "memtable,flush,compaction")
  dm_pool (a Fabric URI; empty or None: a pool inside this process)
  dm_write_buffer_budget, dm_segment_size,
  dm_segment_layout ("arena", "sorted"), embedded_workers,
  dm_read_mode ("adaptive", "one-sided", "delegated", "cached"),
  dm_key_cache_bytes, dm_block_cache_size, embedded_search_threads
  metrics_listen ("HOST:PORT": serve the DB's statistics as Prometheus
  metrics at http://HOST:PORT/metrics; raises o3lsm.IOError if the port
  is taken)

Raises o3lsm.InvalidArgument for a missing database without
create_if_missing, o3lsm.Busy if another process has it open, TypeError for
an unknown option or a value of the wrong type.

A DB is safe to use from many threads. close() (or leaving a `with` block)
waits for calls running in other threads, closes the DB's iterators and
releases its snapshots; using any of them afterwards raises
o3lsm.InvalidArgument.
)doc";

const char kIteratorDoc[] = R"doc(
A cursor over the database, from DB.iterator(), that is also a Python
iterator: `for key, value in db.iterator(...)`.

The cursor is at an entry (valid is True; key() and value() read it) or off
one end. next(it) returns the entry at the cursor and moves it one entry in
the iteration direction (ascending keys, or descending with reverse=True);
prev() moves it one entry the other way and returns the entry there, so
next(it) then it.prev() return the same entry. Both raise StopIteration at
an end. A new iterator starts before its first entry.

seek(key) moves to the first entry with a key >= key, seek_for_prev(key) to
the last entry with a key <= key, seek_to_first() / seek_to_last() to the
first / last entry, in either direction. A descending scan from k:
`it = db.iterator(reverse=True); it.seek_for_prev(k); for kv in it: ...`.

close() (or leaving a `with` block) frees what the iterator pins in the
engine; closing the database closes it too.
)doc";

}  // namespace

void DefineModule(py::module_& m) {
  m.doc() = kModuleDoc;
  m.attr("__version__") = O3LSM_PYTHON_VERSION_STRING;
  RegisterErrors(m);

  py::class_<PyWriteBatch>(m, "WriteBatch",
                           "Updates applied atomically by DB.write(batch).")
      .def(py::init<>())
      .def("put", &PyWriteBatch::Put, py::arg("key"), py::arg("value"),
           "Stores key -> value when the batch is written.")
      .def("delete", &PyWriteBatch::Delete, py::arg("key"),
           "Erases key when the batch is written.")
      .def("delete_range", &PyWriteBatch::DeleteRange, py::arg("begin"),
           py::arg("end"),
           "Erases every key k with begin <= k < end, as of this update's "
           "place in the batch.")
      .def("clear", &PyWriteBatch::Clear, "Removes every update.")
      .def("__len__", &PyWriteBatch::Count, "The number of updates.")
      .def_property_readonly("approximate_size", &PyWriteBatch::ApproximateSize,
                             "Bytes of the encoded batch (its WAL cost).")
      .def("__repr__", [](const PyWriteBatch& b) {
        return "<o3lsm.WriteBatch with " + std::to_string(b.Count()) +
               " updates>";
      });

  py::class_<PySnapshot>(
      m, "Snapshot",
      "A consistent read-only view of the database, from DB.snapshot(); "
      "pass it as snapshot= to get, multi_get and iterator. Released by "
      "release(), at the end of a `with` block, or when collected.")
      .def("release", &PySnapshot::Release,
           "Releases it (idempotent); using it afterwards raises "
           "o3lsm.InvalidArgument.")
      .def_property_readonly("released", &PySnapshot::released)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PySnapshot& s, py::args) { s.Release(); });

  py::class_<PyIterator>(m, "Iterator", kIteratorDoc)
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &PyIterator::Next)
      .def("prev", &PyIterator::Prev,
           "Moves against the iteration direction and returns the entry "
           "there; StopIteration at the end.")
      .def("seek", &PyIterator::Seek, py::arg("key"),
           "Moves to the first entry with a key >= key.")
      .def("seek_for_prev", &PyIterator::SeekForPrev, py::arg("key"),
           "Moves to the last entry with a key <= key.")
      .def("seek_to_first", &PyIterator::SeekToFirst,
           "Moves to the first entry (within the bounds).")
      .def("seek_to_last", &PyIterator::SeekToLast,
           "Moves to the last entry (within the bounds).")
      .def_property_readonly("valid", &PyIterator::valid,
                             "True if the cursor is at an entry.")
      .def("key", &PyIterator::key,
           "The key at the cursor; o3lsm.InvalidArgument if not valid.")
      .def("value", &PyIterator::value,
           "The value at the cursor; o3lsm.InvalidArgument if not valid.")
      .def("close", &PyIterator::Close,
           "Frees the engine's iterator; later uses raise "
           "o3lsm.InvalidArgument. Idempotent.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyIterator& it, py::args) { it.Close(); });

  py::class_<PyDB>(m, "DB", kDBDoc)
      .def(py::init([](py::handle path, const py::kwargs& options) {
             return std::make_unique<PyDB>(FsPath(path), options);
           }),
           py::arg("path"))
      .def("put", &PyDB::Put, py::arg("key"), py::arg("value"), py::kw_only(),
           py::arg("sync") = false,
           "Stores key -> value. sync: fdatasync the WAL first.")
      .def("get", &PyDB::Get, py::arg("key"), py::arg("default") = py::none(),
           py::kw_only(), py::arg("snapshot") = py::none(),
           py::arg("fill_cache") = true, py::arg("verify_checksums") = false,
           "The value of key as bytes, or default if it does not exist.")
      .def("delete", &PyDB::Delete, py::arg("key"), py::kw_only(),
           py::arg("sync") = false,
           "Erases key; not an error if it does not exist.")
      .def("delete_range", &PyDB::DeleteRange, py::arg("begin"), py::arg("end"),
           py::kw_only(), py::arg("sync") = false,
           "Erases every key k with begin <= k < end with one range "
           "tombstone. o3lsm.InvalidArgument if end < begin.")
      .def("write", &PyDB::Write, py::arg("batch"), py::kw_only(),
           py::arg("sync") = false, "Applies a WriteBatch atomically.")
      .def("multi_get", &PyDB::MultiGet, py::arg("keys"), py::kw_only(),
           py::arg("snapshot") = py::none(), py::arg("fill_cache") = true,
           py::arg("verify_checksums") = false,
           "Looks every key up as of one state: a list with the value "
           "(bytes) or None per key.")
      .def("flush", &PyDB::Flush, py::kw_only(), py::arg("wait") = true,
           "Writes the memtables to SST files.")
      .def("compact_range", &PyDB::CompactRange, py::arg("begin") = py::none(),
           py::arg("end") = py::none(),
           "Compacts the keys in [begin, end] (None: unbounded) down the "
           "levels; waits until done.")
      .def("get_property", &PyDB::GetProperty, py::arg("name"),
           "A property such as \"o3lsm.stats\" or \"o3lsm.segments\" as "
           "str, or None if unknown (include/o3lsm/db.h lists them).")
      .def("snapshot", &PyDB::NewSnapshot, py::keep_alive<0, 1>(),
           "A Snapshot of the current state.")
      .def(
          "iterator",
          [](PyDB& db, py::handle lower_bound, py::handle upper_bound,
             py::handle snapshot, bool reverse, bool include_key,
             bool include_value, bool fill_cache, bool verify_checksums) {
            if (!include_key && !include_value) {
              throw py::value_error(
                  "include_key and include_value cannot both be False");
            }
            PyIterator::Config config;
            config.lower_bound = OptionalBytes(lower_bound, "lower_bound");
            config.upper_bound = OptionalBytes(upper_bound, "upper_bound");
            config.snapshot = SnapshotArg(snapshot);
            config.reverse = reverse;
            config.include_key = include_key;
            config.include_value = include_value;
            config.fill_cache = fill_cache;
            config.verify_checksums = verify_checksums;
            return std::make_unique<PyIterator>(&db, std::move(config));
          },
          py::arg("lower_bound") = py::none(),
          py::arg("upper_bound") = py::none(), py::kw_only(),
          py::arg("snapshot") = py::none(), py::arg("reverse") = false,
          py::arg("include_key") = true, py::arg("include_value") = true,
          py::arg("fill_cache") = true, py::arg("verify_checksums") = false,
          py::keep_alive<0, 1>(),
          "An Iterator over keys k with lower_bound <= k < upper_bound "
          "(None: unbounded), as of snapshot (or now).")
      .def(
          "__iter__",
          [](PyDB& db) {
            return std::make_unique<PyIterator>(&db, PyIterator::Config());
          },
          py::keep_alive<0, 1>(), "Iterates over every (key, value).")
      .def("close", &PyDB::Close,
           "Closes the database (see the class). Idempotent.")
      .def_property_readonly("closed", &PyDB::closed)
      .def_property_readonly(
          "path", [](const PyDB& db) { return FsDecode(db.path()); },
          "The path the database was opened at, as str.")
      .def_property_readonly("read_only", &PyDB::read_only)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyDB& db, py::args) { db.Close(); })
      .def("__repr__",
           [](PyDB& db) {
             return py::str("<o3lsm.DB {!r} {}>")
                 .format(FsDecode(db.path()), db.closed() ? "closed" : "open");
           })
      .def("_time_gets", &PyDB::TimeGets, py::arg("keys"),
           "For python/bench_get.py: (seconds, found) of DB::Get over keys "
           "in a C++ loop.");

  m.def(
      "destroy_db",
      [](py::handle path) {
        const std::string p = FsPath(path);
        Status s;
        {
          py::gil_scoped_release nogil;
          s = DestroyDB(p, Options());
        }
        ThrowIfError(s);
      },
      py::arg("path"),
      "Deletes the database's files and directory; o3lsm.Busy if it is "
      "open.");
}

}  // namespace o3lsm::python

PYBIND11_MODULE(o3lsm, m) { o3lsm::python::DefineModule(m); }
