/* Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

   The C API of o3lsm: a stable ABI for C programs and for other languages'
   foreign-function interfaces, in the style of RocksDB's rocksdb/c.h. The
   same engine as the C++ API (o3lsm/db.h); docs/c_api.md shows how to build
   and link a program against it.

   Conventions:

   (1) Every type is an opaque pointer made by an o3lsm_..._create (or
       o3lsm_open, o3lsm_create_iterator, ...) and released by its
       matching ..._destroy (or o3lsm_close, o3lsm_iter_destroy, ...).

   (2) There is no Slice type: bytes are passed as a pointer and a length,
       and may hold any byte, '\0' included. Names (paths, option strings,
       property names) are NUL-terminated strings.

   (3) Errors are NUL-terminated strings. A call that can fail takes
       "char** errptr" as its last argument. On entry *errptr must be NULL
       or a string an earlier call stored there. On success the call leaves
       *errptr unchanged; on failure it frees the old *errptr and stores a
       malloc()ed "Code: message" string, e.g.
       "InvalidArgument: /tmp/db: does not exist (create_if_missing is
       false)", where Code is one of NotFound, Corruption, NotSupported,
       InvalidArgument, IOError, Busy, TimedOut, Unavailable, Aborted,
       NoSpace. Free it with o3lsm_free. Passing errptr == NULL discards the
       error.

   (4) Booleans are unsigned char: 0 is false, anything else true.

   (5) Memory the library returns (values, error strings, property values)
       is malloc()ed and owned by the caller, who frees it with o3lsm_free.
       Pointers into the library's memory (o3lsm_iter_key,
       o3lsm_iter_value) stay valid only as long as each function says.

   (6) Pointer arguments must not be NULL unless a function says otherwise.

   Thread safety: an o3lsm_t may be used by many threads at once without
   external synchronization. Every other object (options, read/write/flush
   options, write batches, iterators) needs external synchronization when
   one thread changes it while others use it; a const object may be read by
   many threads at once.

   This header is C89/C99 compatible. */

#ifndef O3LSM_INCLUDE_C_H_
#define O3LSM_INCLUDE_C_H_

#include <stddef.h>
#include <stdint.h>

/* Every function below is exported from the library even if it is built
   with hidden visibility. */
#if defined(_WIN32)
#define O3LSM_LIBRARY_API
#elif defined(__GNUC__)
#define O3LSM_LIBRARY_API __attribute__((visibility("default")))
#else
#define O3LSM_LIBRARY_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types ---- */

typedef struct o3lsm_t o3lsm_t;
typedef struct o3lsm_options_t o3lsm_options_t;
typedef struct o3lsm_readoptions_t o3lsm_readoptions_t;
typedef struct o3lsm_writeoptions_t o3lsm_writeoptions_t;
typedef struct o3lsm_flushoptions_t o3lsm_flushoptions_t;
typedef struct o3lsm_writebatch_t o3lsm_writebatch_t;
typedef struct o3lsm_iterator_t o3lsm_iterator_t;
typedef struct o3lsm_snapshot_t o3lsm_snapshot_t;

/* ---- Opening and closing ---- */

/* Opens the database in directory name. Returns the handle, or NULL with
   *errptr set: InvalidArgument for a missing database without
   create_if_missing (or an existing one with error_if_exists, or an
   invalid option), Busy if another process has it open, Corruption naming
   the damaged file and offset. options may be destroyed once this
   returns. Release the handle with o3lsm_close. */
O3LSM_LIBRARY_API o3lsm_t* o3lsm_open(const o3lsm_options_t* options,
                                      const char* name, char** errptr);

/* Opens the database for reading only, as of its state on disk (its SST
   files and the writes in its WAL). Writes (put, delete, delete_range,
   write), flush and compact_range fail with NotSupported, and nothing in
   the directory is changed. Works while another process has the database
   open for writing; what that process writes later is not seen. With
   error_if_wal_file_exists, a database whose WAL holds writes not yet
   flushed fails with InvalidArgument. Errors otherwise as o3lsm_open.
   Release the handle with o3lsm_close. */
O3LSM_LIBRARY_API o3lsm_t* o3lsm_open_for_read_only(
    const o3lsm_options_t* options, const char* name,
    unsigned char error_if_wal_file_exists, char** errptr);

