// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/cli/pending_batch.h"

#include <string>

namespace o3lsm::cli {

Status PendingBatch::RequireOpen(const char* command) const {
  if (open_) return Status::OK();
  return Status::InvalidArgument(std::string(command) +
                                 ": no batch in progress (start one with "
                                 "'batch')");
}

Status PendingBatch::Begin() {
  if (open_) {
    return Status::InvalidArgument(
        "batch: a batch of " + std::to_string(count()) +
        " updates is already in progress ('end' writes it, 'abort' drops it)");
  }
  batch_.Clear();
  open_ = true;
  return Status::OK();
}

Status PendingBatch::Put(const Slice& key, const Slice& value) {
  Status s = RequireOpen("put");
  if (s.ok()) batch_.Put(key, value);
  return s;
}

Status PendingBatch::Delete(const Slice& key) {
  Status s = RequireOpen("delete");
  if (s.ok()) batch_.Delete(key);
  return s;
}

Status PendingBatch::DeleteRange(const Slice& begin, const Slice& end) {
  Status s = RequireOpen("deleterange");
  if (s.ok()) batch_.DeleteRange(begin, end);
  return s;
}

Status PendingBatch::Commit(WriteBatch* batch) {
  Status s = RequireOpen("end");
  if (!s.ok()) return s;
  *batch = std::move(batch_);
  batch_.Clear();
  open_ = false;
  return Status::OK();
}

Status PendingBatch::Abort(uint32_t* dropped) {
  Status s = RequireOpen("abort");
  if (!s.ok()) return s;
  *dropped = count();
  batch_.Clear();
  open_ = false;
  return Status::OK();
}

}  // namespace o3lsm::cli
