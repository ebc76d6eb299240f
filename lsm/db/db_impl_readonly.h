// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// DBImplReadOnly: DB::OpenForReadOnly. The database as its files show it
// at open: the MANIFEST's tables and range tombstones, and the live WALs
// replayed into memtables kept in this process. It takes no lock, writes
// nothing (no LOG, no WAL, no MANIFEST, no clean-up) and runs no
// background work, so it may open a database another process has open for
// writing. That writer may delete tables and WALs meanwhile: an open that
// finds a file it was promised gone reloads (the writer made a newer
// MANIFEST), and every table of the version is opened at open (as far as
// max_open_files allows), so that later deletions do not reach its reads.
//
// Thread safety: as DB.

#ifndef O3LSM_LSM_DB_DB_IMPL_READONLY_H_
#define O3LSM_LSM_DB_DB_IMPL_READONLY_H_

#include <memory>
#include <string>
#include <vector>

#include "lsm/cache/cache.h"
#include "lsm/db/snapshot.h"
#include "lsm/memtable/memtable.h"
#include "lsm/table/table_options.h"
#include "lsm/version/range_tombstone.h"
#include "lsm/version/table_cache.h"
#include "lsm/version/version_set.h"
#include "o3lsm/db.h"
#include "util/mutex.h"

namespace o3lsm {

class DBImplReadOnly final : public DB {
 public:
  DBImplReadOnly(const Options& options, const std::string& dbname);
  ~DBImplReadOnly() override = default;

  Status OpenImpl(bool error_if_wal_file_exists);

  Status Put(const WriteOptions&, const Slice&, const Slice&) override {
    return ReadOnly("Put");
  }
  Status Delete(const WriteOptions&, const Slice&) override {
    return ReadOnly("Delete");
  }
  Status DeleteRange(const WriteOptions&, const Slice&, const Slice&) override {
    return ReadOnly("DeleteRange");
  }
  Status Write(const WriteOptions&, WriteBatch*) override {
    return ReadOnly("Write");
  }
  Status Flush(const FlushOptions&) override { return ReadOnly("Flush"); }
  Status CompactRange(const Slice*, const Slice*) override {
    return ReadOnly("CompactRange");
  }

  Status Get(const ReadOptions& options, const Slice& key,
             std::string* value) override;
  std::vector<Status> MultiGet(const ReadOptions& options,
                               const std::vector<Slice>& keys,
                               std::vector<std::string>* values) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  // "o3lsm.last-sequence", "o3lsm.sstables", "o3lsm.num-files-at-level<N>",
  // "o3lsm.num-range-tombstones", "o3lsm.num-immutable-memtables" (the
  // memtables the WALs were replayed into).
  bool GetProperty(const Slice& property, std::string* value) override;
  Status Close() override { return Status::OK(); }

 private:
  Status ReadOnly(const char* call) const {
    return Status::NotSupported(dbname_, std::string(call) +
                                             ": the database is open read-only");
  }
  // One attempt at loading the MANIFEST and replaying the WALs.
  Status Load(bool error_if_wal_file_exists);
  Status ReplayLog(uint64_t number, std::vector<RangeTombstone>* tombstones,
                   uint64_t* records);
  SequenceNumber ReadSequence(const ReadOptions& options) const;

  const std::string dbname_;
  const Options options_;
  Env* const env_;
  std::unique_ptr<Cache> block_cache_;
  const TableOptions table_options_;
  std::unique_ptr<TableCache> table_cache_;
  std::shared_ptr<ObsoleteFiles> obsolete_files_;
  std::unique_ptr<VersionSet> versions_;
  // Fixed once open:
  VersionRef current_;
  std::vector<MemTableRef> mems_;  // the WALs' updates, newest first
  SequenceNumber last_sequence_ = 0;
  RangeTombstoneSetRef range_tombstones_;  // null: none
  size_t num_range_tombstones_ = 0;

  Mutex mutex_;
  SnapshotList snapshots_ GUARDED_BY(mutex_);
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_DB_IMPL_READONLY_H_
