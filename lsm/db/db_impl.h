// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DBImpl is the engine behind o3lsm::DB. Its parts:
//   write path   group commit into the WAL, then the mutable memtable
//                (db_impl_write.cc);
//   read path    memtables, then SSTs through a SuperVersion snapshot
//                (db_impl_read.cc);
//   background   flushes and leveled compactions run by the Scheduler
//                (db_impl_background.cc);
//   open/close   recovery from MANIFEST and WAL, obsolete-file clean-up,
//                properties (db_impl.cc).
//
// Locking: mutex_ guards the fields marked GUARDED_BY(mutex_). It is never
// held across file I/O except where noted, and never across a fabric round
// trip (it is a Mutex::kNoRoundTrips: debug builds abort on a verb under
// it). Lock order: mutex_ before any lock inside VersionSet, TableCache,
// Cache, the Scheduler, ComputeNode's OffloadCoordinator and DmContext
// (none of them calls back into DBImpl while holding its own; job
// callbacks run with no coordinator lock held and take mutex_).

#ifndef O3LSM_LSM_DB_DB_IMPL_H_
#define O3LSM_LSM_DB_DB_IMPL_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/env.h"

#include "lsm/cache/cache.h"
#include "lsm/compaction/compaction_job.h"
#include "lsm/compaction/compaction_picker.h"
#include "lsm/db/db_metrics.h"
#include "lsm/db/db_stats.h"
#include "lsm/db/sealed_memtable.h"
#include "lsm/db/seek_sampler.h"
#include "lsm/db/snapshot.h"
#include "lsm/db/super_version.h"
#include "lsm/db/write_queue.h"
#include "lsm/memtable/memtable.h"
#include "lsm/offload/compute_node.h"
#include "lsm/offload/dm_segment.h"
#include "lsm/offload/shard_router.h"
#include "lsm/table/block_tier.h"
#include "lsm/table/table_options.h"
#include "lsm/version/table_cache.h"
#include "lsm/version/version_set.h"
#include "lsm/wal/log_writer.h"
#include "scheduler/scheduler.h"
#include "util/mutex.h"
#include "util/periodic_task.h"
#include "util/stop_watch.h"

