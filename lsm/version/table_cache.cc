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
      max_pinned_(entries > 0 ? static_cast<size_t>(entries) / 2 : 0),
      shared_(std::make_shared<Shared>()) {
  shared_->cache = NewLRUCache(entries > 0 ? static_cast<size_t>(entries) : 1,
                               TableCacheShardBits(entries));
}

TableCache::~TableCache() = default;

Status TableCache::FindTable(uint64_t number, uint64_t file_size,
                             Cache::Handle** handle) {
  char buf[sizeof(number)];
  EncodeFixed64(buf, number);
  const Slice key(buf, sizeof(buf));
  *handle = shared_->cache->Lookup(key);
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
  *handle = shared_->cache->Insert(key, table.release(), 1, &DeleteTable);
  return Status::OK();
}

Status TableCache::Acquire(const ReadOptions& options, const FileMetaData& f,
                           const Table** table, Cache::Handle** handle) {
  *handle = nullptr;
  *table = f.table.get();
  if (*table != nullptr) return Status::OK();
  Status s = FindTable(f.number, f.file_size, handle);
  if (!s.ok()) return s;
  Cache* cache = shared_->cache.get();
  *table = static_cast<const Table*>(cache->Value(*handle));
  if (!options.fill_cache) return Status::OK();
  if (shared_->pinned.fetch_add(1, std::memory_order_relaxed) >= max_pinned_) {
    shared_->pinned.fetch_sub(1, std::memory_order_relaxed);  // no room
    return Status::OK();
  }
  // The handle goes to the pin, and is released when f goes.
  std::shared_ptr<const Table> pin(
      *table, [shared = shared_, held = *handle](const Table*) {
        shared->cache->Release(held);
        shared->pinned.fetch_sub(1, std::memory_order_relaxed);
      });
  *handle = nullptr;
  *table = f.table.Pin(std::move(pin));
  return Status::OK();
}

Iterator* TableCache::NewIterator(const ReadOptions& options,
                                  const FileMetaData& f) {
  const Table* table = nullptr;
  Cache::Handle* handle = nullptr;
  Status s = Acquire(options, f, &table, &handle);
  if (!s.ok()) return NewErrorIterator(s);
  Iterator* result = table->NewIterator(options);
  if (handle != nullptr) {
    result->RegisterCleanup(
        [shared = shared_.get(), handle] { shared->cache->Release(handle); });
  }
  return result;
}

Status TableCache::Get(
    const ReadOptions& options, const FileMetaData& f,
    const Slice& internal_key,
    const std::function<bool(const Slice&, const Slice&)>& handle_result) {
  const Table* table = nullptr;
  Cache::Handle* handle = nullptr;
  Status s = Acquire(options, f, &table, &handle);
  if (!s.ok()) return s;
  s = table->InternalGet(options, internal_key, handle_result);
  if (handle != nullptr) shared_->cache->Release(handle);
  return s;
}

void TableCache::Evict(uint64_t number) {
  char buf[sizeof(number)];
  EncodeFixed64(buf, number);
  shared_->cache->Erase(Slice(buf, sizeof(buf)));
}

}  // namespace o3lsm
