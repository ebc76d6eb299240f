// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// NodeReaper collects what dead nodes left in a DM pool. Fed with node-table
// snapshots over time, it finds registrations whose heartbeat stopped for
// longer than the liveness timeout and, for each:
//   - evicts the node's slot (by incarnation: a node that came back is left
//     alone);
//   - frees every DM allocation the node owned (a compute node's memtable
//     segments);
//   - releases the jobs it had posted (its flushes cannot be installed by
//     anyone else; when it reopens, it replays its WAL).
// Jobs a dead worker had claimed need nothing here: their owners see the
// lease stop and re-post them.
//
// The memory node runs one (o3lsm-node --role=memory).
//
// Thread safety: one thread at a time.

#ifndef O3LSM_LSM_OFFLOAD_NODE_REAPER_H_
#define O3LSM_LSM_OFFLOAD_NODE_REAPER_H_

#include <chrono>
#include <memory>

#include "interconnect/dm_allocator.h"
#include "lsm/offload/search_mailbox.h"
#include "o3lsm/env.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/liveness.h"
#include "scheduler/cluster/node_table.h"

namespace o3lsm {

class NodeReaper {
 public:
  struct Stats {
    uint64_t nodes_evicted = 0;
    uint64_t chunks_reclaimed = 0;
    uint64_t jobs_released = 0;
    uint64_t mailboxes_released = 0;
  };

  // REQUIRES: the pointers outlive the reaper; allocator belongs to a node
  // other than those it reaps. env: the clock of liveness (null:
  // Env::Default()).
  NodeReaper(cluster::NodeTable* nodes, cluster::JobBoard* board,
             fabric::DmAllocator* allocator,
             std::chrono::milliseconds liveness_timeout,
             std::shared_ptr<Logger> info_log, Env* env = nullptr);

  // The search mailboxes a dead node's slots go back to (may be unset).
  // REQUIRES: outlives the reaper.
  void set_mailboxes(SearchMailboxes* mailboxes) { mailboxes_ = mailboxes; }

  // Reads the node table and reaps whoever has been dead long enough.
  Status RunOnce();

  const Stats& stats() const { return stats_; }

 private:
  cluster::NodeTable* const nodes_;
  cluster::JobBoard* const board_;
  fabric::DmAllocator* const allocator_;
  SearchMailboxes* mailboxes_ = nullptr;
  cluster::LivenessTracker liveness_;
  std::shared_ptr<Logger> info_log_;
  Env* const env_;
  Stats stats_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_NODE_REAPER_H_
