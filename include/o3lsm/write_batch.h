// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A WriteBatch holds updates applied to the database atomically and in
// order: after DB::Write returns OK, all of them are visible; after a crash,
// all or none of them are recovered.
//
// Thread safety: const methods may be called concurrently; non-const methods
// need external synchronization.

#ifndef O3LSM_INCLUDE_WRITE_BATCH_H_
#define O3LSM_INCLUDE_WRITE_BATCH_H_

#include <cstdint>
#include <string>

#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm {

class WriteBatch {
 public:
  // Receives the updates of a batch in order (see Iterate).
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(const Slice& key, const Slice& value) = 0;
    virtual void Delete(const Slice& key) = 0;
    // The batch erases every key in [begin_key, end_key).
    virtual void DeleteRange(const Slice& begin_key, const Slice& end_key) = 0;
  };

  WriteBatch();
  // Intentionally copyable.
  WriteBatch(const WriteBatch&) = default;
  WriteBatch& operator=(const WriteBatch&) = default;
  ~WriteBatch() = default;

  // Stores key -> value.
  void Put(const Slice& key, const Slice& value);
  // Erases key if it exists.
  void Delete(const Slice& key);
  // Erases every key k with begin_key <= k < end_key (bytewise), as of this
  // update's place in the batch: later updates in the batch and later
  // writes are not affected. An empty range (end_key <= begin_key) erases
  // nothing; DB::Write rejects end_key < begin_key with InvalidArgument.
  void DeleteRange(const Slice& begin_key, const Slice& end_key);
  // Removes every update.
  void Clear();
  // Appends the updates of source after the updates of this batch.
  void Append(const WriteBatch& source);

  // Number of updates.
  uint32_t Count() const;
  // Size of the encoded batch: what it costs in the WAL.
  size_t ApproximateSize() const { return rep_.size(); }

  // Calls handler for each update in order. Fails with Corruption if the
  // representation is malformed (a batch decoded from untrusted bytes).
  Status Iterate(Handler* handler) const;

 private:
  friend class WriteBatchInternal;

  // Layout (also the WAL record payload; see docs/wal_format.md):
  //   fixed64 sequence, fixed32 count, then count records:
  //   kTypeValue    varstring key, varstring value
  //   kTypeDeletion varstring key
  //   kTypeRangeDeletion varstring begin_key, varstring end_key
  std::string rep_;
  // Whether rep_ may hold a range deletion (the write path looks at those
  // batches only).
  bool may_have_range_deletion_ = false;
};

}  // namespace o3lsm

#endif  // O3LSM_INCLUDE_WRITE_BATCH_H_
