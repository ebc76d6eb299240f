// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The C API (include/o3lsm/c.h) over the C++ one: each opaque handle is a
// struct holding the C++ object, and each function converts its arguments,
// calls the C++ API and turns a non-OK Status into an *errptr string.

#include "o3lsm/c.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "o3lsm/db.h"
#include "o3lsm/iterator.h"
#include "o3lsm/options.h"
#include "o3lsm/slice.h"
#include "o3lsm/status.h"
#include "o3lsm/write_batch.h"

#if __has_include("o3lsm/version.h")
#include "o3lsm/version.h"
#define O3LSM_C_VERSION_STRING() o3lsm::VersionString()
#else
// Until o3lsm/version.h exists, capi/CMakeLists.txt passes the project's
// version.
#define O3LSM_C_VERSION_STRING() O3LSM_C_API_VERSION
#endif

using o3lsm::CompressionType;
using o3lsm::DB;
using o3lsm::FlushOptions;
using o3lsm::Iterator;
using o3lsm::Options;
using o3lsm::ReadOptions;
using o3lsm::Slice;
using o3lsm::Snapshot;
using o3lsm::Status;
using o3lsm::WriteBatch;
using o3lsm::WriteOptions;

// The C constants are the C++ ones: passed through without a table.
static_assert(o3lsm_no_compression == static_cast<int>(CompressionType::kNone));
static_assert(o3lsm_zstd_compression ==
              static_cast<int>(CompressionType::kZstd));
static_assert(o3lsm_lz4_compression == static_cast<int>(CompressionType::kLz4));
static_assert(o3lsm_snappy_compression ==
              static_cast<int>(CompressionType::kSnappy));
static_assert(static_cast<uint32_t>(o3lsm_offload_memtable) ==
              o3lsm::kOffloadMemtable);
static_assert(static_cast<uint32_t>(o3lsm_offload_flush) ==
              o3lsm::kOffloadFlush);
static_assert(static_cast<uint32_t>(o3lsm_offload_compaction) ==
              o3lsm::kOffloadCompaction);

extern "C" {

struct o3lsm_t {
  std::unique_ptr<DB> rep;
};

struct o3lsm_options_t {
  Options rep;
  // Kept as given and checked by open (ToOptions): the setter has no
  // errptr, and a later call may correct the value.
  int compression = o3lsm_no_compression;
};

struct o3lsm_readoptions_t {
  ReadOptions rep;
  // rep.iterate_*_bound point at these Slices, which point at these
  // strings: the readoptions owns the bound bytes the C caller passed.
  std::string lower_bound;
  std::string upper_bound;
  Slice lower_slice;
  Slice upper_slice;
};

struct o3lsm_writeoptions_t {
  WriteOptions rep;
};

struct o3lsm_flushoptions_t {
  FlushOptions rep;
};

struct o3lsm_writebatch_t {
  WriteBatch rep;
};

struct o3lsm_iterator_t {
  // The iterator's own copy of its bounds (it must outlive rep, which
  // points at the Slices: declared first, so destroyed last). The
  // readoptions it was made with may change or go away meanwhile.
  std::string lower_bound;
  std::string upper_bound;
  Slice lower_slice;
  Slice upper_slice;
  std::unique_ptr<Iterator> rep;
};

struct o3lsm_snapshot_t {
  const Snapshot* rep;
};

}  // extern "C"

