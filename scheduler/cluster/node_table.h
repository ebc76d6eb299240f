// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// NodeTable is the membership list of a cluster, in the node table region
// of the DM pool (docs/dm_format.md, "Node table"): every node (compute,
// memory, worker) registers in a slot, whose index + 1 is its node id, and
// publishes there its load (running jobs, capacity, CPU, storage I/O) and a
// heartbeat counter. Owners read a Snapshot to place jobs on the least
// loaded live executor (LivenessTracker); anyone may evict a node whose
// heartbeat stopped, by CAS on its incarnation, so a node that comes back
// after being evicted cannot take its slot back by mistake.
//
// A slot's state word (free / joining / active, with an incarnation that
// grows on every registration) changes only by CAS. Only the registered
// node writes its slot's info and load record; readers detect a torn load
// record by its checksum and read again.
//
// Errors: NoSpace when every slot is taken; Aborted to a node whose
// registration was revoked (evicted); NotFound / Busy when an Evict or
// Deregister finds the slot free / re-registered; Corruption for a slot
// that fails its checks (Snapshot reports it in NodeInfo::corruption and
// goes on).
//
// Thread safety: all methods may be called concurrently by any process on
// the pool. REQUIRES: one Publish at a time per registration. The Fabric
// outlives the table.

#ifndef O3LSM_SCHEDULER_CLUSTER_NODE_TABLE_H_
#define O3LSM_SCHEDULER_CLUSTER_NODE_TABLE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/status.h"

#include "interconnect/fabric.h"
#include "scheduler/cluster/cluster_region.h"
#include "scheduler/cluster/node_slot_format.h"

namespace o3lsm::cluster {

// What a node says about its own load.
struct NodeLoad {
  uint32_t running_jobs = 0;
  // Jobs it runs at once (executor threads); 0 = it executes none.
  uint32_t capacity = 0;
  // CPU use of the host, percent x 100: 10000 = every core busy.
  uint32_t cpu_percent_x100 = 0;
  uint64_t io_bytes_per_sec = 0;  // storage reads + writes
  uint64_t jobs_done = 0;         // since the node started
  // Wall clock of the publish (set by Publish; shown, compared only with
  // the same node's earlier values).
  uint64_t update_micros = 0;
};

// What Register hands back; the node's identity for Publish/Deregister.
struct NodeRegistration {
  uint16_t node = 0;  // 1..slot_count
  uint64_t incarnation = 0;
  NodeRole role = NodeRole::kWorker;
};

// One slot of a Snapshot.
struct NodeInfo {
  uint16_t node = 0;
  NodeState state = NodeState::kFree;
  NodeRole role = NodeRole::kWorker;
  std::string name;
  uint32_t registered_capacity = 0;
  uint64_t incarnation = 0;
  uint64_t heartbeat = 0;
  uint64_t register_micros = 0;
  NodeLoad load;
  // Empty if the slot checks out; else why not.
  std::string corruption;
};

class NodeTable {
 public:
  // Formats the node table region (zeroes it, writes the header). For the
  // pool's creator; REQUIRES: no one else uses the table.
  [[nodiscard]] static Status Format(fabric::Fabric* fabric);
  // Formats the region if it never was; safe when processes race.
  [[nodiscard]] static Status EnsureFormatted(fabric::Fabric* fabric);
  // Attaches: Unavailable if not formatted, Corruption (naming the region)
  // for a bad header or geometry, NotSupported for another version.
  [[nodiscard]] static Status Open(fabric::Fabric* fabric,
                                   std::unique_ptr<NodeTable>* result);

  NodeTable(const NodeTable&) = delete;
  NodeTable& operator=(const NodeTable&) = delete;
  ~NodeTable();

  uint32_t slot_count() const { return slot_count_; }
  // Where a node's slot is, for tests that damage it.
  fabric::DmAddr TEST_SlotAddr(uint16_t node) const { return SlotAddr(node); }
  // Slot reads Snapshot repeated because a record failed its checksum
  // (nearly always a read that overlapped a Publish), since Open.
  uint64_t torn_reads() const {
    return torn_reads_.load(std::memory_order_relaxed);
  }

  // Takes the free slot with the lowest id and publishes an initial load of
  // {capacity}. name (host:pid or a label) is at most kMaxNodeName bytes.
  // NoSpace when the table is full; InvalidArgument for a bad role or name.
  [[nodiscard]] Status Register(NodeRole role, const std::string& name,
                                uint32_t capacity, NodeRegistration* reg);
  // Writes the load record (update_micros set here) and bumps the
  // heartbeat. Aborted if the registration was revoked (evicted): the node
  // must register again under a new id.
  [[nodiscard]] Status Publish(const NodeRegistration& reg,
                               const NodeLoad& load);
  // Frees the slot. NotFound / Busy if it was evicted / re-registered.
  [[nodiscard]] Status Deregister(const NodeRegistration& reg);
  // Every slot that is not free, in id order, with its heartbeat and load.
  [[nodiscard]] Status Snapshot(std::vector<NodeInfo>* nodes);
  // Frees a dead node's slot, only if it still holds that incarnation:
  // NotFound if the slot is free, Busy if it holds another incarnation.
  [[nodiscard]] Status Evict(uint16_t node, uint64_t incarnation);
  // Sleeps until a node registers, leaves or is evicted (the members bell
  // moves from *seen; *seen receives the new value), at most timeout.
  [[nodiscard]] Status WaitForMembership(uint64_t* seen,
                                         std::chrono::nanoseconds timeout);

 private:
  NodeTable(fabric::Fabric* fabric, RegionRef region, const RegionHeader& h);

  uint64_t SlotOffset(uint16_t node) const {
    return slots_offset_ + uint64_t{node - 1u} * kNodeSlotSize;
  }
  fabric::DmAddr SlotAddr(uint16_t node) const;
  std::string NodeWhat(uint16_t node) const;
  [[nodiscard]] Status CheckNode(uint16_t node) const;
  // Decodes the slot bytes of node into *info; false if a check failed
  // (info->corruption says which).
  bool DecodeSlot(uint16_t node, const char* slot, NodeInfo* info) const;
  [[nodiscard]] Status ReadWord(uint16_t node, uint64_t* word);
  // CAS the state word from any live state of incarnation to
  // Free(incarnation), then rings the members bell.
  [[nodiscard]] Status FreeSlot(uint16_t node, uint64_t incarnation,
                                const char* op);

  fabric::Fabric* const fabric_;
  const RegionRef region_;
  uint32_t slot_count_ = 0;
  uint64_t slots_offset_ = 0;  // absolute pool offset
  std::atomic<uint64_t> torn_reads_{0};
};

}  // namespace o3lsm::cluster

#endif  // O3LSM_SCHEDULER_CLUSTER_NODE_TABLE_H_
