// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Background work: flushing sealed memtables to L0 and compacting levels.
// Jobs are chosen under the mutex (so no two pick the same inputs), run
// without it, and installed under it through a MANIFEST edit.

#include <algorithm>

#include "lsm/compaction/compaction_job.h"
#include "lsm/compaction/flush_job.h"
#include "lsm/db/db_impl.h"
#include "lsm/db/db_impl_internal.h"

namespace o3lsm {

void DBImpl::RecordBackgroundError(const Status& s) {
  if (bg_error_.ok() && !s.ok()) {
    bg_error_ = s;
    Log(InfoLogLevel::kError, info_log_.get(),
        "background error, writes stopped: %s", s.ToString().c_str());
    bg_cv_.SignalAll();
  }
}

uint64_t DBImpl::NewOutputFileNumber() {
  MutexLock l(&mutex_);
  const uint64_t number = versions_->NewFileNumber();
  pending_outputs_.insert(number);
  return number;
}

SealedMemTable* DBImpl::FindImm(uint64_t mem_id) {
  for (auto& entry : imm_) {
    if (entry.id() == mem_id) return &entry;
  }
  return nullptr;
}

void DBImpl::MaybeScheduleWork() {
  if (shutting_down_.load(std::memory_order_acquire) || !bg_error_.ok()) {
    return;
  }
  // Moves into DM first: they free local memory fastest, and run in
  // parallel across shards.
  bool dm_can_take = false;
  if (OffloadMemtables()) {
    uint64_t live = node_->live_bytes();
    dm_can_take = dm_full_at_ == 0 || live < dm_full_at_;
    const int max_moves = std::max(1, options_.memtable_shards);
    for (auto& entry : imm_) {
      if (!dm_can_take || running_moves_ >= max_moves) break;
      if (!entry.is(SealedMemTable::Phase::kLocal)) continue;
      const uint64_t size = node_->FootprintOf(entry.mem()->MemoryUsage());
      if (!node_->CanTake(live, size)) {
        dm_can_take = false;  // the DM budget is used up
        break;
      }
      live += size;
      entry.StartMove();
      running_moves_++;
      const uint64_t id = entry.id();
      scheduler_->Schedule(JobKind::kFlush, [this, id] { BackgroundMove(id); });
    }
  }
  // Flushes: writers wait on them. Memtables in DM go to other nodes as
  // jobs when flush offload is on and executors are alive.
  // DM cannot take the sealed memtables waiting locally: flushes must free
  // it, batch or not.
  bool dm_blocked = false;
  if (OffloadMemtables() && !dm_can_take) {
    for (const auto& entry : imm_) {
      dm_blocked = dm_blocked || entry.is(SealedMemTable::Phase::kLocal);
    }
  }
  if (!flushes_paused_) ScheduleRemoteFlushes(dm_blocked);
  const bool remote_flush = OffloadFlushes() && node_->HaveExecutors();
  for (auto& entry : imm_) {
    if (running_flushes_ >= options_.max_background_flushes) break;
    if (flushes_paused_) break;
    if (!entry.waiting()) continue;
    // With memtable offload, a memtable still in local memory is flushed
    // here only if DM cannot take it.
    if (entry.is(SealedMemTable::Phase::kLocal) && dm_can_take) continue;
    // One in DM waits for an executor, unless a remote flush failed.
    if (entry.in_dm() && remote_flush && !entry.local_only()) continue;
    // One whose only copy was in a lost pool waits for its rebuild.
    if (entry.in_dm() &&
        (dm_lost_ || (node_ != nullptr && node_->memory_node_lost()))) {
      continue;
    }
    entry.StartFlush();
    running_flushes_++;
    const uint64_t id = entry.id();
    scheduler_->Schedule(JobKind::kFlush, [this, id] { BackgroundFlush(id); });
  }
  if (options_.disable_auto_compactions) return;
  while (true) {
    const int local_running = running_compactions_ - remote_compactions_;
    const bool local_free =
        local_running < options_.max_background_compactions;
    // ScheduleRemoteCompaction enforces its own in-flight limit.
    const bool remote_free =
        OffloadCompactions() && node_->HaveExecutors();
    if (!local_free && !remote_free) break;
    std::unique_ptr<Compaction> c = picker_->Pick();
    if (c == nullptr) break;
    running_compactions_++;
    Compaction* raw = c.release();
    if (remote_free && ScheduleRemoteCompaction(raw)) continue;
    if (!local_free) {
      // Only a remote slot was free and this one must run here: later.
      picker_->Release(raw);
      delete raw;
      running_compactions_--;
      break;
    }
    scheduler_->Schedule(JobKind::kCompaction,
                         [this, raw] { BackgroundCompaction(raw); });
  }
}

void DBImpl::OnSeekBudgetSpent(FileRef file, int level) {
  if (statistics_ != nullptr) statistics_->recordTick(kSeekCompactionTriggers);
  MutexLock l(&mutex_);
  if (shutting_down_.load(std::memory_order_acquire)) return;
  Log(info_log_.get(),
      "read-triggered compaction: L%d file #%llu used up its seek budget",
      level, static_cast<unsigned long long>(file->number));
  picker_->AddSeekCandidate(std::move(file), level);
  MaybeScheduleWork();
}

void DBImpl::OnMemTableSeekBudgetSpent(const MemTableRef& mem) {
  {
    MutexLock l(&mutex_);
    if (shutting_down_.load(std::memory_order_acquire) || !bg_error_.ok() ||
        !imm_.empty()) {
      return;
    }
    bool active = false;
    size_t bytes = 0;
    for (const Shard& shard : shards_) {
      active = active || shard.mem == mem;
      bytes += shard.mem->MemoryUsage();
    }
    if (!active) return;  // sealed since the seek pinned it
    Log(info_log_.get(),
        "read-triggered flush: memtable %llu used up its seek budget "
        "(%zu bytes in the memtables)",
        static_cast<unsigned long long>(mem->id()), bytes);
  }
  if (statistics_ != nullptr) statistics_->recordTick(kSeekFlushTriggers);
  // Through the writer queue, as DB::Flush: sealing waits for the write
  // group inserting now, if any.
  FlushOptions options;
  options.wait = false;
  Status s = Flush(options);
  if (!s.ok()) {
    Log(InfoLogLevel::kWarn, info_log_.get(), "read-triggered flush: %s",
        s.ToString().c_str());
  }
}

void DBImpl::BackgroundMove(uint64_t mem_id) {
  MemTableRef mem;
  DmSegment::Placement placement;
  {
    MutexLock l(&mutex_);
    SealedMemTable* e = FindImm(mem_id);
    mem = e->mem();
    placement.shard = static_cast<uint32_t>(e->shard());
    placement.router_generation = e->router_generation();
  }
  DmSegmentRef segment;
  Status s;
  // A dropped or timed-out verb is retried a few times before the memory
  // node counts as lost (DmSegment::Create frees what a failed try took).
  constexpr int kMoveAttempts = 3;
  for (int attempt = 1; attempt <= kMoveAttempts; attempt++) {
    s = node_->MoveMemTable(
        mem.get(), placement,
        {options_.bloom_bits_per_key, options_.dm_segment_layout}, &segment);
    if (s.ok() || !s.retryable() || attempt == kMoveAttempts) break;
    Log(InfoLogLevel::kWarn, info_log_.get(),
        "moving memtable %llu to DM, attempt %d: %s",
        static_cast<unsigned long long>(mem_id), attempt, s.ToString().c_str());
    env_->SleepForMicroseconds(1000 * attempt);
  }
  MutexLock l(&mutex_);
  running_moves_--;
  // Moving memtables are neither flushed nor installed: it is still here.
  SealedMemTable* e = FindImm(mem_id);
  if (s.ok() && dm_lost_) {
    segment.reset();  // moved into a pool that is gone: keep the local copy
    s = Status::Unavailable("DM", "lost during the move");
  }
  if (s.ok()) {
    e->FinishMove(std::move(segment));
    dm_full_at_ = 0;
    InstallSuperVersion();
  } else {
    e->FailMove();
    if (s.IsNoSpace()) {
      // The pool is full: keep it local; moves resume when DM frees.
      dm_full_at_ = std::max<uint64_t>(1, node_->live_bytes());
      Log(InfoLogLevel::kWarn, info_log_.get(),
          "DM full (%llu bytes of segments): memtable %llu "
          "stays local",
          static_cast<unsigned long long>(dm_full_at_),
          static_cast<unsigned long long>(mem_id));
    } else {
      Log(InfoLogLevel::kWarn, info_log_.get(),
          "moving memtable %llu to DM failed: %s",
          static_cast<unsigned long long>(mem_id), s.ToString().c_str());
      if (s.retryable() && !dm_lost_) {
        // The memory node does not answer: the same as losing it.
        scheduler_->Schedule(JobKind::kFlush, [this] {
          HandleDmLoss("a move into DM failed");
        });
      }
    }
  }
  MaybeScheduleWork();
  bg_cv_.SignalAll();
}

void DBImpl::BackgroundFlush(uint64_t mem_id) {
  SequenceNumber oldest_snapshot;
  MemTableReaderRef reader;
  uint64_t input_bytes;
  std::function<void()> test_hook;
  {
    MutexLock l(&mutex_);
    oldest_snapshot = OldestSnapshot();
    const SealedMemTable* e = FindImm(mem_id);
    reader = e->reader();
    input_bytes = e->in_dm() ? e->segment()->header().total_length()
                             : e->mem()->MemoryUsage();
    if (e->in_dm()) test_hook = before_flush_from_dm_reads_;
  }
  if (test_hook) test_hook();
  FileMetaData meta;
  FlushJobStats job_stats;
  std::vector<Iterator*> inputs;
  inputs.push_back(reader->NewFullScanIterator());
  Status s = RunFlushJob(std::move(inputs), env_, dbname_, table_options_,
                         oldest_snapshot,
                         [this] { return NewOutputFileNumber(); }, &meta,
                         &job_stats);
  reader.reset();

  MutexLock l(&mutex_);
  SealedMemTable* e = FindImm(mem_id);
  if (s.ok()) {
    e->FinishFlush(meta);
    AddJobStats(0, {.jobs = 1,
                    .micros = job_stats.micros,
                    .bytes_read = input_bytes,
                    .bytes_written = meta.file_size,
                    .files_out = meta.number != 0 ? 1u : 0u,
                    .records_in = job_stats.input_records,
                    .records_dropped = job_stats.dropped_records});
    Log(info_log_.get(),
        "flush memtable %llu (%s): table %llu, %llu entries, %llu bytes, "
        "%llu us",
        static_cast<unsigned long long>(mem_id),
        e->in_dm() ? "from DM" : "local",
        static_cast<unsigned long long>(meta.number),
        static_cast<unsigned long long>(meta.num_entries),
        static_cast<unsigned long long>(meta.file_size),
        static_cast<unsigned long long>(job_stats.micros));
    InstallFlushResults();
  } else {
    const bool from_dm = e->in_dm();
    e->FailFlush();
    if (meta.number != 0) pending_outputs_.erase(meta.number);
    if (from_dm && (dm_lost_ || s.retryable())) {
      // DM did not answer the flush's reads: its copy is as good as lost,
      // and the WAL still holds every update of it. It is rebuilt like the
      // memtables that were waiting in DM, and writes go on.
      Log(InfoLogLevel::kWarn, info_log_.get(),
          "flush of memtable %llu from DM failed: %s",
          static_cast<unsigned long long>(mem_id), s.ToString().c_str());
      if (!dm_lost_) MarkDmLost("a flush's read failed");  // from_dm: dm_ set
      mutex_.Unlock();
      RebuildLostMemTables();
      mutex_.Lock();
    } else {
      RecordBackgroundError(s);
    }
  }
  running_flushes_--;
  MaybeScheduleWork();
  bg_cv_.SignalAll();
}

void DBImpl::AddJobStats(int level, const LevelIoStats& job) {
  stats_.levels[level].Add(job);
  if (statistics_ == nullptr) return;
  // Level 0 is written by flushes only (leveled compaction outputs to L1
  // and below).
  if (level == 0) {
    statistics_->recordTick(kFlushWriteBytes, job.bytes_written);
    statistics_->recordInHistogram(kFlushTime, job.micros);
  } else {
    statistics_->recordTick(kCompactReadBytes, job.bytes_read);
    statistics_->recordTick(kCompactWriteBytes, job.bytes_written);
    statistics_->recordInHistogram(kCompactionTime, job.micros);
  }
}

void DBImpl::InstallFlushResults() {
  // One installer at a time; whoever finishes later installs what the
  // running installation did not cover.
  while (!installing_flush_) {
    // A flushed memtable may go in once no older memtable overlapping its
    // key range is still waiting: L0 must never hold older data above newer
    // data for the same keys. Shards are disjoint, so one shard's slow flush
    // does not hold back the others.
    std::vector<size_t> ready;
    for (size_t i = 0; i < imm_.size(); i++) {
      const SealedMemTable& e = imm_[i];
      if (!e.is(SealedMemTable::Phase::kFlushed)) continue;
      bool blocked = false;
      size_t r = 0;
      for (size_t j = 0; j < i && !blocked; j++) {
        if (r < ready.size() && ready[r] == j) {
          r++;  // installed together with e, in the same edit
          continue;
        }
        blocked = RangesOverlap(imm_[j].smallest(), imm_[j].largest(),
                                e.smallest(), e.largest());
      }
      if (!blocked) ready.push_back(i);
    }
    if (ready.empty()) return;

    installing_flush_ = true;
    VersionEdit edit;
    for (size_t i : ready) {
      imm_[i].StartInstall();
      if (imm_[i].result().number != 0) edit.AddFile(0, imm_[i].result());
    }
    // WALs older than every memtable still unflushed are obsolete.
    edit.SetLogNumber(MinLogNumberInUse());
    PersistRangeTombstones(&edit);
    Status s = versions_->LogAndApply(&edit, &mutex_);
    installing_flush_ = false;
    if (s.ok()) RangeTombstonesPersisted(edit);
    if (!s.ok()) {
      // The MANIFEST may or may not hold the edit: stop, and keep the
      // tables (still pending outputs) for the open-time sweep.
      for (size_t i : ready) imm_[i].FailInstall();
      RecordBackgroundError(s);
      return;
    }
    for (size_t i : ready) {
      if (imm_[i].result().number != 0) {
        pending_outputs_.erase(imm_[i].result().number);
      }
    }
    for (auto it = ready.rbegin(); it != ready.rend(); ++it) {
      imm_.erase(imm_.begin() + static_cast<long>(*it));
    }
    InstallSuperVersion();
    DeleteObsoleteFiles(/*at_open=*/false);
  }
}

void DBImpl::BackgroundCompaction(Compaction* c) {
  MutexLock l(&mutex_);
  Status s = RunCompaction(c);
  if (!s.ok() && !s.IsAborted()) RecordBackgroundError(s);
  running_compactions_--;
  MaybeScheduleWork();
  bg_cv_.SignalAll();
}

Status DBImpl::RunCompaction(Compaction* c) {
  if (c->IsTrivialMove() && !c->manual()) {
    std::unique_ptr<Compaction> owned(c);
    VersionEdit edit;
    const FileMetaData& f = *c->inputs(0)[0];
    edit.RemoveFile(c->level(), f.number);
    edit.AddFile(c->output_level(), f);
    Status s = versions_->LogAndApply(&edit, &mutex_);
    if (s.ok()) stats_.trivial_moves++;
    Log(info_log_.get(), "trivial move of table %llu to L%d: %s",
        static_cast<unsigned long long>(f.number), c->output_level(),
        s.ToString().c_str());
    picker_->Release(c);
    owned.reset();
    if (s.ok()) {
      InstallSuperVersion();
    } else {
      RecordBackgroundError(s);  // the MANIFEST's state is unknown
    }
    DeleteObsoleteFiles(/*at_open=*/false);
    return s;
  }
  const SequenceNumber oldest_snapshot = OldestSnapshot();
  Log(info_log_.get(), "compaction %s, %llu bytes", c->Describe().c_str(),
      static_cast<unsigned long long>(c->InputBytes()));
  CompactionJob job(c, env_, dbname_, table_options_, table_cache_.get(),
                    oldest_snapshot, [this] { return NewOutputFileNumber(); },
                    &shutting_down_);
  job.SetRangeTombstones(PersistedRangeTombstones());
  std::set<SequenceNumber> applied;  // hidden versions all dropped
  for (const auto& [seq, t] : versions_->range_tombstones()) {
    if (seq <= oldest_snapshot) applied.insert(seq);
  }
  mutex_.Unlock();
  Status s = job.Run();
  mutex_.Lock();
  if (s.ok()) return InstallCompaction(c, job.outputs(), job.stats(), applied);
  for (const auto& f : job.outputs()) pending_outputs_.erase(f.number);
  Log(InfoLogLevel::kError, info_log_.get(), "compaction %s failed: %s",
      c->Describe().c_str(), s.ToString().c_str());
  picker_->Release(c);
  delete c;
  return s;
}

Status DBImpl::InstallCompaction(Compaction* c,
                                 const std::vector<FileMetaData>& outputs,
                                 const CompactionJobStats& js,
                                 const std::set<SequenceNumber>& applied) {
  std::unique_ptr<Compaction> owned(c);
  VersionEdit edit;
  c->AddInputDeletions(&edit);
  for (const auto& f : outputs) edit.AddFile(c->output_level(), f);
  DropSpentRangeTombstones(applied, &edit);
  Status s = versions_->LogAndApply(&edit, &mutex_);
  if (s.ok() && !edit.dropped_range_tombstones().empty()) {
    RebuildRangeTombstones();
    Log(info_log_.get(), "dropped %zu spent range tombstones",
        edit.dropped_range_tombstones().size());
  }
  if (!s.ok()) {
    // The edit may be durable though its write failed: a reopen may list
    // these outputs (and not the inputs). They stay pending until the
    // open-time sweep, which knows what the MANIFEST says.
    RecordBackgroundError(s);
  } else {
    for (const auto& f : outputs) pending_outputs_.erase(f.number);
    AddJobStats(c->output_level(),
                {.jobs = 1,
                 .micros = js.micros,
                 .bytes_read = js.bytes_read,
                 .bytes_written = js.bytes_written,
                 .files_in = static_cast<uint64_t>(c->num_input_files()),
                 .files_out = outputs.size(),
                 .records_in = js.input_records,
                 .records_dropped = js.dropped_records});
  }
  Log(info_log_.get(), "compaction %s done: %zu outputs, %s",
      c->Describe().c_str(), outputs.size(), s.ToString().c_str());
  picker_->Release(c);
  owned.reset();  // drops the input version; inputs may become obsolete
  if (s.ok()) InstallSuperVersion();
  DeleteObsoleteFiles(/*at_open=*/false);
  return s;
}

Status DBImpl::WaitForFlush(uint64_t last_mem_id) {
  if (last_mem_id > flush_wanted_through_) {
    flush_wanted_through_ = last_mem_id;  // no batching for these
    MaybeScheduleWork();
  }
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    bool pending = false;
    for (const auto& entry : imm_) {
      if (entry.id() <= last_mem_id) pending = true;
    }
    if (!pending) return Status::OK();
    bg_cv_.Wait();
  }
}

