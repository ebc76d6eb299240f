// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Small helpers shared by the DBImpl source files.

#ifndef O3LSM_LSM_DB_DB_IMPL_INTERNAL_H_
#define O3LSM_LSM_DB_DB_IMPL_INTERNAL_H_

#include <cstddef>
#include <cstdlib>
#include <string>

#include "o3lsm/options.h"
#include "o3lsm/slice.h"

#include "lsm/memtable/memtable.h"
#include "lsm/wal/write_batch_internal.h"

namespace o3lsm {

// Options with every field clipped to what the engine supports.
Options SanitizeOptions(const Options& src);

// If property is name followed by a level number below num_levels: true,
// with the number in *level.
inline bool ParseLevelProperty(const Slice& property, const char* name,
                               int num_levels, int* level) {
  if (!property.starts_with(name)) return false;
  const std::string digits =
      property.ToString().substr(std::char_traits<char>::length(name));
  if (digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const long l = strtol(digits.c_str(), nullptr, 10);
  if (l < 0 || l >= num_levels) return false;
  *level = static_cast<int>(l);
  return true;
}

inline size_t BatchBound(const WriteBatch& batch) {
  const size_t per_update = MemTable::EntryBound(0, 0);
  return WriteBatchInternal::ByteSize(&batch) +
         WriteBatchInternal::Count(&batch) * per_update;
}

// True if the user-key ranges [a_lo, a_hi] and [b_lo, b_hi] share a key.
inline bool RangesOverlap(const std::string& a_lo, const std::string& a_hi,
                          const std::string& b_lo, const std::string& b_hi) {
  return !(Slice(a_hi).compare(b_lo) < 0 || Slice(b_hi).compare(a_lo) < 0);
}

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_DB_IMPL_INTERNAL_H_