namespace {

// A malloc()ed copy of n bytes, never NULL (even for n == 0, so that a
// found empty value is told apart from NotFound).
char* CopyBytes(const char* data, size_t n) {
  char* r = static_cast<char*>(malloc(n == 0 ? 1 : n));
  if (n > 0) memcpy(r, data, n);
  return r;
}

// A malloc()ed NUL-terminated copy of s.
char* CopyCString(const std::string& s) {
  char* r = static_cast<char*>(malloc(s.size() + 1));
  memcpy(r, s.data(), s.size());
  r[s.size()] = '\0';
  return r;
}

// Stores s in *errptr (freeing what was there) and returns true if s is an
// error; returns false, leaving *errptr alone, if s is OK.
bool SaveError(char** errptr, const Status& s) {
  if (s.ok()) return false;
  if (errptr != nullptr) {
    free(*errptr);
    *errptr = CopyCString(s.ToString());
  }
  return true;
}

// The C++ options an open uses, or InvalidArgument for a value the
// setters could not refuse.
Status ToOptions(const o3lsm_options_t* options, Options* out) {
  *out = options->rep;
  switch (options->compression) {
    case o3lsm_no_compression:
    case o3lsm_zstd_compression:
    case o3lsm_lz4_compression:
    case o3lsm_snappy_compression:
      out->compression = static_cast<CompressionType>(options->compression);
      break;
    default:
      return Status::InvalidArgument("compression",
                                     "unknown type " +
                                         std::to_string(options->compression) +
                                         " (expected o3lsm_no_compression, "
                                         "o3lsm_zstd_compression, "
                                         "o3lsm_lz4_compression or "
                                         "o3lsm_snappy_compression)");
  }
  constexpr uint32_t kAllLayers = o3lsm::kOffloadMemtable |
                                  o3lsm::kOffloadFlush |
                                  o3lsm::kOffloadCompaction;
  if ((out->offload & ~kAllLayers) != 0) {
    return Status::InvalidArgument(
        "offload",
        "unknown layer bits " + std::to_string(out->offload & ~kAllLayers));
  }
  return Status::OK();
}

void SetBound(const char* key, size_t keylen, std::string* bytes, Slice* slice,
              const Slice** bound) {
  if (key == nullptr) {
    bytes->clear();
    *bound = nullptr;
    return;
  }
  bytes->assign(key, keylen);
  *slice = Slice(*bytes);
  *bound = slice;
}

// Forwards a WriteBatch's updates to C callbacks.
class CallbackHandler : public WriteBatch::Handler {
 public:
  using PutFn = void (*)(void*, const char*, size_t, const char*, size_t);
  using DeleteFn = void (*)(void*, const char*, size_t);
  using DeleteRangeFn = void (*)(void*, const char*, size_t, const char*,
                                 size_t);

  CallbackHandler(void* state, PutFn put, DeleteFn deleted,
                  DeleteRangeFn delete_range)
      : state_(state),
        put_(put),
        deleted_(deleted),
        delete_range_(delete_range) {}

  void Put(const Slice& key, const Slice& value) override {
    if (put_ != nullptr) {
      put_(state_, key.data(), key.size(), value.data(), value.size());
    }
  }
  void Delete(const Slice& key) override {
    if (deleted_ != nullptr) deleted_(state_, key.data(), key.size());
  }
  void DeleteRange(const Slice& begin_key, const Slice& end_key) override {
    if (delete_range_ != nullptr) {
      delete_range_(state_, begin_key.data(), begin_key.size(), end_key.data(),
                    end_key.size());
    }
  }

 private:
  void* const state_;
  const PutFn put_;
  const DeleteFn deleted_;
  const DeleteRangeFn delete_range_;
};

}  // namespace

