// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TableCache keeps open SST files (their Table readers: footer, index and
// filter already parsed) in an LRU cache bounded by Options::max_open_files.
// Every read of an SST goes through it.
//
// Up to half of that bound, a table opened for a read that fills caches is
// also pinned to its FileMetaData (FileMetaData::table): later reads of the
// file go straight to it, with no lookup, no lock and no reference count.
// A pinned table stays open until no version holds the file; the other
// half of the bound keeps the LRU working for databases with more files.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_LSM_VERSION_TABLE_CACHE_H_
#define O3LSM_LSM_VERSION_TABLE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lsm/cache/cache.h"
#include "lsm/table/table_options.h"
#include "lsm/version/version_edit.h"
#include "o3lsm/env.h"
#include "o3lsm/iterator.h"
#include "o3lsm/options.h"

namespace o3lsm {

class Table;

class TableCache {
 public:
  // REQUIRES: env and table_options.block_cache outlive the TableCache.
  TableCache(std::string dbname, Env* env, const TableOptions& table_options,
             int entries);
  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;
  ~TableCache();

  // An iterator over file f. On error, an iterator reporting it.
  // REQUIRES: f outlives the iterator.
  Iterator* NewIterator(const ReadOptions& options, const FileMetaData& f);

  // Seeks internal_key in file f and calls handle on the first entry at or
  // after it, if any (see Table::InternalGet).
  Status Get(const ReadOptions& options, const FileMetaData& f,
             const Slice& internal_key,
             const std::function<bool(const Slice&, const Slice&)>& handle);

  // Drops the file's reader (the file is being deleted).
  void Evict(uint64_t number);

  size_t OpenFiles() const { return shared_->cache->TotalCharge(); }
  // Tables pinned to their FileMetaData now.
  size_t PinnedTables() const { return shared_->pinned.load(); }

 private:
  // What a pin's release needs, which may outlive the TableCache.
  struct Shared {
    std::unique_ptr<Cache> cache;
    std::atomic<size_t> pinned{0};
  };

  Status FindTable(uint64_t number, uint64_t file_size, Cache::Handle** handle);
  // f's table: the pinned one (*handle null), or one held through *handle
  // (the caller releases it). Pins it if there is room and options fill
  // caches.
  Status Acquire(const ReadOptions& options, const FileMetaData& f,
                 const Table** table, Cache::Handle** handle);

  const std::string dbname_;
  Env* const env_;
  const TableOptions table_options_;
  const size_t max_pinned_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_VERSION_TABLE_CACHE_H_