Status DBImpl::Flush(const FlushOptions& options) {
  // A null batch through the writer queue seals the memtable in order with
  // concurrent writes.
  Status s = Write(WriteOptions(), nullptr);
  if (!s.ok()) return s;
  MutexLock l(&mutex_);
  uint64_t last_id = 0;
  for (const auto& entry : imm_) last_id = std::max(last_id, entry.id());
  if (!options.wait) {
    // Asked for, so not held back for a batch.
    if (last_id > flush_wanted_through_) {
      flush_wanted_through_ = last_id;
      MaybeScheduleWork();
    }
    return Status::OK();
  }
  return WaitForFlush(last_id);
}

Status DBImpl::CompactRange(const Slice* begin, const Slice* end) {
  Status s = Flush(FlushOptions());
  if (!s.ok()) return s;
  MutexLock l(&mutex_);
  manual_compactions_++;
  // Compact level by level down to the deepest level holding the range.
  int max_level = 0;
  {
    VersionRef v = versions_->current();
    for (int level = 1; level < v->num_levels(); level++) {
      if (v->OverlapInLevel(level, begin, end)) max_level = level;
    }
    // Data only in L0 still goes down one level: L0 files overlap, and a
    // merge is what drops overwritten and deleted entries.
    if (max_level == 0 && v->OverlapInLevel(0, begin, end)) max_level = 1;
  }
  for (int level = 0; level < max_level && s.ok(); level++) {
    while (s.ok()) {
      if (shutting_down_.load()) {
        s = Status::Aborted(dbname_, "database is closing");
        break;
      }
      if (!bg_error_.ok()) {
        s = bg_error_;
        break;
      }
      bool busy = false;
      std::unique_ptr<Compaction> c =
          picker_->PickRange(level, begin, end, &busy);
      if (c == nullptr) {
        if (!busy) break;
        bg_cv_.Wait();  // inputs in use by a background compaction
        continue;
      }
      s = RunCompaction(c.release());
      break;
    }
  }
  manual_compactions_--;
  MaybeScheduleWork();
  bg_cv_.SignalAll();
  return s;
}

Status DBImpl::TEST_WaitForBackgroundWork() {
  Status s = WaitForBackgroundJobs();
  // Segments whose last reference went under the mutex are freed on the
  // pool's freeing thread.
  if (dm_ != nullptr) dm_->DrainFrees();
  return s;
}

Status DBImpl::WaitForBackgroundJobs() {
  MutexLock l(&mutex_);
  for (const auto& entry : imm_) {
    flush_wanted_through_ = std::max(flush_wanted_through_, entry.id());
  }
  while (bg_error_.ok() &&
         (running_flushes_ > 0 || running_compactions_ > 0 ||
          running_moves_ > 0 || remote_flushes_ > 0 || !imm_.empty() ||
          (!options_.disable_auto_compactions && picker_->NeedsCompaction()))) {
    MaybeScheduleWork();
    if (running_flushes_ == 0 && running_compactions_ == 0 &&
        running_moves_ == 0 && remote_flushes_ == 0 && imm_.empty()) {
      break;  // nothing can run (e.g. every candidate conflicts)
    }
    bg_cv_.Wait();
  }
  return bg_error_;
}

}  // namespace o3lsm
