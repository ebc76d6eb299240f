// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The write path. Writers queue up (WriteQueue); the writer at the front
// (the leader) takes the batches queued behind it as one group, admits it
// under the DB mutex (room in the memtables, backpressure, sequence
// numbers), appends the group to the WAL as one record (syncing once if any
// member asked for sync) outside the mutex, and then the group's batches go
// into the concurrent memtables in parallel, taken one at a time by the
// leader and every member still awake. The last inserter to finish
// publishes the group's sequence numbers: readers see a group whole or not
// at all, and groups in order. Many writers, one write, at most one sync,
// and the inserts spread over the writer threads that are running.

#include <algorithm>

#include "lsm/db/db_impl.h"
#include "lsm/db/db_impl_internal.h"
#include "lsm/db/write_queue.h"
#include "lsm/version/filename.h"

namespace o3lsm {

namespace {

// Inserts a batch's updates, each into the memtable of its key's shard.
class MemTableInserter final : public WriteBatch::Handler {
 public:
  // tombstones (may be null) receives the batch's range deletions: the
  // write path took them in at admission, recovery collects them here.
  MemTableInserter(SequenceNumber seq, const ShardRouter* router,
                   const std::vector<MemTable*>& mems,
                   std::vector<RangeTombstone>* tombstones)
      : sequence_(seq), router_(router), mems_(mems), tombstones_(tombstones) {}

  void Put(const Slice& key, const Slice& value) override {
    if (!Target(key)->Add(sequence_, kTypeValue, key, value)) full_ = true;
    sequence_++;
  }
  void Delete(const Slice& key) override {
    if (!Target(key)->Add(sequence_, kTypeDeletion, key, Slice())) {
      full_ = true;
    }
    sequence_++;
  }
  void DeleteRange(const Slice& begin, const Slice& end) override {
    if (tombstones_ != nullptr && begin.compare(end) < 0) {
      tombstones_->push_back({begin.ToString(), end.ToString(), sequence_});
    }
    sequence_++;
  }
  bool full() const { return full_; }

 private:
  MemTable* Target(const Slice& key) const {
    return router_ == nullptr ? mems_[0] : mems_[router_->ShardOf(key)];
  }

  SequenceNumber sequence_;
  const ShardRouter* const router_;  // null: a single memtable
  const std::vector<MemTable*>& mems_;  // indexed by shard
  std::vector<RangeTombstone>* const tombstones_;
  bool full_ = false;
};

// Collects a batch's range deletions with their sequences.
class RangeDeletionCollector final : public WriteBatch::Handler {
 public:
  RangeDeletionCollector(SequenceNumber seq, std::vector<RangeTombstone>* out)
      : sequence_(seq), out_(out) {}
  void Put(const Slice&, const Slice&) override { sequence_++; }
  void Delete(const Slice&) override { sequence_++; }
  void DeleteRange(const Slice& begin, const Slice& end) override {
    if (begin.compare(end) < 0) {  // an empty range deletes nothing
      out_->push_back({begin.ToString(), end.ToString(), sequence_});
    }
    sequence_++;
  }

 private:
  SequenceNumber sequence_;
  std::vector<RangeTombstone>* const out_;
};

// Sums, per shard, the memtable bytes a batch's updates need, and shows
// every key to the shard planner.
class ShardBoundCounter final : public WriteBatch::Handler {
 public:
  // planner may be null (the keys were already observed).
  ShardBoundCounter(const ShardRouter* router, ShardPlanner* planner,
                    std::vector<size_t>* bounds)
      : router_(router), planner_(planner), bounds_(bounds) {}

  void Put(const Slice& key, const Slice& value) override {
    Count(key, value.size());
  }
  void Delete(const Slice& key) override { Count(key, 0); }
  void DeleteRange(const Slice&, const Slice&) override {}

 private:
  void Count(const Slice& key, size_t value_size) {
    const size_t bytes = MemTable::EntryBound(key.size(), value_size);
    (*bounds_)[router_->ShardOf(key)] += bytes;
    if (planner_ != nullptr) planner_->Observe(key, key.size() + value_size);
  }

