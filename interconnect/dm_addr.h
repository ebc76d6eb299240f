// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DmAddr names a byte in disaggregated memory (DM): a pool id and an offset
// into that pool, packed into one 64-bit word (pool:16 | offset:48) so that
// an address can itself be stored in DM and swapped with one 64-bit CAS.
// It is never a raw pointer: the same DmAddr means the same byte in every
// process, whether the pool is mapped there, reached over RDMA, or not at
// all.
//
// Pool id 0 is never given to a pool, so the all-zero word is the null
// address (DmAddr() / is_null()).
//
// Thread safety: a value type; copy freely.

#ifndef O3LSM_INTERCONNECT_DM_ADDR_H_
#define O3LSM_INTERCONNECT_DM_ADDR_H_

#include <cstdint>
#include <string>

namespace o3lsm::fabric {

class DmAddr {
 public:
  static constexpr int kOffsetBits = 48;
  static constexpr uint64_t kMaxOffset = (uint64_t{1} << kOffsetBits) - 1;

  constexpr DmAddr() = default;
  // REQUIRES: offset <= kMaxOffset (higher bits are dropped).
  constexpr DmAddr(uint16_t pool, uint64_t offset)
      : raw_((uint64_t{pool} << kOffsetBits) | (offset & kMaxOffset)) {}

  // The inverse of raw(): any word read back from DM.
  static constexpr DmAddr FromRaw(uint64_t raw) {
    DmAddr a;
    a.raw_ = raw;
    return a;
  }

  constexpr uint64_t raw() const { return raw_; }
  constexpr uint16_t pool() const {
    return static_cast<uint16_t>(raw_ >> kOffsetBits);
  }
  constexpr uint64_t offset() const { return raw_ & kMaxOffset; }
  constexpr bool is_null() const { return raw_ == 0; }

  // The address delta bytes further into the same pool.
  constexpr DmAddr operator+(uint64_t delta) const {
    return DmAddr(pool(), offset() + delta);
  }

  // "dm:<pool>:0x<offset hex>", e.g. "dm:1:0x10000"; "dm:null" when null.
  std::string ToString() const;

  friend constexpr bool operator==(DmAddr a, DmAddr b) {
    return a.raw_ == b.raw_;
  }
  friend constexpr bool operator!=(DmAddr a, DmAddr b) {
    return a.raw_ != b.raw_;
  }

 private:
  uint64_t raw_ = 0;
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_DM_ADDR_H_
