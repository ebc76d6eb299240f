// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/offload/node_reaper.h"

namespace o3lsm {

NodeReaper::NodeReaper(cluster::NodeTable* nodes, cluster::JobBoard* board,
                       fabric::DmAllocator* allocator,
                       std::chrono::milliseconds liveness_timeout,
                       std::shared_ptr<Logger> info_log, Env* env)
    : nodes_(nodes),
      board_(board),
      allocator_(allocator),
      liveness_(liveness_timeout),
      info_log_(std::move(info_log)),
      env_(env != nullptr ? env : Env::Default()) {}

Status NodeReaper::RunOnce() {
  std::vector<cluster::NodeInfo> snapshot;
  Status s = nodes_->Snapshot(&snapshot);
  if (!s.ok()) return s;
  liveness_.Update(snapshot, cluster::LivenessTracker::Clock::time_point(
                                std::chrono::microseconds(env_->NowMicros())));
  for (const cluster::NodeRegistration& dead : liveness_.Dead()) {
    if (dead.node == allocator_->owner()) continue;  // ourselves: never
    if (!nodes_->Evict(dead.node, dead.incarnation).ok()) continue;
    stats_.nodes_evicted++;
    uint64_t chunks = 0;
    // Evicted: no incarnation of the owner is alive any more.
    Status rs = allocator_->ReclaimOwner(dead.node, &chunks);
    stats_.chunks_reclaimed += chunks;
    uint32_t jobs = 0;
    Status js = board_->ReleaseStale(dead.node, &jobs);
    stats_.jobs_released += jobs;
    uint32_t slots = 0;
    Status ms = mailboxes_ != nullptr
                    ? mailboxes_->ReclaimNode(dead.node, &slots)
                    : Status::OK();
    stats_.mailboxes_released += slots;
    Log(InfoLogLevel::kWarn, info_log_.get(),
        "reaper: node %u (%s) is dead: evicted; reclaimed "
        "%llu DM chunks (%s), released %u jobs (%s), %u search mailboxes "
        "(%s)",
        dead.node, cluster::NodeRoleName(dead.role),
        static_cast<unsigned long long>(chunks), rs.ToString().c_str(), jobs,
        js.ToString().c_str(), slots, ms.ToString().c_str());
  }
  return Status::OK();
}

}  // namespace o3lsm