/* Waits for background work, syncs the WAL and releases the database, then
   frees db, also when it fails (*errptr then says how the last steps
   failed; the database is closed regardless). REQUIRES: every iterator
   of db destroyed and every snapshot of db released. db may be NULL (a
   no-op). */
O3LSM_LIBRARY_API void o3lsm_close(o3lsm_t* db, char** errptr);

/* Deletes the database's files and its directory. Not an error if it does
   not exist; Busy if it is open. */
O3LSM_LIBRARY_API void o3lsm_destroy_db(const o3lsm_options_t* options,
                                        const char* name, char** errptr);

/* ---- Writes ---- */

/* Stores key -> val. */
O3LSM_LIBRARY_API void o3lsm_put(o3lsm_t* db,
                                 const o3lsm_writeoptions_t* options,
                                 const char* key, size_t keylen,
                                 const char* val, size_t vallen, char** errptr);

/* Erases key; not an error if it does not exist. */
O3LSM_LIBRARY_API void o3lsm_delete(o3lsm_t* db,
                                    const o3lsm_writeoptions_t* options,
                                    const char* key, size_t keylen,
                                    char** errptr);

/* Erases every key k with begin_key <= k < end_key (bytewise) with one range
   tombstone, however many keys the range holds. Reads at snapshots taken
   before it still see the keys. InvalidArgument if end_key < begin_key; an
   empty range is not an error. */
O3LSM_LIBRARY_API void o3lsm_delete_range(
    o3lsm_t* db, const o3lsm_writeoptions_t* options, const char* begin_key,
    size_t begin_keylen, const char* end_key, size_t end_keylen, char** errptr);

/* Applies the updates of batch atomically. The batch is not changed and may
   be written again or destroyed afterwards. */
O3LSM_LIBRARY_API void o3lsm_write(o3lsm_t* db,
                                   const o3lsm_writeoptions_t* options,
                                   o3lsm_writebatch_t* batch, char** errptr);

/* ---- Reads ---- */

/* Looks key up. Found: returns a malloc()ed copy of the value (never NULL,
   even for an empty value; not NUL-terminated) and stores its length in
   *vallen; free it with o3lsm_free. Not found: returns NULL, *vallen = 0
   and leaves *errptr unchanged. Error: returns NULL with *errptr set. */
O3LSM_LIBRARY_API char* o3lsm_get(o3lsm_t* db,
                                  const o3lsm_readoptions_t* options,
                                  const char* key, size_t keylen,
                                  size_t* vallen, char** errptr);

/* Looks num_keys keys up as of one state (the readoptions' snapshot, or
   now). keys_list[i] holds keys_list_sizes[i] bytes. For each i it
   stores:
     found:     values_list[i] a malloc()ed value (as o3lsm_get returns),
                values_list_sizes[i] its length, errs[i] = NULL;
     not found: values_list[i] = NULL, values_list_sizes[i] = 0,
                errs[i] = NULL;
     error:     values_list[i] = NULL, values_list_sizes[i] = 0, errs[i] a
                malloc()ed error string.
   The caller frees every non-NULL values_list[i] and errs[i] with
   o3lsm_free. The three output arrays hold num_keys entries; their old
   contents are overwritten, not freed. */
O3LSM_LIBRARY_API void o3lsm_multi_get(
    o3lsm_t* db, const o3lsm_readoptions_t* options, size_t num_keys,
    const char* const* keys_list, const size_t* keys_list_sizes,
    char** values_list, size_t* values_list_sizes, char** errs);

/* ---- Iterators ---- */

/* An iterator over the database as of the readoptions' snapshot (or now),
   within its iteration bounds, initially not positioned (call a seek).
   The iterator copies the bounds, so options may be changed or destroyed
   once this returns; a snapshot it names must stay unreleased until the
   iterator is destroyed. Destroy it with o3lsm_iter_destroy before closing
   db. */
O3LSM_LIBRARY_API o3lsm_iterator_t* o3lsm_create_iterator(
    o3lsm_t* db, const o3lsm_readoptions_t* options);

/* Destroys the iterator; iter may be NULL (a no-op). */
O3LSM_LIBRARY_API void o3lsm_iter_destroy(o3lsm_iterator_t* iter);

/* 1 if the iterator is positioned at an entry, 0 if not (before the first
   seek, past either end, or after an error: see o3lsm_iter_get_error). */
O3LSM_LIBRARY_API unsigned char o3lsm_iter_valid(const o3lsm_iterator_t* iter);

