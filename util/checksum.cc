// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "util/checksum.h"

#include <xxhash.h>

namespace o3lsm {

uint64_t Checksum64(const void* data, size_t n, uint64_t seed) {
  return XXH3_64bits_withSeed(data, n, seed);
}

uint64_t Checksum64Extend(uint64_t prev, const void* data, size_t n) {
  return XXH3_64bits_withSeed(data, n, prev);
}

}  // namespace o3lsm
