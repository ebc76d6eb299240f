// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The keyword arguments of o3lsm.DB(path, **options), turned into the
// engine's Options. Each keyword is named after its Options field and takes
// a Python value of the field's kind (bool, int, float, str); the enum
// fields take the words the tools use:
//   compression        "none", "zstd", "lz4", "snappy"
//   offload            "none", "all", or a comma list of "memtable",
//                      "flush", "compaction" (ParseOffloadLayers)
//   dm_read_mode       "adaptive", "one-sided", "delegated", "cached"
//   dm_segment_layout  "arena", "sorted"
// None for any keyword keeps the default. Two keywords are not Options
// fields: read_only (open with DB::OpenForReadOnly) and
// error_if_wal_file_exists (its argument). create_if_missing defaults to
// True here, unlike Options (a Python user opening a path expects it to be
// made, as plyvel does).
//
// Errors: an unknown keyword or a value of the wrong type raises TypeError;
// an int out of the field's range raises OverflowError; a word the parser
// does not know raises o3lsm.InvalidArgument (the engine's own parsers say
// which word).

#ifndef O3LSM_PYTHON_OPEN_OPTIONS_H_
#define O3LSM_PYTHON_OPEN_OPTIONS_H_

#include <pybind11/pybind11.h>
#include <string>

#include "o3lsm/options.h"

namespace o3lsm::python {

namespace py = pybind11;

struct OpenRequest {
  Options options;
  bool read_only = false;
  bool error_if_wal_file_exists = false;
};

// REQUIRES: the GIL is held.
OpenRequest ParseOpenOptions(const py::kwargs& kwargs);

// The keywords ParseOpenOptions accepts, in table order (for the docstring
// and the tests).
std::string OpenOptionNames();

}  // namespace o3lsm::python

#endif  // O3LSM_PYTHON_OPEN_OPTIONS_H_