/* Position at the first / last entry within the bounds. */
O3LSM_LIBRARY_API void o3lsm_iter_seek_to_first(o3lsm_iterator_t* iter);
O3LSM_LIBRARY_API void o3lsm_iter_seek_to_last(o3lsm_iterator_t* iter);

/* Positions at the first entry with key >= k. A target below the lower
   bound seeks the lower bound. */
O3LSM_LIBRARY_API void o3lsm_iter_seek(o3lsm_iterator_t* iter, const char* k,
                                       size_t klen);

/* Positions at the last entry with key <= k. A target at or above the
   upper bound lands on the last entry below it. */
O3LSM_LIBRARY_API void o3lsm_iter_seek_for_prev(o3lsm_iterator_t* iter,
                                                const char* k, size_t klen);

/* Step to the next / previous entry. REQUIRES: o3lsm_iter_valid(iter). */
O3LSM_LIBRARY_API void o3lsm_iter_next(o3lsm_iterator_t* iter);
O3LSM_LIBRARY_API void o3lsm_iter_prev(o3lsm_iterator_t* iter);

/* The current entry's key / value: a pointer into the iterator's memory
   (not NUL-terminated) and its length in *klen / *vlen. Valid until the
   iterator next moves or is destroyed; do not free it.
   REQUIRES: o3lsm_iter_valid(iter). */
O3LSM_LIBRARY_API const char* o3lsm_iter_key(const o3lsm_iterator_t* iter,
                                             size_t* klen);
O3LSM_LIBRARY_API const char* o3lsm_iter_value(const o3lsm_iterator_t* iter,
                                               size_t* vlen);

/* Sets *errptr to the first error the iterator met, if any (an iterator
   that hit an error is not valid). Check it when iteration ends to tell
   "no more entries" from "could not read them". */
O3LSM_LIBRARY_API void o3lsm_iter_get_error(const o3lsm_iterator_t* iter,
                                            char** errptr);

/* ---- Snapshots ---- */

/* A consistent read-only view of the database as of now, for
   o3lsm_readoptions_set_snapshot. Release it with o3lsm_release_snapshot
   on the same db before closing db. */
O3LSM_LIBRARY_API const o3lsm_snapshot_t* o3lsm_create_snapshot(o3lsm_t* db);
O3LSM_LIBRARY_API void o3lsm_release_snapshot(o3lsm_t* db,
                                              const o3lsm_snapshot_t* snapshot);

/* ---- Properties (the names are listed in o3lsm/db.h, DB::GetProperty) */

/* The property's value as a malloc()ed NUL-terminated string (free it with
   o3lsm_free), or NULL for an unknown property. */
O3LSM_LIBRARY_API char* o3lsm_property_value(o3lsm_t* db, const char* propname);

/* Stores a numeric property in *out_val and returns 0; returns -1, leaving
   *out_val unchanged, if the property is unknown or its value is not a
   non-negative integer. */
O3LSM_LIBRARY_API int o3lsm_property_int(o3lsm_t* db, const char* propname,
                                         uint64_t* out_val);

/* ---- Maintenance ---- */

/* Seals the memtable(s) and writes them to SST files; with the flush
   options' wait (the default), returns once they are installed. */
O3LSM_LIBRARY_API void o3lsm_flush(o3lsm_t* db,
                                   const o3lsm_flushoptions_t* options,
                                   char** errptr);

/* Compacts the keys in [start_key, limit_key] down the levels, so that
   deleted and overwritten data is dropped; waits until done. start_key
   NULL means from the first key, limit_key NULL up to the last one (the
   lengths are then ignored). */
O3LSM_LIBRARY_API void o3lsm_compact_range(o3lsm_t* db, const char* start_key,
                                           size_t start_key_len,
                                           const char* limit_key,
                                           size_t limit_key_len, char** errptr);

/* ---- Write batches ---- */

/* An empty batch of updates, applied atomically by o3lsm_write. The batch
   copies every key and value it is given. */
