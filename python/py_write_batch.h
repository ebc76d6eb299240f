// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PyWriteBatch is o3lsm.WriteBatch: updates collected in Python and applied
// atomically by DB.write(). While DB.write() applies it (GIL released), the
// batch cannot change: its methods raise RuntimeError, and so does writing
// it from a second thread at the same time (the engine may write into the
// batch it applies).
//
// Thread safety: every field is guarded by the GIL.

#ifndef O3LSM_PYTHON_PY_WRITE_BATCH_H_
#define O3LSM_PYTHON_PY_WRITE_BATCH_H_

#include <pybind11/pybind11.h>

#include "o3lsm/write_batch.h"

#include "python/bytes_arg.h"

namespace o3lsm::python {

namespace py = pybind11;

class PyWriteBatch {
 public:
  void Put(py::handle key, py::handle value) {
    CheckNotWriting();
    BytesArg k(key, "key"), v(value, "value");
    batch_.Put(k.slice(), v.slice());
  }
  void Delete(py::handle key) {
    CheckNotWriting();
    BytesArg k(key, "key");
    batch_.Delete(k.slice());
  }
  void DeleteRange(py::handle begin, py::handle end) {
    CheckNotWriting();
    BytesArg b(begin, "begin"), e(end, "end");
    batch_.DeleteRange(b.slice(), e.slice());
  }
  void Clear() {
    CheckNotWriting();
    batch_.Clear();
  }
  uint32_t Count() const { return batch_.Count(); }
  size_t ApproximateSize() const { return batch_.ApproximateSize(); }

  // Marks the batch as being written for its lifetime. Construct and
  // destroy with the GIL held.
  class Writing {
   public:
    explicit Writing(PyWriteBatch* b) : batch_(b) {
      batch_->CheckNotWriting();
      batch_->writing_ = true;
    }
    ~Writing() { batch_->writing_ = false; }
    Writing(const Writing&) = delete;
    Writing& operator=(const Writing&) = delete;

   private:
    PyWriteBatch* const batch_;
  };

  WriteBatch* batch() { return &batch_; }

 private:
  void CheckNotWriting() const {
    if (writing_) {
      throw std::runtime_error(
          "the WriteBatch is being applied by DB.write() in another thread");
    }
  }

  WriteBatch batch_;
  bool writing_ = false;
};

}  // namespace o3lsm::python

#endif  // O3LSM_PYTHON_PY_WRITE_BATCH_H_
