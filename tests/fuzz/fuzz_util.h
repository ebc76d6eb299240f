// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Small helpers shared by the fuzz targets (see fuzz_targets.h).

#ifndef O3LSM_TESTS_FUZZ_FUZZ_UTIL_H_
#define O3LSM_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "o3lsm/iterator.h"

// Aborts with a message when an invariant every input must keep is broken.
#define FUZZ_CHECK(cond, what)                                        \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, \
              __LINE__, #cond, std::string(what).c_str());            \
      abort();                                                        \
    }                                                                 \
  } while (0)

namespace o3lsm::fuzz {

// The flags byte at the front of an input and the bytes after it.
struct FlaggedInput {
  uint8_t flags = 0;
  std::string bytes;
  bool fix_checksums() const { return (flags & 1) != 0; }
};

inline FlaggedInput SplitFlags(const uint8_t* data, size_t size) {
  FlaggedInput in;
  if (size == 0) return in;
  in.flags = data[0];
  in.bytes.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  return in;
}

// An iterator is never Valid() with a non-OK status
// (include/o3lsm/iterator.h).
inline void CheckIteratorState(const Iterator& it, const char* where) {
  FUZZ_CHECK(
      !it.Valid() || it.status().ok(),
      std::string(where) + ": Valid() with status " + it.status().ToString());
}

}  // namespace o3lsm::fuzz

#endif  // O3LSM_TESTS_FUZZ_FUZZ_UTIL_H_