O3LSM_LIBRARY_API o3lsm_writebatch_t* o3lsm_writebatch_create(void);
/* b may be NULL (a no-op). */
O3LSM_LIBRARY_API void o3lsm_writebatch_destroy(o3lsm_writebatch_t* b);
/* Removes every update. */
O3LSM_LIBRARY_API void o3lsm_writebatch_clear(o3lsm_writebatch_t* b);
/* Number of updates in the batch. */
O3LSM_LIBRARY_API int o3lsm_writebatch_count(const o3lsm_writebatch_t* b);
/* Appends "store key -> val". */
O3LSM_LIBRARY_API void o3lsm_writebatch_put(o3lsm_writebatch_t* b,
                                            const char* key, size_t klen,
                                            const char* val, size_t vlen);
/* Appends "erase key". */
O3LSM_LIBRARY_API void o3lsm_writebatch_delete(o3lsm_writebatch_t* b,
                                               const char* key, size_t klen);
/* Appends "erase every key in [begin_key, end_key)", as of its place in
   the batch: later updates in the batch are not affected. o3lsm_write
   fails with InvalidArgument if end_key < begin_key. */
O3LSM_LIBRARY_API void o3lsm_writebatch_delete_range(o3lsm_writebatch_t* b,
                                                     const char* begin_key,
                                                     size_t begin_keylen,
                                                     const char* end_key,
                                                     size_t end_keylen);
/* Calls, in the batch's order, put for each put, deleted for each delete
   and delete_range for each range deletion, passing state through. A NULL
   callback skips updates of its kind. The pointers passed to a callback
   are valid only during that call. Fails with Corruption only for a
   malformed batch (the C API never builds one). */
O3LSM_LIBRARY_API void o3lsm_writebatch_iterate(
    const o3lsm_writebatch_t* b, void* state,
    void (*put)(void*, const char* k, size_t klen, const char* v, size_t vlen),
    void (*deleted)(void*, const char* k, size_t klen),
    void (*delete_range)(void*, const char* begin_key, size_t begin_keylen,
                         const char* end_key, size_t end_keylen),
    char** errptr);

/* ---- Options (o3lsm/options.h documents each; defaults as there) ---- */

/* Per-block compression of SST files, for o3lsm_options_set_compression. */
enum {
  o3lsm_no_compression = 0,
  o3lsm_zstd_compression = 1,
  o3lsm_lz4_compression = 2,
  o3lsm_snappy_compression = 3
};

/* Work moved off the compute node, bits for o3lsm_options_set_offload. */
enum {
  o3lsm_offload_memtable = 1,
  o3lsm_offload_flush = 2,
  o3lsm_offload_compaction = 4
};

/* Options with every field at its default. Destroy with
   o3lsm_options_destroy (NULL is a no-op). */
O3LSM_LIBRARY_API o3lsm_options_t* o3lsm_options_create(void);
O3LSM_LIBRARY_API void o3lsm_options_destroy(o3lsm_options_t* options);

/* Opening. */
O3LSM_LIBRARY_API void o3lsm_options_set_create_if_missing(
    o3lsm_options_t* options, unsigned char v);
O3LSM_LIBRARY_API void o3lsm_options_set_error_if_exists(
    o3lsm_options_t* options, unsigned char v);
O3LSM_LIBRARY_API void o3lsm_options_set_paranoid_checks(
    o3lsm_options_t* options, unsigned char v);

/* Write buffer. */
O3LSM_LIBRARY_API void o3lsm_options_set_write_buffer_size(
    o3lsm_options_t* options, size_t v);
O3LSM_LIBRARY_API void o3lsm_options_set_max_write_buffer_number(
    o3lsm_options_t* options, int v);
O3LSM_LIBRARY_API void o3lsm_options_set_memtable_shards(
    o3lsm_options_t* options, int v);
/* Options::memtable_bloom_size_ratio: 0 for no memtable bloom filter. */
O3LSM_LIBRARY_API void o3lsm_options_set_memtable_bloom_size_ratio(
    o3lsm_options_t* options, double v);

/* SST files. */
O3LSM_LIBRARY_API void o3lsm_options_set_block_size(o3lsm_options_t* options,
                                                    size_t v);
O3LSM_LIBRARY_API void o3lsm_options_set_bloom_bits_per_key(
    o3lsm_options_t* options, int v);
/* One of o3lsm_no_compression, o3lsm_zstd_compression,
   o3lsm_lz4_compression, o3lsm_snappy_compression; any other value makes o3lsm_open fail with
   InvalidArgument. */
O3LSM_LIBRARY_API void o3lsm_options_set_compression(o3lsm_options_t* options,
                                                     int v);
