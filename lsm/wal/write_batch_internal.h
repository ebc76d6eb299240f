// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// WriteBatchInternal reaches the parts of a WriteBatch that the engine needs
// and users must not see: the sequence number stamped by the write path, the
// raw encoding that becomes a WAL record payload, and in-place concatenation
// of batches for group commit. The encoding is specified in
// docs/wal_format.md.
//
// Applying a batch to a memtable (WriteBatchInternal::InsertInto) lives in
// lsm/db, next to the memtable it writes into, and is not declared here.
//
// Thread safety: every function is as thread-safe as the WriteBatch method it
// stands for: the const ones may run concurrently on one batch, the others
// need external synchronization.

#ifndef O3LSM_LSM_WAL_WRITE_BATCH_INTERNAL_H_
#define O3LSM_LSM_WAL_WRITE_BATCH_INTERNAL_H_

#include <cstddef>
#include <cstdint>

#include "o3lsm/slice.h"
#include "o3lsm/status.h"
#include "o3lsm/write_batch.h"

#include "lsm/dbformat.h"
#include "util/coding.h"

namespace o3lsm {

// A range tombstone's record tag in a batch (and so in the WAL); the other
// records carry their ValueType. Never in an internal key: range
// tombstones live beside the memtables and in the MANIFEST
// (docs/manifest_format.md, "Range tombstones").
inline constexpr unsigned char kBatchRangeDeletion = 0xF;

class WriteBatchInternal {
 public:
  // fixed64 sequence + fixed32 count: every encoded batch starts with it.
  static constexpr size_t kHeaderSize = 12;

  // False if the batch holds no range deletion (true may be either).
  static bool MayHaveRangeDeletion(const WriteBatch* batch) {
    return batch->may_have_range_deletion_;
  }

  // Number of updates recorded in the header.
  static uint32_t Count(const WriteBatch* batch) {
    return DecodeFixed32(batch->rep_.data() + 8);
  }
  static void SetCount(WriteBatch* batch, uint32_t n) {
    EncodeFixed32(batch->rep_.data() + 8, n);
  }

  // Sequence number of the first update; the i-th update gets Sequence + i.
  static SequenceNumber Sequence(const WriteBatch* batch) {
    return DecodeFixed64(batch->rep_.data());
  }
  static void SetSequence(WriteBatch* batch, SequenceNumber seq) {
    EncodeFixed64(batch->rep_.data(), seq);
  }

  // The encoded batch: the payload of its WAL record. Valid until the batch
  // is next modified or destroyed.
  static Slice Contents(const WriteBatch* batch) { return Slice(batch->rep_); }
  static size_t ByteSize(const WriteBatch* batch) { return batch->rep_.size(); }

  // Replaces the batch with an encoding read back from the WAL (copied).
  // Only the header length is checked here; Iterate checks the records and
  // the count. Fails with Corruption, leaving the batch unchanged, if
  // contents is shorter than the header.
  [[nodiscard]] static Status SetContents(WriteBatch* batch,
                                          const Slice& contents);

  // Appends the updates of src to dst and adds its count; dst keeps its
  // sequence number. REQUIRES: dst != src.
  static void Append(WriteBatch* dst, const WriteBatch* src);
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_WAL_WRITE_BATCH_INTERNAL_H_