  const ShardRouter* const router_;
  ShardPlanner* const planner_;
  std::vector<size_t>* const bounds_;
};

Status InsertBatch(const WriteBatch* batch, SequenceNumber sequence,
                   const ShardRouter* router,
                   const std::vector<MemTable*>& mems,
                   std::vector<RangeTombstone>* tombstones = nullptr) {
  MemTableInserter inserter(sequence, router, mems, tombstones);
  Status s = batch->Iterate(&inserter);
  if (s.ok() && inserter.full()) {
    // Admission (MakeRoomForWrite) reserves room for the whole group, so
    // this is a broken invariant, not a full disk.
    return Status::Aborted("memtable", "arena full during insert");
  }
  return s;
}

// Adds one stall of writers, waited since start, to a stall counter and
// the statistics (rocksdb.stall.micros): the one place stalls are summed.
void AddStall(Env* env, uint64_t start, StallStats* stall,
              Statistics* statistics) {
  const uint64_t micros = env->NowMicros() - start;
  stall->count++;
  stall->micros += micros;
  RecordTick(statistics, kStallMicros, micros);
  RecordInHistogram(statistics, kWriteStall, micros);
}

// Bound on a group's batch bytes, so a small write is not delayed behind a
// huge one.
size_t MaxGroupBytes(const WriteQueue::Writer& leader) {
  if (leader.batch == nullptr) return 0;
  const size_t size = WriteBatchInternal::ByteSize(leader.batch);
  return size <= (128 << 10) ? size + (128 << 10) : size_t{1} << 20;
}

}  // namespace

// What the members of a write group insert into, captured by the leader
// under the DB mutex. The memtables stay in place until the group ends:
// only a later leader replaces them.
struct DBImpl::WriteTargets {
  const ShardRouter* router = nullptr;
  std::vector<MemTable*> mems;
};

Status InsertBatchIntoMemTable(const WriteBatch* batch, MemTable* mem,
                               std::vector<RangeTombstone>* tombstones) {
  return InsertBatch(batch, WriteBatchInternal::Sequence(batch), nullptr,
                     {mem}, tombstones);
}

Status DBImpl::CheckRangeDeletions(const WriteBatch* batch) {
  if (!WriteBatchInternal::MayHaveRangeDeletion(batch)) return Status::OK();
  struct Check final : WriteBatch::Handler {
    void Put(const Slice&, const Slice&) override {}
    void Delete(const Slice&) override {}
    void DeleteRange(const Slice& begin, const Slice& end) override {
      if (status.ok() && end.compare(begin) < 0) {
        status = Status::InvalidArgument(
            "DeleteRange", "end key '" + end.ToString() +
                               "' is before begin key '" + begin.ToString() +
                               "'");
      }
    }
    Status status;
  } check;
  Status s = batch->Iterate(&check);
  return s.ok() ? check.status : s;
}

void DBImpl::AdmitRangeDeletions(const WriteQueue::Group& group) {
  std::vector<RangeTombstone> added;
  for (const WriteQueue::Writer* m : group.members) {
    if (!WriteBatchInternal::MayHaveRangeDeletion(m->batch)) continue;
    RangeDeletionCollector collector(m->sequence, &added);
    // Checked before the writer joined the queue: it decodes.
    m->batch->Iterate(&collector).PermitUncheckedError();
  }
  if (added.empty()) return;
  // A group that skips the WAL has no WAL to outlive: the next flush edit
  // persists its tombstones (log number 0 is below every edit's).
  const uint64_t log_number =
      group.leader->disable_wal ? 0 : logfile_number_;
  for (RangeTombstone& t : added) {
    unpersisted_tombstones_.push_back({std::move(t), log_number});
  }
  RebuildRangeTombstones();
  InstallSuperVersion();
}

void DBImpl::PersistRangeTombstones(VersionEdit* edit) {
  for (const UnpersistedTombstone& u : unpersisted_tombstones_) {
    if (u.log_number < edit->log_number()) {
      edit->AddRangeTombstone(u.tombstone);
    }
  }
}

void DBImpl::RangeTombstonesPersisted(const VersionEdit& edit) {
  if (edit.new_range_tombstones().empty()) return;
  std::erase_if(unpersisted_tombstones_,
                [&edit](const UnpersistedTombstone& u) {
                  return u.log_number < edit.log_number();
                });
}

Status DBImpl::PersistUnloggedRangeTombstones() {
  VersionEdit edit;
  for (const UnpersistedTombstone& u : unpersisted_tombstones_) {
    if (u.log_number == 0) edit.AddRangeTombstone(u.tombstone);
  }
  if (edit.new_range_tombstones().empty()) return Status::OK();
  Status s = versions_->LogAndApply(&edit, &mutex_);
  if (s.ok()) {
    std::erase_if(unpersisted_tombstones_, [](const UnpersistedTombstone& u) {
      return u.log_number == 0;
    });
  }
  return s;
}

void DBImpl::RebuildRangeTombstones() {
  std::vector<const RangeTombstone*> unpersisted;
  for (const UnpersistedTombstone& u : unpersisted_tombstones_) {
    if (versions_->range_tombstones().count(u.tombstone.seq) == 0) {
      unpersisted.push_back(&u.tombstone);
    }
  }
  range_tombstones_ =
      MakeRangeTombstoneSet(versions_->range_tombstones(), unpersisted);
}

RangeTombstoneSetRef DBImpl::PersistedRangeTombstones() {
  return MakeRangeTombstoneSet(versions_->range_tombstones());
}

void DBImpl::DropSpentRangeTombstones(const std::set<SequenceNumber>& applied,
                                      VersionEdit* edit) {
  const auto& persisted = versions_->range_tombstones();
  if (persisted.empty() || applied.empty()) return;
  const SequenceNumber oldest_snapshot = OldestSnapshot();
  const VersionRef v = versions_->current();
  for (const auto& entry : persisted) {
    // Named copies: lambdas below capture them (clang 14 cannot capture a
    // structured binding).
    const SequenceNumber seq = entry.first;
    const RangeTombstone& t = entry.second;
    if (applied.count(seq) == 0 || seq > oldest_snapshot) continue;
    bool spent = true;
    auto holds_older = [&](const FileMetaData& f) {
      return f.smallest_seqno < seq &&
             t.Overlaps(f.smallest.user_key(), f.largest.user_key());
    };
    for (int level = 0; level < v->num_levels() && spent; level++) {
      for (const auto& f : v->files(level)) {
        if (edit->deleted_files().count({level, f->number}) == 0 &&
            holds_older(*f)) {
          spent = false;
          break;
        }
      }
    }
    // The edit's new files are the compaction's outputs: it applied t.
    for (const Shard& shard : shards_) {
      if (spent && shard.mem->num_entries() > 0 &&
          shard.mem->smallest_sequence() < seq) {
        spent = false;
      }
    }
    for (const SealedMemTable& e : imm_) {
      if (spent && t.Overlaps(e.smallest(), e.largest())) spent = false;
    }
    if (spent) edit->DropRangeTombstone(seq);
  }
}

Status DBImpl::Put(const WriteOptions& options, const Slice& key,
                   const Slice& value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, &batch);
}

