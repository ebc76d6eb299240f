// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The in-DM format of the job board (docs/dm_format.md, "Job board"): the
// 64-bit state word of a job slot, and the byte offsets inside a slot. Shared
// by JobBoard and by the tests that corrupt slots on purpose.
//
// Region layout:
//   [0, 256)                   region header (cluster_region.h), bells
//   [table, table + 8 x N)     state words, one per slot, contiguous so one
//                              read scans the whole board
//   [slots, slots + S x N)     slots of S bytes (default 4 KiB)
//
// Thread safety: constants and pure functions only.

#ifndef O3LSM_SCHEDULER_CLUSTER_JOB_SLOT_FORMAT_H_
#define O3LSM_SCHEDULER_CLUSTER_JOB_SLOT_FORMAT_H_

#include <cstdint>
#include <string>

namespace o3lsm::cluster {

// The bytes "O3LSMJOB" in little-endian order.
inline constexpr uint64_t kJobBoardMagic = 0x424f4a4d534c334full;
inline constexpr uint32_t kJobBoardVersion = 1;
inline constexpr uint32_t kDefaultJobSlotSize = 4096;
inline constexpr uint32_t kMinJobSlotSize = 256;
inline constexpr uint32_t kMaxJobSlotSize = 1 << 20;

// What a job is. Persisted in the state word (4 bits): do not renumber.
// Executors choose what they run with a mask of JobTypeBit()s.
enum class JobType : uint8_t {
  kFlush = 1,
  kCompaction = 2,
  // 3..15 are free for future job kinds; 0 is never a job's type.
};
inline constexpr uint8_t kMaxJobType = 15;
constexpr uint32_t JobTypeBit(JobType t) {
  return uint32_t{1} << static_cast<uint8_t>(t);
}
inline constexpr uint32_t kAnyJobType = 0xfffe;

// Persisted in the state word: do not renumber.
enum class JobState : uint8_t {
  kFree = 0,      // serial = that of the last use (0: never used)
  kReserved = 1,  // node = owner; the owner is writing header and payload
  kPosted = 2,    // node = offered to (0 = anyone); attempt k >= 1
  kClaimed = 3,   // node = executor of attempt k
  kDone = 4,      // node = executor whose result was accepted by CAS
  kFailed = 5,    // node = executor that reported failure
};
inline constexpr uint8_t kMaxJobState = 5;
const char* JobStateName(JobState s);

// ---- The state word: changed only by CAS ----
//   bits 63..60  state (JobState)
//   bits 59..56  type (JobType; 0 when free)
//   bits 55..40  node (owner / offered to / executor, by state)
//   bits 39..28  attempt (0 when free or reserved; 1.. once posted)
//   bits 27..0   serial: +1 on every reuse of the slot (Free -> Reserved),
//                so a CAS prepared during an earlier use never matches
inline constexpr uint32_t kSerialMask = (1u << 28) - 1;
inline constexpr uint16_t kMaxAttempt = (1u << 12) - 1;

struct JobWord {
  JobState state = JobState::kFree;
  uint8_t type = 0;
  uint16_t node = 0;
  uint16_t attempt = 0;
  uint32_t serial = 0;

  static JobWord Decode(uint64_t w) {
    JobWord j;
    j.state = static_cast<JobState>(w >> 60);
    j.type = static_cast<uint8_t>((w >> 56) & 0xf);
    j.node = static_cast<uint16_t>(w >> 40);
    j.attempt = static_cast<uint16_t>((w >> 28) & kMaxAttempt);
    j.serial = static_cast<uint32_t>(w) & kSerialMask;
    return j;
  }
  uint64_t Encode() const {
    return (uint64_t{static_cast<uint8_t>(state)} << 60) |
           ((uint64_t{type} & 0xf) << 56) | (uint64_t{node} << 40) |
           ((uint64_t{attempt} & kMaxAttempt) << 28) | (serial & kSerialMask);
  }
  // The invariants of each state (above); false for a word no code writes.
  bool Valid() const;
  // "posted (attempt 2, node 0, serial 17)", for messages.
  std::string ToString() const;
};

// The serial the next use of a slot takes; never 0 (= never used).
constexpr uint32_t NextSerial(uint32_t serial) {
  const uint32_t next = (serial + 1) & kSerialMask;
  return next == 0 ? 1 : next;
}

// ---- A slot (S bytes) ----
namespace job_slot {
constexpr int kHeartbeat = 0;  // u64, FAA by the executor
// [8, 16) reserved, 0.
// Job header, written by the owner while Reserved, immutable afterwards.
constexpr int kHeader = 16;
constexpr int kHeaderMagic = 16;      // u32 kJobHeaderMagic
constexpr int kHeaderSerial = 20;     // u32 = the state word's serial
constexpr int kHeaderType = 24;       // u8
constexpr int kHeaderOwner = 26;      // u16
constexpr int kPayloadLength = 28;    // u32
constexpr int kPostMicros = 32;       // u64 wall clock of the first post
constexpr int kPayloadChecksum = 40;  // u64 Checksum64(payload, PayloadSeed)
// [48, 56) reserved, 0.
constexpr int kHeaderChecksum = 56;  // u64 Checksum64([16, 56), slot offset)
constexpr int kHeaderEnd = 64;
// Result header, written by an executor just before its Complete CAS.
constexpr int kResult = 64;
constexpr int kResultMagic = 64;     // u32 kJobResultMagic
constexpr int kResultSerial = 68;    // u32
constexpr int kResultAttempt = 72;   // u16
constexpr int kResultExecutor = 74;  // u16
constexpr int kResultLength = 76;    // u32
constexpr int kResultFlags = 80;     // u32, bit 0: success
// [84, 120) reserved, 0.
// u64 Checksum64Extend(Checksum64([64, 120), slot offset), result bytes).
constexpr int kResultChecksum = 120;
constexpr int kPayload = 128;  // payload area, then the result area
// What Claim reads before the payload: both headers, [kHeader, kPayload).
constexpr int kHeadersLength = kPayload - kHeader;
}  // namespace job_slot

inline constexpr uint32_t kJobHeaderMagic = 0x424a334f;  // "O3JB"
inline constexpr uint32_t kJobResultMagic = 0x524a334f;  // "O3JR"
inline constexpr uint32_t kResultSuccess = 1;

// Seeds bind a checksum to the slot (its pool offset) and to the use of it
// (the serial), so bytes left by an earlier job never verify.
constexpr uint64_t PayloadSeed(uint64_t slot_offset, uint32_t serial) {
  return slot_offset ^ (uint64_t{serial} << 40);
}

}  // namespace o3lsm::cluster

#endif  // O3LSM_SCHEDULER_CLUSTER_JOB_SLOT_FORMAT_H_