O3LSM_LIBRARY_API void o3lsm_options_set_compression_level(
    o3lsm_options_t* options, int v);
O3LSM_LIBRARY_API void o3lsm_options_set_block_cache_size(
    o3lsm_options_t* options, size_t v);
O3LSM_LIBRARY_API void o3lsm_options_set_allow_mmap_reads(
    o3lsm_options_t* options, unsigned char v);
O3LSM_LIBRARY_API void o3lsm_options_set_max_open_files(
    o3lsm_options_t* options, int v);

/* Compaction. */
O3LSM_LIBRARY_API void o3lsm_options_set_num_levels(o3lsm_options_t* options,
                                                    int v);
O3LSM_LIBRARY_API void o3lsm_options_set_level0_file_num_compaction_trigger(
    o3lsm_options_t* options, int v);
/* Read-triggered compaction (Options::seek_compaction_bytes_per_seek);
   0 turns it off. */
O3LSM_LIBRARY_API void o3lsm_options_set_seek_compaction_bytes_per_seek(
    o3lsm_options_t* options, uint64_t v);
O3LSM_LIBRARY_API void o3lsm_options_set_level0_slowdown_writes_trigger(
    o3lsm_options_t* options, int v);
O3LSM_LIBRARY_API void o3lsm_options_set_level0_stop_writes_trigger(
    o3lsm_options_t* options, int v);
O3LSM_LIBRARY_API void o3lsm_options_set_max_bytes_for_level_base(
    o3lsm_options_t* options, uint64_t v);
O3LSM_LIBRARY_API void o3lsm_options_set_target_file_size_base(
    o3lsm_options_t* options, uint64_t v);
O3LSM_LIBRARY_API void o3lsm_options_set_max_background_flushes(
    o3lsm_options_t* options, int v);
O3LSM_LIBRARY_API void o3lsm_options_set_max_background_compactions(
    o3lsm_options_t* options, int v);
O3LSM_LIBRARY_API void o3lsm_options_set_max_subcompactions(
    o3lsm_options_t* options, int v);
O3LSM_LIBRARY_API void o3lsm_options_set_disable_auto_compactions(
    o3lsm_options_t* options, unsigned char v);

/* Disaggregated memory (docs/offload.md). */

/* The layers to offload: o3lsm_offload_* bits or'ed together, 0 for none.
   Other bits make o3lsm_open fail with InvalidArgument. */
O3LSM_LIBRARY_API void o3lsm_options_set_offload(o3lsm_options_t* options,
                                                 uint32_t layers);
/* The same from text: "none", "all" or a comma list of "memtable",
   "flush", "compaction" (e.g. "memtable,flush,compaction"). On an unknown
   word sets *errptr (InvalidArgument naming it) and leaves the options
   unchanged. */
O3LSM_LIBRARY_API void o3lsm_options_set_offload_from_string(
    o3lsm_options_t* options, const char* layers, char** errptr);
/* The DM pool as a fabric URI (docs/fabric.md), e.g.
   "emulated:/dev/shm/o3lsm-pool"; "" (the default) makes a pool inside
   this process at open (embedded mode). */
O3LSM_LIBRARY_API void o3lsm_options_set_dm_pool(o3lsm_options_t* options,
                                                 const char* uri);
/* "HOST:PORT": open serves the DB's statistics there as Prometheus metrics
   (http://HOST:PORT/metrics) until close; "" (the default) is off. Open
   fails with IOError naming the address if it cannot listen there, and
   with NotSupported in a build without O3LSM_WITH_METRICS
   (Options::metrics_listen). */
O3LSM_LIBRARY_API void o3lsm_options_set_metrics_listen(
    o3lsm_options_t* options, const char* address);
O3LSM_LIBRARY_API void o3lsm_options_set_dm_write_buffer_budget(
    o3lsm_options_t* options, uint64_t v);
O3LSM_LIBRARY_API void o3lsm_options_set_dm_segment_size(
    o3lsm_options_t* options, size_t v);
/* "arena" or "sorted"; on another word sets *errptr (InvalidArgument) and
   leaves the options unchanged. */
O3LSM_LIBRARY_API void o3lsm_options_set_dm_segment_layout(
    o3lsm_options_t* options, const char* layout, char** errptr);
/* "adaptive", "one-sided", "delegated" or "cached"; another word sets an
   InvalidArgument error in *errptr and leaves the options unchanged. */