Status DBImpl::Delete(const WriteOptions& options, const Slice& key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, &batch);
}

Status DBImpl::DeleteRange(const WriteOptions& options, const Slice& begin_key,
                           const Slice& end_key) {
  WriteBatch batch;
  batch.DeleteRange(begin_key, end_key);
  return Write(options, &batch);
}

Status DBImpl::Write(const WriteOptions& options, WriteBatch* updates) {
  if (shutting_down_.load(std::memory_order_relaxed)) {
    return Status::Aborted(dbname_, "database is closing");
  }
  // A null batch is Flush sealing the memtables: not a user write.
  StopWatch timer(env_, updates != nullptr ? statistics_ : nullptr, kDbWrite);
  if (updates != nullptr) {
    Status s = CheckRangeDeletions(updates);
    if (!s.ok()) return s;
    RecordInHistogram(statistics_, kBytesPerWrite,
                      WriteBatchInternal::ByteSize(updates));
  }
  WriteQueue::Writer w(updates, options.sync, options.disable_wal);
  const uint32_t state = write_queue_.Join(&w);
  if (state == WriteQueue::kDone) return w.status;
  if (state == WriteQueue::kMemTableWriter) {
    // The group's WAL record is written: help insert its batches.
    return InsertWriteGroup(w.group, &w);
  }

  // This writer leads a group.
  WriteQueue::Group group;
  WriteTargets targets;
  group.context = &targets;
  WriteBatch* contents_batch = nullptr;  // the WAL record: the whole group
  Status status;
  {
    MutexLock l(&mutex_);
    write_queue_.FormGroup(&w, MaxGroupBytes(w), &group);
    if (closed_) {
      status = Status::Aborted(dbname_, "database is closing");
    } else {
      status = AdmitWriteGroup(&group, &contents_batch, &targets);
    }
  }
  if (!status.ok() || contents_batch == nullptr) {
    return EndWriteGroup(&group, &w, status);
  }

  if (!w.disable_wal) {
    // The leader alone touches log_ here: the next group cannot start
    // before this one ends, and memtable switches happen only in
    // admission.
    const Slice contents = WriteBatchInternal::Contents(contents_batch);
    status = log_->AddRecord(contents);
    // Hand the record to the OS now: an acknowledged write must survive
    // the process being killed.
    if (status.ok()) status = log_->Flush();
    if (status.ok() && w.sync) {
      StopWatch sync_timer(env_, statistics_, kWalFileSyncMicros);
      status = log_->Sync();
    }
    if (!status.ok()) {
      // The WAL may now end in a partial record; later appends would land
      // behind it. Refuse further writes until the database is reopened.
      {
        MutexLock l(&mutex_);
        RecordBackgroundError(status);
      }
      return EndWriteGroup(&group, &w, status);
    }
  }

  if (group.members.size() > 1 && options_.allow_concurrent_memtable_write) {
    write_queue_.LaunchMemTableWriters(&group);
    return InsertWriteGroup(&group, &w);
  }
  Status s =
      InsertBatch(contents_batch, w.sequence, targets.router, targets.mems);
  if (!s.ok()) group.Fail(s);
  return EndWriteGroup(&group, &w, Status::OK());
}

