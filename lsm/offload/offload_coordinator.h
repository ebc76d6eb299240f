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
// Every hand-back is exactly once, through the job's callback.
//
// Two threads do the round trips: a poster posts submitted jobs on the
// board (Submit only queues them), and the watcher follows posted jobs and
// refreshes the node table. Neither holds mu_ across a verb: they decide
// under it, act outside it, and publish under it. So Submit,
// HaveExecutors, stats and DescribeNodes never wait on the fabric.
//
// Lock order: the caller's mutex (the DB mutex) before mu_. Callbacks run
// on the poster or watcher thread with no coordinator lock held, so they
// may take the DB mutex.
//
// Clock: every timeout and lease reads options.env's NowMicros.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_LSM_OFFLOAD_OFFLOAD_COORDINATOR_H_
#define O3LSM_LSM_OFFLOAD_OFFLOAD_COORDINATOR_H_

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lsm/offload/offload_job.h"
#include "o3lsm/env.h"
#include "o3lsm/statistics.h"
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
  // The clock of leases, liveness and timeouts. Default: Env::Default().
  Env* env = nullptr;
  // Called once (on the watcher thread, no lock held) when a memory node
  // that was alive stops heartbeating, or when this node finds itself
  // evicted from the node table: the pool is to be taken as lost.
  // Outstanding jobs are handed back as Unavailable first.
  std::function<void()> on_memory_node_lost;
  // Counts jobs posted, done, retried, re-posted and handed back (not
  // owned; outlives the coordinator). Default: nullptr (not counted).
  Statistics* statistics = nullptr;
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
  // True once a memory node of the pool was seen dying, or the owner said
  // the pool is lost.
  bool memory_node_lost() const { return memory_lost_.load(); }
  // The owner found the pool unreachable for good (its reads and moves
  // fail): the board can no longer be watched, so every job out is handed
  // back as Unavailable, as when the memory node stops heartbeating. (An
  // embedded pool has no memory node whose heartbeat could say so.)
  void MarkMemoryLost();

  // Queues a job of `max_attempts` attempts for the poster; no fabric verb
  // runs here. OK: done will be called exactly once (with Unavailable if
  // the job could not be posted: a job board that stays full, no live
  // executor). Otherwise (stopped, the memory node lost) done is never
  // called and the caller runs the job itself.
  Status Submit(cluster::JobType type, const std::string& payload,
                uint32_t max_attempts, Callback done);

  Stats stats() const;
  // The nodes as last seen, with liveness, for o3lsm.nodes.
  std::string DescribeNodes() const;

 private:
  struct Job {
    cluster::JobTicket ticket;
    cluster::JobType type;
    std::string payload;  // until posted
    uint32_t max_attempts = 0;
    uint64_t submitted_micros = 0;
    uint64_t posted_micros = 0;  // of the current attempt
    Callback done;
  };
  using Outcome = std::pair<Status, JobResult>;

  uint64_t NowMicros() const { return env_->NowMicros(); }
  cluster::LeaseWatch::Clock::time_point Now() const;

  void PostLoop();
  void WatchLoop();
  // Publishes this node's heartbeat and reads the node table (verbs), then
  // updates what HaveExecutors and DescribeNodes see. Watcher thread only
  // (and Start, before it runs).
  void RefreshNodes() LOCKS_EXCLUDED(mu_);
  // Looks at one job (verbs, no lock held); returns true (and fills
  // *status / *result) when it is finished and must be handed back.
  // Watcher thread only.
  bool Check(Job* job, Status* status, JobResult* result)
      LOCKS_EXCLUDED(mu_);
  uint16_t PickExecutor(uint16_t exclude) LOCKS_EXCLUDED(mu_);
  uint16_t PickExecutorLocked(uint16_t exclude) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HaveExecutorsLocked() const EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Hands every job still in the coordinator's hands back with status.
  void HandBackAll(const Status& status) LOCKS_EXCLUDED(mu_);

  cluster::JobBoard* const board_;
  cluster::NodeTable* const nodes_;
  const OffloadCoordinatorOptions options_;
  Env* const env_;

  mutable Mutex mu_;
  CondVar cv_;  // a job was queued, a board slot freed, or Stop
  std::deque<Job> queued_ GUARDED_BY(mu_);    // submitted, not yet posted
  std::vector<Job> incoming_ GUARDED_BY(mu_);  // posted, for the watcher
  cluster::LivenessTracker liveness_ GUARDED_BY(mu_);
  std::vector<cluster::NodeInfo> nodes_seen_ GUARDED_BY(mu_);
  std::set<uint16_t> memory_nodes_ GUARDED_BY(mu_);  // seen alive
  Stats stats_ GUARDED_BY(mu_);
  int posting_ GUARDED_BY(mu_) = 0;  // jobs between queued_ and incoming_

  // The watcher thread's own.
  std::map<uint64_t, Job> jobs_;  // posted, by slot << 32 | serial
  cluster::LeaseWatch leases_;
  uint64_t last_refresh_micros_ = 0;

  std::atomic<uint64_t> watched_{0};  // jobs_.size()
  std::atomic<bool> stop_{false};
  std::atomic<bool> evicted_{false};
  std::atomic<bool> memory_lost_{false};
  std::thread poster_;
  std::thread watcher_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_OFFLOAD_COORDINATOR_H_
