// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Checksums of persisted and DM-resident bytes: XXH3-64 from libxxhash,
// truncated to 32 bits where a format stores 32. The seed binds a checksum to
// its context (a block's file offset, a WAL file's number, a DM address), so
// that correct bytes found in the wrong place fail verification too.

#ifndef O3LSM_UTIL_CHECKSUM_H_
#define O3LSM_UTIL_CHECKSUM_H_

#include <cstddef>
#include <cstdint>

namespace o3lsm {

uint64_t Checksum64(const void* data, size_t n, uint64_t seed = 0);

// Continues a checksum over a second range: Checksum64(a+b) is not
// Checksum64Extend(Checksum64(a), b), but the pair is as strong and lets a
// header and a payload be covered without copying them together.
uint64_t Checksum64Extend(uint64_t prev, const void* data, size_t n);

// A 64-bit checksum folded to the 32 bits a format stores.
inline uint32_t FoldChecksum(uint64_t h) {
  return static_cast<uint32_t>(h ^ (h >> 32));
}

inline uint32_t Checksum32(const void* data, size_t n, uint64_t seed = 0) {
  return FoldChecksum(Checksum64(data, n, seed));
}

}  // namespace o3lsm

#endif  // O3LSM_UTIL_CHECKSUM_H_
