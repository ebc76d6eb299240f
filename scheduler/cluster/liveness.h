// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// LivenessTracker turns successive NodeTable snapshots into "who is alive"
// and "who should run the next job" (DESIGN.md section 5, placement). It
// keeps no clock in DM: a node is alive while its heartbeat counter keeps
// moving, measured on the tracker's own steady clock, so no two nodes'
// clocks are compared. A node seen for the first time (or with a new
// incarnation) gets a full timeout of grace.
//
// Load score, lower is better (PickLeastLoaded):
//   (running_jobs + offers since its last publish) / capacity
//   + cpu_weight * cpu_percent_x100 / 10000
//   + io_weight  * min(io_bytes_per_sec / io_saturation_bytes_per_sec, 1)
// A node with capacity 0, or with no free job slot (running + offers >=
// capacity), is not picked: the owner then offers the job to anyone (node
// 0) and the first executor to free up takes it. Offers made through
// NoteOffered count until the node publishes again, so that a burst of jobs
// spreads over the executors instead of landing on the one that looked
// idlest in a stale snapshot.
//
// Thread safety: not thread-safe; guard it externally.

#ifndef O3LSM_SCHEDULER_CLUSTER_LIVENESS_H_
#define O3LSM_SCHEDULER_CLUSTER_LIVENESS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include "scheduler/cluster/node_table.h"

namespace o3lsm::cluster {

struct PlacementWeights {
  // Weight of the CPU use term. Default: 0.5.
  double cpu_weight = 0.5;
  // Weight of the storage I/O term. Default: 0.5.
  double io_weight = 0.5;
  // I/O rate at which the I/O term saturates at 1. Default: 1 GiB/s.
  uint64_t io_saturation_bytes_per_sec = uint64_t{1} << 30;
};

class LivenessTracker {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LivenessTracker(std::chrono::nanoseconds timeout,
                           PlacementWeights weights = {})
      : timeout_(timeout), weights_(weights) {}

  // Feeds a snapshot taken at local time now. Nodes missing from it are
  // forgotten.
  void Update(const std::vector<NodeInfo>& snapshot, Clock::time_point now);

  // True if node is active, checks out, and its heartbeat moved within the
  // timeout as of the last Update.
  bool Alive(uint16_t node) const;
  // Registrations (joining or active) whose heartbeat stopped: what a
  // reaper may Evict by incarnation.
  std::vector<NodeRegistration> Dead() const;

  // The live node whose role is in role_mask (NodeRoleBit()s) with the
  // lowest load score and a free job slot, other than exclude; ties go to
  // the lower id. 0 if there is none.
  uint16_t PickLeastLoaded(uint32_t role_mask, uint16_t exclude = 0) const;
  // Counts a job offered to node until its next publish.
  void NoteOffered(uint16_t node);
  // The score above; infinity for an unknown or full node.
  double Score(uint16_t node) const;
  // The node as of the last Update, or null.
  const NodeInfo* Find(uint16_t node) const;

 private:
  struct Entry {
    NodeInfo info;
    Clock::time_point heartbeat_since;
    uint32_t offers = 0;
  };

  double ScoreOf(const Entry& e) const;

  const std::chrono::nanoseconds timeout_;
  const PlacementWeights weights_;
  Clock::time_point now_;
  std::map<uint16_t, Entry> nodes_;
};

}  // namespace o3lsm::cluster

#endif  // O3LSM_SCHEDULER_CLUSTER_LIVENESS_H_