Status DBImpl::InsertWriteGroup(WriteQueue::Group* group,
                                WriteQueue::Writer* self) {
  const auto* targets = static_cast<const WriteTargets*>(group->context);
  while (WriteQueue::Writer* m = write_queue_.NextMemTableWrite(group)) {
    Status s =
        InsertBatch(m->batch, m->sequence, targets->router, targets->mems);
    if (!s.ok()) group->Fail(s);
  }
  if (!write_queue_.LeaveMemTableWrite(group)) {
    return write_queue_.AwaitDone(self);
  }
  return EndWriteGroup(group, self, Status::OK());
}

Status DBImpl::AdmitWriteGroup(WriteQueue::Group* group,
                               WriteBatch** contents_batch,
                               WriteTargets* targets) {
  WriteQueue::Writer* const leader = group->leader;
  WriteBatch* merged = nullptr;
  std::vector<size_t> shard_bounds;
  if (leader->batch != nullptr) {
    merged = leader->batch;
    if (group->members.size() > 1) {
      merged = &tmp_batch_;
      merged->Clear();
      for (WriteQueue::Writer* m : group->members) {
        WriteBatchInternal::Append(merged, m->batch);
      }
    }
    ComputeShardBounds(merged, /*observe=*/true, &shard_bounds);
  }
  Status status = MakeRoomForWrite(merged, &shard_bounds);
  if (!status.ok() || merged == nullptr ||
      WriteBatchInternal::Count(merged) == 0) {
    return status;
  }

  // Sequence numbers: the group's updates in member order.
  SequenceNumber next = versions_->LastSequence() + 1;
  WriteBatchInternal::SetSequence(merged, next);
  for (WriteQueue::Writer* m : group->members) {
    m->sequence = next;
    next += WriteBatchInternal::Count(m->batch);
  }
  group->last_sequence = next - 1;
  AdmitRangeDeletions(*group);
  targets->router = router_.get();
  targets->mems.reserve(shards_.size());
  for (const Shard& shard : shards_) targets->mems.push_back(shard.mem.get());

  // Counted at admission: a group that fails after this point stops the
  // database (a background error), so the counts are never read as
  // progress.
  for (size_t i = 0; i < shard_bounds.size() && i < shards_.size(); i++) {
    shards_[i].bytes += shard_bounds[i];
  }
  const size_t bytes = WriteBatchInternal::Contents(merged).size();
  stats_.user_writes += WriteBatchInternal::Count(merged);
  stats_.user_bytes += bytes;
  stats_.write_groups++;
  if (!leader->disable_wal) {
    stats_.wal_bytes += bytes;
    if (leader->sync) stats_.wal_syncs++;
  } else {
    has_unpersisted_data_ = true;
  }
  if (statistics_ != nullptr) {
    // As RocksDB counts them: bytes.written sums the members' batches
    // (each with its header), wal.bytes is the group's one record.
    uint64_t batch_bytes = 0;
    for (const WriteQueue::Writer* m : group->members) {
      batch_bytes += WriteBatchInternal::Contents(m->batch).size();
    }
    const uint64_t others = group->members.size() - 1;
    statistics_->recordTick(kNumberKeysWritten,
                            WriteBatchInternal::Count(merged));
    statistics_->recordTick(kBytesWritten, batch_bytes);
    statistics_->recordTick(kWriteDoneBySelf);
    if (others > 0) statistics_->recordTick(kWriteDoneByOther, others);
    if (!leader->disable_wal) {
      statistics_->recordTick(kWriteWithWal, others + 1);
      statistics_->recordTick(kWalFileBytes, bytes);
      if (leader->sync) statistics_->recordTick(kWalFileSynced);
    }
  }
  *contents_batch = merged;
  return Status::OK();
}

