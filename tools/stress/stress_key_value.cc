// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/stress/stress_key_value.h"

#include <cstdio>

#include "util/coding.h"

namespace o3lsm::stress {

namespace {

// A 64-bit mix of (number, generation): seeds the length and the filler.
uint64_t Mix(uint32_t number, uint32_t generation) {
  uint64_t x = (static_cast<uint64_t>(number) << 32) | generation;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x | 1;  // never zero: the filler generator needs a nonzero state
}

size_t ValueLength(uint64_t mix, const ValueSizes& sizes) {
  return sizes.min + (mix >> 17) % (sizes.max - sizes.min + 1);
}

char FillerByte(uint64_t* state) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return static_cast<char>(*state);
}

}  // namespace

std::string Key(uint32_t number) {
  char buf[16];
  snprintf(buf, sizeof(buf), "s%010u", number);
  return std::string(buf, kKeySize);
}

bool ParseKey(const Slice& key, uint32_t* number) {
  if (key.size() != kKeySize || key[0] != 's') return false;
  uint64_t n = 0;
  for (size_t i = 1; i < kKeySize; i++) {
    const char c = key[i];
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT32_MAX) return false;
  *number = static_cast<uint32_t>(n);
  return true;
}

std::string Value(uint32_t number, uint32_t generation,
                  const ValueSizes& sizes) {
  const uint64_t mix = Mix(number, generation);
  std::string v(ValueLength(mix, sizes), '\0');
  EncodeFixed32(v.data(), number);
  EncodeFixed32(v.data() + 4, generation);
  uint64_t state = mix;
  for (size_t i = kMinValueSize; i < v.size(); i++) v[i] = FillerByte(&state);
  return v;
}

Status CheckValue(uint32_t number, const Slice& value, const ValueSizes& sizes,
                  uint32_t* generation) {
  const std::string key = Key(number);
  if (value.size() < kMinValueSize) {
    return Status::Corruption(key, "value of " + std::to_string(value.size()) +
                                       " bytes is shorter than its header");
  }
  const uint32_t owner = DecodeFixed32(value.data());
  const uint32_t gen = DecodeFixed32(value.data() + 4);
  if (owner != number) {
    return Status::Corruption(key, "holds the value of key " + Key(owner) +
                                       " generation " + std::to_string(gen));
  }
  const uint64_t mix = Mix(number, gen);
  const size_t length = ValueLength(mix, sizes);
  if (value.size() != length) {
    return Status::Corruption(key, "generation " + std::to_string(gen) +
                                       " has " + std::to_string(value.size()) +
                                       " bytes, expected " +
                                       std::to_string(length));
  }
  uint64_t state = mix;
  for (size_t i = kMinValueSize; i < length; i++) {
    if (value[i] != FillerByte(&state)) {
      return Status::Corruption(key, "generation " + std::to_string(gen) +
                                         ": value differs at byte " +
                                         std::to_string(i));
    }
  }
  *generation = gen;
  return Status::OK();
}

}  // namespace o3lsm::stress