extern "C" {

// ---- Opening and closing ----

o3lsm_t* o3lsm_open(const o3lsm_options_t* options, const char* name,
                    char** errptr) {
  Options opts;
  std::unique_ptr<DB> db;
  if (SaveError(errptr, ToOptions(options, &opts)) ||
      SaveError(errptr, DB::Open(opts, name, &db))) {
    return nullptr;
  }
  return new o3lsm_t{std::move(db)};
}

o3lsm_t* o3lsm_open_for_read_only(const o3lsm_options_t* options,
                                  const char* name,
                                  unsigned char error_if_wal_file_exists,
                                  char** errptr) {
  Options opts;
  std::unique_ptr<DB> db;
  if (SaveError(errptr, ToOptions(options, &opts)) ||
      SaveError(errptr, DB::OpenForReadOnly(opts, name, &db,
                                            error_if_wal_file_exists != 0))) {
    return nullptr;
  }
  return new o3lsm_t{std::move(db)};
}

void o3lsm_close(o3lsm_t* db, char** errptr) {
  if (db == nullptr) return;
  SaveError(errptr, db->rep->Close());
  delete db;
}

void o3lsm_destroy_db(const o3lsm_options_t* options, const char* name,
                      char** errptr) {
  SaveError(errptr, o3lsm::DestroyDB(name, options->rep));
}

// ---- Writes ----

void o3lsm_put(o3lsm_t* db, const o3lsm_writeoptions_t* options,
               const char* key, size_t keylen, const char* val, size_t vallen,
               char** errptr) {
  SaveError(errptr,
            db->rep->Put(options->rep, Slice(key, keylen), Slice(val, vallen)));
}

void o3lsm_delete(o3lsm_t* db, const o3lsm_writeoptions_t* options,
                  const char* key, size_t keylen, char** errptr) {
  SaveError(errptr, db->rep->Delete(options->rep, Slice(key, keylen)));
}

void o3lsm_delete_range(o3lsm_t* db, const o3lsm_writeoptions_t* options,
                        const char* begin_key, size_t begin_keylen,
                        const char* end_key, size_t end_keylen, char** errptr) {
  SaveError(errptr,
            db->rep->DeleteRange(options->rep, Slice(begin_key, begin_keylen),
                                 Slice(end_key, end_keylen)));
}

void o3lsm_write(o3lsm_t* db, const o3lsm_writeoptions_t* options,
                 o3lsm_writebatch_t* batch, char** errptr) {
  SaveError(errptr, db->rep->Write(options->rep, &batch->rep));
}

// ---- Reads ----

char* o3lsm_get(o3lsm_t* db, const o3lsm_readoptions_t* options,
                const char* key, size_t keylen, size_t* vallen, char** errptr) {
  std::string value;
  const Status s = db->rep->Get(options->rep, Slice(key, keylen), &value);
  *vallen = 0;
  if (s.IsNotFound()) return nullptr;
  if (SaveError(errptr, s)) return nullptr;
  *vallen = value.size();
  return CopyBytes(value.data(), value.size());
}

void o3lsm_multi_get(o3lsm_t* db, const o3lsm_readoptions_t* options,
                     size_t num_keys, const char* const* keys_list,
                     const size_t* keys_list_sizes, char** values_list,
                     size_t* values_list_sizes, char** errs) {
  std::vector<Slice> keys(num_keys);
  for (size_t i = 0; i < num_keys; i++) {
    keys[i] = Slice(keys_list[i], keys_list_sizes[i]);
  }
  std::vector<std::string> values;
  const std::vector<Status> statuses =
      db->rep->MultiGet(options->rep, keys, &values);
  for (size_t i = 0; i < num_keys; i++) {
    values_list[i] = nullptr;
    values_list_sizes[i] = 0;
    errs[i] = nullptr;
    if (statuses[i].ok()) {
      values_list[i] = CopyBytes(values[i].data(), values[i].size());
      values_list_sizes[i] = values[i].size();
    } else if (!statuses[i].IsNotFound()) {
      SaveError(&errs[i], statuses[i]);
    }
  }
}

// ---- Iterators ----

o3lsm_iterator_t* o3lsm_create_iterator(o3lsm_t* db,
                                        const o3lsm_readoptions_t* options) {
  auto* iter = new o3lsm_iterator_t;
  ReadOptions ro = options->rep;
  if (ro.iterate_lower_bound != nullptr) {
    SetBound(options->lower_bound.data(), options->lower_bound.size(),
             &iter->lower_bound, &iter->lower_slice, &ro.iterate_lower_bound);
  }
  if (ro.iterate_upper_bound != nullptr) {
    SetBound(options->upper_bound.data(), options->upper_bound.size(),
             &iter->upper_bound, &iter->upper_slice, &ro.iterate_upper_bound);
  }
  iter->rep = db->rep->NewIterator(ro);
  return iter;
}

void o3lsm_iter_destroy(o3lsm_iterator_t* iter) { delete iter; }

unsigned char o3lsm_iter_valid(const o3lsm_iterator_t* iter) {
  return iter->rep->Valid() ? 1 : 0;
}

void o3lsm_iter_seek_to_first(o3lsm_iterator_t* iter) {
  iter->rep->SeekToFirst();
}

void o3lsm_iter_seek_to_last(o3lsm_iterator_t* iter) {
  iter->rep->SeekToLast();
}

void o3lsm_iter_seek(o3lsm_iterator_t* iter, const char* k, size_t klen) {
  iter->rep->Seek(Slice(k, klen));
}

void o3lsm_iter_seek_for_prev(o3lsm_iterator_t* iter, const char* k,
                              size_t klen) {
  iter->rep->SeekForPrev(Slice(k, klen));
}

void o3lsm_iter_next(o3lsm_iterator_t* iter) { iter->rep->Next(); }

void o3lsm_iter_prev(o3lsm_iterator_t* iter) { iter->rep->Prev(); }

const char* o3lsm_iter_key(const o3lsm_iterator_t* iter, size_t* klen) {
  const Slice k = iter->rep->key();
  *klen = k.size();
  return k.data();
}

const char* o3lsm_iter_value(const o3lsm_iterator_t* iter, size_t* vlen) {
  const Slice v = iter->rep->value();
  *vlen = v.size();
  return v.data();
}

void o3lsm_iter_get_error(const o3lsm_iterator_t* iter, char** errptr) {
  SaveError(errptr, iter->rep->status());
}

// ---- Snapshots ----

const o3lsm_snapshot_t* o3lsm_create_snapshot(o3lsm_t* db) {
  return new o3lsm_snapshot_t{db->rep->GetSnapshot()};
}

void o3lsm_release_snapshot(o3lsm_t* db, const o3lsm_snapshot_t* snapshot) {
  db->rep->ReleaseSnapshot(snapshot->rep);
  delete snapshot;
}

// ---- Properties ----

char* o3lsm_property_value(o3lsm_t* db, const char* propname) {
  std::string value;
  if (!db->rep->GetProperty(propname, &value)) return nullptr;
  return CopyCString(value);
}

int o3lsm_property_int(o3lsm_t* db, const char* propname, uint64_t* out_val) {
  std::string value;
  if (!db->rep->GetProperty(propname, &value)) return -1;
  uint64_t v;
  const char* end = value.data() + value.size();
  const auto [at, ec] = std::from_chars(value.data(), end, v);
  if (value.empty() || ec != std::errc() || at != end) return -1;
  *out_val = v;
  return 0;
}

// ---- Maintenance ----

void o3lsm_flush(o3lsm_t* db, const o3lsm_flushoptions_t* options,
                 char** errptr) {
  SaveError(errptr, db->rep->Flush(options->rep));
}

void o3lsm_compact_range(o3lsm_t* db, const char* start_key,
                         size_t start_key_len, const char* limit_key,
                         size_t limit_key_len, char** errptr) {
  const Slice start(start_key != nullptr ? start_key : "",
                    start_key != nullptr ? start_key_len : 0);
  const Slice limit(limit_key != nullptr ? limit_key : "",
                    limit_key != nullptr ? limit_key_len : 0);
  SaveError(errptr,
            db->rep->CompactRange(start_key != nullptr ? &start : nullptr,
                                  limit_key != nullptr ? &limit : nullptr));
}

// ---- Write batches ----

o3lsm_writebatch_t* o3lsm_writebatch_create(void) {
  return new o3lsm_writebatch_t;
}

void o3lsm_writebatch_destroy(o3lsm_writebatch_t* b) { delete b; }

void o3lsm_writebatch_clear(o3lsm_writebatch_t* b) { b->rep.Clear(); }

int o3lsm_writebatch_count(const o3lsm_writebatch_t* b) {
  return static_cast<int>(b->rep.Count());
}

void o3lsm_writebatch_put(o3lsm_writebatch_t* b, const char* key, size_t klen,
                          const char* val, size_t vlen) {
  b->rep.Put(Slice(key, klen), Slice(val, vlen));
}

void o3lsm_writebatch_delete(o3lsm_writebatch_t* b, const char* key,
                             size_t klen) {
  b->rep.Delete(Slice(key, klen));
}

void o3lsm_writebatch_delete_range(o3lsm_writebatch_t* b, const char* begin_key,
                                   size_t begin_keylen, const char* end_key,
                                   size_t end_keylen) {
  b->rep.DeleteRange(Slice(begin_key, begin_keylen),
                     Slice(end_key, end_keylen));
}

void o3lsm_writebatch_iterate(
    const o3lsm_writebatch_t* b, void* state,
    void (*put)(void*, const char* k, size_t klen, const char* v, size_t vlen),
    void (*deleted)(void*, const char* k, size_t klen),
    void (*delete_range)(void*, const char* begin_key, size_t begin_keylen,
                         const char* end_key, size_t end_keylen),
    char** errptr) {
  CallbackHandler handler(state, put, deleted, delete_range);
  SaveError(errptr, b->rep.Iterate(&handler));
}

// ---- Options ----

o3lsm_options_t* o3lsm_options_create(void) { return new o3lsm_options_t; }

void o3lsm_options_destroy(o3lsm_options_t* options) { delete options; }

void o3lsm_options_set_create_if_missing(o3lsm_options_t* options,
                                         unsigned char v) {
  options->rep.create_if_missing = v != 0;
}

void o3lsm_options_set_error_if_exists(o3lsm_options_t* options,
                                       unsigned char v) {
  options->rep.error_if_exists = v != 0;
}

void o3lsm_options_set_paranoid_checks(o3lsm_options_t* options,
                                       unsigned char v) {
  options->rep.paranoid_checks = v != 0;
}

void o3lsm_options_set_write_buffer_size(o3lsm_options_t* options, size_t v) {
  options->rep.write_buffer_size = v;
}

void o3lsm_options_set_max_write_buffer_number(o3lsm_options_t* options,
                                               int v) {
  options->rep.max_write_buffer_number = v;
}

void o3lsm_options_set_memtable_shards(o3lsm_options_t* options, int v) {
  options->rep.memtable_shards = v;
}

void o3lsm_options_set_memtable_bloom_size_ratio(o3lsm_options_t* options,
                                                 double v) {
  options->rep.memtable_bloom_size_ratio = v;
}

void o3lsm_options_set_block_size(o3lsm_options_t* options, size_t v) {
  options->rep.block_size = v;
}

void o3lsm_options_set_bloom_bits_per_key(o3lsm_options_t* options, int v) {
  options->rep.bloom_bits_per_key = v;
}

void o3lsm_options_set_compression(o3lsm_options_t* options, int v) {
  options->compression = v;
}

void o3lsm_options_set_compression_level(o3lsm_options_t* options, int v) {
  options->rep.compression_level = v;
}

void o3lsm_options_set_block_cache_size(o3lsm_options_t* options, size_t v) {
  options->rep.block_cache_size = v;
}

void o3lsm_options_set_allow_mmap_reads(o3lsm_options_t* options,
                                        unsigned char v) {
  options->rep.allow_mmap_reads = v != 0;
}

void o3lsm_options_set_max_open_files(o3lsm_options_t* options, int v) {
  options->rep.max_open_files = v;
}

void o3lsm_options_set_num_levels(o3lsm_options_t* options, int v) {
  options->rep.num_levels = v;
}

void o3lsm_options_set_level0_file_num_compaction_trigger(
    o3lsm_options_t* options, int v) {
  options->rep.level0_file_num_compaction_trigger = v;
}

void o3lsm_options_set_seek_compaction_bytes_per_seek(o3lsm_options_t* options,
                                                      uint64_t v) {
  options->rep.seek_compaction_bytes_per_seek = v;
}

void o3lsm_options_set_level0_slowdown_writes_trigger(o3lsm_options_t* options,
                                                      int v) {
  options->rep.level0_slowdown_writes_trigger = v;
}

void o3lsm_options_set_level0_stop_writes_trigger(o3lsm_options_t* options,
                                                  int v) {
  options->rep.level0_stop_writes_trigger = v;
}

void o3lsm_options_set_max_bytes_for_level_base(o3lsm_options_t* options,
                                                uint64_t v) {
  options->rep.max_bytes_for_level_base = v;
}

void o3lsm_options_set_target_file_size_base(o3lsm_options_t* options,
                                             uint64_t v) {
  options->rep.target_file_size_base = v;
}

void o3lsm_options_set_max_background_flushes(o3lsm_options_t* options, int v) {
  options->rep.max_background_flushes = v;
}

void o3lsm_options_set_max_background_compactions(o3lsm_options_t* options,
                                                  int v) {
  options->rep.max_background_compactions = v;
}

void o3lsm_options_set_max_subcompactions(o3lsm_options_t* options, int v) {
  options->rep.max_subcompactions = v;
}

void o3lsm_options_set_disable_auto_compactions(o3lsm_options_t* options,
                                                unsigned char v) {
  options->rep.disable_auto_compactions = v != 0;
}

void o3lsm_options_set_offload(o3lsm_options_t* options, uint32_t layers) {
  options->rep.offload = layers;
}

void o3lsm_options_set_offload_from_string(o3lsm_options_t* options,
                                           const char* layers, char** errptr) {
  uint32_t parsed;
  if (SaveError(errptr, o3lsm::ParseOffloadLayers(layers, &parsed))) return;
  options->rep.offload = parsed;
}

void o3lsm_options_set_dm_pool(o3lsm_options_t* options, const char* uri) {
  options->rep.dm_pool = uri;
}

void o3lsm_options_set_metrics_listen(o3lsm_options_t* options,
                                      const char* address) {
  options->rep.metrics_listen = address;
}

void o3lsm_options_set_dm_write_buffer_budget(o3lsm_options_t* options,
                                              uint64_t v) {
  options->rep.dm_write_buffer_budget = v;
}

void o3lsm_options_set_dm_segment_size(o3lsm_options_t* options, size_t v) {
  options->rep.dm_segment_size = v;
}

void o3lsm_options_set_dm_segment_layout(o3lsm_options_t* options,
                                         const char* layout, char** errptr) {
  o3lsm::SegmentLayout parsed;
  if (SaveError(errptr, o3lsm::ParseSegmentLayout(layout, &parsed))) return;
  options->rep.dm_segment_layout = parsed;
}

void o3lsm_options_set_dm_read_mode(o3lsm_options_t* options, const char* mode,
                                    char** errptr) {
  o3lsm::DmReadMode parsed;
  if (SaveError(errptr, o3lsm::ParseDmReadMode(mode, &parsed))) return;
  options->rep.dm_read_mode = parsed;
}

void o3lsm_options_set_embedded_workers(o3lsm_options_t* options, int v) {
  options->rep.embedded_workers = v;
}

void o3lsm_options_set_embedded_search_threads(o3lsm_options_t* options,
                                               int v) {
  options->rep.embedded_search_threads = v;
}

void o3lsm_options_set_dm_key_cache_bytes(o3lsm_options_t* options, int64_t v) {
  options->rep.dm_key_cache_bytes = v;
}

void o3lsm_options_set_dm_block_cache_size(o3lsm_options_t* options,
                                           uint64_t v) {
  options->rep.dm_block_cache_size = v;
}

// ---- Read options ----

o3lsm_readoptions_t* o3lsm_readoptions_create(void) {
  return new o3lsm_readoptions_t;
}

void o3lsm_readoptions_destroy(o3lsm_readoptions_t* options) { delete options; }

void o3lsm_readoptions_set_verify_checksums(o3lsm_readoptions_t* options,
                                            unsigned char v) {
  options->rep.verify_checksums = v != 0;
}

void o3lsm_readoptions_set_fill_cache(o3lsm_readoptions_t* options,
                                      unsigned char v) {
  options->rep.fill_cache = v != 0;
}

void o3lsm_readoptions_set_snapshot(o3lsm_readoptions_t* options,
                                    const o3lsm_snapshot_t* snapshot) {
  options->rep.snapshot = snapshot != nullptr ? snapshot->rep : nullptr;
}

void o3lsm_readoptions_set_iterate_lower_bound(o3lsm_readoptions_t* options,
                                               const char* key, size_t keylen) {
  SetBound(key, keylen, &options->lower_bound, &options->lower_slice,
           &options->rep.iterate_lower_bound);
}

void o3lsm_readoptions_set_iterate_upper_bound(o3lsm_readoptions_t* options,
                                               const char* key, size_t keylen) {
  SetBound(key, keylen, &options->upper_bound, &options->upper_slice,
           &options->rep.iterate_upper_bound);
}

// ---- Write options ----

o3lsm_writeoptions_t* o3lsm_writeoptions_create(void) {
  return new o3lsm_writeoptions_t;
}

void o3lsm_writeoptions_destroy(o3lsm_writeoptions_t* options) {
  delete options;
}

void o3lsm_writeoptions_set_sync(o3lsm_writeoptions_t* options,
                                 unsigned char v) {
  options->rep.sync = v != 0;
}

void o3lsm_writeoptions_disable_wal(o3lsm_writeoptions_t* options,
                                    unsigned char disable) {
  options->rep.disable_wal = disable != 0;
}

// ---- Flush options ----

o3lsm_flushoptions_t* o3lsm_flushoptions_create(void) {
  return new o3lsm_flushoptions_t;
}

void o3lsm_flushoptions_destroy(o3lsm_flushoptions_t* options) {
  delete options;
}

void o3lsm_flushoptions_set_wait(o3lsm_flushoptions_t* options,
                                 unsigned char v) {
  options->rep.wait = v != 0;
}

// ---- Memory and version ----

void o3lsm_free(void* ptr) { free(ptr); }

const char* o3lsm_version(void) {
  // A copy with static storage, whether the version comes as a std::string
  // or a C string.
  static const std::string version = O3LSM_C_VERSION_STRING();
  return version.c_str();
}

}  // extern "C"
