// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ComputeNode is a database's place in a DM cluster: the one component
// through which DBImpl sees disaggregated memory and offloaded jobs. It
// owns
//   - the fabric of the pool (Options::dm_pool; an anonymous emulated pool
//     is created in this process: embedded mode),
//   - this node's identity: its node-table registration, and the DMNODE
//     file that lets a restarted database evict its crashed incarnation
//     and reclaim what it left in the pool (segments, jobs),
//   - the job board, the node table, the OffloadCoordinator that posts and
//     follows jobs, and, in embedded mode, executor threads,
//   - the DmContext (fabric + allocator incarnation + counters) that DM
//     segments share,
//   - the blocks of file numbers its jobs' outputs take (JobFileNumbers),
//   - the read path of DM segments (DmReadPath) with its search mailboxes,
//     and, in embedded mode, the search threads that answer them.
//
// Locking: no method runs a fabric verb except Open, Close and
// DescribeJobs, which the caller must not call under a mutex that forbids
// round trips (util/mutex.h). Everything else reads state the coordinator
// keeps in memory, so DBImpl may call it under its mutex. Job callbacks run
// on the coordinator's threads with no lock of this component held.
//
// Thread safety: all methods but Close may be called concurrently.

#ifndef O3LSM_LSM_OFFLOAD_COMPUTE_NODE_H_
#define O3LSM_LSM_OFFLOAD_COMPUTE_NODE_H_

#include <functional>
#include <memory>
#include <string>

#include "lsm/offload/dm_block_cache.h"
#include "lsm/offload/dm_read_path.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/offload/job_executor.h"
#include "lsm/offload/job_file_numbers.h"
#include "lsm/offload/offload_coordinator.h"
#include "lsm/offload/search_server.h"
#include "o3lsm/env.h"
#include "o3lsm/options.h"
#include "o3lsm/statistics.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/node_table.h"

namespace o3lsm {

struct ComputeNodeOptions {
  // The database directory: its DMNODE file records the identity of this
  // node in an attached pool, and executors of other processes open its
  // files by its absolute path.
  std::string dbname;
  // Options::dm_pool: a Fabric URI; empty for an embedded pool.
  std::string pool_uri;
  // Bits of OffloadLayer.
  uint32_t offload = 0;
  // Bytes of segments the database keeps in DM (an embedded pool is sized
  // from it).
  uint64_t dm_budget = 0;
  // Executor threads of an embedded pool (flush or compaction offload).
  int embedded_workers = 1;
  // How lookups read DM segments (Options::dm_read_mode), and the search
  // threads an embedded pool runs (Options::embedded_search_threads).
  DmReadMode read_mode = DmReadMode::kAdaptive;
  int embedded_search_threads = 1;
  // Bytes of the key-offset cache (0: none).
  size_t key_cache_bytes = 0;
  // Options::dm_block_cache_size: a block cache this node creates in an
  // embedded pool (0: none). Attached pools have their memory node's.
  uint64_t block_cache_size = 0;
  Env* env = nullptr;
  std::shared_ptr<Logger> info_log;
  // Options::dm_fabric_wrapper.
  std::function<std::unique_ptr<fabric::Fabric>(
      std::unique_ptr<fabric::Fabric>)>
      fabric_wrapper;
  // Called once, on a coordinator thread with no lock held, when the
  // memory node stops heartbeating or this node finds itself evicted.
  std::function<void()> on_memory_node_lost;
  // The database's file numbers, for JobFileNumbers (see there): take n,
  // the next number the MANIFEST records, and ask for a record soon.
  std::function<uint64_t(uint64_t)> reserve_file_numbers;
  std::function<uint64_t()> durable_next_file_number;
  std::function<void()> log_file_numbers_soon;
  // Options::statistics: DM, read-path and job events are counted there
  // too (null: nowhere).
  std::shared_ptr<Statistics> statistics;
};

class ComputeNode {
 public:
  // Opens the pool and joins the cluster: registers, evicts and reclaims a
  // crashed incarnation of this database, starts the coordinator and (in
  // embedded mode, with flush or compaction offload) the executors.
  // OK with *node null when the memory node is not there: the database
  // runs without offloading (its WAL keeps every write durable). An error
  // for a malformed URI or a damaged pool.
  static Status Open(ComputeNodeOptions options,
                     std::unique_ptr<ComputeNode>* node);

