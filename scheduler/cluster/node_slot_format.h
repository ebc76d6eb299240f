// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The in-DM format of the node table (docs/dm_format.md, "Node table"): the
// state word of a node slot and the byte offsets inside it. Shared by
// NodeTable and by the tests that corrupt slots on purpose.
//
// Region layout:
//   [0, 256)                  region header (cluster_region.h), members bell
//   [256, 256 + 256 x N)      slots; slot i is node id i + 1 (0 = "none")
//
// Thread safety: constants and pure functions only.

#ifndef O3LSM_SCHEDULER_CLUSTER_NODE_SLOT_FORMAT_H_
#define O3LSM_SCHEDULER_CLUSTER_NODE_SLOT_FORMAT_H_

#include <cstdint>

namespace o3lsm::cluster {

// The bytes "O3LSMNOD" in little-endian order.
inline constexpr uint64_t kNodeTableMagic = 0x444f4e4d534c334full;
inline constexpr uint32_t kNodeTableVersion = 1;
inline constexpr uint32_t kNodeSlotSize = 256;
// Node ids are 16-bit and 0 means none.
inline constexpr uint32_t kMaxNodes = 65535;

// What a node is. Persisted: do not renumber.
enum class NodeRole : uint8_t {
  kCompute = 1,  // runs a DB: owns jobs, may execute them too
  kMemory = 2,   // exports the pool; may execute jobs
  kWorker = 3,   // executes jobs
};
inline constexpr uint8_t kMaxNodeRole = 3;
constexpr uint32_t NodeRoleBit(NodeRole r) {
  return uint32_t{1} << static_cast<uint8_t>(r);
}
inline constexpr uint32_t kAnyNodeRole = 0xe;
const char* NodeRoleName(NodeRole r);

// Persisted in the state word: do not renumber.
enum class NodeState : uint8_t {
  kFree = 0,     // incarnation = that of the last use (0: never used)
  kJoining = 1,  // Register is writing the slot
  kActive = 2,
};
const char* NodeStateName(NodeState s);

// ---- The state word: changed only by CAS ----
//   bits 63..60  state (NodeState)
//   bits 59..0   incarnation: +1 on every Register of the slot
inline constexpr uint64_t kIncarnationMask = (uint64_t{1} << 60) - 1;

struct NodeWord {
  NodeState state = NodeState::kFree;
  uint64_t incarnation = 0;

  static NodeWord Decode(uint64_t w) {
    return {static_cast<NodeState>(w >> 60), w & kIncarnationMask};
  }
  uint64_t Encode() const {
    return (uint64_t{static_cast<uint8_t>(state)} << 60) |
           (incarnation & kIncarnationMask);
  }
  bool Valid() const {
    return state == NodeState::kFree ||
           ((state == NodeState::kJoining || state == NodeState::kActive) &&
            incarnation != 0);
  }
};

// ---- A slot (256 bytes) ----
namespace node_slot {
constexpr int kState = 0;      // u64, CAS
constexpr int kHeartbeat = 8;  // u64, FAA by the node (Publish)
// Info: written once by Register while Joining.
constexpr int kInfo = 16;
constexpr int kInfoMagic = 16;    // u32 kNodeInfoMagic
constexpr int kRole = 20;         // u8 NodeRole; 21 reserved
constexpr int kNameLength = 22;   // u16, <= kMaxNodeName
constexpr int kIncarnation = 24;  // u64 = the state word's
constexpr int kCapacity = 32;     // u32 job capacity when registered
// [36, 40) reserved, 0.
constexpr int kRegisterMicros = 40;  // u64 wall clock
constexpr int kName = 48;            // kMaxNodeName bytes, zero-padded
// [112, 120) reserved, 0.
constexpr int kInfoChecksum = 120;  // u64 Checksum64([16, 120), slot offset)
// Load record: rewritten whole by every Publish.
constexpr int kLoad = 128;
constexpr int kRunningJobs = 128;     // u32
constexpr int kLoadCapacity = 132;    // u32
constexpr int kCpuPercentX100 = 136;  // u32
// [140, 144) reserved, 0.
constexpr int kIoBytesPerSec = 144;  // u64
constexpr int kJobsDone = 152;       // u64
constexpr int kUpdateMicros = 160;   // u64 wall clock
// [168, 184) reserved, 0.
constexpr int kLoadChecksum = 184;  // u64 Checksum64([128,184), LoadSeed)
constexpr int kLoadEnd = 192;
// [192, 256) reserved, 0.
}  // namespace node_slot

inline constexpr uint32_t kNodeInfoMagic = 0x444e334f;  // "O3ND"
inline constexpr uint32_t kMaxNodeName = 64;

// The load checksum is bound to the slot and the incarnation, so a record
// written by an evicted incarnation never verifies for its successor.
constexpr uint64_t LoadSeed(uint64_t slot_offset, uint64_t incarnation) {
  return slot_offset ^ (incarnation * 0x9E3779B97F4A7C15ull);
}

}  // namespace o3lsm::cluster

#endif  // O3LSM_SCHEDULER_CLUSTER_NODE_SLOT_FORMAT_H_
