// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "scheduler/cluster/node_table.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "util/checksum.h"
#include "util/coding.h"

namespace o3lsm::cluster {

using fabric::DmAddr;
using fabric::WorkRequest;

namespace {

// Snapshot re-reads a slot whose record failed its checksum this many
// times before it calls it corrupt: a failure is nearly always a read that
// raced with the node's own Publish.
constexpr int kTornReadRetries = 4;
// Evict/Deregister retry when the word moves under them (Joining -> Active).
constexpr int kFreeRounds = 8;

Status PlanTable(const RegionRef& region, RegionHeader* h) {
  uint64_t n = 0;
  if (region.length > kRegionHeaderSize) {
    n = (region.length - kRegionHeaderSize) / kNodeSlotSize;
  }
  n = std::min<uint64_t>(n, kMaxNodes);
  if (n == 0) {
    return Status::InvalidArgument(
        region.what,
        "region of " + std::to_string(region.length) + " bytes holds no slot");
  }
  h->magic = kNodeTableMagic;
  h->version = kNodeTableVersion;
  h->slot_size = kNodeSlotSize;
  h->slot_count = static_cast<uint32_t>(n);
  h->payload_capacity = 0;
  h->table_offset = 0;
  h->slots_offset = kRegionHeaderSize;
  h->region_length = region.length;
  return Status::OK();
}

void EncodeLoad(const NodeLoad& load, uint64_t seed, char* slot) {
  memset(slot + node_slot::kLoad, 0, node_slot::kLoadEnd - node_slot::kLoad);
  EncodeFixed32(slot + node_slot::kRunningJobs, load.running_jobs);
  EncodeFixed32(slot + node_slot::kLoadCapacity, load.capacity);
  EncodeFixed32(slot + node_slot::kCpuPercentX100, load.cpu_percent_x100);
  EncodeFixed64(slot + node_slot::kIoBytesPerSec, load.io_bytes_per_sec);
  EncodeFixed64(slot + node_slot::kJobsDone, load.jobs_done);
  EncodeFixed64(slot + node_slot::kUpdateMicros, load.update_micros);
  EncodeFixed64(slot + node_slot::kLoadChecksum,
                Checksum64(slot + node_slot::kLoad,
                           node_slot::kLoadChecksum - node_slot::kLoad, seed));
}

}  // namespace

const char* NodeRoleName(NodeRole r) {
  switch (r) {
    case NodeRole::kCompute:
      return "compute";
    case NodeRole::kMemory:
      return "memory";
    case NodeRole::kWorker:
      return "worker";
  }
  return "unknown";
}

const char* NodeStateName(NodeState s) {
  switch (s) {
    case NodeState::kFree:
      return "free";
    case NodeState::kJoining:
      return "joining";
    case NodeState::kActive:
      return "active";
  }
  return "unknown";
}

// ---------------------------------------------------------------- open

Status NodeTable::Format(fabric::Fabric* fabric) {
  const RegionRef region = GetRegion(fabric, fabric::RegionKind::kNodeTable);
  RegionHeader h;
  Status s = PlanTable(region, &h);
  if (!s.ok()) return s;
  return FormatRegion(fabric, region, h);
}

Status NodeTable::EnsureFormatted(fabric::Fabric* fabric) {
  const RegionRef region = GetRegion(fabric, fabric::RegionKind::kNodeTable);
  RegionHeader h;
  Status s = PlanTable(region, &h);
  if (!s.ok()) return s;
  return EnsureRegionFormatted(fabric, region, h);
}

Status NodeTable::Open(fabric::Fabric* fabric,
                       std::unique_ptr<NodeTable>* result) {
  const RegionRef region = GetRegion(fabric, fabric::RegionKind::kNodeTable);
  RegionHeader h;
  Status s =
      ReadRegionHeader(fabric, region, kNodeTableMagic, kNodeTableVersion, &h);
  if (!s.ok()) return s;
  auto bad = [&](const char* field, uint64_t v) {
    return Status::Corruption(region.what, std::string("header field ") +
                                               field + " = " + Hex(v) +
                                               " is impossible");
  };
  if (h.slot_size != kNodeSlotSize) return bad("slot_size", h.slot_size);
  if (h.slot_count == 0 || h.slot_count > kMaxNodes) {
    return bad("slot_count", h.slot_count);
  }
  if (h.payload_capacity != 0) {
    return bad("payload_capacity", h.payload_capacity);
  }
  if (h.table_offset != 0) return bad("table_offset", h.table_offset);
  if (h.slots_offset != kRegionHeaderSize ||
      uint64_t{h.slot_count} * kNodeSlotSize >
          region.length - kRegionHeaderSize) {
    return bad("slots_offset", h.slots_offset);
  }
  result->reset(new NodeTable(fabric, region, h));
  return Status::OK();
}

NodeTable::NodeTable(fabric::Fabric* fabric, RegionRef region,
                     const RegionHeader& h)
    : fabric_(fabric), region_(std::move(region)) {
  slot_count_ = h.slot_count;
  slots_offset_ = region_.start.offset() + h.slots_offset;
}

NodeTable::~NodeTable() = default;

// ---------------------------------------------------------------- helpers

DmAddr NodeTable::SlotAddr(uint16_t node) const {
  return DmAddr(fabric_->pool_id(), SlotOffset(node));
}

std::string NodeTable::NodeWhat(uint16_t node) const {
  return "node table slot of node " + std::to_string(node) + " at " +
         SlotAddr(node).ToString();
}

Status NodeTable::CheckNode(uint16_t node) const {
  if (node == 0 || node > slot_count_) {
    return Status::InvalidArgument(
        region_.what, "node id " + std::to_string(node) + " out of range 1.." +
                          std::to_string(slot_count_));
  }
  return Status::OK();
}

Status NodeTable::ReadWord(uint16_t node, uint64_t* word) {
  return fabric_->Read(SlotAddr(node) + node_slot::kState, word, 8);
}

bool NodeTable::DecodeSlot(uint16_t node, const char* slot,
                           NodeInfo* info) const {
  *info = NodeInfo();
  const uint64_t raw = DecodeFixed64(slot + node_slot::kState);
  const NodeWord w = NodeWord::Decode(raw);
  info->node = node;
  info->state = w.state;
  info->incarnation = w.incarnation;
  info->heartbeat = DecodeFixed64(slot + node_slot::kHeartbeat);
  if (!w.Valid()) {
    info->corruption = "state word " + Hex(raw) + " is not a valid node state";
    return false;
  }
  // A joining node has not written its slot yet.
  if (w.state != NodeState::kActive) return true;
  const uint32_t magic = DecodeFixed32(slot + node_slot::kInfoMagic);
  const uint64_t stored = DecodeFixed64(slot + node_slot::kInfoChecksum);
  const uint64_t computed =
      Checksum64(slot + node_slot::kInfo,
                 node_slot::kInfoChecksum - node_slot::kInfo, SlotOffset(node));
  const uint64_t incarnation = DecodeFixed64(slot + node_slot::kIncarnation);
  const uint8_t role = static_cast<uint8_t>(slot[node_slot::kRole]);
  const uint16_t name_length = DecodeFixed16(slot + node_slot::kNameLength);
  if (magic != kNodeInfoMagic || stored != computed) {
    info->corruption = "node info: magic " + Hex(magic) + ", checksum " +
                       Hex(stored) + " (computed " + Hex(computed) + ")";
    return false;
  }
  if (incarnation != w.incarnation || role == 0 || role > kMaxNodeRole ||
      name_length > kMaxNodeName) {
    info->corruption =
        "node info of incarnation " + std::to_string(incarnation) + " role " +
        std::to_string(role) + " name length " + std::to_string(name_length) +
        " under a state word of incarnation " + std::to_string(w.incarnation);
    return false;
  }
  info->role = static_cast<NodeRole>(role);
  info->name.assign(slot + node_slot::kName, name_length);
  info->registered_capacity = DecodeFixed32(slot + node_slot::kCapacity);
  info->register_micros = DecodeFixed64(slot + node_slot::kRegisterMicros);
  const uint64_t load_stored = DecodeFixed64(slot + node_slot::kLoadChecksum);
  const uint64_t load_computed = Checksum64(
      slot + node_slot::kLoad, node_slot::kLoadChecksum - node_slot::kLoad,
      LoadSeed(SlotOffset(node), w.incarnation));
  if (load_stored != load_computed) {
    info->corruption = "load record checksum mismatch: stored " +
                       Hex(load_stored) + ", computed " + Hex(load_computed);
    return false;
  }
  NodeLoad& l = info->load;
  l.running_jobs = DecodeFixed32(slot + node_slot::kRunningJobs);
  l.capacity = DecodeFixed32(slot + node_slot::kLoadCapacity);
  l.cpu_percent_x100 = DecodeFixed32(slot + node_slot::kCpuPercentX100);
  l.io_bytes_per_sec = DecodeFixed64(slot + node_slot::kIoBytesPerSec);
  l.jobs_done = DecodeFixed64(slot + node_slot::kJobsDone);
  l.update_micros = DecodeFixed64(slot + node_slot::kUpdateMicros);
  return true;
}

// ---------------------------------------------------------------- members

Status NodeTable::Register(NodeRole role, const std::string& name,
                           uint32_t capacity, NodeRegistration* reg) {
  const uint8_t r = static_cast<uint8_t>(role);
  if (r == 0 || r > kMaxNodeRole) {
    return Status::InvalidArgument(region_.what,
                                   "register: node role " + std::to_string(r));
  }
  if (name.size() > kMaxNodeName) {
    return Status::InvalidArgument(
        region_.what, "register: node name of " + std::to_string(name.size()) +
                          " bytes exceeds " + std::to_string(kMaxNodeName));
  }
  // The state words are spread one per slot: one read of the whole table.
  std::vector<char> table(uint64_t{slot_count_} * kNodeSlotSize);
  Status s = fabric_->Read(SlotAddr(1), table.data(), table.size());
  if (!s.ok()) return s;
  for (uint32_t i = 0; i < slot_count_; i++) {
    const uint16_t node = static_cast<uint16_t>(i + 1);
    const uint64_t raw =
        DecodeFixed64(&table[uint64_t{i} * kNodeSlotSize + node_slot::kState]);
    const NodeWord free = NodeWord::Decode(raw);
    if (free.state != NodeState::kFree || !free.Valid()) continue;
    NodeWord joining{NodeState::kJoining,
                     (free.incarnation + 1) & kIncarnationMask};
    if (joining.incarnation == 0) joining.incarnation = 1;
    uint64_t observed = 0;
    s = fabric_->CompareAndSwap64(SlotAddr(node) + node_slot::kState, raw,
                                  joining.Encode(), &observed);
    if (!s.ok()) return s;
    if (observed != raw) continue;  // another node took it

    char slot[node_slot::kLoadEnd] = {};
    EncodeFixed32(slot + node_slot::kInfoMagic, kNodeInfoMagic);
    slot[node_slot::kRole] = static_cast<char>(r);
    EncodeFixed16(slot + node_slot::kNameLength,
                  static_cast<uint16_t>(name.size()));
    EncodeFixed64(slot + node_slot::kIncarnation, joining.incarnation);
    EncodeFixed32(slot + node_slot::kCapacity, capacity);
    EncodeFixed64(slot + node_slot::kRegisterMicros, WallMicros());
    memcpy(slot + node_slot::kName, name.data(), name.size());
    EncodeFixed64(slot + node_slot::kInfoChecksum,
                  Checksum64(slot + node_slot::kInfo,
                             node_slot::kInfoChecksum - node_slot::kInfo,
                             SlotOffset(node)));
    NodeLoad initial;
    initial.capacity = capacity;
    initial.update_micros = WallMicros();
    EncodeLoad(initial, LoadSeed(SlotOffset(node), joining.incarnation), slot);
    NodeWord active{NodeState::kActive, joining.incarnation};
    WorkRequest batch[2] = {
        WorkRequest::Write(SlotAddr(node) + node_slot::kInfo,
                           slot + node_slot::kInfo,
                           node_slot::kLoadEnd - node_slot::kInfo),
        WorkRequest::CompareAndSwap(SlotAddr(node) + node_slot::kState,
                                    joining.Encode(), active.Encode(),
                                    &observed)};
    s = fabric_->Execute(batch);
    if (!s.ok()) return s;
    if (observed != joining.Encode()) {
      return Status::Aborted(
          NodeWhat(node),
          "evicted while registering: state word now " + Hex(observed));
    }
    *reg = NodeRegistration{node, joining.incarnation, role};
    return fabric_->Ring(region_.start + kBellAOffset);
  }
  return Status::NoSpace(
      region_.what,
      "node table full: all " + std::to_string(slot_count_) + " slots taken");
}

Status NodeTable::Publish(const NodeRegistration& reg, const NodeLoad& load) {
  Status s = CheckNode(reg.node);
  if (!s.ok()) return s;
  uint64_t word = 0;
  s = ReadWord(reg.node, &word);
  if (!s.ok()) return s;
  const NodeWord mine{NodeState::kActive, reg.incarnation};
  if (word != mine.Encode()) {
    return Status::Aborted(NodeWhat(reg.node),
                           "incarnation " + std::to_string(reg.incarnation) +
                               " was evicted: state word now " + Hex(word));
  }
  char slot[node_slot::kLoadEnd];
  NodeLoad stamped = load;
  stamped.update_micros = WallMicros();
  EncodeLoad(stamped, LoadSeed(SlotOffset(reg.node), reg.incarnation), slot);
  WorkRequest batch[2] = {
      WorkRequest::Write(SlotAddr(reg.node) + node_slot::kLoad,
                         slot + node_slot::kLoad,
                         node_slot::kLoadEnd - node_slot::kLoad),
      WorkRequest::FetchAndAdd(SlotAddr(reg.node) + node_slot::kHeartbeat, 1,
                               nullptr)};
  return fabric_->Execute(batch);
}

Status NodeTable::FreeSlot(uint16_t node, uint64_t incarnation,
                           const char* op) {
  Status s = CheckNode(node);
  if (!s.ok()) return s;
  uint64_t word = 0;
  s = ReadWord(node, &word);
  for (int round = 0; s.ok() && round < kFreeRounds; round++) {
    const NodeWord w = NodeWord::Decode(word);
    if (!w.Valid()) {
      return Status::Corruption(NodeWhat(node),
                                std::string(op) + ": state word " + Hex(word) +
                                    " is not a valid node state");
    }
    if (w.state == NodeState::kFree) {
      return Status::NotFound(NodeWhat(node),
                              std::string(op) + ": the slot is free");
    }
    if (w.incarnation != incarnation) {
      return Status::Busy(NodeWhat(node),
                          std::string(op) + ": incarnation " +
                              std::to_string(incarnation) +
                              " is gone; the slot holds incarnation " +
                              std::to_string(w.incarnation));
    }
    const NodeWord free{NodeState::kFree, incarnation};
    uint64_t observed = 0;
    s = fabric_->CompareAndSwap64(SlotAddr(node) + node_slot::kState, word,
                                  free.Encode(), &observed);
    if (s.ok() && observed == word) {
      return fabric_->Ring(region_.start + kBellAOffset);
    }
    word = observed;
  }
  if (!s.ok()) return s;
  return Status::Busy(NodeWhat(node),
                      std::string(op) + ": the state keeps moving");
}

Status NodeTable::Deregister(const NodeRegistration& reg) {
  return FreeSlot(reg.node, reg.incarnation, "deregister");
}

Status NodeTable::Evict(uint16_t node, uint64_t incarnation) {
  return FreeSlot(node, incarnation, "evict");
}

Status NodeTable::Snapshot(std::vector<NodeInfo>* nodes) {
  nodes->clear();
  std::vector<char> table(uint64_t{slot_count_} * kNodeSlotSize);
  Status s = fabric_->Read(SlotAddr(1), table.data(), table.size());
  if (!s.ok()) return s;
  for (uint32_t i = 0; i < slot_count_; i++) {
    const uint16_t node = static_cast<uint16_t>(i + 1);
    char* slot = &table[uint64_t{i} * kNodeSlotSize];
    const NodeWord w = NodeWord::Decode(DecodeFixed64(slot));
    if (w.state == NodeState::kFree && w.Valid()) continue;
    NodeInfo info;
    // A check that fails is nearly always a read that overlapped the
    // node's Publish (or Register): read the slot again.
    for (int retry = 0; !DecodeSlot(node, slot, &info); retry++) {
      if (retry == kTornReadRetries) break;
      if (retry > 0) std::this_thread::yield();
      torn_reads_.fetch_add(1, std::memory_order_relaxed);
      s = fabric_->Read(SlotAddr(node), slot, kNodeSlotSize);
      if (!s.ok()) return s;
    }
    if (info.state == NodeState::kFree && info.corruption.empty()) continue;
    nodes->push_back(std::move(info));
  }
  return Status::OK();
}

Status NodeTable::WaitForMembership(uint64_t* seen,
                                    std::chrono::nanoseconds timeout) {
  return fabric_->WaitOnWord(region_.start + kBellAOffset, *seen, timeout,
                             seen);
}

}  // namespace o3lsm::cluster
