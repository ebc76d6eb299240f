// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// JobExecutor is what makes a node a worker: it registers the node in the
// DM node table, claims flush and compaction jobs from the job board,
// runs them (offload_job.h), keeps each claim's lease alive with
// heartbeats, and completes the job with its result. It also publishes the
// node's load (running jobs, CPU use, storage I/O) so that owners can offer
// jobs to whichever node is idlest.
//
// It runs in `o3lsm-node --role=worker` (and `--role=memory` when asked to
// execute), and as threads of an embedded database.
//
// A claim revoked by the owner (its lease expired, the job was re-posted)
// makes the running job stop and delete what it wrote; only the attempt the
// owner accepts is installed.
//
// Thread safety: Start and Stop from one thread; stats() from any.

#ifndef O3LSM_LSM_OFFLOAD_JOB_EXECUTOR_H_
#define O3LSM_LSM_OFFLOAD_JOB_EXECUTOR_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "interconnect/fabric.h"
#include "lsm/offload/offload_job.h"
#include "o3lsm/env.h"
#include "o3lsm/statistics.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/node_table.h"
#include "util/mutex.h"

namespace o3lsm {

struct JobExecutorOptions {
  // Node name shown in the node table. Default: "<host>:<pid>".
  std::string name;
  // Role under which the node registers. Default: worker.
  cluster::NodeRole role = cluster::NodeRole::kWorker;
  // Jobs run at once. Default: 1.
  int threads = 1;
  // Job types taken (cluster::JobTypeBit). Default: all.
  uint32_t type_mask = cluster::kAnyJobType;
  // A job offered to another node may be taken after waiting this long.
  // Default: 200 ms.
  std::chrono::milliseconds steal_after{200};
  // Lease heartbeats and load reports. Default: 100 ms.
  std::chrono::milliseconds heartbeat_interval{100};
  // File system of the shared storage. Default: Env::Default().
  Env* env = nullptr;
  // Testing aid: every job first waits this long (heartbeating), so that a
  // test can kill the node in the middle of a job. Default: 0.
  std::chrono::milliseconds debug_job_delay{0};
  // Called first on every executor thread (e.g. to pin it to a CPU).
  std::function<void(int thread_index)> on_thread_start;
  std::shared_ptr<Logger> info_log;
  // Counts the jobs claimed (o3lsm.jobs.claimed); not owned, outlives
  // the executor. Default: nullptr (not counted).
  Statistics* statistics = nullptr;
};

class JobExecutor {
 public:
  // Finished jobs of one type, by outcome.
  struct JobCounts {
    uint64_t done = 0;
    uint64_t failed = 0;
    uint64_t revoked = 0;  // the owner re-posted it; outputs deleted
  };
  struct Stats {
    // Every type together.
    uint64_t done = 0;
    uint64_t failed = 0;
    uint64_t revoked = 0;
    uint64_t running = 0;
    JobCounts flush;
    JobCounts compaction;
    // Storage bytes the finished jobs read and wrote.
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;
    // The load last published in the node table, and how long ago that
    // publish succeeded (the node's liveness as others see it); UINT64_MAX
    // before the first.
    cluster::NodeLoad load;
    uint64_t heartbeat_age_micros = UINT64_MAX;
  };

  // REQUIRES: fabric, board and nodes outlive the executor.
  JobExecutor(fabric::Fabric* fabric, cluster::JobBoard* board,
              cluster::NodeTable* nodes, JobExecutorOptions options);
  JobExecutor(const JobExecutor&) = delete;
  JobExecutor& operator=(const JobExecutor&) = delete;
  ~JobExecutor();

  // Registers the node and starts the threads.
  Status Start();
  // Stops claiming, waits for running jobs, deregisters the node.
  void Stop();

  uint16_t node_id() const { return registration_.node; }
  // The name in the node table (options.name, or "<host>:<pid>").
  std::string name() const;
  Stats stats() const;

 private:
  struct Running {
    cluster::ClaimedJob job;
    std::atomic<bool> revoked{false};
  };

  void WorkerLoop(int index);
  void HeartbeatLoop();
  // Runs one claimed job and completes it.
  void RunJob(Running* running);
  // Deletes the tables of a result that is not going to be installed.
  void RemoveOutputs(const std::string& db_path, JobResult* result);
  cluster::NodeLoad CurrentLoad();
  // Records a load the node table accepted.
  void Published(const cluster::NodeLoad& load);

  fabric::Fabric* const fabric_;
  cluster::JobBoard* const board_;
  cluster::NodeTable* const nodes_;
  const JobExecutorOptions options_;
  Env* const env_;

  cluster::NodeRegistration registration_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
  std::thread heartbeat_;

  mutable Mutex mu_;
  CondVar stop_cv_;
  std::list<Running*> running_ GUARDED_BY(mu_);
  Stats stats_ GUARDED_BY(mu_);
  uint64_t io_bytes_ GUARDED_BY(mu_) = 0;  // since the last load report
  uint64_t last_publish_micros_ GUARDED_BY(mu_) = 0;  // 0: none yet

  // CPU use between load reports.
  uint64_t last_cpu_micros_ = 0;
  uint64_t last_wall_micros_ = 0;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_JOB_EXECUTOR_H_
