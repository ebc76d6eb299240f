// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/bench/key_generator.h"

#include <algorithm>
#include <cstring>

namespace o3lsm::bench {

void GenerateKeyFromInt(uint64_t v, int key_size, char* out) {
  const int int_bytes = std::min(key_size, 8);
  // Big-endian so that bytewise order equals numeric order for key_size >= 8.
  for (int i = 0; i < int_bytes; i++) {
    out[i] = static_cast<char>((v >> (8 * (int_bytes - 1 - i))) & 0xff);
  }
  if (key_size > int_bytes) {
    memset(out + int_bytes, '0', static_cast<size_t>(key_size - int_bytes));
  }
}

}  // namespace o3lsm::bench