Status DBImpl::EndWriteGroup(WriteQueue::Group* group, WriteQueue::Writer* self,
                             Status status) {
  const Status insert = group->status();
  if (!insert.ok()) {
    // Part of the group may be in the memtables, unpublished: stop writes.
    MutexLock l(&mutex_);
    RecordBackgroundError(insert);
    if (status.ok()) status = insert;
  }
  if (status.ok() && group->last_sequence != 0) {
    versions_->SetLastSequence(group->last_sequence);
  }
  write_queue_.EndGroup(group, self, status);
  return status;
}

void DBImpl::ComputeShardBounds(const WriteBatch* group, bool observe,
                                std::vector<size_t>* shard_bounds) {
  shard_bounds->assign(shards_.size(), 0);
  ShardBoundCounter counter(router_.get(), observe ? &planner_ : nullptr,
                            shard_bounds);
  // The batch was validated by its own Iterate when it was built; a
  // malformed one fails again, visibly, when inserted.
  group->Iterate(&counter).PermitUncheckedError();
}

Status DBImpl::MakeRoomForWrite(const WriteBatch* group,
                                std::vector<size_t>* shard_bounds) {
  bool force = group == nullptr;
  bool allow_delay = !force;
  bool stall_logged = false;  // one LOG line per stall, not per wakeup
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    // Overlap depth, not file count: sharded L0 files are disjoint.
    const int l0_files = versions_->current()->L0Depth();
    size_t group_bytes = 0;
    for (size_t b : *shard_bounds) group_bytes += b;
    if (allow_delay && l0_files >= options_.level0_slowdown_writes_trigger) {
      // Pace writers to delayed_write_rate rather than stop them later:
      // spreads the stall over many writes.
      allow_delay = false;
      const uint64_t delay = WriteDelayMicros(group_bytes);
      if (delay > 0) {
        const uint64_t start = env_->NowMicros();
        mutex_.Unlock();
        env_->SleepForMicroseconds(static_cast<int>(delay));
        mutex_.Lock();
        AddStall(env_, start, &stats_.slowdown_l0, statistics_);
        continue;
      }
    }
    // Which shards are full?
    std::vector<int> full;
    if (force) {
      for (size_t i = 0; i < shards_.size(); i++) {
        if (shards_[i].mem->num_entries() > 0) full.push_back(static_cast<int>(i));
      }
      if (full.empty()) return Status::OK();  // nothing to seal
    } else {
      if (shard_bounds->empty()) return Status::OK();  // a seal request, done
      for (size_t i = 0; i < shards_.size(); i++) {
        const size_t need = (*shard_bounds)[i];
        if (need == 0) continue;
        const MemTable& mem = *shards_[i].mem;
        if (mem.ShouldSeal() || !mem.HasRoomFor(need)) {
          full.push_back(static_cast<int>(i));
        }
      }
      if (full.empty()) return Status::OK();
    }
    // Sealing needs room in the local write-buffer budget.
    // (Shard memtables have a floor size, so the buffer may exceed
    // write_buffer_size with many shards.)
    const size_t buffer = std::max<size_t>(
        options_.write_buffer_size, ShardMemTableSize() * shards_.size());
    const size_t budget = buffer * (options_.max_write_buffer_number - 1);
    if (SealedLocalBytes() >= budget) {
      if (!stall_logged) {
        Log(InfoLogLevel::kWarn, info_log_.get(),
            "write stall: %zu sealed memtables await flush", imm_.size());
        stall_logged = true;
      }
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      AddStall(env_, start, &stats_.stop_memtables, statistics_);
      continue;
    }
    if (l0_files >= options_.level0_stop_writes_trigger) {
      if (!stall_logged) {
        Log(InfoLogLevel::kWarn, info_log_.get(), "write stall: %d L0 files",
            l0_files);
        stall_logged = true;
      }
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      AddStall(env_, start, &stats_.stop_l0, statistics_);
      continue;
    }
    std::vector<uint64_t> bytes;
    for (const Shard& shard : shards_) bytes.push_back(shard.bytes);
    Status s;
    if (!force && planner_.ShouldResplit(*router_, bytes, ShardMemTableSize())) {
      s = Resplit();
      // The new router routes the group differently.
      if (s.ok()) ComputeShardBounds(group, /*observe=*/false, shard_bounds);
    } else {
      size_t min_room = 0;
      for (int i : full) {
        if (!shard_bounds->empty()) {
          min_room = std::max(min_room, (*shard_bounds)[i]);
        }
      }
      s = SealShards(&full, min_room);
      if (s.ok()) s = SealColdShards();
    }
    if (!s.ok()) return s;
    force = false;
  }
}

