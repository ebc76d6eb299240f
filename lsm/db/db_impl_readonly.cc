// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/db_impl_readonly.h"

#include <algorithm>
#include <thread>

#include "lsm/db/db_impl.h"
#include "lsm/db/db_impl_internal.h"
#include "lsm/db/db_iter.h"
#include "lsm/db/merging_iterator.h"
#include "lsm/version/filename.h"
#include "lsm/wal/wal_replay.h"
#include "lsm/wal/write_batch_internal.h"

namespace o3lsm {

namespace {

// A writer that flushes or rotates its MANIFEST between our reads of
// CURRENT, the MANIFEST and the WALs deletes what we were about to read;
// the next attempt sees its newer state.
constexpr int kLoadAttempts = 10;
constexpr int kMaxBackoffMillis = 200;

}  // namespace

DBImplReadOnly::DBImplReadOnly(const Options& options,
                               const std::string& dbname)
    : dbname_(dbname),
      options_(SanitizeOptions(options)),
      env_(options_.env),
      block_cache_(NewLRUCache(options_.block_cache_size)),
      table_options_(TableOptionsFrom(options_, block_cache_.get())),
      obsolete_files_(std::make_shared<ObsoleteFiles>()) {}

Status DBImplReadOnly::OpenImpl(bool error_if_wal_file_exists) {
  if (!env_->FileExists(CurrentFileName(dbname_))) {
    return Status::InvalidArgument(
        dbname_, "is not an o3lsm database (no CURRENT file)");
  }
  Status s;
  for (int attempt = 0; attempt < kLoadAttempts; attempt++) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::min(10 << attempt, kMaxBackoffMillis)));
    }
    s = Load(error_if_wal_file_exists);
    if (s.ok() || s.IsInvalidArgument()) break;
  }
  return s;
}

Status DBImplReadOnly::Load(bool error_if_wal_file_exists) {
  table_cache_ = std::make_unique<TableCache>(dbname_, env_, table_options_,
                                              options_.max_open_files - 10);
  versions_ = std::make_unique<VersionSet>(dbname_, &options_, obsolete_files_);
  mems_.clear();
  Status s = versions_->Recover();
  if (!s.ok()) return s;
  current_ = versions_->current();

  std::vector<std::string> children;
  s = env_->GetChildren(dbname_, &children);
  if (!s.ok()) return s;
  {
    // A flush between the MANIFEST read and the listing may have deleted
    // a WAL the version still needs (its data is in a table this version
    // lacks), and the listing would not show it: the log number moved.
    VersionSet check(dbname_, &options_, obsolete_files_);
    s = check.Recover();
    if (!s.ok()) return s;
    if (check.log_number() != versions_->log_number()) {
      return Status::Busy(dbname_, "the writer flushed while it was read");
    }
  }
  std::vector<uint64_t> logs;
  for (const std::string& name : children) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) &&
        type == FileType::kLogFile && number >= versions_->log_number()) {
      logs.push_back(number);
    }
  }
  std::sort(logs.begin(), logs.end());
  last_sequence_ = versions_->LastSequence();
  std::vector<RangeTombstone> wal_tombstones;
  uint64_t records = 0;
  for (uint64_t number : logs) {
    s = ReplayLog(number, &wal_tombstones, &records);
    if (!s.ok()) return s;
  }
  if (error_if_wal_file_exists && records > 0) {
    return Status::InvalidArgument(
        dbname_, "its WAL holds " + std::to_string(records) +
                     " batches not yet flushed (error_if_wal_file_exists)");
  }
  std::reverse(mems_.begin(), mems_.end());  // newest first

  std::vector<const RangeTombstone*> from_wal;
  for (const RangeTombstone& t : wal_tombstones) from_wal.push_back(&t);
  num_range_tombstones_ =
      versions_->range_tombstones().size() + from_wal.size();
  range_tombstones_ =
      MakeRangeTombstoneSet(versions_->range_tombstones(), from_wal);

  // Open the tables now, while they exist: the writer may delete them.
  size_t opened = 0;
  for (int level = 0; level < current_->num_levels(); level++) {
    for (const auto& f : current_->files(level)) {
      if (++opened > static_cast<size_t>(options_.max_open_files - 10)) break;
      std::unique_ptr<Iterator> it(
          table_cache_->NewIterator(ReadOptions(), *f));
      if (!it->status().ok()) return it->status();
    }
  }
  return Status::OK();
}

