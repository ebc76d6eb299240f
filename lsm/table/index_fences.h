// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// IndexFences narrows the binary search of a table's index block. A point
// lookup binary-searches the index, and in the block each step touches two
// cache lines far apart (the restart array, then the key it points to):
// in a large table most steps are cache misses. The fences are a compact
// copy of the search keys: all index keys share a user-key prefix (at
// least the prefix common to the first and last), and a key's fence is the
// next 4 user-key bytes after it, as a big-endian number. Fences are
// ordered like the keys, so a binary search over the contiguous fence
// array (64 KiB for a 64 MiB table of 4 KiB blocks; its upper levels stay
// in L1/L2) leaves only the keys whose fence equals the target's to compare
// in full.
//
// Thread safety: immutable after Build; const methods may be called
// concurrently.

#ifndef O3LSM_LSM_TABLE_INDEX_FENCES_H_
#define O3LSM_LSM_TABLE_INDEX_FENCES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lsm/table/block.h"

namespace o3lsm {

class IndexFences {
 public:
  // Builds fences over the keys at index's restart points (internal keys).
  // Returns false, leaving the fences empty, if a restart key is malformed
  // or the keys are not strictly increasing; searches then go without.
  bool Build(const Block& index);

  bool empty() const { return fences_.empty(); }
  // Bytes of memory held.
  size_t ApproximateMemoryUsage() const {
    return fences_.capacity() * sizeof(uint32_t) + common_prefix_.capacity();
  }

  // Sets [*left, *right] to the range of restart points holding the last
  // restart whose key is < internal_target (restart 0 if none is), as
  // BlockIter::SeekInRestartRange takes it.
  // REQUIRES: !empty(); internal_target is >= 8 bytes.
  void Bounds(const Slice& internal_target, uint32_t* left,
              uint32_t* right) const;

 private:
  uint32_t FenceOf(const Slice& user_key) const;

  std::string common_prefix_;
  std::vector<uint32_t> fences_;  // one per restart point, non-decreasing
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_TABLE_INDEX_FENCES_H_
