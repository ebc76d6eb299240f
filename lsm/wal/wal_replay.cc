// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/wal/wal_replay.h"

#include <algorithm>
#include <memory>

#include "lsm/wal/log_reader.h"
#include "lsm/wal/write_batch_internal.h"

namespace o3lsm {

Status ReplayWal(Env* env, const std::string& fname, uint64_t number,
                 bool paranoid_checks,
                 const std::function<Status(WriteBatch* batch)>& apply,
                 WalReplay* result) {
  *result = WalReplay();
  std::unique_ptr<SequentialFile> file;
  Status s = env->NewSequentialFile(fname, &file);
  if (!s.ok()) return s;
  log::Reader reader(std::move(file), fname, number);
  Slice record;
  std::string scratch;
  WriteBatch batch;
  while (reader.ReadRecord(&record, &scratch)) {
    s = WriteBatchInternal::SetContents(&batch, record);
    if (s.ok()) s = apply(&batch);
    if (s.IsCorruption() || s.IsInvalidArgument()) {
      return Status::Corruption(
          fname, "record ending at offset " +
                     std::to_string(reader.LastGoodOffset()) + ": " +
                     std::string(s.message()));
    }
    if (!s.ok()) return s;
    result->records++;
    if (WriteBatchInternal::Count(&batch) > 0) {
      result->last_sequence = std::max(
          result->last_sequence, WriteBatchInternal::Sequence(&batch) +
                                     WriteBatchInternal::Count(&batch) - 1);
    }
  }
  result->good_length = reader.LastGoodOffset();
  switch (reader.end_state()) {
    case log::Reader::EndState::kCleanEof:
      return Status::OK();
    case log::Reader::EndState::kTornTail:
      if (paranoid_checks) {
        return Status::Corruption(fname,
                                  "torn record at offset " +
                                      std::to_string(reader.LastGoodOffset()) +
                                      " (paranoid_checks is on)");
      }
      result->torn = true;
      return Status::OK();
    case log::Reader::EndState::kCorruption:
    case log::Reader::EndState::kIOError:
    case log::Reader::EndState::kReading:
      break;
  }
  return reader.status();
}

}  // namespace o3lsm