O3LSM_LIBRARY_API void o3lsm_options_set_dm_read_mode(o3lsm_options_t* options,
                                                      const char* mode,
                                                      char** errptr);
O3LSM_LIBRARY_API void o3lsm_options_set_embedded_workers(
    o3lsm_options_t* options, int v);
O3LSM_LIBRARY_API void o3lsm_options_set_embedded_search_threads(
    o3lsm_options_t* options, int v);
/* -1: write_buffer_size / 16, at least 1 MiB; 0: no key-offset cache. */
O3LSM_LIBRARY_API void o3lsm_options_set_dm_key_cache_bytes(
    o3lsm_options_t* options, int64_t v);
O3LSM_LIBRARY_API void o3lsm_options_set_dm_block_cache_size(
    o3lsm_options_t* options, uint64_t v);

/* ---- Read options ---- */

/* Defaults: no checksum re-verification of mapped blocks, fill the block
   cache, read the latest state, no bounds. Destroy with
   o3lsm_readoptions_destroy (NULL is a no-op). */
O3LSM_LIBRARY_API o3lsm_readoptions_t* o3lsm_readoptions_create(void);
O3LSM_LIBRARY_API void o3lsm_readoptions_destroy(o3lsm_readoptions_t* options);
O3LSM_LIBRARY_API void o3lsm_readoptions_set_verify_checksums(
    o3lsm_readoptions_t* options, unsigned char v);
O3LSM_LIBRARY_API void o3lsm_readoptions_set_fill_cache(
    o3lsm_readoptions_t* options, unsigned char v);
/* Read as of snapshot (from o3lsm_create_snapshot); NULL reads the latest
   state. The snapshot must stay unreleased while reads use it. */
O3LSM_LIBRARY_API void o3lsm_readoptions_set_snapshot(
    o3lsm_readoptions_t* options, const o3lsm_snapshot_t* snapshot);
/* Iteration bounds: iterators yield only keys >= the lower bound
   (inclusive) and < the upper bound (exclusive); every level stops reading
   at the bound. The readoptions keeps its own copy of the bytes; key NULL
   removes the bound. Get and multi_get ignore the bounds. */
O3LSM_LIBRARY_API void o3lsm_readoptions_set_iterate_lower_bound(
    o3lsm_readoptions_t* options, const char* key, size_t keylen);
O3LSM_LIBRARY_API void o3lsm_readoptions_set_iterate_upper_bound(
    o3lsm_readoptions_t* options, const char* key, size_t keylen);

/* ---- Write options ---- */

/* Defaults: no sync, WAL on. Destroy with o3lsm_writeoptions_destroy (NULL
   is a no-op). */
O3LSM_LIBRARY_API o3lsm_writeoptions_t* o3lsm_writeoptions_create(void);
O3LSM_LIBRARY_API void o3lsm_writeoptions_destroy(
    o3lsm_writeoptions_t* options);
/* fdatasync the WAL before a write returns, so that it survives a power
   failure, not only a process crash. */
O3LSM_LIBRARY_API void o3lsm_writeoptions_set_sync(
    o3lsm_writeoptions_t* options, unsigned char v);
/* Skip the WAL: writes are lost if the process crashes before their
   memtable is flushed. */
O3LSM_LIBRARY_API void o3lsm_writeoptions_disable_wal(
    o3lsm_writeoptions_t* options, unsigned char disable);

/* ---- Flush options ---- */

/* Default: wait. Destroy with o3lsm_flushoptions_destroy (NULL is a
   no-op). */
O3LSM_LIBRARY_API o3lsm_flushoptions_t* o3lsm_flushoptions_create(void);
O3LSM_LIBRARY_API void o3lsm_flushoptions_destroy(
    o3lsm_flushoptions_t* options);
/* Whether o3lsm_flush waits until the flush is installed. */
O3LSM_LIBRARY_API void o3lsm_flushoptions_set_wait(
    o3lsm_flushoptions_t* options, unsigned char v);

/* ---- Memory and version ---- */

/* Frees memory the library returned (values, error strings, property
   values). ptr may be NULL. */
O3LSM_LIBRARY_API void o3lsm_free(void* ptr);

/* The library's version, e.g. "0.1.0": a static string, do not free. */
O3LSM_LIBRARY_API const char* o3lsm_version(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* O3LSM_INCLUDE_C_H_ */
