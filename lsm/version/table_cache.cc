// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/version/table_cache.h"

#include "lsm/table/table.h"
#include "lsm/version/filename.h"
#include "util/coding.h"

namespace o3lsm {

namespace {

void DeleteTable(const Slice& /*key*/, void* value) {
  delete static_cast<Table*>(value);
}

// Shards of the open-table cache: every Get and iterator looks a table up
// here, so one mutex would serialize every reader. As many shards as keep
// at least four tables each, up to 64 (RocksDB's table_cache_numshardbits).
int TableCacheShardBits(int entries) {
  int bits = 0;
  while (bits < 6 && (entries >> (bits + 1)) >= 4) bits++;
  return bits;
}

}  // namespace

TableCache::TableCache(std::string dbname, Env* env,
                       const TableOptions& table_options, int entries)
    : dbname_(std::move(dbname)),
      env_(env),
      table_options_(table_options),
      cache_(NewLRUCache(entries > 0 ? static_cast<size_t>(entries) : 1,
                         TableCacheShardBits(entries))) {}

TableCache::~TableCache() = default;

Status TableCache::FindTable(uint64_t number, uint64_t file_size,
                             Cache::Handle** handle) {
  char buf[sizeof(number)];
  EncodeFixed64(buf, number);
  const Slice key(buf, sizeof(buf));
  *handle = cache_->Lookup(key);
  if (*handle != nullptr) return Status::OK();

  const std::string fname = TableFileName(dbname_, number);
  std::unique_ptr<RandomAccessFile> file;
  Status s = table_options_.allow_mmap_reads
                 ? env_->NewRandomAccessFile(fname, &file)
                 : env_->NewUnmappedRandomAccessFile(fname, &file);
  if (s.IsNotFound()) {
    // The version lists this table: its absence is damage, not an absent
    // key (a NotFound would read as one).
    return Status::Corruption(fname, "table file is missing: " + s.ToString());
  }
  if (!s.ok()) return s;
  std::unique_ptr<Table> table;
  s = Table::Open(table_options_, fname, std::move(file), file_size, &table);
  if (!s.ok()) return s;  // errors are not cached: a retry may succeed
  *handle = cache_->Insert(key, table.release(), 1, &DeleteTable);
  return Status::OK();
}

Iterator* TableCache::NewIterator(const ReadOptions& options, uint64_t number,
                                  uint64_t file_size) {
  Cache::Handle* handle = nullptr;
  Status s = FindTable(number, file_size, &handle);
  if (!s.ok()) return NewErrorIterator(s);
  const Table* table = static_cast<Table*>(cache_->Value(handle));
  Iterator* result = table->NewIterator(options);
  Cache* cache = cache_.get();
  result->RegisterCleanup([cache, handle] { cache->Release(handle); });
  return result;
}

Status TableCache::Get(
    const ReadOptions& options, uint64_t number, uint64_t file_size,
    const Slice& internal_key,
    const std::function<bool(const Slice&, const Slice&)>& handle_result) {
  Cache::Handle* handle = nullptr;
  Status s = FindTable(number, file_size, &handle);
  if (!s.ok()) return s;
  const Table* table = static_cast<Table*>(cache_->Value(handle));
  s = table->InternalGet(options, internal_key, handle_result);
  cache_->Release(handle);
  return s;
}

void TableCache::Evict(uint64_t number) {
  char buf[sizeof(number)];
  EncodeFixed64(buf, number);
  cache_->Erase(Slice(buf, sizeof(buf)));
}

}  // namespace o3lsm
