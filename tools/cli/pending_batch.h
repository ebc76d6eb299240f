// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PendingBatch is the shell's `batch` ... `end` state machine:
//
//   closed --Begin--> open --Put/Delete--> open --Commit--> closed
//                          \------------Abort-------------> closed
//
// While open, put and delete go into one WriteBatch instead of the
// database; Commit hands the batch over to be written with one DB::Write,
// so that all of its updates become visible together or not at all. A
// transition from the wrong state fails with InvalidArgument and leaves the
// state unchanged, so a mistyped line never loses the updates gathered so
// far.
//
// Thread safety: not thread-safe.

#ifndef O3LSM_TOOLS_CLI_PENDING_BATCH_H_
#define O3LSM_TOOLS_CLI_PENDING_BATCH_H_

#include <cstdint>

#include "o3lsm/slice.h"
#include "o3lsm/status.h"
#include "o3lsm/write_batch.h"

namespace o3lsm::cli {

class PendingBatch {
 public:
  bool open() const { return open_; }
  // Updates gathered since Begin.
  uint32_t count() const { return batch_.Count(); }

  // REQUIRES (else InvalidArgument): closed.
  [[nodiscard]] Status Begin();
  // REQUIRES (else InvalidArgument): open.
  [[nodiscard]] Status Put(const Slice& key, const Slice& value);
  [[nodiscard]] Status Delete(const Slice& key);
  [[nodiscard]] Status DeleteRange(const Slice& begin, const Slice& end);
  // Moves the gathered updates to *batch and closes.
  // REQUIRES (else InvalidArgument): open.
  [[nodiscard]] Status Commit(WriteBatch* batch);
  // Drops the gathered updates and closes; *dropped is how many.
  // REQUIRES (else InvalidArgument): open.
  [[nodiscard]] Status Abort(uint32_t* dropped);

 private:
  [[nodiscard]] Status RequireOpen(const char* command) const;

  bool open_ = false;
  WriteBatch batch_;
};

}  // namespace o3lsm::cli

#endif  // O3LSM_TOOLS_CLI_PENDING_BATCH_H_
