// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A two-level iterator walks an index whose values each name a sorted run
// of entries: an SST's index block over its data blocks, or a level's file
// list over its tables. block_function turns an index value into an
// iterator over that run; the two-level iterator presents the runs as one
// sequence, opening each as it gets there and skipping empty runs in both
// directions. The index keys must be separators: every key of run i is
// <= index key i < every key of run i+1.
//
// With bounds (user keys, lower inclusive, upper exclusive), the iterator
// ends where the index shows that the next run in the direction of travel
// lies wholly past a bound, without opening that run: forward, when index
// key i's user key is >= upper (run i + 1 starts after it); backward, when
// index key i - 1's user key is < lower. SeekToFirst starts at the
// lower bound and SeekToLast just before the upper one. The index keys
// must then be internal keys. Where the index also knows each run's first
// user key (run_first_key), a run that starts at or past upper is never
// opened either: with index keys that are each run's last key, a bounded
// scan then opens exactly the runs that hold keys inside its bounds.
//
// Errors are sticky: once the index or a run's iterator reports an error
// (including an error iterator from block_function), the two-level iterator
// is !Valid(), reports that error from status(), and ignores further
// positioning.
//
// Thread safety: as any Iterator; block_function is called from the thread
// using the iterator.

#ifndef O3LSM_LSM_TABLE_TWO_LEVEL_ITERATOR_H_
#define O3LSM_LSM_TABLE_TWO_LEVEL_ITERATOR_H_

#include <functional>

#include "o3lsm/iterator.h"
#include "o3lsm/slice.h"

namespace o3lsm {

// Takes ownership of index_iter and of every iterator block_function
// returns. REQUIRES: block_function never returns nullptr (return
// NewErrorIterator(s) to report a failure). The index value Slice passed to
// block_function is valid only during the call.
// The bounds' Slices must outlive the iterator; nullptr is unbounded.
// run_first_key, if given, sets *user_key to the first user key of the run
// an index value names (pointing into the value), or returns false if the
// value does not say.
using RunFirstKeyFunction = bool (*)(const Slice& index_value, Slice* user_key);
Iterator* NewTwoLevelIterator(
    Iterator* index_iter,
    std::function<Iterator*(const Slice& index_value)> block_function,
    const Slice* lower_bound = nullptr, const Slice* upper_bound = nullptr,
    RunFirstKeyFunction run_first_key = nullptr);

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_TWO_LEVEL_ITERATOR_H_
