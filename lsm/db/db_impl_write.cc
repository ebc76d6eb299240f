// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The write path. Writers queue up; the writer at the front (the leader)
// merges the batches queued behind it into one group, appends the group to
// the WAL as one record (syncing once if any member asked for sync), inserts
// it into the memtable, and wakes the others: many writers, one write and at
// most one sync.

#include <algorithm>

#include "lsm/db/db_impl.h"
#include "lsm/db/db_impl_internal.h"
#include "lsm/version/filename.h"

namespace o3lsm {

struct DBImpl::Writer {
  explicit Writer(Mutex* mu) : cv(mu) {}

  Status status;
  WriteBatch* batch = nullptr;  // nullptr: a request to seal the memtable
  bool sync = false;
  bool disable_wal = false;
  bool done = false;
  CondVar cv;
};

namespace {

class MemTableInserter final : public WriteBatch::Handler {
 public:
  MemTableInserter(SequenceNumber seq, MemTable* mem)
      : sequence_(seq), mem_(mem) {}

  void Put(const Slice& key, const Slice& value) override {
    if (!mem_->Add(sequence_, kTypeValue, key, value)) full_ = true;
    sequence_++;
  }
  void Delete(const Slice& key) override {
    if (!mem_->Add(sequence_, kTypeDeletion, key, Slice())) full_ = true;
    sequence_++;
  }
  bool full() const { return full_; }

 private:
  SequenceNumber sequence_;
  MemTable* const mem_;
  bool full_ = false;
};

}  // namespace

Status InsertBatchIntoMemTable(const WriteBatch* batch, MemTable* mem) {
  MemTableInserter inserter(WriteBatchInternal::Sequence(batch), mem);
  Status s = batch->Iterate(&inserter);
  if (s.ok() && inserter.full()) {
    // Admission (MakeRoomForWrite) reserves room for the whole group, so
    // this is a broken invariant, not a full disk.
    return Status::Aborted("memtable", "arena full during insert");
  }
  return s;
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

Status DBImpl::Write(const WriteOptions& options, WriteBatch* updates) {
  Writer w(&mutex_);
  w.batch = updates;
  w.sync = options.sync;
  w.disable_wal = options.disable_wal;

  MutexLock l(&mutex_);
  if (closed_ || shutting_down_.load(std::memory_order_relaxed)) {
    return Status::Aborted(dbname_, "database is closing");
  }
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.Wait();
  if (w.done) return w.status;

  // This writer leads a group.
  Writer* last_writer = &w;
  size_t bound = 0;
  WriteBatch* group = nullptr;
  if (updates != nullptr) group = BuildBatchGroup(&last_writer, &bound);
  Status status = MakeRoomForWrite(bound, /*force=*/updates == nullptr);
  SequenceNumber last_sequence = versions_->LastSequence();
  if (status.ok() && group != nullptr &&
      WriteBatchInternal::Count(group) > 0) {
    WriteBatchInternal::SetSequence(group, last_sequence + 1);
    last_sequence += WriteBatchInternal::Count(group);
    const bool use_wal = !w.disable_wal;
    const bool sync = w.sync && use_wal;
    MemTable* mem = mem_.get();
    const Slice contents = WriteBatchInternal::Contents(group);
    {
      // The leader alone touches log_ and inserts into mem_ here; the
      // queue keeps every other writer (and memtable switches) out.
      mutex_.Unlock();
      Status wal_status;
      if (use_wal) {
        wal_status = log_->AddRecord(contents);
        // Hand the record to the OS now: an acknowledged write must
        // survive the process being killed.
        if (wal_status.ok()) wal_status = log_->Flush();
        if (wal_status.ok() && sync) wal_status = log_->Sync();
      }
      status = wal_status;
      if (status.ok()) status = InsertBatchIntoMemTable(group, mem);
      mutex_.Lock();
      if (!wal_status.ok()) {
        // The WAL may now end in a partial record; later appends would land
        // behind it. Refuse further writes until the database is reopened.
        RecordBackgroundError(wal_status);
      }
    }
    if (status.ok()) {
      versions_->SetLastSequence(last_sequence);
      stats_.user_writes += WriteBatchInternal::Count(group);
      stats_.user_bytes += contents.size();
      stats_.write_groups++;
      if (use_wal) {
        stats_.wal_bytes += contents.size();
        if (sync) stats_.wal_syncs++;
      } else {
        has_unpersisted_data_ = true;
      }
    } else if (bg_error_.ok()) {
      RecordBackgroundError(status);
    }
    if (group == &tmp_batch_) tmp_batch_.Clear();
  }

  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != &w) {
      ready->status = status;
      ready->done = true;
      ready->cv.Signal();
    }
    if (ready == last_writer) break;
  }
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return status;
}

WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer, size_t* bound) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  *bound = BatchBound(*first->batch);
  size_t size = WriteBatchInternal::ByteSize(first->batch);

  // Bound the group so a small write is not delayed behind a huge one.
  size_t max_size = 1 << 20;
  if (size <= (128 << 10)) max_size = size + (128 << 10);

  *last_writer = first;
  auto it = writers_.begin();
  ++it;  // past first
  for (; it != writers_.end(); ++it) {
    Writer* w = *it;
    // A sync write does not ride on a non-sync leader, and WAL and no-WAL
    // writes do not mix.
    if (w->sync && !first->sync) break;
    if (w->disable_wal != first->disable_wal) break;
    if (w->batch == nullptr) break;  // a memtable switch request
    size += WriteBatchInternal::ByteSize(w->batch);
    if (size > max_size) break;
    if (result == first->batch) {
      result = &tmp_batch_;
      result->Clear();
      WriteBatchInternal::Append(result, first->batch);
    }
    WriteBatchInternal::Append(result, w->batch);
    *bound += BatchBound(*w->batch);
    *last_writer = w;
  }
  return result;
}

Status DBImpl::MakeRoomForWrite(size_t bytes, bool force) {
  bool allow_delay = !force;
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    const int l0_files = versions_->current()->NumFiles(0);
    if (allow_delay && l0_files >= options_.level0_slowdown_writes_trigger) {
      // Slow the writer to delayed_write_rate rather than stop it later:
      // spreads the stall over many writes.
      const uint64_t delay = std::clamp<uint64_t>(
          bytes * 1000000 / options_.delayed_write_rate, 100, 1000);
      mutex_.Unlock();
      env_->SleepForMicroseconds(static_cast<int>(delay));
      mutex_.Lock();
      stats_.slowdown_l0.count++;
      stats_.slowdown_l0.micros += delay;
      allow_delay = false;
      continue;
    }
    if (!force && mem_->HasRoomFor(bytes) && !mem_->ShouldSeal()) return {};
    if (force && mem_->num_entries() == 0) return {};  // nothing to seal
    if (static_cast<int>(imm_.size()) >= options_.max_write_buffer_number - 1) {
      // Every memtable is full and waiting for a flush.
      Log(info_log_.get(), "write stall: %zu memtables await flush",
          imm_.size());
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      stats_.stop_memtables.count++;
      stats_.stop_memtables.micros += env_->NowMicros() - start;
      continue;
    }
    if (l0_files >= options_.level0_stop_writes_trigger) {
      Log(info_log_.get(), "write stall: %d L0 files", l0_files);
      const uint64_t start = env_->NowMicros();
      bg_cv_.Wait();
      stats_.stop_l0.count++;
      stats_.stop_l0.micros += env_->NowMicros() - start;
      continue;
    }
    Status s = SwitchMemTable(bytes);
    if (!s.ok()) return s;
    force = false;
  }
}

Status DBImpl::SwitchMemTable(size_t min_room) {
  if (mem_->num_entries() == 0) return Status::OK();
  const uint64_t new_log_number = versions_->NewFileNumber();
  std::unique_ptr<WritableFile> file;
  Status s = env_->NewWritableFile(LogFileName(dbname_, new_log_number), &file);
  if (!s.ok()) return s;
  MemTableRef mem = NewMemTable(min_room);
  if (mem == nullptr) {
    env_->RemoveFile(LogFileName(dbname_, new_log_number))
        .PermitUncheckedError();
    return Status::NoSpace(dbname_, "cannot reserve memtable address space");
  }
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
  mem->set_log_number(new_log_number);
  ImmEntry entry;
  entry.mem = std::move(mem_);
  imm_.push_back(std::move(entry));
  mem_ = std::move(mem);
  InstallSuperVersion();
  MaybeScheduleWork();
  return Status::OK();
}

}  // namespace o3lsm
