// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// OffloadCoordinator is the compute node's control plane for offloaded
// work: it posts jobs on the DM job board, offering each to the least-loaded
// live executor (node table), and a watcher thread follows them:
//   done       the result is validated and handed back, once;
//   failed     the job is retried (on another node if one is idle);
//   claimed    by an executor whose lease heartbeat stopped moving: the job
//              is re-posted as the next attempt;
//   posted     and unclaimed for too long (no live executor takes it): the
//              job is cancelled and handed back as Unavailable, so that the
//              compute node runs it itself.
// Every hand-back is exactly once, through the job's callback, on the
// watcher thread.
//
// Lock order: callers may hold their own mutex (the DB mutex) when calling
// Submit; callbacks run with no coordinator lock held, so they may take the
// DB mutex.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_LSM_OFFLOAD_OFFLOAD_COORDINATOR_H_
#define O3LSM_LSM_OFFLOAD_OFFLOAD_COORDINATOR_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lsm/offload/offload_job.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/lease_watch.h"
#include "scheduler/cluster/liveness.h"
#include "scheduler/cluster/node_table.h"
#include "util/mutex.h"

namespace o3lsm {

struct OffloadCoordinatorOptions {
  // The compute node's registration: jobs are posted under its node id, and
  // the watcher publishes its heartbeat (so that others see it alive).
  cluster::NodeRegistration self;
  // A claimed job whose heartbeat does not move for this long is re-posted.
  // Default: 2 s.
  std::chrono::milliseconds lease_timeout{2000};
  // A posted job is handed back at once when no live executor can take
  // it, and after this long when the executors stay too busy to.
  // Default: 30 s.
  std::chrono::milliseconds unclaimed_timeout{30000};
  // Nodes whose heartbeat does not move for this long count as dead.
  // Default: 2 s.
  std::chrono::milliseconds liveness_timeout{2000};
  std::shared_ptr<Logger> info_log;
  // Called once (on the watcher thread, no lock held) when a memory node
  // that was alive stops heartbeating, or when this node finds itself
  // evicted from the node table: the pool is to be taken as lost.
  // Outstanding jobs are handed back as Unavailable first.
  std::function<void()> on_memory_node_lost;
};

class OffloadCoordinator {
 public:
  // status OK: the executor's result (validated). Otherwise the job was not
  // done remotely (no executor, attempts exhausted, shutdown) and the caller
  // should run it itself.
  using Callback = std::function<void(const Status&, const JobResult&)>;

  struct Stats {
    uint64_t posted = 0;
    uint64_t done = 0;
    uint64_t retried = 0;   // failed, or a result that did not validate
    uint64_t reposted = 0;  // lease expired
    uint64_t handed_back = 0;
    uint64_t outstanding = 0;
  };

  // REQUIRES: board and nodes outlive the coordinator.
  OffloadCoordinator(cluster::JobBoard* board,
                     cluster::NodeTable* nodes,
                     OffloadCoordinatorOptions options);
  OffloadCoordinator(const OffloadCoordinator&) = delete;
  OffloadCoordinator& operator=(const OffloadCoordinator&) = delete;
  ~OffloadCoordinator();

  void Start();
  // Stops watching; outstanding jobs are handed back as Aborted.
  void Stop();

  // True if a live node (other than the owner) takes jobs of type.
  bool HaveExecutors() const;

  // Largest payload Submit accepts.
  size_t max_payload() const { return board_->max_payload(); }

  // True once the compute node found itself evicted from the node table
  // (it looked dead to someone, who may reclaim its DM): it must stop using
  // DM.
  bool evicted() const { return evicted_.load(); }
  // True once a memory node of the pool was seen dying.
  bool memory_node_lost() const { return memory_lost_.load(); }

  // Posts a job of `max_attempts` attempts. Busy if the board is full (the
  // caller runs the job itself). done is called exactly once on success.
  Status Submit(cluster::JobType type, const std::string& payload,
                uint32_t max_attempts, Callback done);

  Stats stats() const;
  // The nodes as last seen, with liveness, for o3lsm.nodes.
  std::string DescribeNodes() const;

 private:
  struct Job {
    cluster::JobTicket ticket;
    cluster::JobType type;
    uint32_t max_attempts = 0;
    uint64_t posted_micros = 0;  // of the current attempt (local clock)
    Callback done;
  };

  void WatchLoop();
  void RefreshNodes() EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Looks at one job; returns true (and fills *status / *result) when it is
  // finished and must be handed back.
  bool Check(Job* job, Status* status, JobResult* result)
      EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint16_t PickExecutor(uint16_t exclude) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HaveExecutorsLocked() const EXCLUSIVE_LOCKS_REQUIRED(mu_);

  cluster::JobBoard* const board_;
  cluster::NodeTable* const nodes_;
  const OffloadCoordinatorOptions options_;

  mutable Mutex mu_;
  CondVar cv_;
  std::map<uint64_t, Job> jobs_ GUARDED_BY(mu_);  // by slot << 32 | serial
  cluster::LivenessTracker liveness_ GUARDED_BY(mu_);
  cluster::LeaseWatch leases_ GUARDED_BY(mu_);
  std::vector<cluster::NodeInfo> nodes_seen_ GUARDED_BY(mu_);
  uint64_t last_refresh_micros_ GUARDED_BY(mu_) = 0;
  Stats stats_ GUARDED_BY(mu_);
  std::atomic<bool> stop_{false};
  std::atomic<bool> evicted_{false};
  std::atomic<bool> memory_lost_{false};
  std::set<uint16_t> memory_nodes_ GUARDED_BY(mu_);  // seen alive
  std::thread watcher_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_OFFLOAD_COORDINATOR_H_
