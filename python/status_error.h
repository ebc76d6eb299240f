// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Engine errors as Python exceptions. A Status that is not OK reaches Python
// as an instance of o3lsm.Error, or rather of its subclass named after the
// code (o3lsm.NotFound, o3lsm.Corruption, o3lsm.NotSupported,
// o3lsm.InvalidArgument, o3lsm.IOError, o3lsm.Busy, o3lsm.TimedOut,
// o3lsm.Unavailable, o3lsm.Aborted, o3lsm.NoSpace), with two attributes:
//   code     the code's name, as Status::ToString prints it ("Corruption")
//   message  the text after it (Status::message())
// str(e) is Status::ToString(): "Corruption: 000012.sst offset 4096: ...".
//
// The bindings throw StatusError, a C++ exception, wherever they hold a
// failed Status; the translator that RegisterErrors installs turns it into
// the Python exception once the call is back in pybind11, with the GIL held.
// So a StatusError may be thrown with or without the GIL.
//
// Misuse that the engine never sees (a closed database, an iterator that is
// not at an entry, a released snapshot) raises o3lsm.InvalidArgument too,
// the way sqlite3 raises its own ProgrammingError for a closed connection.

#ifndef O3LSM_PYTHON_STATUS_ERROR_H_
#define O3LSM_PYTHON_STATUS_ERROR_H_

#include <exception>
#include <pybind11/pybind11.h>
#include <string>
#include <string_view>

#include "o3lsm/status.h"

namespace o3lsm::python {

namespace py = pybind11;

class StatusError : public std::exception {
 public:
  // REQUIRES: !status.ok()
  explicit StatusError(Status status)
      : status_(std::move(status)), text_(status_.ToString()) {}

  const Status& status() const { return status_; }
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  Status status_;
  std::string text_;
};

// Throws StatusError unless s is OK.
inline void ThrowIfError(const Status& s) {
  if (!s.ok()) throw StatusError(s);
}

// Throws an InvalidArgument StatusError with this message.
[[noreturn]] void ThrowInvalidArgument(std::string_view message);

// Text from the engine (messages, property values) as a Python str. Keys
// and file names inside it need not be UTF-8: bytes that are not come out
// as \xNN escapes instead of failing the call.
py::str DecodeText(std::string_view text);

// Creates o3lsm.Error and its subclasses in m, and installs the translator
// of StatusError.
void RegisterErrors(py::module_& m);

}  // namespace o3lsm::python

#endif  // O3LSM_PYTHON_STATUS_ERROR_H_
