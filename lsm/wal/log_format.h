// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The log file format shared by the WAL and the MANIFEST (specified in
// docs/wal_format.md). A log is a sequence of kBlockSize blocks; a record is
// cut into fragments that never cross a block boundary, each behind a
// kHeaderSize header:
//
//   checksum  fixed32  Checksum32 of bytes [4, kHeaderSize + length), seeded
//                      with the log number field
//   length    fixed16  payload bytes
//   type      uint8    RecordType
//   log no.   fixed32  low 32 bits of the log file's number
//   payload   length bytes
//
// The log number lets a reader tell this file's fragments from stale bytes
// of an older log whose blocks the file reuses: they verify under another
// number, and reading stops there instead of replaying them.
//
// Fewer than kHeaderSize bytes left in a block are zero-filled padding.

#ifndef O3LSM_LSM_WAL_LOG_FORMAT_H_
#define O3LSM_LSM_WAL_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>

#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::log {

// Persisted in every fragment header: DO NOT RENUMBER.
enum RecordType : uint8_t {
  // Never written as a header; reserved so that zeroed (preallocated or
  // never-written) space cannot decode as a fragment.
  kZeroType = 0,
  kFullType = 1,    // a whole record
  kFirstType = 2,   // the first fragment of a record
  kMiddleType = 3,  // neither first nor last
  kLastType = 4,    // the last fragment of a record
};
inline constexpr uint8_t kMaxRecordType = kLastType;

inline constexpr size_t kBlockSize = 32768;

// Field offsets inside a fragment header.
inline constexpr size_t kChecksumOffset = 0;
inline constexpr size_t kLengthOffset = 4;
inline constexpr size_t kTypeOffset = 6;
inline constexpr size_t kLogNumberOffset = 7;
inline constexpr size_t kHeaderSize = 11;

// The most payload one fragment carries.
inline constexpr size_t kMaxFragmentPayload = kBlockSize - kHeaderSize;

// What the header stores of a log number.
inline uint32_t StoredLogNumber(uint64_t log_number) {
  return static_cast<uint32_t>(log_number);
}

// Checksum of a fragment whose header starts at `fragment` and whose payload
// of payload_size bytes follows it: covers length, type, log number and
// payload, seeded with the log number field so that it binds the fragment to
// its file even where the bytes alone would verify.
// REQUIRES: fragment has kHeaderSize + payload_size readable bytes.
inline uint32_t FragmentChecksum(const char* fragment, size_t payload_size) {
  return Checksum32(fragment + kLengthOffset,
                    kHeaderSize - kLengthOffset + payload_size,
                    DecodeFixed32(fragment + kLogNumberOffset));
}

}  // namespace o3lsm::log

#endif  // O3LSM_LSM_WAL_LOG_FORMAT_H_
