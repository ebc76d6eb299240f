// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// TableCache keeps open SST files (their Table readers: footer, index and
// filter already parsed) in an LRU cache bounded by Options::max_open_files.
// Every read of an SST goes through it.
//
// Thread safety: all methods may be called concurrently.

#ifndef O3LSM_LSM_VERSION_TABLE_CACHE_H_
#define O3LSM_LSM_VERSION_TABLE_CACHE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lsm/cache/cache.h"
#include "lsm/table/table_options.h"
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

  // An iterator over file `number` (of file_size bytes). On error, an
  // iterator reporting it.
  Iterator* NewIterator(const ReadOptions& options, uint64_t number,
                        uint64_t file_size);

  // Seeks internal_key in the file and calls handle on the first entry at or
  // after it, if any (see Table::InternalGet).
  Status Get(const ReadOptions& options, uint64_t number, uint64_t file_size,
             const Slice& internal_key,
             const std::function<bool(const Slice&, const Slice&)>& handle);

  // Drops the file's reader (the file is being deleted).
  void Evict(uint64_t number);

  size_t OpenFiles() const { return cache_->TotalCharge(); }

 private:
  Status FindTable(uint64_t number, uint64_t file_size, Cache::Handle** handle);

  const std::string dbname_;
  Env* const env_;
  const TableOptions table_options_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace o3lsm

#endif  // O3LSM_LSM_VERSION_TABLE_CACHE_H_
