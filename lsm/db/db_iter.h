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

#include "lsm/db/seek_sampler.h"
#include "lsm/dbformat.h"
#include "lsm/version/range_tombstone.h"
#include "o3lsm/env.h"
#include "o3lsm/iterator.h"
#include "o3lsm/statistics.h"

namespace o3lsm {

// Takes ownership of internal_iter. With bounds (ReadOptions'
// iterate_lower_bound and iterate_upper_bound: user keys, the Slices
// outliving the iterator), only keys in [*lower, *upper) are yielded, and
// no move steps the internal iterator further past a bound than the first
// entry beyond it.
// Versions hidden by a range tombstone of range_tombstones (may be null)
// count as deleted.
// With statistics (may be null; then env may be too), every move is
// counted (rocksdb.number.db.seek/next/prev, .found, db.iter.bytes.read)
// and seeks are timed through env (rocksdb.db.seek.micros).
// With a sampler in sampling, Seek and SeekForPrev targets are reported to
// it (read-triggered compaction).
Iterator* NewDBIterator(Iterator* internal_iter, SequenceNumber sequence,
                        const Slice* lower_bound = nullptr,
                        const Slice* upper_bound = nullptr,
                        RangeTombstoneSetRef range_tombstones = nullptr,
                        Env* env = nullptr, Statistics* statistics = nullptr,
                        SeekSampling sampling = {});

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_DB_ITER_H_
