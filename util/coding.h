// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Encoding of integers in persisted formats: fixed-width little-endian and
// LEB128-style varints, plus length-prefixed byte strings. Every decoder of
// untrusted bytes returns false (or nullptr) instead of reading past `limit`.

#ifndef O3LSM_UTIL_CODING_H_
#define O3LSM_UTIL_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "o3lsm/slice.h"

namespace o3lsm {

// Little-endian on every platform; x86-64 and aarch64 store it natively.
inline void EncodeFixed16(char* dst, uint16_t value) {
  memcpy(dst, &value, sizeof(value));
}
inline void EncodeFixed32(char* dst, uint32_t value) {
  memcpy(dst, &value, sizeof(value));
}
inline void EncodeFixed64(char* dst, uint64_t value) {
  memcpy(dst, &value, sizeof(value));
}
inline uint16_t DecodeFixed16(const char* ptr) {
  uint16_t v;
  memcpy(&v, ptr, sizeof(v));
  return v;
}
inline uint32_t DecodeFixed32(const char* ptr) {
  uint32_t v;
  memcpy(&v, ptr, sizeof(v));
  return v;
}
inline uint64_t DecodeFixed64(const char* ptr) {
  uint64_t v;
  memcpy(&v, ptr, sizeof(v));
  return v;
}

void PutFixed32(std::string* dst, uint32_t value);
void PutFixed64(std::string* dst, uint64_t value);
void PutVarint32(std::string* dst, uint32_t value);
void PutVarint64(std::string* dst, uint64_t value);
void PutLengthPrefixedSlice(std::string* dst, const Slice& value);

// Each consumes what it decodes from the front of *input; false if malformed
// or truncated.
bool GetFixed32(Slice* input, uint32_t* value);
bool GetFixed64(Slice* input, uint64_t* value);
bool GetVarint32(Slice* input, uint32_t* value);
bool GetVarint64(Slice* input, uint64_t* value);
bool GetLengthPrefixedSlice(Slice* input, Slice* result);

// Decode from [p, limit); return the byte after the value, or nullptr.
const char* GetVarint32PtrFallback(const char* p, const char* limit,
                                   uint32_t* value);
inline const char* GetVarint32Ptr(const char* p, const char* limit,
                                  uint32_t* value) {
  if (p < limit) {
    uint32_t result = *reinterpret_cast<const unsigned char*>(p);
    if ((result & 128) == 0) {
      *value = result;
      return p + 1;
    }
  }
  return GetVarint32PtrFallback(p, limit, value);
}
const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* value);

// Write a varint to dst; return the byte after it. dst needs 5 (10) bytes.
char* EncodeVarint32(char* dst, uint32_t value);
char* EncodeVarint64(char* dst, uint64_t value);

int VarintLength(uint64_t v);

}  // namespace o3lsm

#endif  // O3LSM_UTIL_CODING_H_