uint64_t DBImpl::WriteDelayMicros(uint64_t bytes) {
  // A token bucket: credit accrues at delayed_write_rate and holds at most a
  // short burst, so a writer sleeps only when the credit is spent, for as
  // long as the rate needs; oversleeping accrues credit for the next ones.
  constexpr uint64_t kDelayBurstMicros = 1000;
  const uint64_t rate = std::max<uint64_t>(1, options_.delayed_write_rate);
  const uint64_t now = env_->NowMicros();
  if (delay_refill_micros_ == 0) delay_refill_micros_ = now;
  if (now > delay_refill_micros_) {
    const uint64_t elapsed =
        std::min<uint64_t>(now - delay_refill_micros_, kDelayBurstMicros);
    delay_credit_bytes_ = std::min<uint64_t>(
        delay_credit_bytes_ + elapsed * rate / 1000000,
        kDelayBurstMicros * rate / 1000000);
    delay_refill_micros_ = now;
  }
  if (delay_credit_bytes_ >= bytes) {
    delay_credit_bytes_ -= bytes;
    return 0;
  }
  const uint64_t deficit = bytes - delay_credit_bytes_;
  delay_credit_bytes_ = 0;
  const uint64_t wait = std::max<uint64_t>(1, deficit * 1000000 / rate);
  // The credit that accrues while this writer sleeps is its own.
  delay_refill_micros_ = now + wait;
  return wait;
}