namespace o3lsm {

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, const std::string& dbname);
  ~DBImpl() override;

  // Opens or creates the database (see DB::Open).
  Status OpenImpl();
  // Starts the endpoint of Options::metrics_listen, if it names one.
  // REQUIRES: OpenImpl succeeded.
  Status StartMetrics();

  Status Put(const WriteOptions& options, const Slice& key,
             const Slice& value) override;
  Status Delete(const WriteOptions& options, const Slice& key) override;
  Status Write(const WriteOptions& options, WriteBatch* updates) override;
  Status Get(const ReadOptions& options, const Slice& key,
             std::string* value) override;
  std::vector<Status> MultiGet(const ReadOptions& options,
                               const std::vector<Slice>& keys,
                               std::vector<std::string>* values) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  Status DeleteRange(const WriteOptions& options, const Slice& begin_key,
                     const Slice& end_key) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush(const FlushOptions& options) override;
  Status CompactRange(const Slice* begin, const Slice* end) override;
  bool GetProperty(const Slice& property, std::string* value) override;
  Status Close() override;

  // ---- For tests ----
  // Waits until no flush or compaction is pending or running.
  Status TEST_WaitForBackgroundWork();
  VersionRef TEST_current();
  int TEST_NumImmutableMemTables();
  // Holds back (or releases) the scheduling of flushes: sealed memtables
  // accumulate (in DM, with memtable offload).
  void TEST_PauseFlushes(bool paused);
  // Runs `hook` in each flush from DM once it holds its segment's reader
  // and before it reads any of it (a fault test kills the memory node
  // there).
  void TEST_BeforeFlushFromDmReads(std::function<void()> hook);
  // Bytes of sealed memtables in local memory, and of segments in DM.
  size_t TEST_SealedLocalBytes();
  // The end of the job file numbers handed out so far, and the next file
  // number the MANIFEST records (TakeJobFileNumbers keeps the first below
  // the second).
  void TEST_JobFileNumbers(uint64_t* handed_out_end, uint64_t* durable_next);
  uint64_t TEST_DmLiveBytes();
  // The DM pool's fabric (null without DM).
  fabric::Fabric* TEST_DmFabric() const {
    return dm_ != nullptr ? dm_->fabric() : nullptr;
  }
  // The DM read path (null without DM): its counters say how lookups read.
  const DmReadPath* TEST_DmReads() const {
    return node_ != nullptr ? node_->read_path() : nullptr;
  }

 private:
  friend class DB;
  struct WriteTargets;

  // One key-range shard of the write buffer.
  struct Shard {
    MemTableRef mem;
    uint64_t bytes = 0;  // written in the router's generation
  };

  // ---- open / close (db_impl.cc) ----
  Status Recover(VersionEdit* edit) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  Status ReplayLogFile(uint64_t number, SequenceNumber* max_sequence,
                       MemTableRef* mem, VersionEdit* edit)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // ---- range tombstones (db_impl_write.cc) ----
  // Checks the range deletions of a batch: InvalidArgument if one ends
  // before it begins.
  static Status CheckRangeDeletions(const WriteBatch* batch);
  // Takes the range deletions of the group being admitted (its sequences
  // assigned) into the tombstone set and the SuperVersion, before any of
  // its sequences is published.
  void AdmitRangeDeletions(const WriteQueue::Group& group)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Adds to a version edit that makes WALs below edit->log_number()
  // obsolete the tombstones those WALs hold, and, once the edit is applied
  // (ok), forgets them as unpersisted.
  void PersistRangeTombstones(VersionEdit* edit)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void RangeTombstonesPersisted(const VersionEdit& edit)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // At a clean close: the tombstones written without the WAL that no flush
  // persisted (their memtables were empty) go into the MANIFEST.
  Status PersistUnloggedRangeTombstones() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Adds to a compaction's edit the persisted tombstones that nothing they
  // hide outlives: the compaction applied them (`applied`: it dropped every
  // version they hide among its inputs), every snapshot sees them, and no
  // other table and no unflushed memtable holds an older entry in their
  // range.
  void DropSpentRangeTombstones(const std::set<SequenceNumber>& applied,
                                VersionEdit* edit)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Rebuilds range_tombstones_ from the MANIFEST's and the unpersisted
  // ones. The caller installs a SuperVersion.
  void RebuildRangeTombstones() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The persisted tombstones, for compactions (null if none).
  RangeTombstoneSetRef PersistedRangeTombstones()
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // Writes mem to an L0 file during recovery and records it in edit.
  Status WriteLevel0Table(MemTable* mem, VersionEdit* edit)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Deletes files nothing needs any more: SSTs whose last reference went,
  // WALs below the log number, old MANIFESTs. At open it also sweeps what a
  // crash left behind (orphan SSTs, temporary files).
  void DeleteObsoleteFiles(bool at_open) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // A memtable sealing at seal_bytes with room for min_room more.
  MemTableRef NewMemTable(size_t seal_bytes, size_t min_room)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The seal size of a shard's memtable.
  size_t ShardMemTableSize() const;
  // Publishes a SuperVersion of the current memtables and version.
  void InstallSuperVersion() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  Status CloseImpl();
  // Writes the "o3lsm.stats" property into the LOG (the stats dumper's
  // task). REQUIRES: mutex_ not held.
  void DumpStats();

  // ---- statistics (Options::statistics) ----
  // Adds one flush (level 0) or compaction job's figures to stats_ and to
  // the statistics: the one place job figures are summed.
  void AddJobStats(int level, const LevelIoStats& job)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Get and MultiGet without their statistics; *in_memtable (may be null)
  // is set when a memtable (local or in DM) answered.
  Status GetImpl(const ReadOptions& options, const Slice& key,
                 std::string* value, bool* in_memtable);
  std::vector<Status> MultiGetImpl(const ReadOptions& options,
                                   const std::vector<Slice>& keys,
                                   std::vector<std::string>* values);

  // ---- write path (db_impl_write.cc) ----
  // Admits group, whose updates need (*shard_bounds)[i] memtable bytes in
  // shard i; a null group seals every non-empty shard (Flush). Seals full
  // shards, re-splits shards when the planner says so (recomputing
  // *shard_bounds), and applies backpressure.
  Status MakeRoomForWrite(const WriteBatch* group,
                          std::vector<size_t>* shard_bounds)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Admits the group its leader formed: merges its batches into the WAL
  // record (*contents_batch; null if there is nothing to write), makes room,
  // and hands out sequence numbers and the memtables to insert into.
  Status AdmitWriteGroup(WriteQueue::Group* group, WriteBatch** contents_batch,
                         WriteTargets* targets) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Takes the group's batches one at a time and inserts them until none is
  // left; the last inserter to leave ends the group. Returns self's status.
  Status InsertWriteGroup(WriteQueue::Group* group, WriteQueue::Writer* self)
      LOCKS_EXCLUDED(mutex_);
  // Ends a group once its inserts are in: publishes its sequence numbers if
  // status and every insert are OK, and wakes its members with the outcome.
  // Called by the member whose insert finished last (self).
  Status EndWriteGroup(WriteQueue::Group* group, WriteQueue::Writer* self,
                       Status status) LOCKS_EXCLUDED(mutex_);
  // Routes the group's keys: the memtable bytes each shard needs. With
  // observe, also shows the keys to the shard planner.
  void ComputeShardBounds(const WriteBatch* group, bool observe,
                          std::vector<size_t>* shard_bounds)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Seals the memtables of the listed shards (all shards if `shards` is
  // null) into imm_, starting a new WAL. Empty memtables are not sealed.
  Status SealShards(const std::vector<int>* shards, size_t min_room)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Replaces the router with one the planner chooses (sealing every shard).
  Status Resplit() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Seals shards whose memtable pins a WAL much older than the current one.
  Status SealColdShards() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Microseconds a writer of `bytes` must wait for writes to keep to
  // delayed_write_rate (0 when there is credit).
  uint64_t WriteDelayMicros(uint64_t bytes) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Bytes of sealed memtables still held in local memory.
  size_t SealedLocalBytes() const EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The oldest WAL any memtable still needs.
  uint64_t MinLogNumberInUse() const EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // ---- background work (db_impl_background.cc) ----
  void MaybeScheduleWork() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Read-triggered compaction: readers used up file's seek budget.
  void OnSeekBudgetSpent(FileRef file, int level) LOCKS_EXCLUDED(mutex_);
  // Read-triggered flush: seeks used up an active memtable's budget while
  // no write made it grow (SeekSampler charges memtables holding at least
  // a quarter of the write buffer). Seals the memtables (Flush without
  // waiting) when it is still active and no sealed memtable waits for a
  // flush; otherwise the next budget asks again. Runs on the reading
  // thread.
  void OnMemTableSeekBudgetSpent(const MemTableRef& mem) LOCKS_EXCLUDED(mutex_);
  // TEST_WaitForBackgroundWork without the wait for DM frees.
  Status WaitForBackgroundJobs() LOCKS_EXCLUDED(mutex_);
  void BackgroundFlush(uint64_t mem_id);
  // Moves sealed memtable mem_id into DM (memtable offload).
  void BackgroundMove(uint64_t mem_id);
  // ---- offloading (db_impl_offload.cc) ----
  // Joins the DM cluster for offloading (ComputeNode::Open).
  Status OpenDm() LOCKS_EXCLUDED(mutex_);
  // Leaves it (ComputeNode::Close).
  // REQUIRES: mutex_ not held; no background work running.
  void CloseDm() LOCKS_EXCLUDED(mutex_);
  // Posts flush jobs for memtables in DM, a shard's batch at a time;
  // dm_blocked: sealed memtables wait locally because DM cannot take them.
  void ScheduleRemoteFlushes(bool dm_blocked) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // e is in DM, waiting for a remote flush.
  bool FlushableInDm(const SealedMemTable& e) const
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // DM bytes e's segment holds (0 if it has none).
  uint64_t DmFootprint(const SealedMemTable& e) const;
  // DM bytes of one shard's segments worth one flush job (one L0 file).
  uint64_t FlushBatchBytes() const;
  // Posts c as a compaction job; false if it must run locally.
  bool ScheduleRemoteCompaction(Compaction* c) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // n consecutive file numbers for a job's outputs, or 0 while none are
  // ready (see JobFileNumbers).
  uint64_t TakeJobFileNumbers(uint64_t n) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Makes sure a MANIFEST record soon covers the reserved block of job
  // file numbers: logs an edit in the background unless another record
  // does first.
  void LogJobFileNumbers() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void OnRemoteFlushDone(const std::vector<uint64_t>& mem_ids, uint64_t base,
                         uint32_t attempts, const Status& s,
                         const JobResult& result);
  // applied: the tombstones the job was given (AppliedTombstones).
  void OnRemoteCompactionDone(Compaction* c, uint64_t base, uint64_t count,
                              const Status& s, const JobResult& result,
                              const std::set<SequenceNumber>& applied);
  // The sequences of the range tombstones spec hands its executor.
  static std::set<SequenceNumber> AppliedTombstones(
      const CompactionJobSpec& spec);
  // A compaction split into key-range sub-jobs (see ScheduleRemoteCompaction
  // and lsm/compaction/compaction_split.h): installed in one edit once
  // every part has its outputs.
  struct SplitCompaction;
  // Posts spec's parts for c, split at cuts. False if nothing was posted.
  bool PostSubJobs(Compaction* c, const CompactionJobSpec& spec,
                   const std::vector<std::string>& cuts)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void OnSubJobDone(SplitCompaction* split, size_t part, const Status& s,
                    const JobResult& result) LOCKS_EXCLUDED(mutex_);
  // Runs a part the cluster handed back on this node.
  void RunSubJobHere(SplitCompaction* split, size_t part)
      LOCKS_EXCLUDED(mutex_);
  // A part is done (or failed); the last one installs the compaction, or
  // drops it and every part's outputs if one failed.
  void FinishSubJob(SplitCompaction* split) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Installs a finished compaction (local or remote) and releases c.
  // applied: the sequences of the range tombstones the job dropped every
  // version they hide from (see DropSpentRangeTombstones).
  Status InstallCompaction(Compaction* c,
                           const std::vector<FileMetaData>& outputs,
                           const CompactionJobStats& stats,
                           const std::set<SequenceNumber>& applied = {})
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The memory node is gone (or DM verbs fail): stop using DM, rebuild the
  // memtables whose only copy was in DM from the WAL, flush locally.
  void HandleDmLoss(const std::string& why) LOCKS_EXCLUDED(mutex_);
  // HandleDmLoss's halves. MarkDmLost stops all use of DM (once);
  // RebuildLostMemTables rebuilds every sealed memtable whose only copy is
  // in DM and that no flush is reading, and may run again for one whose
  // flush from DM failed after the loss.
  void MarkDmLost(const std::string& why) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void RebuildLostMemTables() LOCKS_EXCLUDED(mutex_);
  // Removes output files numbered [base, base + count) other than `keep`.
  void RemoveUnusedOutputs(uint64_t base, uint64_t count,
                           const std::vector<FileMetaData>& keep)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  bool OffloadFlushes() const EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  bool OffloadCompactions() const EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  bool OffloadMemtables() const {
    return (options_.offload & kOffloadMemtable) != 0 && dm_ != nullptr &&
           dm_->available();
  }
  SealedMemTable* FindImm(uint64_t mem_id) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  std::string DmString() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // MultiGet's delegated part: the undecided keys whose sealed candidates
  // are all in DM, in as few requests as fit; keys no candidate holds skip
  // the sealed memtables (*next).
  void DelegateMultiGet(const SuperVersion& sv, const std::vector<Slice>& keys,
                        const std::vector<const LookupKey*>& lkeys,
                        std::vector<std::string>* values,
                        std::vector<Status>* statuses,
                        std::vector<char>* decided, std::vector<size_t>* next,
                        std::chrono::nanoseconds timeout);
  void BackgroundCompaction(Compaction* c);
  // Runs c (trivial move or merge) and installs it; releases c's inputs.
  Status RunCompaction(Compaction* c) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Installs the flushed prefix of imm_ in one MANIFEST edit.
  void InstallFlushResults() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void RecordBackgroundError(const Status& s) EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  uint64_t NewOutputFileNumber() LOCKS_EXCLUDED(mutex_);
  SequenceNumber OldestSnapshot() EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Waits until the memtables sealed so far are flushed.
  Status WaitForFlush(uint64_t last_mem_id) EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // cluster_text: the jobs and nodes sections, read before taking the
  // mutex.
  std::string StatsString(const std::string& cluster_text)
      EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  std::string ShardsString() EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // ---- constant after construction ----
  const std::string dbname_;
  Options options_;  // sanitized
  Env* const env_;
  // options_.statistics, or null: counting is off.
  Statistics* const statistics_;
  std::shared_ptr<Logger> info_log_;
  std::unique_ptr<Cache> block_cache_;
  // The DM block cache, once a pool with one is open (tables of a database
  // that offloads look there before storage).
  BlockCacheTierRef dm_block_tier_;
  TableOptions table_options_;
  std::unique_ptr<TableCache> table_cache_;
  std::shared_ptr<ObsoleteFiles> obsolete_files_;
  std::unique_ptr<Scheduler> scheduler_;

  std::unique_ptr<FileLock> db_lock_;
  // Writes "o3lsm.stats" into the LOG every stats_dump_period_sec (null if
  // 0); stopped first thing at Close.
  std::unique_ptr<PeriodicTask> stats_dumper_;
  // Serves Options::metrics_listen (null if empty); reads the statistics
  // and GetProperty, so it is stopped first thing at Close.
  std::unique_ptr<DbMetricsEndpoint> metrics_;
  std::atomic<bool> shutting_down_{false};
  bool closed_ = false;

  // Never held across a fabric round trip (kNoRoundTrips: debug builds
  // abort on a verb issued under it).
  Mutex mutex_{Mutex::kNoRoundTrips};
  CondVar bg_cv_;  // signalled when background work or a writer finishes

  // Memtables. The writers of a write group insert into shards_[i].mem
  // without the mutex; only a write leader replaces them (under the mutex,
  // while admitting its group, so never during another group's inserts).
  std::shared_ptr<const ShardRouter> router_ GUARDED_BY(mutex_);
  std::vector<Shard> shards_ GUARDED_BY(mutex_);
  ShardPlanner planner_ GUARDED_BY(mutex_);
  uint64_t resplits_ GUARDED_BY(mutex_) = 0;
  // Sealed memtables, oldest first. Flushes may finish in any order; a
  // result is installed once every older sealed memtable whose key range
  // overlaps it is installed (see InstallFlushResults).
  std::deque<SealedMemTable> imm_ GUARDED_BY(mutex_);
  uint64_t next_mem_id_ GUARDED_BY(mutex_) = 1;
  bool installing_flush_ GUARDED_BY(mutex_) = false;
  bool has_unpersisted_data_ GUARDED_BY(mutex_) = false;
  // What readers pin, without the mutex (see super_version.h).
  SuperVersionCache super_versions_;

  // WAL, written by the write leader outside the mutex; replaced by the
  // leader under the mutex.
  std::unique_ptr<log::Writer> log_;
  uint64_t logfile_number_ GUARDED_BY(mutex_) = 0;
  std::deque<uint64_t> live_logs_ GUARDED_BY(mutex_);  // WALs not deleted

  WriteQueue write_queue_;
  WriteBatch tmp_batch_ GUARDED_BY(mutex_);  // a group's WAL record
  // Range tombstones written since their WAL became live, with that WAL's
  // number (0 without the WAL): the edit that makes the WAL obsolete
  // persists them.
  struct UnpersistedTombstone {
    RangeTombstone tombstone;
    uint64_t log_number;
  };
  std::vector<UnpersistedTombstone> unpersisted_tombstones_ GUARDED_BY(mutex_);
  // Every live tombstone, as readers see them (null: none).
  RangeTombstoneSetRef range_tombstones_ GUARDED_BY(mutex_);

  std::unique_ptr<VersionSet> versions_;
  std::unique_ptr<CompactionPicker> picker_ GUARDED_BY(mutex_);
  // Null when Options::seek_compaction_bytes_per_seek is 0.
  std::unique_ptr<SeekSampler> seek_sampler_;
  SnapshotList snapshots_ GUARDED_BY(mutex_);
  std::set<uint64_t> pending_outputs_ GUARDED_BY(mutex_);
  int running_flushes_ GUARDED_BY(mutex_) = 0;
  int running_moves_ GUARDED_BY(mutex_) = 0;
  bool flushes_paused_ GUARDED_BY(mutex_) = false;
  std::function<void()> before_flush_from_dm_reads_ GUARDED_BY(mutex_);
  // The cluster side: null without offloading (or when the pool could not
  // be reached at open). Set at open, before any other thread runs.
  std::unique_ptr<ComputeNode> node_;
  // node_->dm(): its fabric and allocator are thread-safe.
  std::shared_ptr<DmContext> dm_;
  int remote_flushes_ GUARDED_BY(mutex_) = 0;
  bool job_block_logging_ GUARDED_BY(mutex_) = false;
  bool dm_lost_ GUARDED_BY(mutex_) = false;
  int rebuilding_ GUARDED_BY(mutex_) = 0;  // RebuildLostMemTables running
  int remote_compactions_ GUARDED_BY(mutex_) = 0;
  uint64_t dm_budget_ = 0;
  // Bytes of DM segments; when a move found the pool full, moves wait
  // until this drops below the value it had then.
  uint64_t dm_full_at_ GUARDED_BY(mutex_) = 0;
  // Write pacing while L0 is deep: bytes writers may still write at
  // delayed_write_rate, accrued since delay_refill_micros_ (a token bucket
  // holding at most kDelayBurstMicros of credit).
  uint64_t delay_credit_bytes_ GUARDED_BY(mutex_) = 0;
  uint64_t delay_refill_micros_ GUARDED_BY(mutex_) = 0;
  // Memtables with id <= this are flushed without waiting for a batch
  // (someone waits for them: Flush, close, a WAL retirement).
  uint64_t flush_wanted_through_ GUARDED_BY(mutex_) = 0;
  int running_compactions_ GUARDED_BY(mutex_) = 0;
  int manual_compactions_ GUARDED_BY(mutex_) = 0;
  Status bg_error_ GUARDED_BY(mutex_);
  DbStats stats_ GUARDED_BY(mutex_);
};

// Applies batch's updates to mem with consecutive sequence numbers starting
// at the batch's own. Defined in db_impl_write.cc.
// Recovery: also appends the batch's range deletions to *tombstones.
Status InsertBatchIntoMemTable(const WriteBatch* batch, MemTable* mem,
                               std::vector<RangeTombstone>* tombstones);

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_DB_IMPL_H_
