// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The in-process DM pool of the `segment` and `job` fuzz targets
// (dm_fuzzers.cc), shared with the seed writer: the job slot checksums are
// seeded with the slot's pool offset, so the seeds verify only in a pool of
// exactly this geometry. A small anonymous emulated pool (the embedded
// mode's backend) whose job board has small slots, so that a slot is a
// small input.
//
// Thread safety: OpenFuzzPool returns a pool its caller owns;
// FixJobSlotChecksums is a pure function.

#ifndef O3LSM_TESTS_FUZZ_DM_FUZZ_POOL_H_
#define O3LSM_TESTS_FUZZ_DM_FUZZ_POOL_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "interconnect/fabric.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/job_slot_format.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::fuzz {

inline constexpr uint64_t kFuzzPoolSize = 8 << 20;
// Job board: 1 KiB slots, 448 bytes each of payload and result.
inline constexpr uint32_t kFuzzJobSlotSize = 1024;
// The node ids the job seeds and the target use.
inline constexpr uint16_t kFuzzJobOwner = 1;
inline constexpr uint16_t kFuzzJobExecutor = 2;

// Creates the pool and formats its job board.
inline Status OpenFuzzPool(std::unique_ptr<fabric::Fabric>* result) {
  fabric::FabricOptions o;
  o.uri = "emulated:";
  o.create_if_missing = true;
  o.size = kFuzzPoolSize;
  o.layout.job_board_bytes = 64 << 10;
  o.layout.segment_directory_bytes = 64 << 10;
  o.layout.mailbox_bytes = 64 << 10;
  std::unique_ptr<fabric::Fabric> f;
  Status s = fabric::OpenFabric(o, &f);
  if (!s.ok()) return s;
  cluster::JobBoardLayout layout;
  layout.slot_size = kFuzzJobSlotSize;
  s = cluster::JobBoard::Format(f.get(), layout);
  if (!s.ok()) return s;
  *result = std::move(f);
  return Status::OK();
}

// Recomputes the checksums of the job slot image slot[0, slot_size) at pool
// offset slot_offset, under a state word of serial `serial`
// (job_slot_format.h): the payload checksum, then the job header checksum
// (which covers it), then the result checksum. Lengths that exceed their
// area are clamped to it.
inline void FixJobSlotChecksums(std::string* slot, uint64_t slot_offset,
                                uint32_t serial, uint32_t payload_capacity) {
  namespace js = cluster::job_slot;
  char* p = slot->data();
  const uint32_t result_capacity =
      static_cast<uint32_t>(slot->size()) - js::kPayload - payload_capacity;
  const uint32_t payload_length =
      std::min(DecodeFixed32(p + js::kPayloadLength), payload_capacity);
  EncodeFixed64(p + js::kPayloadChecksum,
                Checksum64(p + js::kPayload, payload_length,
                           cluster::PayloadSeed(slot_offset, serial)));
  EncodeFixed64(p + js::kHeaderChecksum,
                Checksum64(p + js::kHeader, js::kHeaderChecksum - js::kHeader,
                           slot_offset));
  const uint32_t result_length =
      std::min(DecodeFixed32(p + js::kResultLength), result_capacity);
  EncodeFixed64(p + js::kResultChecksum,
                Checksum64Extend(
                    Checksum64(p + js::kResult,
                               js::kResultChecksum - js::kResult, slot_offset),
                    p + js::kPayload + payload_capacity, result_length));
}

}  // namespace o3lsm::fuzz

#endif  // O3LSM_TESTS_FUZZ_DM_FUZZ_POOL_H_