Status DBImplReadOnly::ReplayLog(uint64_t number,
                                 std::vector<RangeTombstone>* tombstones,
                                 uint64_t* records) {
  const std::string fname = LogFileName(dbname_, number);
  WalReplay replay;
  // A torn tail is left as it is: the writer may be appending to it (or
  // crashed while it did); that record was never acknowledged, or is not
  // yet.
  Status s = ReplayWal(
      env_, fname, number, options_.paranoid_checks,
      [&](WriteBatch* batch) -> Status {
        const size_t bound = BatchBound(*batch);
        if (mems_.empty() || !mems_.back()->HasRoomFor(bound)) {
          const size_t size = std::max(options_.write_buffer_size, bound * 2);
          auto mem = std::make_shared<MemTable>(
              0, size, std::min(size, MemArena::kMaxCapacity));
          if (!mem->ok()) return Status::NoSpace(fname, "no memtable space");
          mems_.push_back(std::move(mem));
        }
        return InsertBatchIntoMemTable(batch, mems_.back().get(), tombstones);
      },
      &replay);
  *records += replay.records;
  last_sequence_ = std::max(last_sequence_, replay.last_sequence);
  return s;
}

SequenceNumber DBImplReadOnly::ReadSequence(const ReadOptions& options) const {
  return options.snapshot != nullptr
             ? static_cast<const SnapshotImpl*>(options.snapshot)->sequence()
             : last_sequence_;
}

Status DBImplReadOnly::Get(const ReadOptions& options, const Slice& key,
                           std::string* value) {
  const SequenceNumber sequence = ReadSequence(options);
  LookupKey lkey(key, sequence);
  ApplyRangeTombstones(range_tombstones_.get(), &lkey);
  Status s;
  for (const MemTableRef& mem : mems_) {
    if (mem->Get(lkey, value, &s)) return s;
  }
  return current_->Get(options, lkey, value, table_cache_.get());
}

std::vector<Status> DBImplReadOnly::MultiGet(const ReadOptions& options,
                                             const std::vector<Slice>& keys,
                                             std::vector<std::string>* values) {
  values->assign(keys.size(), std::string());
  std::vector<Status> statuses(keys.size());
  for (size_t k = 0; k < keys.size(); k++) {
    statuses[k] = Get(options, keys[k], &(*values)[k]);
    if (!statuses[k].ok()) (*values)[k].clear();
  }
  return statuses;
}

std::unique_ptr<Iterator> DBImplReadOnly::NewIterator(
    const ReadOptions& options) {
  std::vector<Iterator*> children;
  for (const MemTableRef& mem : mems_) children.push_back(mem->NewIterator());
  current_->AddIterators(options, table_cache_.get(), &children);
  return std::unique_ptr<Iterator>(NewDBIterator(
      NewMergingIterator(std::move(children)), ReadSequence(options),
      options.iterate_lower_bound, options.iterate_upper_bound,
      range_tombstones_));
}

const Snapshot* DBImplReadOnly::GetSnapshot() {
  MutexLock l(&mutex_);
  return snapshots_.New(last_sequence_);
}

void DBImplReadOnly::ReleaseSnapshot(const Snapshot* snapshot) {
  MutexLock l(&mutex_);
  snapshots_.Delete(static_cast<const SnapshotImpl*>(snapshot));
}

bool DBImplReadOnly::GetProperty(const Slice& property, std::string* value) {
  value->clear();
  Slice in = property;
  if (!in.starts_with("o3lsm.")) return false;
  in.remove_prefix(6);
  if (in == "last-sequence") {
    *value = std::to_string(last_sequence_);
  } else if (in == "sstables") {
    *value = current_->DebugString();
  } else if (in == "num-range-tombstones") {
    *value = std::to_string(num_range_tombstones_);
  } else if (in == "num-immutable-memtables") {
    *value = std::to_string(mems_.size());
  } else if (int level; ParseLevelProperty(in, "num-files-at-level",
                                           current_->num_levels(), &level)) {
    *value = std::to_string(current_->NumFiles(level));
  } else {
    return false;
  }
  return true;
}

}  // namespace o3lsm
