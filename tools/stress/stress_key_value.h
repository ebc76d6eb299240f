// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The keys and values o3lsm-stress writes. Key number i of the bounded key
// space is "s" followed by i in ten decimal digits, so that key order is
// number order and a range of numbers is a range of keys. The value written
// by the g-th write ("generation" g) of key i is a pure function of (i, g):
//
//   fixed32 key number | fixed32 generation | filler bytes
//
// where the filler and the total length (within the value size bounds of
// the run) are derived from (i, g). A reader can therefore tell, from the
// bytes alone, which write of which key it is looking at, and whether they
// are intact: a value served under the wrong key, a stale generation, or a
// damaged or truncated value are all detected.
//
// Thread safety: pure functions.

#ifndef O3LSM_TOOLS_STRESS_STRESS_KEY_VALUE_H_
#define O3LSM_TOOLS_STRESS_STRESS_KEY_VALUE_H_

#include <cstdint>
#include <string>

#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm::stress {

// Values are never shorter than their 8-byte header.
inline constexpr uint32_t kMinValueSize = 8;

// Length of a key made by Key().
inline constexpr size_t kKeySize = 11;

std::string Key(uint32_t number);

// Parses a key made by Key(). False for anything else.
bool ParseKey(const Slice& key, uint32_t* number);

// Bounds of the value length of a run; min >= kMinValueSize, min <= max.
struct ValueSizes {
  uint32_t min = 16;
  uint32_t max = 512;
};

// The value of write `generation` of key `number`.
std::string Value(uint32_t number, uint32_t generation,
                  const ValueSizes& sizes);

// Checks that value is intact and was written for key `number`; sets
// *generation. Corruption (saying what differs) otherwise.
[[nodiscard]] Status CheckValue(uint32_t number, const Slice& value,
                                const ValueSizes& sizes, uint32_t* generation);

}  // namespace o3lsm::stress

#endif  // O3LSM_TOOLS_STRESS_STRESS_KEY_VALUE_H_
