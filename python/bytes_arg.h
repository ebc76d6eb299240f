// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// BytesArg is a key, value or bound passed from Python, made safe to read
// while the GIL is released. Keys and values are bytes-like: bytes,
// bytearray, memoryview or any object exporting a contiguous buffer; a str
// (or anything else) raises TypeError, since which encoding the caller meant
// is not ours to guess.
//
// A bytes object is immutable, so BytesArg reads it in place and holds a
// reference to it. Any other buffer is copied: once the GIL is released,
// another thread may resize or change a bytearray.
//
// Thread safety: construct and destroy with the GIL held (they touch
// reference counts); slice() may be read from any thread while it lives.

#ifndef O3LSM_PYTHON_BYTES_ARG_H_
#define O3LSM_PYTHON_BYTES_ARG_H_

#include <pybind11/pybind11.h>
#include <string>

#include "o3lsm/slice.h"

namespace o3lsm::python {

namespace py = pybind11;

class BytesArg {
 public:
  // what names the argument in the TypeError ("key", "value", ...).
  // REQUIRES: the GIL is held. Throws py::type_error.
  BytesArg(py::handle obj, const char* what);

  // Movable (slice() follows the bytes), not copyable.
  BytesArg(BytesArg&&) = default;
  BytesArg& operator=(BytesArg&&) = default;

  // Valid while this BytesArg lives.
  Slice slice() const { return owner_ ? Slice(data_, size_) : Slice(copy_); }

 private:
  py::object owner_;  // the bytes object read in place, or null
  const char* data_ = nullptr;
  size_t size_ = 0;
  std::string copy_;  // the copied buffer when owner_ is null
};

// bytes with a copy of s. REQUIRES: the GIL is held.
inline py::bytes ToBytes(const Slice& s) {
  return py::bytes(s.data(), s.size());
}

}  // namespace o3lsm::python

#endif  // O3LSM_PYTHON_BYTES_ARG_H_
