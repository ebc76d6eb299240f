// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "python/bytes_arg.h"

namespace o3lsm::python {

BytesArg::BytesArg(py::handle obj, const char* what) {
  PyObject* o = obj.ptr();
  if (PyBytes_Check(o)) {
    owner_ = py::reinterpret_borrow<py::object>(obj);
    data_ = PyBytes_AS_STRING(o);
    size_ = static_cast<size_t>(PyBytes_GET_SIZE(o));
    return;
  }
  if (PyUnicode_Check(o)) {
    throw py::type_error(std::string(what) +
                         " must be bytes, not str (encode it first)");
  }
  if (!PyObject_CheckBuffer(o)) {
    throw py::type_error(std::string(what) + " must be bytes-like, not " +
                         Py_TYPE(o)->tp_name);
  }
  Py_buffer view;
  if (PyObject_GetBuffer(o, &view, PyBUF_SIMPLE) != 0) {
    throw py::error_already_set();  // e.g. a non-contiguous memoryview
  }
  copy_.assign(static_cast<const char*>(view.buf),
               static_cast<size_t>(view.len));
  PyBuffer_Release(&view);
}

}  // namespace o3lsm::python
