// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "python/status_error.h"

#include <array>

namespace o3lsm::python {

namespace {

using Code = Status::Code;

// Every error code, with the name Status::ToString prints for it: the
// Python class and its `code` attribute are named after it.
struct CodeName {
  Code code;
  const char* name;
  const char* doc;
};
constexpr CodeName kCodeNames[] = {
    {Code::kNotFound, "NotFound", "Something looked up does not exist."},
    {Code::kCorruption, "Corruption",
     "Stored bytes were found damaged (a checksum mismatch, a malformed "
     "structure): retrying reads the same bad bytes."},
    {Code::kNotSupported, "NotSupported",
     "The operation is not supported here (e.g. a write to a database "
     "opened read-only)."},
    {Code::kInvalidArgument, "InvalidArgument",
     "A bad argument or option, a missing database without "
     "create_if_missing, or use of a closed database, iterator or "
     "snapshot."},
    {Code::kIOError, "IOError", "A file or device operation failed."},
    {Code::kBusy, "Busy",
     "A resource is in use (e.g. another process has the database open); "
     "retrying may succeed."},
    {Code::kTimedOut, "TimedOut",
     "An operation on the disaggregated-memory fabric timed out; retrying "
     "may succeed."},
    {Code::kUnavailable, "Unavailable",
     "A peer (memory node, worker) is gone; retrying may succeed."},
    {Code::kAborted, "Aborted", "The operation was abandoned."},
    {Code::kNoSpace, "NoSpace", "Storage or disaggregated memory is full."},
};

constexpr size_t kMaxCode = static_cast<size_t>(Code::kNoSpace);

// The Python classes, indexed by code; [kOk] is o3lsm.Error itself (the
// class of a code this table does not know). Owned references: the module
// is never unloaded.
std::array<PyObject*, kMaxCode + 1> error_classes{};

const CodeName* FindCode(Code code) {
  for (const CodeName& entry : kCodeNames) {
    if (entry.code == code) return &entry;
  }
  return nullptr;
}

// Sets the Python error for a failed status. REQUIRES: the GIL is held.
void SetPythonError(const Status& status) {
  const size_t index = static_cast<size_t>(status.code());
  PyObject* cls = index < error_classes.size() && error_classes[index]
                      ? error_classes[index]
                      : error_classes[0];
  const CodeName* entry = FindCode(status.code());
  py::object instance =
      py::reinterpret_borrow<py::object>(cls)(DecodeText(status.ToString()));
  instance.attr("code") =
      entry != nullptr ? py::str(entry->name) : py::str("Unknown");
  instance.attr("message") = DecodeText(status.message());
  PyErr_SetObject(cls, instance.ptr());
}

}  // namespace

void ThrowInvalidArgument(std::string_view message) {
  throw StatusError(Status::InvalidArgument(message));
}

py::str DecodeText(std::string_view text) {
  PyObject* str = PyUnicode_DecodeUTF8(
      text.data(), static_cast<Py_ssize_t>(text.size()), "backslashreplace");
  if (str == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(str);
}

void RegisterErrors(py::module_& m) {
  py::dict error_attrs;
  error_attrs["code"] = py::none();
  error_attrs["message"] = py::none();
  PyObject* error = PyErr_NewExceptionWithDoc(
      "o3lsm.Error",
      "An o3lsm operation failed. `code` names the Status code "
      "(\"Corruption\", \"IOError\", ...), `message` is the text after it; "
      "str(e) is both, as the engine prints a Status. Each code has its "
      "own subclass (o3lsm.Corruption, ...).",
      PyExc_Exception, error_attrs.ptr());
  if (error == nullptr) throw py::error_already_set();
  error_classes[0] = error;
  m.add_object("Error", py::reinterpret_borrow<py::object>(error));

  for (const CodeName& entry : kCodeNames) {
    py::dict attrs;
    attrs["code"] = py::str(entry.name);
    const std::string qualified = std::string("o3lsm.") + entry.name;
    PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), entry.doc,
                                              error, attrs.ptr());
    if (cls == nullptr) throw py::error_already_set();
    error_classes[static_cast<size_t>(entry.code)] = cls;
    m.add_object(entry.name, py::reinterpret_borrow<py::object>(cls));
  }

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      try {
        SetPythonError(e.status());
      } catch (py::error_already_set& failed) {
        failed.restore();  // e.g. MemoryError while building the exception
      }
    }
  });
}

}  // namespace o3lsm::python
