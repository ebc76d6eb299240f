// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DBImpl's side of offloading: the DM pool, this compute node's identity in
// it, and flushes and compactions posted as jobs for other nodes.

#include <algorithm>

#include "lsm/compaction/compaction_split.h"
#include "lsm/db/db_impl.h"
#include "lsm/db/db_impl_internal.h"
#include "lsm/db/flush_planner.h"
#include "lsm/version/filename.h"
#include "lsm/wal/wal_replay.h"
#include "lsm/wal/write_batch_internal.h"

namespace o3lsm {

namespace {

// Jobs in flight at once, beyond the local background slots.
constexpr int kMaxRemoteFlushes = 16;
constexpr int kMaxRemoteCompactions = 4;
// Attempts (and so reserved output names) per job.
constexpr uint32_t kJobAttempts = 4;

JobFile ToJobFile(const FileMetaData& f) {
  return JobFile{f.number, f.file_size, f.smallest.Encode().ToString(),
                 f.largest.Encode().ToString()};
}

}  // namespace

bool DBImpl::OffloadFlushes() const {
  return (options_.offload & kOffloadFlush) != 0 && node_ != nullptr &&
         node_->usable();
}

bool DBImpl::OffloadCompactions() const {
  return (options_.offload & kOffloadCompaction) != 0 && node_ != nullptr &&
         node_->usable();
}

Status DBImpl::OpenDm() {
  if (options_.offload == 0) return Status::OK();
  dm_budget_ = options_.dm_write_buffer_budget != 0
                   ? options_.dm_write_buffer_budget
                   : 8 * static_cast<uint64_t>(options_.write_buffer_size);
  ComputeNodeOptions o;
  o.dbname = dbname_;
  o.pool_uri = options_.dm_pool;
  o.offload = options_.offload;
  o.dm_budget = dm_budget_;
  o.embedded_workers = options_.embedded_workers;
  o.read_mode = options_.dm_read_mode;
  o.embedded_search_threads = options_.embedded_search_threads;
  o.key_cache_bytes =
      options_.dm_key_cache_bytes < 0
          ? std::max<size_t>(1 << 20, options_.write_buffer_size / 16)
          : static_cast<size_t>(options_.dm_key_cache_bytes);
  o.env = env_;
  o.info_log = info_log_;
  o.fabric_wrapper = options_.dm_fabric_wrapper;
  o.on_memory_node_lost = [this] {
    HandleDmLoss("the memory node stopped heartbeating, or evicted this "
                 "node");
  };
  // Called under mutex_ (TakeJobFileNumbers, OpenImpl).
  o.reserve_file_numbers = [this](uint64_t n) NO_THREAD_SAFETY_ANALYSIS {
    return versions_->NewFileNumbers(n);
  };
  o.durable_next_file_number = [this]() NO_THREAD_SAFETY_ANALYSIS {
    return versions_->durable_next_file_number();
  };
  o.log_file_numbers_soon = [this]() NO_THREAD_SAFETY_ANALYSIS {
    LogJobFileNumbers();
  };
  o.block_cache_size = options_.dm_block_cache_size;
  o.statistics = options_.statistics;
  Status s = ComputeNode::Open(std::move(o), &node_);
  if (s.ok() && node_ != nullptr) {
    dm_ = node_->dm();
    dm_block_tier_.Attach(node_->block_cache());
  }
  return s;
}

void DBImpl::CloseDm() {
  if (node_ != nullptr) node_->Close();
}

void DBImpl::ScheduleRemoteFlushes(bool dm_blocked) {
  if (!OffloadFlushes() || !node_->HaveExecutors()) return;
  FlushJobSpec header;
  header.db_path = node_->db_path();
  header.table = JobTableSettings::From(table_options_);
  header.oldest_snapshot = OldestSnapshot();
  header.max_attempts = kJobAttempts;
  header.file_number_base = UINT64_MAX;  // the longest encoding
  std::string payload;
  header.EncodeTo(&payload);
  // As many segments as the job board's payload holds (the segment count's
  // varint grows by up to 4 bytes).
  const size_t room = node_->max_job_payload();
  FlushPlanInput plan;
  plan.max_segments =
      room > payload.size() + 4
          ? (room - payload.size() - 4) / FlushJobSpec::kMaxEncodedSegmentLength
          : 0;
  plan.batch_bytes = FlushBatchBytes();
  plan.max_jobs = static_cast<size_t>(
      std::max(0, kMaxRemoteFlushes - remote_flushes_));
  plan.wanted_through = flush_wanted_through_;
  plan.dm_live_bytes = node_->live_bytes();
  plan.dm_budget = dm_budget_;
  plan.dm_blocked = dm_blocked;
  using Phase = SealedMemTable::Phase;
  using Stage = FlushCandidate::Stage;
  for (const SealedMemTable& e : imm_) {
    FlushCandidate c;
    c.id = e.id();
    c.shard = e.shard();
    c.router_generation = e.router_generation();
    c.smallest = e.smallest();
    c.largest = e.largest();
    c.footprint = DmFootprint(e);
    if (FlushableInDm(e)) {
      c.stage = Stage::kFlushableInDm;
      c.bytes = e.segment()->header().total_length();
    } else if (e.is(Phase::kRemoteFlushing)) {
      c.stage = Stage::kRemoteFlushing;
    } else if (e.is(Phase::kLocal) || e.is(Phase::kMoving) ||
               e.is(Phase::kInDm)) {
      c.stage = Stage::kWaiting;
    } else {
      c.stage = Stage::kMovedOn;
    }
    plan.memtables.push_back(std::move(c));
  }
  for (const std::vector<size_t>& job : PlanRemoteFlushes(plan)) {
    FlushJobSpec spec = header;
    spec.file_number_base = TakeJobFileNumbers(kJobAttempts);
    if (spec.file_number_base == 0) return;  // after the MANIFEST record
    std::vector<uint64_t> ids;
    for (size_t i : job) {
      spec.segments.push_back(imm_[i].segment()->location());
      ids.push_back(imm_[i].id());
    }
    payload.clear();
    spec.EncodeTo(&payload);
    const uint64_t base = spec.file_number_base;
    // Queued for the coordinator's poster: no round trip under mutex_.
    Status s = node_->Submit(
        cluster::JobType::kFlush, payload, kJobAttempts,
        [this, ids, base](const Status& st, const JobResult& r) {
          OnRemoteFlushDone(ids, base, kJobAttempts, st, r);
        });
    if (!s.ok()) {
      // Nobody else can run this job: this node flushes the segments.
      Log(InfoLogLevel::kWarn, info_log_.get(),
          "posting a flush job failed, flushing locally: %s",
          s.ToString().c_str());
      for (size_t i : job) imm_[i].FlushHereOnly();
      continue;
    }
    for (uint32_t k = 0; k < kJobAttempts; k++) pending_outputs_.insert(base + k);
    for (size_t i : job) imm_[i].StartRemoteFlush();
    remote_flushes_++;
  }
}

uint64_t DBImpl::DmFootprint(const SealedMemTable& e) const {
  return e.in_dm()
             ? node_->FootprintOf(e.segment()->header().total_length())
             : 0;
}

bool DBImpl::FlushableInDm(const SealedMemTable& e) const {
  return e.is(SealedMemTable::Phase::kInDm) && !e.local_only();
}

uint64_t DBImpl::FlushBatchBytes() const {
  // Half the DM budget spread over the shards, and at least one memtable.
  const uint64_t shards = std::max(1, options_.memtable_shards);
  return std::max<uint64_t>(ShardMemTableSize(), dm_budget_ / (2 * shards));
}

void DBImpl::OnRemoteFlushDone(const std::vector<uint64_t>& ids, uint64_t base,
                               uint32_t attempts, const Status& s,
                               const JobResult& result) {
  MutexLock l(&mutex_);
  remote_flushes_--;
  RemoveUnusedOutputs(base, attempts,
                      s.ok() ? result.outputs : std::vector<FileMetaData>());
  if (s.ok() && result.outputs.size() > 1) {
    RecordBackgroundError(Status::Corruption("flush job", "more than one output"));
  }
  for (size_t k = 0; k < ids.size(); k++) {
    SealedMemTable* e = FindImm(ids[k]);
    if (e == nullptr || !e->is(SealedMemTable::Phase::kRemoteFlushing)) {
      continue;  // taken over (DM lost)
    }
    if (s.ok()) {
      // One L0 file for the group: the oldest memtable carries it, the
      // others are installed with it (they are newer, so the ordering rule
      // keeps them from going in before it).
      e->RemoteFlushDone(k == 0 && !result.outputs.empty() ? result.outputs[0]
                                                           : FileMetaData());
    } else {
      e->RemoteFlushHandedBack();
    }
  }
  if (s.ok()) {
    AddJobStats(0, {.jobs = 1,
                    .micros = result.micros,
                    .bytes_read = result.bytes_read,
                    .bytes_written = result.bytes_written,
                    .files_out = result.outputs.size(),
                    .records_in = result.records_in,
                    .records_dropped = result.records_dropped});
    RecordInHistogram(statistics_, kRemoteFlushMicros, result.micros);
    Log(info_log_.get(), "remote flush of %zu memtables: table %llu, %llu "
        "bytes", ids.size(),
        static_cast<unsigned long long>(
            result.outputs.empty() ? 0 : result.outputs[0].number),
        static_cast<unsigned long long>(result.bytes_written));
    InstallFlushResults();
  } else {
    Log(InfoLogLevel::kWarn, info_log_.get(),
        "remote flush of %zu memtables handed back (%s): "
        "flushing here",
        ids.size(), s.ToString().c_str());
  }
  MaybeScheduleWork();
  bg_cv_.SignalAll();
}

void DBImpl::TEST_JobFileNumbers(uint64_t* handed_out_end,
                                 uint64_t* durable_next) {
  MutexLock l(&mutex_);
  *handed_out_end =
      node_ != nullptr ? node_->job_file_numbers()->handed_out_end() : 0;
  *durable_next = versions_->durable_next_file_number();
}

uint64_t DBImpl::TakeJobFileNumbers(uint64_t n) {
  return node_->job_file_numbers()->Take(n);
}

void DBImpl::LogJobFileNumbers() {
  if (job_block_logging_) return;
  job_block_logging_ = true;
  // Any MANIFEST record from now on covers the block; this one makes sure
  // there is one soon.
  scheduler_->Schedule(JobKind::kFlush, [this] {
    MutexLock l(&mutex_);
    job_block_logging_ = false;
    if (shutting_down_.load(std::memory_order_acquire) || !bg_error_.ok() ||
        !node_->job_file_numbers()->waiting_for_record()) {
      MaybeScheduleWork();
      return;
    }
    VersionEdit edit;  // records the next file number, past the block
    Status s = versions_->LogAndApply(&edit, &mutex_);
    if (!s.ok()) RecordBackgroundError(s);
    MaybeScheduleWork();
    bg_cv_.SignalAll();
  });
}

bool DBImpl::ScheduleRemoteCompaction(Compaction* c) {
  if (!OffloadCompactions() || c->IsTrivialMove() ||
      remote_compactions_ >= kMaxRemoteCompactions ||
      !node_->HaveExecutors()) {
    return false;
  }
  CompactionJobSpec spec;
  spec.db_path = node_->db_path();
  spec.table = JobTableSettings::From(table_options_);
  spec.oldest_snapshot = OldestSnapshot();
  // The persisted range tombstones every snapshot sees that overlap the
  // inputs: the executor drops the versions they hide.
  for (const auto& [seq, t] : versions_->range_tombstones()) {
    if (seq <= spec.oldest_snapshot &&
        t.Overlaps(c->smallest_user_key(), c->largest_user_key())) {
      spec.range_tombstones.push_back(t);
    }
  }
  spec.level = c->level();
  spec.output_level = c->output_level();
  spec.max_output_file_size = c->max_output_file_size();
  for (int which = 0; which < 2; which++) {
    for (const auto& f : c->inputs(which)) {
      spec.inputs[which].push_back(ToJobFile(*f));
    }
  }
  const Version& v = *c->input_version();
  Slice lo(c->smallest_user_key()), hi(c->largest_user_key());
  for (int level = c->output_level() + 1; level < v.num_levels(); level++) {
    std::vector<JobFile> files;
    for (const auto& f : v.GetOverlappingInputs(level, &lo, &hi)) {
      files.push_back(ToJobFile(*f));
    }
    spec.deeper.push_back(std::move(files));
  }
  for (const auto& f : c->grandparents()) {
    spec.grandparents.push_back(ToJobFile(*f));
  }
  // Enough names for the outputs size and grandparent cuts can produce.
  spec.outputs_per_attempt = static_cast<uint32_t>(
      c->InputBytes() / c->max_output_file_size() + c->grandparents().size() +
      4);
  spec.max_attempts = kJobAttempts;
  // Large enough to keep several executors busy: sub-jobs by key range.
  const std::vector<std::string> cuts = ChooseSubJobBoundaries(
      *c, options_.max_subcompactions, c->max_output_file_size());
  if (!cuts.empty()) return PostSubJobs(c, spec, cuts);
  const uint64_t count =
      static_cast<uint64_t>(spec.outputs_per_attempt) * kJobAttempts;
  spec.file_number_base = TakeJobFileNumbers(count);
  if (spec.file_number_base == 0) return false;  // it runs here instead
  std::string payload;
  spec.EncodeTo(&payload);
  const uint64_t base = spec.file_number_base;
  Status s =
      node_->Submit(cluster::JobType::kCompaction, payload, kJobAttempts,
                    [this, c, base, count, applied = AppliedTombstones(spec)](
                        const Status& st, const JobResult& r) {
                      OnRemoteCompactionDone(c, base, count, st, r, applied);
                    });
  if (!s.ok()) return false;
  for (uint64_t k = 0; k < count; k++) pending_outputs_.insert(base + k);
  remote_compactions_++;
  Log(info_log_.get(), "compaction %s posted as a job, %llu bytes",
      c->Describe().c_str(), static_cast<unsigned long long>(c->InputBytes()));
  return true;
}

std::set<SequenceNumber> DBImpl::AppliedTombstones(
    const CompactionJobSpec& spec) {
  std::set<SequenceNumber> applied;
  for (const RangeTombstone& t : spec.range_tombstones) applied.insert(t.seq);
  return applied;
}

void DBImpl::OnRemoteCompactionDone(Compaction* c, uint64_t base,
                                    uint64_t count, const Status& s,
                                    const JobResult& result,
                                    const std::set<SequenceNumber>& applied) {
  MutexLock l(&mutex_);
  remote_compactions_--;
  RemoveUnusedOutputs(base, count,
                      s.ok() ? result.outputs : std::vector<FileMetaData>());
  if (s.ok()) {
    CompactionJobStats js;
    js.micros = result.micros;
    js.input_records = result.records_in;
    js.dropped_records = result.records_dropped;
    js.bytes_read = result.bytes_read;
    js.bytes_written = result.bytes_written;
    RecordInHistogram(statistics_, kRemoteCompactionMicros, result.micros);
    Status is = InstallCompaction(c, result.outputs, js, applied);
    if (!is.ok()) RecordBackgroundError(is);
    running_compactions_--;
  } else if (shutting_down_.load()) {
    picker_->Release(c);
    delete c;
    running_compactions_--;
  } else {
    // Run it here instead; it keeps its inputs and its slot.
    Log(InfoLogLevel::kWarn, info_log_.get(),
        "remote compaction %s handed back (%s): running "
        "it here",
        c->Describe().c_str(), s.ToString().c_str());
    scheduler_->Schedule(JobKind::kCompaction,
                         [this, c] { BackgroundCompaction(c); });
  }
  MaybeScheduleWork();
  bg_cv_.SignalAll();
}

struct DBImpl::SplitCompaction {
  struct Part {
    CompactionJobSpec spec;  // its key range and output numbers
    bool done = false;
    JobResult result;  // when done (and ok)
  };
  Compaction* c = nullptr;
  std::vector<Part> parts;  // in key order
  size_t outstanding = 0;
  Status error;  // the first part that failed
};

bool DBImpl::PostSubJobs(Compaction* c, const CompactionJobSpec& spec,
                         const std::vector<std::string>& cuts) {
  auto split = std::make_unique<SplitCompaction>();
  split->c = c;
  split->parts.resize(cuts.size() + 1);
  const uint64_t count =
      static_cast<uint64_t>(spec.outputs_per_attempt) * kJobAttempts;
  for (size_t i = 0; i < split->parts.size(); i++) {
    CompactionJobSpec& part = split->parts[i].spec;
    part = spec;
    part.range_begin = i == 0 ? std::string() : cuts[i - 1];
    part.range_end = i == cuts.size() ? std::string() : cuts[i];
    part.file_number_base = TakeJobFileNumbers(count);
    if (part.file_number_base == 0) return false;  // it runs here instead
  }
  SplitCompaction* raw = split.release();
  raw->outstanding = raw->parts.size();
  remote_compactions_++;
  stats_.split_compactions++;
  stats_.sub_jobs += raw->parts.size();
  for (size_t i = 0; i < raw->parts.size(); i++) {
    const CompactionJobSpec& part = raw->parts[i].spec;
    for (uint64_t k = 0; k < count; k++) {
      pending_outputs_.insert(part.file_number_base + k);
    }
    std::string payload;
    part.EncodeTo(&payload);
    Status s = node_->Submit(
        cluster::JobType::kCompaction, payload, kJobAttempts,
        [this, raw, i](const Status& st, const JobResult& r) {
          OnSubJobDone(raw, i, st, r);
        });
    if (!s.ok()) {
      // The coordinator stopped or the pool is lost: this part runs here.
      RemoveUnusedOutputs(part.file_number_base, count, {});
      stats_.sub_jobs_run_here++;
      scheduler_->Schedule(JobKind::kCompaction,
                           [this, raw, i] { RunSubJobHere(raw, i); });
    }
  }
  Log(info_log_.get(), "compaction %s posted as %zu sub-jobs, %llu bytes",
      c->Describe().c_str(), raw->parts.size(),
      static_cast<unsigned long long>(c->InputBytes()));
  return true;
}

void DBImpl::OnSubJobDone(SplitCompaction* split, size_t i, const Status& s,
                          const JobResult& result) {
  MutexLock l(&mutex_);
  SplitCompaction::Part& part = split->parts[i];
  const uint64_t count =
      static_cast<uint64_t>(part.spec.outputs_per_attempt) * kJobAttempts;
  RemoveUnusedOutputs(part.spec.file_number_base, count,
                      s.ok() ? result.outputs : std::vector<FileMetaData>());
  if (s.ok()) {
    part.done = true;
    part.result = result;
    FinishSubJob(split);
  } else if (shutting_down_.load()) {
    if (split->error.ok()) split->error = s;
    FinishSubJob(split);
  } else {
    // Only this part runs again, here; the others keep their outputs.
    Log(InfoLogLevel::kWarn, info_log_.get(),
        "sub-job %zu of compaction %s handed back (%s): "
        "running it here",
        i, split->c->Describe().c_str(), s.ToString().c_str());
    stats_.sub_jobs_run_here++;
    scheduler_->Schedule(JobKind::kCompaction,
                         [this, split, i] { RunSubJobHere(split, i); });
  }
}

void DBImpl::RunSubJobHere(SplitCompaction* split, size_t i) {
  CompactionJobSpec spec;
  {
    MutexLock l(&mutex_);
    spec = split->parts[i].spec;
    // Fresh output numbers: every attempt's numbers may have been
    // written by an executor whose claim was revoked.
    spec.max_attempts = 1;
    spec.file_number_base = versions_->NewFileNumbers(spec.outputs_per_attempt);
    for (uint32_t k = 0; k < spec.outputs_per_attempt; k++) {
      pending_outputs_.insert(spec.file_number_base + k);
    }
  }
  JobResult result;
  Status s = ExecuteCompactionJob(
      env_, spec, 0,
      [this] { return !shutting_down_.load(std::memory_order_acquire); },
      &result);
  MutexLock l(&mutex_);
  RemoveUnusedOutputs(spec.file_number_base, spec.outputs_per_attempt,
                      s.ok() ? result.outputs : std::vector<FileMetaData>());
  SplitCompaction::Part& part = split->parts[i];
  if (s.ok()) {
    part.done = true;
    part.result = std::move(result);
  } else if (split->error.ok()) {
    split->error = s;
  }
  FinishSubJob(split);
}

void DBImpl::FinishSubJob(SplitCompaction* split) {
  if (--split->outstanding > 0) return;
  std::unique_ptr<SplitCompaction> owned(split);
  Compaction* c = split->c;
  if (split->error.ok()) {
    std::vector<FileMetaData> outputs;
    CompactionJobStats js;
    for (const SplitCompaction::Part& part : split->parts) {
      const JobResult& r = part.result;
      outputs.insert(outputs.end(), r.outputs.begin(), r.outputs.end());
      // The parts ran side by side: the compaction took the longest.
      js.micros = std::max(js.micros, r.micros);
      js.input_records += r.records_in;
      js.dropped_records += r.records_dropped;
      js.bytes_read += r.bytes_read;
      js.bytes_written += r.bytes_written;
    }
    // Every part applied the same tombstones.
    Status s = InstallCompaction(c, outputs, js,
                                 AppliedTombstones(split->parts.front().spec));
    if (!s.ok()) RecordBackgroundError(s);
  } else {
    // Nothing is installed: the parts that finished are orphans now.
    for (const SplitCompaction::Part& part : split->parts) {
      if (!part.done) continue;
      for (const auto& f : part.result.outputs) {
        pending_outputs_.erase(f.number);
        env_->RemoveFile(TableFileName(dbname_, f.number))
            .PermitUncheckedError();
      }
    }
    Log(InfoLogLevel::kError, info_log_.get(),
        "compaction %s dropped: a sub-job failed: %s", c->Describe().c_str(),
        split->error.ToString().c_str());
    if (!split->error.IsAborted()) RecordBackgroundError(split->error);
    picker_->Release(c);
    delete c;
  }
  remote_compactions_--;
  running_compactions_--;
  MaybeScheduleWork();
  bg_cv_.SignalAll();
}

namespace {

// A memtable lost with the pool, being rebuilt from the WAL: every update
// with a sequence in [lo, hi] and a key in [smallest, largest] was its (a
// shard generation's memtables have disjoint key ranges, and a re-split
// seals them all, so no other memtable shares both ranges).
struct LostMemTable {
  uint64_t id;
  SequenceNumber lo, hi;
  std::string smallest, largest;
  MemTableRef mem;
};

class Rebuilder final : public WriteBatch::Handler {
 public:
  Rebuilder(SequenceNumber seq, std::vector<LostMemTable>* lost)
      : seq_(seq), lost_(lost) {}
  void Put(const Slice& key, const Slice& value) override {
    Add(kTypeValue, key, value);
  }
  void Delete(const Slice& key) override { Add(kTypeDeletion, key, Slice()); }
  void DeleteRange(const Slice&, const Slice&) override { seq_++; }
  bool ok() const { return ok_; }

