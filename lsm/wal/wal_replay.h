// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ReplayWal reads a write-ahead log's batches in order and hands each to
// the caller: the one loop that recovery (DBImpl) and a read-only open
// (DBImplReadOnly) share. What they do with a batch, and with a torn tail,
// is theirs.
//
// Thread safety: a function; apply runs on the calling thread.

#ifndef O3LSM_LSM_WAL_WAL_REPLAY_H_
#define O3LSM_LSM_WAL_WAL_REPLAY_H_

#include <cstdint>
#include <functional>
#include <string>

#include "o3lsm/env.h"
#include "o3lsm/status.h"
#include "o3lsm/write_batch.h"

#include "lsm/dbformat.h"

namespace o3lsm {

struct WalReplay {
  uint64_t records = 0;  // batches handed to apply
  // The sequence of the last update of the log's batches (0: none): the
  // newest sequence the log holds.
  SequenceNumber last_sequence = 0;
  // The log ends in a torn record (a crash while appending, or a writer
  // appending now): no acknowledged write is in it. good_length is where
  // the whole records end.
  bool torn = false;
  uint64_t good_length = 0;
};

// Replays the log file fname (numbered number). A record that does not
// decode as a batch, or that apply rejects with Corruption or
// InvalidArgument, is Corruption naming the file and the record's end
// offset; apply's other errors are returned as they are. A torn tail is
// OK (result->torn), unless paranoid_checks makes it Corruption; damage
// before the end and read errors are returned.
Status ReplayWal(Env* env, const std::string& fname, uint64_t number,
                 bool paranoid_checks,
                 const std::function<Status(WriteBatch* batch)>& apply,
                 WalReplay* result);

}  // namespace o3lsm

#endif  // O3LSM_LSM_WAL_WAL_REPLAY_H_