Status DBImpl::SealShards(const std::vector<int>* which, size_t min_room) {
  std::vector<int> all;
  if (which == nullptr) {
    for (size_t i = 0; i < shards_.size(); i++) all.push_back(static_cast<int>(i));
    which = &all;
  }
  std::vector<int> sealing;
  for (int i : *which) {
    if (shards_[i].mem->num_entries() > 0) sealing.push_back(i);
  }
  if (sealing.empty()) return Status::OK();

  // A new WAL, so that the sealed memtables' WALs can retire once they are
  // flushed; not if the current one is still empty (writes without the WAL).
  const bool rotate = log_ == nullptr || log_->FileSize() > 0;
  const uint64_t new_log_number =
      rotate ? versions_->NewFileNumber() : logfile_number_;
  std::unique_ptr<WritableFile> file;
  Status s;
  if (rotate) {
    s = env_->NewWritableFile(LogFileName(dbname_, new_log_number), &file);
    if (!s.ok()) return s;
  }
  std::vector<MemTableRef> fresh;
  for (size_t k = 0; k < sealing.size(); k++) {
    MemTableRef mem = NewMemTable(ShardMemTableSize(), min_room);
    if (mem == nullptr) {
      if (rotate) {
        env_->RemoveFile(LogFileName(dbname_, new_log_number))
            .PermitUncheckedError();
      }
      return Status::NoSpace(dbname_, "cannot reserve memtable address space");
    }
    mem->set_log_number(new_log_number);
    fresh.push_back(std::move(mem));
  }
  if (rotate) {
    if (log_ != nullptr) {
      // Every record was flushed when written; closing flushes nothing new.
      s = log_->Close();
      if (!s.ok()) {
        RecordBackgroundError(s);
        return s;
      }
    }
    log_ = std::make_unique<log::Writer>(std::move(file), new_log_number);
    logfile_number_ = new_log_number;
    live_logs_.push_back(new_log_number);
  }
  for (size_t k = 0; k < sealing.size(); k++) {
    Shard& shard = shards_[sealing[k]];
    imm_.emplace_back(std::move(shard.mem), sealing[k], router_->generation());
    shard.mem = std::move(fresh[k]);
  }
  InstallSuperVersion();
  MaybeScheduleWork();
  return Status::OK();
}

Status DBImpl::Resplit() {
  std::vector<std::string> boundaries = planner_.ChooseBoundaries(
      static_cast<uint64_t>(ShardMemTableSize()) * options_.memtable_shards);
  Status s = SealShards(nullptr, 0);
  if (!s.ok()) return s;
  auto router = std::make_shared<ShardRouter>(std::move(boundaries),
                                              router_->generation() + 1);
  std::vector<Shard> shards(router->num_shards());
  for (Shard& shard : shards) {
    shard.mem = NewMemTable(ShardMemTableSize(), 0);
    if (shard.mem == nullptr) {
      return Status::NoSpace(dbname_, "cannot reserve memtable address space");
    }
    shard.mem->set_log_number(logfile_number_);
  }
  Log(info_log_.get(), "shards: generation %llu: %s",
      static_cast<unsigned long long>(router->generation()),
      router->Describe().c_str());
  router_ = std::move(router);
  shards_ = std::move(shards);
  resplits_++;
  InstallSuperVersion();
  return Status::OK();
}

Status DBImpl::SealColdShards() {
  // Each seal starts a WAL; a shard that is rarely written keeps its
  // memtable, and with it every WAL since, alive. Past a bound, seal it.
  const size_t max_logs = 2 * shards_.size() + 2;
  if (live_logs_.size() <= max_logs) return Status::OK();
  const uint64_t oldest = MinLogNumberInUse();
  std::vector<int> cold;
  for (size_t i = 0; i < shards_.size(); i++) {
    MemTable& mem = *shards_[i].mem;
    if (mem.log_number() != oldest) continue;
    if (mem.num_entries() == 0) {
      mem.set_log_number(logfile_number_);  // holds nothing from old WALs
    } else {
      cold.push_back(static_cast<int>(i));
    }
  }
  return cold.empty() ? Status::OK() : SealShards(&cold, 0);
}

}  // namespace o3lsm