 private:
  void Add(ValueType type, const Slice& key, const Slice& value) {
    for (LostMemTable& m : *lost_) {
      if (seq_ >= m.lo && seq_ <= m.hi && key.compare(m.smallest) >= 0 &&
          key.compare(m.largest) <= 0) {
        if (!m.mem->Add(seq_, type, key, value)) ok_ = false;
        break;
      }
    }
    seq_++;
  }

  SequenceNumber seq_;
  std::vector<LostMemTable>* lost_;
  bool ok_ = true;
};

}  // namespace

void DBImpl::HandleDmLoss(const std::string& why) {
  {
    MutexLock l(&mutex_);
    if (dm_lost_ || dm_ == nullptr) return;
    MarkDmLost(why);
    rebuilding_++;  // Close waits for the rebuild below
  }
  RebuildLostMemTables();
  MutexLock l(&mutex_);
  rebuilding_--;
  bg_cv_.SignalAll();
}

void DBImpl::MarkDmLost(const std::string& why) {
  dm_lost_ = true;
  dm_->MarkUnavailable();
  // Jobs out on the board can no longer be watched (remote flushes of
  // segments would never finish): they come back here.
  if (node_ != nullptr) node_->MarkMemoryLost();
  Log(InfoLogLevel::kError, info_log_.get(),
      "DM lost (%s): falling back to local memtables and local flushes",
      why.c_str());
  if (has_unpersisted_data_) {
    RecordBackgroundError(Status::IOError(
        dbname_, "the DM pool was lost while holding writes made with "
                 "disable_wal: those writes may be gone"));
  }
}

void DBImpl::RebuildLostMemTables() {
  std::vector<LostMemTable> lost;
  std::vector<uint64_t> logs;
  {
    MutexLock l(&mutex_);
    uint64_t min_log = UINT64_MAX;
    for (auto& e : imm_) {
      // Only copies in DM that no flush is reading are taken: a flush from
      // DM running here either has read it all or fails, hands it back
      // (kInDm) and calls this again.
      if (!e.is(SealedMemTable::Phase::kInDm) &&
          !e.is(SealedMemTable::Phase::kRemoteFlushing)) {
        continue;
      }
      const SegmentHeader& h = e.segment()->header();
      MemTableRef mem = NewMemTable(options_.write_buffer_size,
                                    e.segment()->location().length);
      if (mem == nullptr) {
        RecordBackgroundError(Status::NoSpace(dbname_, "rebuilding memtables"));
        break;
      }
      // Held back from flushing until rebuilt.
      e.StartRebuild();
      lost.push_back({e.id(), h.smallest_seq, h.largest_seq, e.smallest(),
                      e.largest(), std::move(mem)});
      min_log = std::min(min_log, e.log_number());
    }
    if (lost.empty()) return;
    rebuilding_++;
    for (uint64_t n : live_logs_) {
      if (n >= min_log) logs.push_back(n);
    }
  }

  // Replay the WALs (immutable but for the newest, read up to its end) into
  // the rebuilt memtables, without the mutex.
  Status s;
  for (uint64_t number : logs) {
    const std::string fname = LogFileName(dbname_, number);
    // The newest WAL may end mid-record while writers append: that record
    // is newer than every lost memtable (so a torn tail is fine, whatever
    // paranoid_checks says).
    WalReplay replay;
    s = ReplayWal(
        env_, fname, number, /*paranoid_checks=*/false,
        [&](WriteBatch* batch) -> Status {
          Rebuilder rebuilder(WriteBatchInternal::Sequence(batch), &lost);
          Status is = batch->Iterate(&rebuilder);
          if (is.ok() && !rebuilder.ok()) {
            is = Status::Aborted(fname, "rebuilt memtable full");
          }
          return is;
        },
        &replay);
    if (!s.ok()) break;
  }

  MutexLock l(&mutex_);
  rebuilding_--;
  if (!s.ok()) {
    RecordBackgroundError(s);
  }
  for (LostMemTable& m : lost) {
    // Rebuilding memtables are neither flushed nor installed.
    SealedMemTable* e = FindImm(m.id);
    e->FinishRebuild(std::move(m.mem));  // the pool is gone: nothing freed
  }
  Log(info_log_.get(), "DM lost: rebuilt %zu memtables from the WAL: %s",
      lost.size(), s.ToString().c_str());
  InstallSuperVersion();
  MaybeScheduleWork();
  bg_cv_.SignalAll();
}

void DBImpl::RemoveUnusedOutputs(uint64_t base, uint64_t count,
                                 const std::vector<FileMetaData>& keep) {
  std::vector<std::string> doomed;
  for (uint64_t n = base; n < base + count; n++) {
    bool kept = false;
    for (const auto& f : keep) kept = kept || f.number == n;
    if (kept) continue;
    pending_outputs_.erase(n);
    const std::string fname = TableFileName(dbname_, n);
    if (env_->FileExists(fname)) doomed.push_back(fname);
  }
  // Outputs of attempts that were not accepted (a revoked executor's, or a
  // failed one's).
  for (const auto& f : doomed) env_->RemoveFile(f).PermitUncheckedError();
}

}  // namespace o3lsm