  ComputeNode(const ComputeNode&) = delete;
  ComputeNode& operator=(const ComputeNode&) = delete;
  ~ComputeNode();

  // Stops the coordinator (outstanding jobs are handed back as Aborted)
  // and the executors, and deregisters the node. Idempotent.
  void Close();

  const std::shared_ptr<DmContext>& dm() const { return dm_; }
  // The pool lives in this process (every role runs as its threads).
  bool embedded() const { return embedded_; }
  // The database directory as executors elsewhere open it.
  const std::string& db_path() const { return db_path_; }

  // DM may be used: the pool answers and this node was not evicted.
  bool usable() const {
    return dm_->available() && !coordinator_->evicted();
  }
  // The memory node was seen dying, or this node evicted: the pool's
  // contents are gone for this node.
  bool memory_node_lost() const { return coordinator_->memory_node_lost(); }
  // The database found the pool unreachable for good: its jobs come back
  // (OffloadCoordinator::MarkMemoryLost).
  void MarkMemoryLost() { coordinator_->MarkMemoryLost(); }
  // A live node other than this one takes jobs.
  bool HaveExecutors() const {
    return usable() && coordinator_->HaveExecutors();
  }
  // Largest job payload the board takes.
  size_t max_job_payload() const { return coordinator_->max_payload(); }

  // ---- Memtables in DM ----
  // DM bytes a segment of `bytes` takes (the allocator's rounding).
  uint64_t FootprintOf(uint64_t bytes) const {
    return dm_->allocator()->FootprintOf(bytes);
  }
  // DM bytes this node's live segments hold.
  uint64_t live_bytes() const { return dm_->counters().live_bytes.load(); }
  // The DM budget of this node's segments (ComputeNodeOptions::dm_budget).
  uint64_t budget() const { return options_.dm_budget; }
  // True if segments of `more` bytes fit the budget beside `live` bytes.
  bool CanTake(uint64_t live, uint64_t more) const {
    return live + more <= options_.dm_budget;
  }
  // How lookups read DM segments: one-sided or delegated (round trips;
  // never under a mutex that forbids them).
  DmReadPath* read_path() const { return read_path_.get(); }
  // The pool's block cache tier, or null if it has none.
  DmBlockCache* block_cache() const { return block_cache_.get(); }

  // Moves a sealed memtable into DM (DmSegment::Create): round trips.
  Status MoveMemTable(MemTable* mem, const DmSegment::Placement& placement,
                      const DmSegment::Format& format,
                      DmSegmentRef* segment) const {
    return DmSegment::Create(dm_, mem, placement, format, segment);
  }
  // See OffloadCoordinator::Submit.
  Status Submit(cluster::JobType type, const std::string& payload,
                uint32_t max_attempts, OffloadCoordinator::Callback done) {
    return coordinator_->Submit(type, payload, max_attempts, std::move(done));
  }

  // Output file numbers for jobs. REQUIRES: the caller serializes these
  // (DBImpl: under its mutex, which the callbacks above expect).
  JobFileNumbers* job_file_numbers() { return &file_numbers_; }

  // For properties. DescribeJobs lists the job board: round trips.
  std::string DescribeJobs() const;
  std::string DescribeNodes() const { return coordinator_->DescribeNodes(); }

 private:
  explicit ComputeNode(ComputeNodeOptions options);
  Status Join(std::unique_ptr<fabric::Fabric> fabric);

  const ComputeNodeOptions options_;
  bool embedded_ = false;
  std::string db_path_;
  // Declared first, destroyed last: the board and the node table use its
  // fabric.
  std::shared_ptr<DmContext> dm_;
  std::unique_ptr<cluster::JobBoard> board_;
  std::unique_ptr<cluster::NodeTable> nodes_;
  cluster::NodeRegistration registration_;
  std::unique_ptr<OffloadCoordinator> coordinator_;
  std::unique_ptr<JobExecutor> executor_;
  std::unique_ptr<SearchServer> search_server_;  // embedded pools
  std::unique_ptr<DmReadPath> read_path_;
  std::unique_ptr<DmBlockCache> block_cache_;
  JobFileNumbers file_numbers_;
  bool closed_ = false;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_OFFLOAD_COMPUTE_NODE_H_
