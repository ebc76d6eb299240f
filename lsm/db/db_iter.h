// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DBIter turns an iterator over internal keys (every version of every key,
// tombstones included) into the user's view at one sequence number: each
// user key once, with its newest value visible at that sequence, deleted
// keys skipped.
//
// Thread safety: as Iterator.

#ifndef O3LSM_LSM_DB_DB_ITER_H_
#define O3LSM_LSM_DB_DB_ITER_H_

#include "lsm/dbformat.h"
#include "o3lsm/iterator.h"

namespace o3lsm {

// Takes ownership of internal_iter.
Iterator* NewDBIterator(Iterator* internal_iter, SequenceNumber sequence);

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_DB_ITER_H_
