// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A merging iterator yields the union of its children in internal-key
// order, in both directions. It keeps the children in a binary heap (a
// min-heap moving forward, a max-heap moving backward), so a step costs
// O(log n) comparisons for n children (memtables, L0 files, levels).
// Equal keys from different children are all returned.
//
// Thread safety: as Iterator. Owns its children.

#ifndef O3LSM_LSM_DB_MERGING_ITERATOR_H_
#define O3LSM_LSM_DB_MERGING_ITERATOR_H_

#include <vector>

#include "o3lsm/iterator.h"

namespace o3lsm {

// Takes ownership of the children.
Iterator* NewMergingIterator(std::vector<Iterator*> children);

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_MERGING_ITERATOR_H_
