/* Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

   The C API (include/o3lsm/c.h) from a program compiled as C: every group
   of functions, their error paths, offloading to an embedded pool, writers
   on several threads, and a read-only open from a second process while
   this one has the database open.

   Usage: c_api_test [test name]...   (no names: run every test) */

#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "o3lsm/c.h"

/* ---- A minimal test harness ---- */

/* CHECK failures jump back to the runner, which goes on with the next test
   (what the failed test had open is left behind: the run fails anyway). */
static jmp_buf g_test_failed;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      longjmp(g_test_failed, 1);                                               \
    }                                                                          \
  } while (0)

/* err must be NULL; otherwise prints it. */
#define CHECK_NO_ERROR(err)                                                \
  do {                                                                     \
    if ((err) != NULL) {                                                   \
      fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, __LINE__, \
              (err));                                                      \
      longjmp(g_test_failed, 1);                                           \
    }                                                                      \
  } while (0)

/* err must be an error starting with prefix (e.g. "NotSupported:"); frees
   it and sets it back to NULL. */
#define CHECK_ERROR(err, prefix)                                          \
  do {                                                                    \
    if ((err) == NULL || strncmp((err), (prefix), strlen(prefix)) != 0) { \
      fprintf(stderr,                                                     \
              "%s:%d: expected an error starting with \"%s\", got "       \
              "%s\n",                                                     \
              __FILE__, __LINE__, (prefix),                               \
              (err) == NULL ? "no error" : (err));                        \
      longjmp(g_test_failed, 1);                                          \
    }                                                                     \
    o3lsm_free(err);                                                      \
    (err) = NULL;                                                         \
  } while (0)

static const char* g_self; /* argv[0], for the read-only child process */

/* A fresh database path for test `name` under $O3LSM_TEST_TMPDIR (or /tmp),
   nothing there yet. */
static void DbPath(char* out, size_t n, const char* name) {
  const char* base = getenv("O3LSM_TEST_TMPDIR");
  o3lsm_options_t* options = o3lsm_options_create();
  char* err = NULL;
  if (base == NULL || base[0] == '\0') base = "/tmp";
  if (mkdir(base, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "cannot create %s: %s\n", base, strerror(errno));
  }
  snprintf(out, n, "%s/c_api_test-%s-%ld", base, name, (long)getpid());
  o3lsm_destroy_db(options, out, &err);
  CHECK_NO_ERROR(err);
  o3lsm_options_destroy(options);
}

/* Removes the database at path. */
static void DestroyDb(const char* path) {
  o3lsm_options_t* options = o3lsm_options_create();
  char* err = NULL;
  o3lsm_destroy_db(options, path, &err);
  CHECK_NO_ERROR(err);
  o3lsm_options_destroy(options);
}

/* Checks that key holds expected (NUL-terminated), or is missing when
   expected is NULL. */
static void CheckGet(o3lsm_t* db, const o3lsm_readoptions_t* ro,
                     const char* key, const char* expected) {
  char* err = NULL;
  size_t vallen = 12345;
  char* val = o3lsm_get(db, ro, key, strlen(key), &vallen, &err);
  CHECK_NO_ERROR(err);
  if (expected == NULL) {
    if (val != NULL) {
      fprintf(stderr, "key %s: expected not found, got %.*s\n", key,
              (int)vallen, val);
    }
    CHECK(val == NULL);
    CHECK(vallen == 0);
  } else {
    if (val == NULL) fprintf(stderr, "key %s: not found\n", key);
    CHECK(val != NULL);
    if (vallen != strlen(expected) || memcmp(val, expected, vallen) != 0) {
      fprintf(stderr, "key %s: expected %s, got %.*s\n", key, expected,
              (int)vallen, val);
    }
    CHECK(vallen == strlen(expected));
    CHECK(memcmp(val, expected, vallen) == 0);
    o3lsm_free(val);
  }
}

/* Checks that the iterator is at key (NUL-terminated), or invalid when key
   is NULL. */
static void CheckIterAt(const o3lsm_iterator_t* it, const char* key) {
  size_t klen;
  const char* k;
  if (key == NULL) {
    if (o3lsm_iter_valid(it)) {
      k = o3lsm_iter_key(it, &klen);
      fprintf(stderr, "expected an invalid iterator, at %.*s\n", (int)klen, k);
    }
    CHECK(!o3lsm_iter_valid(it));
    return;
  }
  if (!o3lsm_iter_valid(it)) fprintf(stderr, "expected %s, invalid\n", key);
  CHECK(o3lsm_iter_valid(it));
  k = o3lsm_iter_key(it, &klen);
  if (klen != strlen(key) || memcmp(k, key, klen) != 0) {
    fprintf(stderr, "expected %s, at %.*s\n", key, (int)klen, k);
  }
  CHECK(klen == strlen(key) && memcmp(k, key, klen) == 0);
}

static void Put(o3lsm_t* db, const o3lsm_writeoptions_t* wo, const char* key,
                const char* val) {
  char* err = NULL;
  o3lsm_put(db, wo, key, strlen(key), val, strlen(val), &err);
  CHECK_NO_ERROR(err);
}

static o3lsm_t* OpenOrDie(const o3lsm_options_t* options, const char* path) {
  char* err = NULL;
  o3lsm_t* db = o3lsm_open(options, path, &err);
  CHECK_NO_ERROR(err);
  CHECK(db != NULL);
  return db;
}

static void CloseOrDie(o3lsm_t* db) {
  char* err = NULL;
  o3lsm_close(db, &err);
  CHECK_NO_ERROR(err);
}

/* Counts the entries an iterator made with ro sees, forwards and
   backwards (which must agree). */
static int CountEntries(o3lsm_t* db, const o3lsm_readoptions_t* ro) {
  o3lsm_iterator_t* it = o3lsm_create_iterator(db, ro);
  char* err = NULL;
  int forward = 0;
  int backward = 0;
  for (o3lsm_iter_seek_to_first(it); o3lsm_iter_valid(it);
       o3lsm_iter_next(it)) {
    forward++;
  }
  for (o3lsm_iter_seek_to_last(it); o3lsm_iter_valid(it); o3lsm_iter_prev(it)) {
    backward++;
  }
  o3lsm_iter_get_error(it, &err);
  CHECK_NO_ERROR(err);
  o3lsm_iter_destroy(it);
  CHECK(forward == backward);
  return forward;
}

static void Key(char* buf, size_t n, int i) { snprintf(buf, n, "key%06d", i); }

/* ---- Tests ---- */

/* In c_header_c89_check.c, compiled as C90. */
int o3lsm_c_header_c89_check(void);

static void TestVersion(void) {
  const char* v = o3lsm_version();
  CHECK(o3lsm_c_header_c89_check() == o3lsm_lz4_compression);
  CHECK(v != NULL);
  CHECK(v[0] >= '0' && v[0] <= '9');
  CHECK(strchr(v, '.') != NULL);
  CHECK(o3lsm_version() == v); /* static storage */
}

static void TestErrors(void) {
  char path[512];
  char* err = NULL;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_t* db;
  o3lsm_t* second;
  DbPath(path, sizeof(path), "errors");

  /* A missing database without create_if_missing. */
  db = o3lsm_open(options, path, &err);
  CHECK(db == NULL);
  CHECK(err != NULL);
  CHECK(strstr(err, path) != NULL); /* names what failed */
  CHECK_ERROR(err, "InvalidArgument:");

  /* An error replaces (and frees) one already in *errptr. */
  err = malloc(8);
  CHECK(err != NULL);
  strcpy(err, "earlier");
  db = o3lsm_open(options, path, &err);
  CHECK(db == NULL);
  CHECK_ERROR(err, "InvalidArgument:");

  /* Option strings the parsers refuse leave the options unchanged. */
  o3lsm_options_set_offload_from_string(options, "memtable,bogus", &err);
  CHECK(err != NULL && strstr(err, "bogus") != NULL);
  CHECK_ERROR(err, "InvalidArgument:");
  o3lsm_options_set_dm_read_mode(options, "sideways", &err);
  CHECK_ERROR(err, "InvalidArgument:");
  o3lsm_options_set_dm_segment_layout(options, "heap", &err);
  CHECK_ERROR(err, "InvalidArgument:");
  o3lsm_options_set_offload_from_string(options, "none", &err);
  CHECK_NO_ERROR(err);
  o3lsm_options_set_dm_read_mode(options, "one-sided", &err);
  CHECK_NO_ERROR(err);
  o3lsm_options_set_dm_segment_layout(options, "sorted", &err);
  CHECK_NO_ERROR(err);

  /* Values a setter cannot refuse are refused by open. */
  o3lsm_options_set_create_if_missing(options, 1);
  o3lsm_options_set_compression(options, 9);
  db = o3lsm_open(options, path, &err);
  CHECK(db == NULL);
  CHECK_ERROR(err, "InvalidArgument:");
  o3lsm_options_set_compression(options, o3lsm_zstd_compression);
  o3lsm_options_set_offload(options, 8);
  db = o3lsm_open(options, path, &err);
  CHECK(db == NULL);
  CHECK_ERROR(err, "InvalidArgument:");
  o3lsm_options_set_offload(options, 0);

  db = OpenOrDie(options, path);
  /* The directory is locked while open. */
  second = o3lsm_open(options, path, &err);
  CHECK(second == NULL);
  CHECK_ERROR(err, "Busy:");
  o3lsm_destroy_db(options, path, &err);
  CHECK_ERROR(err, "Busy:");
  CloseOrDie(db);

  /* error_if_exists on an existing database. */
  o3lsm_options_set_error_if_exists(options, 1);
  db = o3lsm_open(options, path, &err);
  CHECK(db == NULL);
  CHECK_ERROR(err, "InvalidArgument:");

  /* A NULL errptr discards the error; NULL handles are no-ops. */
  db = o3lsm_open(options, path, NULL);
  CHECK(db == NULL);
  o3lsm_close(NULL, NULL);
  o3lsm_iter_destroy(NULL);
  o3lsm_writebatch_destroy(NULL);
  o3lsm_options_destroy(NULL);
  o3lsm_readoptions_destroy(NULL);
  o3lsm_writeoptions_destroy(NULL);
  o3lsm_flushoptions_destroy(NULL);
  o3lsm_free(NULL);

  o3lsm_options_destroy(options);
  DestroyDb(path);
}

static void TestPutGetDelete(void) {
  char path[512];
  char* err = NULL;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_t* db;
  char* val;
  size_t vallen;
  const char binkey[] = {'b', '\0', 'k'};
  const char binval[] = {'\0', 'v', '\0'};

  DbPath(path, sizeof(path), "putget");
  o3lsm_options_set_create_if_missing(options, 1);
  o3lsm_options_set_paranoid_checks(options, 1);
  o3lsm_options_set_compression(options, o3lsm_lz4_compression);
  o3lsm_options_set_block_size(options, 1024);
  o3lsm_options_set_bloom_bits_per_key(options, 12);
  o3lsm_options_set_block_cache_size(options, 1 << 20);
  o3lsm_options_set_max_open_files(options, 100);
  o3lsm_readoptions_set_verify_checksums(ro, 1);
  o3lsm_readoptions_set_fill_cache(ro, 0);
  o3lsm_writeoptions_set_sync(wo, 1);
  db = OpenOrDie(options, path);

  CheckGet(db, ro, "a", NULL); /* NotFound: NULL, no error */
  Put(db, wo, "a", "1");
  Put(db, wo, "b", "2");
  CheckGet(db, ro, "a", "1");
  Put(db, wo, "a", "one");
  CheckGet(db, ro, "a", "one");

  /* An empty value is found: not NULL, length 0. */
  o3lsm_put(db, wo, "empty", 5, "", 0, &err);
  CHECK_NO_ERROR(err);
  vallen = 99;
  val = o3lsm_get(db, ro, "empty", 5, &vallen, &err);
  CHECK_NO_ERROR(err);
  CHECK(val != NULL);
  CHECK(vallen == 0);
  o3lsm_free(val);

  /* Keys and values are bytes, NULs included. */
  o3lsm_put(db, wo, binkey, sizeof(binkey), binval, sizeof(binval), &err);
  CHECK_NO_ERROR(err);
  val = o3lsm_get(db, ro, binkey, sizeof(binkey), &vallen, &err);
  CHECK_NO_ERROR(err);
  CHECK(val != NULL && vallen == sizeof(binval));
  CHECK(memcmp(val, binval, vallen) == 0);
  o3lsm_free(val);
  val = o3lsm_get(db, ro, binkey, 1, &vallen, &err); /* "b" */
  CHECK_NO_ERROR(err);
  CHECK(val != NULL && vallen == 1 && val[0] == '2');
  o3lsm_free(val);

  o3lsm_delete(db, wo, "a", 1, &err);
  CHECK_NO_ERROR(err);
  CheckGet(db, ro, "a", NULL);
  o3lsm_delete(db, wo, "never", 5, &err); /* not an error */
  CHECK_NO_ERROR(err);

  /* Without the WAL, writes are still flushed by a clean close. */
  o3lsm_writeoptions_set_sync(wo, 0);
  o3lsm_writeoptions_disable_wal(wo, 1);
  Put(db, wo, "nowal", "kept");
  CloseOrDie(db);

  db = OpenOrDie(options, path);
  CheckGet(db, ro, "a", NULL);
  CheckGet(db, ro, "b", "2");
  CheckGet(db, ro, "nowal", "kept");
  CloseOrDie(db);

  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* What o3lsm_writebatch_iterate reports, as text. */
struct BatchLog {
  char text[512];
};

static void Append(struct BatchLog* log, const char* s) {
  strncat(log->text, s, sizeof(log->text) - strlen(log->text) - 1);
}

static void LogPut(void* state, const char* k, size_t klen, const char* v,
                   size_t vlen) {
  char buf[128];
  snprintf(buf, sizeof(buf), "put(%.*s,%.*s);", (int)klen, k, (int)vlen, v);
  Append((struct BatchLog*)state, buf);
}

static void LogDelete(void* state, const char* k, size_t klen) {
  char buf[128];
  snprintf(buf, sizeof(buf), "del(%.*s);", (int)klen, k);
  Append((struct BatchLog*)state, buf);
}

static void LogDeleteRange(void* state, const char* b, size_t blen,
                           const char* e, size_t elen) {
  char buf[128];
  snprintf(buf, sizeof(buf), "range(%.*s,%.*s);", (int)blen, b, (int)elen, e);
  Append((struct BatchLog*)state, buf);
}

static void TestWriteBatch(void) {
  char path[512];
  char* err = NULL;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_writebatch_t* wb = o3lsm_writebatch_create();
  struct BatchLog log;
  o3lsm_t* db;

  DbPath(path, sizeof(path), "batch");
  o3lsm_options_set_create_if_missing(options, 1);
  db = OpenOrDie(options, path);
  Put(db, wo, "gone", "x");
  Put(db, wo, "r1", "x");
  Put(db, wo, "r2", "x");
  Put(db, wo, "r3", "x");

  CHECK(o3lsm_writebatch_count(wb) == 0);
  o3lsm_writebatch_put(wb, "a", 1, "1", 1);
  o3lsm_writebatch_put(wb, "b", 1, "2", 1);
  o3lsm_writebatch_delete(wb, "gone", 4);
  o3lsm_writebatch_delete_range(wb, "r1", 2, "r3", 2);
  o3lsm_writebatch_put(wb, "r1", 2, "after", 5); /* after the range */
  CHECK(o3lsm_writebatch_count(wb) == 5);

  memset(&log, 0, sizeof(log));
  o3lsm_writebatch_iterate(wb, &log, LogPut, LogDelete, LogDeleteRange, &err);
  CHECK_NO_ERROR(err);
  CHECK(strcmp(log.text,
               "put(a,1);put(b,2);del(gone);range(r1,r3);put(r1,after);") == 0);
  /* A NULL callback skips its kind. */
  memset(&log, 0, sizeof(log));
  o3lsm_writebatch_iterate(wb, &log, NULL, LogDelete, NULL, &err);
  CHECK_NO_ERROR(err);
  CHECK(strcmp(log.text, "del(gone);") == 0);

  o3lsm_write(db, wo, wb, &err);
  CHECK_NO_ERROR(err);
  CheckGet(db, ro, "a", "1");
  CheckGet(db, ro, "b", "2");
  CheckGet(db, ro, "gone", NULL);
  CheckGet(db, ro, "r1", "after");
  CheckGet(db, ro, "r2", NULL); /* erased by the batch's range */
  CheckGet(db, ro, "r3", "x");  /* the end is exclusive */

  o3lsm_writebatch_clear(wb);
  CHECK(o3lsm_writebatch_count(wb) == 0);
  memset(&log, 0, sizeof(log));
  o3lsm_writebatch_iterate(wb, &log, LogPut, LogDelete, LogDeleteRange, &err);
  CHECK_NO_ERROR(err);
  CHECK(log.text[0] == '\0');

  /* A backwards range is refused when written. */
  o3lsm_writebatch_delete_range(wb, "z", 1, "a", 1);
  o3lsm_write(db, wo, wb, &err);
  CHECK_ERROR(err, "InvalidArgument:");

  /* A batch written survives reopening. */
  CloseOrDie(db);
  db = OpenOrDie(options, path);
  CheckGet(db, ro, "a", "1");
  CheckGet(db, ro, "r1", "after");
  CheckGet(db, ro, "r2", NULL);
  CloseOrDie(db);

  o3lsm_writebatch_destroy(wb);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* MultiGet of found, missing and empty-valued keys, and at a snapshot. */
static void CheckMultiGet(o3lsm_t* db, const o3lsm_readoptions_t* ro,
                          const char* const* keys, const char* const* want,
                          size_t n) {
  size_t sizes[8] = {0};
  char* values[8];
  size_t value_sizes[8];
  char* errs[8];
  size_t i;
  CHECK(n <= 8);
  for (i = 0; i < n; i++) sizes[i] = strlen(keys[i]);
  o3lsm_multi_get(db, ro, n, keys, sizes, values, value_sizes, errs);
  for (i = 0; i < n; i++) {
    CHECK_NO_ERROR(errs[i]);
    if (want[i] == NULL) {
      CHECK(values[i] == NULL);
      CHECK(value_sizes[i] == 0);
    } else {
      CHECK(values[i] != NULL);
      CHECK(value_sizes[i] == strlen(want[i]));
      CHECK(memcmp(values[i], want[i], value_sizes[i]) == 0);
      o3lsm_free(values[i]);
    }
  }
}

static void TestMultiGet(void) {
  char path[512];
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  const o3lsm_snapshot_t* snap;
  char* err = NULL;
  o3lsm_t* db;
  const char* keys[5] = {"k1", "missing", "k2", "empty", "k3"};
  const char* want_now[5] = {"v1", NULL, "v2b", "", NULL};
  const char* want_snap[5] = {"v1", NULL, "v2", "", "v3"};

  DbPath(path, sizeof(path), "multiget");
  o3lsm_options_set_create_if_missing(options, 1);
  db = OpenOrDie(options, path);
  Put(db, wo, "k1", "v1");
  Put(db, wo, "k2", "v2");
  Put(db, wo, "empty", "");
  o3lsm_flush(db, fo, &err); /* k1, k2 in an SST, the rest in memtables */
  CHECK_NO_ERROR(err);
  Put(db, wo, "k3", "v3");
  snap = o3lsm_create_snapshot(db);
  Put(db, wo, "k2", "v2b");
  o3lsm_delete(db, wo, "k3", 2, &err);
  CHECK_NO_ERROR(err);

  CheckMultiGet(db, ro, keys, want_now, 5);
  o3lsm_readoptions_set_snapshot(ro, snap);
  CheckMultiGet(db, ro, keys, want_snap, 5);
  o3lsm_readoptions_set_snapshot(ro, NULL);
  CheckMultiGet(db, ro, keys, want_now, 5);
  CheckMultiGet(db, ro, keys, want_now, 0); /* no keys */
  o3lsm_release_snapshot(db, snap);
  CloseOrDie(db);

  o3lsm_flushoptions_destroy(fo);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

static void TestIterator(void) {
  char path[512];
  char* err = NULL;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  o3lsm_iterator_t* it;
  o3lsm_t* db;
  const char* v;
  size_t vlen;

  DbPath(path, sizeof(path), "iterator");
  o3lsm_options_set_create_if_missing(options, 1);
  db = OpenOrDie(options, path);

  /* An empty database. */
  it = o3lsm_create_iterator(db, ro);
  CHECK(!o3lsm_iter_valid(it)); /* not positioned yet */
  o3lsm_iter_seek_to_first(it);
  CheckIterAt(it, NULL);
  o3lsm_iter_seek_to_last(it);
  CheckIterAt(it, NULL);
  o3lsm_iter_seek_for_prev(it, "x", 1);
  CheckIterAt(it, NULL);
  o3lsm_iter_destroy(it);

  /* a and c in an SST, e in the memtable. */
  Put(db, wo, "a", "va");
  Put(db, wo, "c", "vc");
  o3lsm_flush(db, fo, &err);
  CHECK_NO_ERROR(err);
  Put(db, wo, "e", "ve");

  it = o3lsm_create_iterator(db, ro);
  o3lsm_iter_seek_to_first(it);
  CheckIterAt(it, "a");
  v = o3lsm_iter_value(it, &vlen);
  CHECK(vlen == 2 && memcmp(v, "va", 2) == 0);
  o3lsm_iter_next(it);
  CheckIterAt(it, "c");
  o3lsm_iter_next(it);
  CheckIterAt(it, "e");
  v = o3lsm_iter_value(it, &vlen);
  CHECK(vlen == 2 && memcmp(v, "ve", 2) == 0);
  o3lsm_iter_next(it);
  CheckIterAt(it, NULL);

  o3lsm_iter_seek_to_last(it);
  CheckIterAt(it, "e");
  o3lsm_iter_prev(it);
  CheckIterAt(it, "c");
  o3lsm_iter_prev(it);
  CheckIterAt(it, "a");
  o3lsm_iter_prev(it);
  CheckIterAt(it, NULL);

  o3lsm_iter_seek(it, "b", 1);
  CheckIterAt(it, "c");
  o3lsm_iter_seek(it, "c", 1);
  CheckIterAt(it, "c");
  o3lsm_iter_seek(it, "f", 1);
  CheckIterAt(it, NULL);
  o3lsm_iter_seek(it, "", 0);
  CheckIterAt(it, "a");

  /* SeekForPrev: the last key <= target. */
  o3lsm_iter_seek_for_prev(it, "d", 1);
  CheckIterAt(it, "c");
  o3lsm_iter_seek_for_prev(it, "c", 1);
  CheckIterAt(it, "c");
  o3lsm_iter_seek_for_prev(it, "cc", 2);
  CheckIterAt(it, "c");
  o3lsm_iter_seek_for_prev(it, "z", 1);
  CheckIterAt(it, "e");
  o3lsm_iter_prev(it);
  CheckIterAt(it, "c");
  o3lsm_iter_seek_for_prev(it, "a", 1);
  CheckIterAt(it, "a");
  o3lsm_iter_seek_for_prev(it, "0", 1);
  CheckIterAt(it, NULL);
  o3lsm_iter_seek_for_prev(it, "b", 1);
  CheckIterAt(it, "a");
  o3lsm_iter_next(it);
  CheckIterAt(it, "c");

  o3lsm_iter_get_error(it, &err);
  CHECK_NO_ERROR(err);
  o3lsm_iter_destroy(it);

  /* An iterator sees the database as of its creation. */
  it = o3lsm_create_iterator(db, ro);
  Put(db, wo, "b", "vb");
  CHECK(CountEntries(db, ro) == 4);
  o3lsm_iter_seek_to_first(it);
  o3lsm_iter_next(it);
  CheckIterAt(it, "c");
  o3lsm_iter_destroy(it);
  CloseOrDie(db);

  o3lsm_flushoptions_destroy(fo);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* Iterates [from, to) forwards and backwards with it, expecting exactly the
   keys key<from>..key<to - 1>. */
static void CheckBoundedScan(o3lsm_iterator_t* it, int from, int to) {
  char key[32];
  int i;
  char* err = NULL;
  i = from;
  for (o3lsm_iter_seek_to_first(it); o3lsm_iter_valid(it);
       o3lsm_iter_next(it)) {
    CHECK(i < to);
    Key(key, sizeof(key), i++);
    CheckIterAt(it, key);
  }
  CHECK(i == to);
  i = to;
  for (o3lsm_iter_seek_to_last(it); o3lsm_iter_valid(it); o3lsm_iter_prev(it)) {
    CHECK(i > from);
    Key(key, sizeof(key), --i);
    CheckIterAt(it, key);
  }
  CHECK(i == from);
  o3lsm_iter_get_error(it, &err);
  CHECK_NO_ERROR(err);
}

static void TestIterationBounds(void) {
  char path[512];
  char key[32];
  char* err = NULL;
  int i;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  o3lsm_iterator_t* it;
  o3lsm_iterator_t* it2;
  o3lsm_t* db;

  DbPath(path, sizeof(path), "bounds");
  o3lsm_options_set_create_if_missing(options, 1);
  db = OpenOrDie(options, path);
  /* Even keys in an SST, odd ones in the memtable. */
  for (i = 0; i < 20; i += 2) {
    Key(key, sizeof(key), i);
    Put(db, wo, key, "v");
  }
  o3lsm_flush(db, fo, &err);
  CHECK_NO_ERROR(err);
  for (i = 1; i < 20; i += 2) {
    Key(key, sizeof(key), i);
    Put(db, wo, key, "v");
  }

  /* [key000005, key000010) */
  Key(key, sizeof(key), 5);
  o3lsm_readoptions_set_iterate_lower_bound(ro, key, strlen(key));
  Key(key, sizeof(key), 10);
  o3lsm_readoptions_set_iterate_upper_bound(ro, key, strlen(key));
  memset(key, 'X', sizeof(key)); /* the readoptions kept its own copy */
  it = o3lsm_create_iterator(db, ro);
  CheckBoundedScan(it, 5, 10);

  /* Seeks outside the bounds land on them. */
  o3lsm_iter_seek(it, "key000001", 9);
  CheckIterAt(it, "key000005");
  o3lsm_iter_seek(it, "key000012", 9);
  CheckIterAt(it, NULL);
  o3lsm_iter_seek_for_prev(it, "key000015", 9);
  CheckIterAt(it, "key000009");
  o3lsm_iter_seek_for_prev(it, "key000002", 9);
  CheckIterAt(it, NULL);
  o3lsm_iter_seek_for_prev(it, "key000007", 9);
  CheckIterAt(it, "key000007");
  o3lsm_iter_seek(it, "key000009", 9);
  CheckIterAt(it, "key000009");
  o3lsm_iter_next(it); /* stops at the upper bound */
  CheckIterAt(it, NULL);
  o3lsm_iter_seek(it, "key000005", 9);
  o3lsm_iter_prev(it); /* stops at the lower bound */
  CheckIterAt(it, NULL);

  /* Changing the readoptions changes later iterators, not this one. */
  o3lsm_readoptions_set_iterate_lower_bound(ro, NULL, 0);
  o3lsm_readoptions_set_iterate_upper_bound(ro, "key000003", 9);
  it2 = o3lsm_create_iterator(db, ro);
  CheckBoundedScan(it2, 0, 3);
  CheckBoundedScan(it, 5, 10);
  o3lsm_iter_destroy(it2);

  /* An iterator keeps its bounds after the readoptions is gone. */
  o3lsm_readoptions_set_iterate_lower_bound(ro, "key000017", 9);
  o3lsm_readoptions_set_iterate_upper_bound(ro, NULL, 0);
  it2 = o3lsm_create_iterator(db, ro);
  o3lsm_readoptions_destroy(ro);
  ro = o3lsm_readoptions_create();
  CheckBoundedScan(it2, 17, 20);
  o3lsm_iter_destroy(it2);

  /* No bounds. */
  CHECK(CountEntries(db, ro) == 20);
  o3lsm_iter_destroy(it);
  CloseOrDie(db);

  o3lsm_flushoptions_destroy(fo);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

static void TestSnapshots(void) {
  char path[512];
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_readoptions_t* at_snap = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  const o3lsm_snapshot_t* snap;
  const o3lsm_snapshot_t* snap2;
  o3lsm_iterator_t* it;
  char* err = NULL;
  o3lsm_t* db;

  DbPath(path, sizeof(path), "snapshots");
  o3lsm_options_set_create_if_missing(options, 1);
  db = OpenOrDie(options, path);
  Put(db, wo, "k", "old");
  Put(db, wo, "gone", "here");
  snap = o3lsm_create_snapshot(db);
  Put(db, wo, "k", "new");
  Put(db, wo, "k2", "new");
  o3lsm_delete(db, wo, "gone", 4, &err);
  CHECK_NO_ERROR(err);
  o3lsm_readoptions_set_snapshot(at_snap, snap);

  CheckGet(db, ro, "k", "new");
  CheckGet(db, ro, "gone", NULL);
  CheckGet(db, at_snap, "k", "old");
  CheckGet(db, at_snap, "k2", NULL);
  CheckGet(db, at_snap, "gone", "here");
  it = o3lsm_create_iterator(db, at_snap);
  o3lsm_iter_seek_to_first(it);
  CheckIterAt(it, "gone");
  o3lsm_iter_next(it);
  CheckIterAt(it, "k");
  o3lsm_iter_next(it);
  CheckIterAt(it, NULL);
  o3lsm_iter_destroy(it);

  /* The snapshot holds through a flush and a full compaction. */
  o3lsm_flush(db, fo, &err);
  CHECK_NO_ERROR(err);
  o3lsm_compact_range(db, NULL, 0, NULL, 0, &err);
  CHECK_NO_ERROR(err);
  CheckGet(db, at_snap, "k", "old");
  CheckGet(db, at_snap, "gone", "here");
  CheckGet(db, ro, "k", "new");

  snap2 = o3lsm_create_snapshot(db);
  o3lsm_readoptions_set_snapshot(ro, snap2);
  Put(db, wo, "k", "newest");
  CheckGet(db, ro, "k", "new");
  o3lsm_release_snapshot(db, snap2);
  o3lsm_readoptions_set_snapshot(ro, NULL);
  CheckGet(db, ro, "k", "newest");

  o3lsm_release_snapshot(db, snap);
  CloseOrDie(db);

  o3lsm_flushoptions_destroy(fo);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_readoptions_destroy(at_snap);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* Expects key<i> present for i in [0, n) outside [gone_from, gone_to) and
   absent inside, by Get and by iteration. */
static void CheckRangeGone(o3lsm_t* db, const o3lsm_readoptions_t* ro, int n,
                           int gone_from, int gone_to) {
  char key[32];
  int i;
  for (i = 0; i < n; i++) {
    Key(key, sizeof(key), i);
    CheckGet(db, ro, key, i >= gone_from && i < gone_to ? NULL : "v");
  }
  CHECK(CountEntries(db, ro) == n - (gone_to - gone_from));
}

static void TestDeleteRange(void) {
  char path[512];
  char key[32];
  char end[32];
  char* err = NULL;
  int i;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_readoptions_t* at_snap = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  const o3lsm_snapshot_t* snap;
  o3lsm_t* db;

  DbPath(path, sizeof(path), "deleterange");
  o3lsm_options_set_create_if_missing(options, 1);
  db = OpenOrDie(options, path);
  /* Half the keys in an SST, half in the memtable. */
  for (i = 0; i < 100; i++) {
    Key(key, sizeof(key), i);
    Put(db, wo, key, "v");
    if (i == 49) {
      o3lsm_flush(db, fo, &err);
      CHECK_NO_ERROR(err);
    }
  }
  snap = o3lsm_create_snapshot(db);
  o3lsm_readoptions_set_snapshot(at_snap, snap);

  Key(key, sizeof(key), 30);
  Key(end, sizeof(end), 70);
  o3lsm_delete_range(db, wo, key, strlen(key), end, strlen(end), &err);
  CHECK_NO_ERROR(err);
  CheckRangeGone(db, ro, 100, 30, 70);
  CheckRangeGone(db, at_snap, 100, 0, 0); /* the snapshot still sees them */

  /* Backwards: refused; empty: not an error. */
  o3lsm_delete_range(db, wo, end, strlen(end), key, strlen(key), &err);
  CHECK_ERROR(err, "InvalidArgument:");
  o3lsm_delete_range(db, wo, key, strlen(key), key, strlen(key), &err);
  CHECK_NO_ERROR(err);

  /* A key written after the range deletion is visible. */
  Key(key, sizeof(key), 40);
  Put(db, wo, key, "back");
  CheckGet(db, ro, key, "back");
  Put(db, wo, key, "v");
  o3lsm_delete(db, wo, key, strlen(key), &err);
  CHECK_NO_ERROR(err);

  /* The tombstone flushes and compacts; the snapshot still holds. */
  o3lsm_flush(db, fo, &err);
  CHECK_NO_ERROR(err);
  CheckRangeGone(db, ro, 100, 30, 70);
  o3lsm_compact_range(db, NULL, 0, NULL, 0, &err);
  CHECK_NO_ERROR(err);
  CheckRangeGone(db, ro, 100, 30, 70);
  CheckRangeGone(db, at_snap, 100, 0, 0);
  o3lsm_release_snapshot(db, snap);

  /* ... and survives reopening. */
  CloseOrDie(db);
  db = OpenOrDie(options, path);
  CheckRangeGone(db, ro, 100, 30, 70);
  o3lsm_compact_range(db, NULL, 0, NULL, 0, &err);
  CHECK_NO_ERROR(err);
  CheckRangeGone(db, ro, 100, 30, 70);
  CloseOrDie(db);

  o3lsm_flushoptions_destroy(fo);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_readoptions_destroy(at_snap);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* A socket listening on 127.0.0.1 at a port the kernel picked (*port). */
static int ListenOnFreePort(int* port) {
  struct sockaddr_in addr;
  socklen_t len = sizeof(addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  CHECK(bind(fd, (struct sockaddr*)&addr, sizeof(addr)) == 0);
  CHECK(listen(fd, 1) == 0);
  CHECK(getsockname(fd, (struct sockaddr*)&addr, &len) == 0);
  *port = ntohs(addr.sin_port);
  return fd;
}

static void TestMetricsListen(void) {
  char path[512];
  char address[64];
  char* err = NULL;
  char* value;
  int port;
  int fd;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_t* db;

  DbPath(path, sizeof(path), "metrics");
  o3lsm_options_set_create_if_missing(options, 1);
  /* Its port taken: open fails, naming the address. */
  fd = ListenOnFreePort(&port);
  snprintf(address, sizeof(address), "127.0.0.1:%d", port);
  o3lsm_options_set_metrics_listen(options, address);
  db = o3lsm_open(options, path, &err);
  CHECK(db == NULL);
  if (err != NULL && strncmp(err, "NotSupported:", 13) == 0) {
    printf("skipped: built without O3LSM_WITH_METRICS (%s)\n", err);
    o3lsm_free(err);
    close(fd);
    o3lsm_writeoptions_destroy(wo);
    o3lsm_options_destroy(options);
    return;
  }
  CHECK(err != NULL && strstr(err, address) != NULL);
  CHECK_ERROR(err, "IOError:");
  close(fd);
  /* Free again: the DB serves its statistics, created for it at open. */
  db = o3lsm_open(options, path, &err);
  CHECK_NO_ERROR(err);
  Put(db, wo, "k", "v");
  value = o3lsm_property_value(db, "o3lsm.statistics");
  CHECK(value != NULL &&
        strstr(value, "rocksdb.number.keys.written COUNT : 1") != NULL);
  o3lsm_free(value);
  CloseOrDie(db);
  DestroyDb(path);
  o3lsm_writeoptions_destroy(wo);
  o3lsm_options_destroy(options);
}

static void TestPropertiesFlushCompact(void) {
  char path[512];
  char key[32];
  char* err = NULL;
  char* value;
  uint64_t n;
  int i;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  o3lsm_t* db;

  DbPath(path, sizeof(path), "properties");
  o3lsm_options_set_create_if_missing(options, 1);
  o3lsm_options_set_write_buffer_size(options, 256 << 10);
  o3lsm_options_set_max_write_buffer_number(options, 3);
  o3lsm_options_set_memtable_shards(options, 2);
  o3lsm_options_set_memtable_bloom_size_ratio(options, 0.05);
  o3lsm_options_set_num_levels(options, 4);
  o3lsm_options_set_level0_file_num_compaction_trigger(options, 8);
  o3lsm_options_set_level0_slowdown_writes_trigger(options, 20);
  o3lsm_options_set_level0_stop_writes_trigger(options, 30);
  o3lsm_options_set_max_bytes_for_level_base(options, 1 << 20);
  o3lsm_options_set_target_file_size_base(options, 256 << 10);
  o3lsm_options_set_max_background_flushes(options, 2);
  o3lsm_options_set_max_background_compactions(options, 2);
  o3lsm_options_set_disable_auto_compactions(options, 1);
  o3lsm_options_set_compression(options, o3lsm_zstd_compression);
  o3lsm_options_set_compression_level(options, 1);
  o3lsm_options_set_allow_mmap_reads(options, 0);
  db = OpenOrDie(options, path);

  value = o3lsm_property_value(db, "o3lsm.stats");
  CHECK(value != NULL && strlen(value) > 0);
  o3lsm_free(value);
  CHECK(o3lsm_property_value(db, "o3lsm.no-such-property") == NULL);
  n = 777;
  CHECK(o3lsm_property_int(db, "o3lsm.no-such-property", &n) == -1);
  CHECK(o3lsm_property_int(db, "o3lsm.stats", &n) == -1); /* not a number */
  CHECK(n == 777);

  for (i = 0; i < 3; i++) {
    Key(key, sizeof(key), i);
    Put(db, wo, key, "v");
    o3lsm_flushoptions_set_wait(fo, 1);
    o3lsm_flush(db, fo, &err);
    CHECK_NO_ERROR(err);
  }
  CHECK(o3lsm_property_int(db, "o3lsm.last-sequence", &n) == 0);
  CHECK(n >= 3);
  CHECK(o3lsm_property_int(db, "o3lsm.num-files-at-level0", &n) == 0);
  CHECK(n >= 3); /* auto compactions are off */
  value = o3lsm_property_value(db, "o3lsm.num-files-at-level0");
  CHECK(value != NULL && strtoull(value, NULL, 10) == n);
  o3lsm_free(value);

  /* A bounded compaction, then an unbounded one, move L0 down. */
  o3lsm_compact_range(db, "key000000", 9, "key000001", 9, &err);
  CHECK_NO_ERROR(err);
  o3lsm_compact_range(db, NULL, 0, NULL, 0, &err);
  CHECK_NO_ERROR(err);
  CHECK(o3lsm_property_int(db, "o3lsm.num-files-at-level0", &n) == 0);
  CHECK(n == 0);
  for (i = 0; i < 3; i++) {
    Key(key, sizeof(key), i);
    CheckGet(db, ro, key, "v");
  }

  /* A flush that does not wait. */
  Put(db, wo, "late", "v");
  o3lsm_flushoptions_set_wait(fo, 0);
  o3lsm_flush(db, fo, &err);
  CHECK_NO_ERROR(err);
  CheckGet(db, ro, "late", "v");
  CloseOrDie(db);

  o3lsm_flushoptions_destroy(fo);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* Every write and maintenance call on a read-only db fails NotSupported. */
static void CheckWritesRefused(o3lsm_t* db) {
  char* err = NULL;
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  o3lsm_writebatch_t* wb = o3lsm_writebatch_create();
  o3lsm_put(db, wo, "x", 1, "y", 1, &err);
  CHECK_ERROR(err, "NotSupported:");
  o3lsm_delete(db, wo, "ro1", 3, &err);
  CHECK_ERROR(err, "NotSupported:");
  o3lsm_delete_range(db, wo, "a", 1, "z", 1, &err);
  CHECK_ERROR(err, "NotSupported:");
  o3lsm_writebatch_put(wb, "x", 1, "y", 1);
  o3lsm_write(db, wo, wb, &err);
  CHECK_ERROR(err, "NotSupported:");
  o3lsm_flush(db, fo, &err);
  CHECK_ERROR(err, "NotSupported:");
  o3lsm_compact_range(db, NULL, 0, NULL, 0, &err);
  CHECK_ERROR(err, "NotSupported:");
  o3lsm_writebatch_destroy(wb);
  o3lsm_flushoptions_destroy(fo);
  o3lsm_writeoptions_destroy(wo);
}

/* Run in a second process (c_api_test --read-only-child PATH) while the
   test's process has the database open: reads ro1 (in an SST) and ro2 (in
   the WAL), refuses writes. */
static void ReadOnlyChild(const char* path) {
  char* err = NULL;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_t* db = o3lsm_open_for_read_only(options, path, 0, &err);
  CHECK_NO_ERROR(err);
  CHECK(db != NULL);
  CheckGet(db, ro, "ro1", "v1");
  CheckGet(db, ro, "ro2", "v2");
  CheckGet(db, ro, "ro3", NULL);
  CHECK(CountEntries(db, ro) == 2);
  CheckWritesRefused(db);
  CloseOrDie(db);
  o3lsm_readoptions_destroy(ro);
  o3lsm_options_destroy(options);
}

static void TestReadOnly(void) {
  char path[512];
  char* err = NULL;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  o3lsm_t* db;
  o3lsm_t* rodb;
  pid_t child;
  int status = 0;

  DbPath(path, sizeof(path), "readonly");
  /* A missing database is not created. */
  o3lsm_options_set_create_if_missing(options, 1);
  rodb = o3lsm_open_for_read_only(options, path, 0, &err);
  CHECK(rodb == NULL);
  CHECK(err != NULL);
  o3lsm_free(err);
  err = NULL;

  db = OpenOrDie(options, path);
  Put(db, wo, "ro1", "v1");
  o3lsm_flush(db, fo, &err);
  CHECK_NO_ERROR(err);
  o3lsm_writeoptions_set_sync(wo, 1); /* in the WAL file, not a buffer */
  Put(db, wo, "ro2", "v2");

  /* Another process opens it read-only while this one has it open. */
  fflush(NULL);
  child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    execl(g_self, g_self, "--read-only-child", path, (char*)NULL);
    _exit(127);
  }
  CHECK(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  /* What the writer writes later, then, is unaffected. */
  Put(db, wo, "ro3", "v3");
  CheckGet(db, ro, "ro3", "v3");
  CloseOrDie(db);

  /* In this process too, once closed; ro2 and ro3 are in the WAL only. */
  rodb = o3lsm_open_for_read_only(options, path, 0, &err);
  CHECK_NO_ERROR(err);
  CheckGet(rodb, ro, "ro1", "v1");
  CheckGet(rodb, ro, "ro2", "v2");
  CheckGet(rodb, ro, "ro3", "v3");
  CheckWritesRefused(rodb);
  CloseOrDie(rodb);
  rodb = o3lsm_open_for_read_only(options, path, 1, &err);
  CHECK(rodb == NULL);
  CHECK_ERROR(err, "InvalidArgument:");

  /* Nothing changed: the writer reopens to the same state. */
  db = OpenOrDie(options, path);
  CheckGet(db, ro, "ro3", "v3");
  o3lsm_flush(db, fo, &err);
  CHECK_NO_ERROR(err);
  CloseOrDie(db);
  /* With nothing left unflushed in the WAL, error_if_wal_file_exists
     opens. */
  rodb = o3lsm_open_for_read_only(options, path, 1, &err);
  CHECK_NO_ERROR(err);
  CheckGet(rodb, ro, "ro2", "v2");
  CloseOrDie(rodb);

  o3lsm_flushoptions_destroy(fo);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* Values of the offloading test: key i's value, version `round`. */
static void OffloadValue(char* buf, size_t n, int i, int round) {
  snprintf(
      buf, n,
      "value-%06d-round-%d-................................................"
      "..............",
      i, round);
}

static void CheckOffloadedDb(o3lsm_t* db, const o3lsm_readoptions_t* ro,
                             int n) {
  char key[32];
  char val[160];
  int i;
  for (i = 0; i < n; i++) {
    Key(key, sizeof(key), i);
    OffloadValue(val, sizeof(val), i, 1);
    if (i % 10 == 3 || (i >= 1000 && i < 2000)) {
      CheckGet(db, ro, key, NULL);
    } else {
      CheckGet(db, ro, key, i % 2 == 0 ? val : "odd");
    }
  }
  CHECK(CountEntries(db, ro) == n - n / 10 - 900);
}

static o3lsm_options_t* OffloadOptions(void) {
  char* err = NULL;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_options_set_create_if_missing(options, 1);
  o3lsm_options_set_offload_from_string(options, "memtable,flush,compaction",
                                        &err);
  CHECK_NO_ERROR(err);
  o3lsm_options_set_dm_pool(options, ""); /* embedded */
  o3lsm_options_set_write_buffer_size(options, 256 << 10);
  o3lsm_options_set_memtable_shards(options, 4);
  o3lsm_options_set_dm_segment_size(options, 64 << 10);
  o3lsm_options_set_dm_write_buffer_budget(options, 16 << 20);
  o3lsm_options_set_dm_read_mode(options, "adaptive", &err);
  CHECK_NO_ERROR(err);
  o3lsm_options_set_dm_segment_layout(options, "arena", &err);
  CHECK_NO_ERROR(err);
  o3lsm_options_set_dm_key_cache_bytes(options, 1 << 20);
  o3lsm_options_set_dm_block_cache_size(options, 4 << 20);
  o3lsm_options_set_embedded_workers(options, 2);
  o3lsm_options_set_embedded_search_threads(options, 1);
  o3lsm_options_set_level0_file_num_compaction_trigger(options, 2);
  o3lsm_options_set_max_bytes_for_level_base(options, 1 << 20);
  o3lsm_options_set_target_file_size_base(options, 256 << 10);
  o3lsm_options_set_max_subcompactions(options, 2);
  return options;
}

static void TestOffload(void) {
  const int n = 20000;
  char path[512];
  char key[32];
  char val[160];
  char* err = NULL;
  char* value;
  uint64_t moved = 0;
  int i;
  o3lsm_options_t* options = OffloadOptions();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_readoptions_t* at_snap = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_flushoptions_t* fo = o3lsm_flushoptions_create();
  o3lsm_writebatch_t* wb = o3lsm_writebatch_create();
  const o3lsm_snapshot_t* snap;
  const char* keys[3] = {"key000003", "key001500", "key019999"};
  const char* want[3] = {NULL, NULL, "odd"};
  o3lsm_iterator_t* it;
  o3lsm_t* db;

  DbPath(path, sizeof(path), "offload");
  db = OpenOrDie(options, path);
  for (i = 0; i < n; i++) {
    Key(key, sizeof(key), i);
    OffloadValue(val, sizeof(val), i, 0);
    Put(db, wo, key, val);
  }
  snap = o3lsm_create_snapshot(db);
  o3lsm_readoptions_set_snapshot(at_snap, snap);
  /* Round 1: even keys rewritten, odd ones by batches, every tenth deleted,
     one range erased. */
  for (i = 0; i < n; i++) {
    Key(key, sizeof(key), i);
    if (i % 2 == 0) {
      OffloadValue(val, sizeof(val), i, 1);
      Put(db, wo, key, val);
    } else {
      o3lsm_writebatch_put(wb, key, strlen(key), "odd", 3);
    }
    if (i % 10 == 3) o3lsm_writebatch_delete(wb, key, strlen(key));
    if (o3lsm_writebatch_count(wb) >= 100) {
      o3lsm_write(db, wo, wb, &err);
      CHECK_NO_ERROR(err);
      o3lsm_writebatch_clear(wb);
    }
  }
  o3lsm_write(db, wo, wb, &err);
  CHECK_NO_ERROR(err);
  o3lsm_delete_range(db, wo, "key001000", 9, "key002000", 9, &err);
  CHECK_NO_ERROR(err);

  /* Sealed memtables moved into DM. */
  CHECK(o3lsm_property_int(db, "o3lsm.dm-bytes-moved", &moved) == 0);
  if (moved == 0) fprintf(stderr, "no bytes moved into DM\n");
  CHECK(moved > 0);
  value = o3lsm_property_value(db, "o3lsm.segments");
  CHECK(value != NULL);
  o3lsm_free(value);

  CheckOffloadedDb(db, ro, n);
  CheckMultiGet(db, ro, keys, want, 3);
  Key(key, sizeof(key), 1500);
  OffloadValue(val, sizeof(val), 1500, 0);
  CheckGet(db, at_snap, key, val);
  CHECK(CountEntries(db, at_snap) == n);

  /* A bounded scan over DM segments and SSTs. */
  o3lsm_readoptions_set_iterate_lower_bound(ro, "key000990", 9);
  o3lsm_readoptions_set_iterate_upper_bound(ro, "key002010", 9);
  it = o3lsm_create_iterator(db, ro);
  o3lsm_iter_seek_to_first(it);
  CheckIterAt(it, "key000990");
  for (i = 0; i < 9; i++) o3lsm_iter_next(it); /* 993 is deleted */
  CheckIterAt(it, "key002000");
  o3lsm_iter_seek_for_prev(it, "key001500", 9);
  CheckIterAt(it, "key000999");
  o3lsm_iter_seek_to_last(it);
  CheckIterAt(it, "key002009");
  o3lsm_iter_destroy(it);
  o3lsm_readoptions_set_iterate_lower_bound(ro, NULL, 0);
  o3lsm_readoptions_set_iterate_upper_bound(ro, NULL, 0);

  o3lsm_flush(db, fo, &err);
  CHECK_NO_ERROR(err);
  o3lsm_compact_range(db, NULL, 0, NULL, 0, &err);
  CHECK_NO_ERROR(err);
  CheckOffloadedDb(db, ro, n);
  CheckGet(db, at_snap, key, val);
  o3lsm_release_snapshot(db, snap);
  CloseOrDie(db);

  db = OpenOrDie(options, path);
  CheckOffloadedDb(db, ro, n);
  CloseOrDie(db);

  o3lsm_writebatch_destroy(wb);
  o3lsm_flushoptions_destroy(fo);
  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_readoptions_destroy(at_snap);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* ---- Writers on several threads ---- */

enum { kWriterThreads = 4, kKeysPerWriter = 3000 };

struct Writer {
  o3lsm_t* db;
  const o3lsm_writeoptions_t* wo;
  int id;
  char* err; /* the first error, for the main thread to report */
};

static void WriterKey(char* buf, size_t n, int writer, int i) {
  snprintf(buf, n, "w%d-%06d", writer, i);
}

static void* WriterMain(void* arg) {
  struct Writer* w = (struct Writer*)arg;
  char key[32];
  char val[96];
  int i;
  for (i = 0; i < kKeysPerWriter && w->err == NULL; i++) {
    WriterKey(key, sizeof(key), w->id, i);
    snprintf(val, sizeof(val), "value-of-%s-from-writer-%d", key, w->id);
    o3lsm_put(w->db, w->wo, key, strlen(key), val, strlen(val), &w->err);
  }
  return NULL;
}

static void TestConcurrentWriters(void) {
  char path[512];
  char key[32];
  char val[96];
  int t;
  int i;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  pthread_t threads[kWriterThreads];
  struct Writer writers[kWriterThreads];
  o3lsm_t* db;

  DbPath(path, sizeof(path), "writers");
  o3lsm_options_set_create_if_missing(options, 1);
  o3lsm_options_set_write_buffer_size(options, 128 << 10); /* flushes too */
  o3lsm_options_set_memtable_shards(options, 2);
  db = OpenOrDie(options, path);
  for (t = 0; t < kWriterThreads; t++) {
    writers[t].db = db;
    writers[t].wo = wo;
    writers[t].id = t;
    writers[t].err = NULL;
    CHECK(pthread_create(&threads[t], NULL, WriterMain, &writers[t]) == 0);
  }
  for (t = 0; t < kWriterThreads; t++) {
    CHECK(pthread_join(threads[t], NULL) == 0);
  }
  for (t = 0; t < kWriterThreads; t++) CHECK_NO_ERROR(writers[t].err);
  CloseOrDie(db);

  db = OpenOrDie(options, path);
  for (t = 0; t < kWriterThreads; t++) {
    for (i = 0; i < kKeysPerWriter; i++) {
      WriterKey(key, sizeof(key), t, i);
      snprintf(val, sizeof(val), "value-of-%s-from-writer-%d", key, t);
      CheckGet(db, ro, key, val);
    }
  }
  CHECK(CountEntries(db, ro) == kWriterThreads * kKeysPerWriter);
  CloseOrDie(db);

  o3lsm_options_destroy(options);
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  DestroyDb(path);
}

/* ---- Runner ---- */

struct Test {
  const char* name;
  void (*fn)(void);
};

static const struct Test kTests[] = {
    {"Version", TestVersion},
    {"Errors", TestErrors},
    {"PutGetDelete", TestPutGetDelete},
    {"WriteBatch", TestWriteBatch},
    {"MultiGet", TestMultiGet},
    {"Iterator", TestIterator},
    {"IterationBounds", TestIterationBounds},
    {"Snapshots", TestSnapshots},
    {"DeleteRange", TestDeleteRange},
    {"PropertiesFlushCompact", TestPropertiesFlushCompact},
    {"MetricsListen", TestMetricsListen},
    {"ReadOnly", TestReadOnly},
    {"Offload", TestOffload},
    {"ConcurrentWriters", TestConcurrentWriters},
};

/* Runs fn; returns 1 if it passed. */
static int RunOne(const char* name, void (*fn)(void)) {
  printf("[ RUN      ] %s\n", name);
  fflush(stdout);
  if (setjmp(g_test_failed) != 0) {
    printf("[  FAILED  ] %s\n", name);
    fflush(stdout);
    return 0;
  }
  fn();
  printf("[       OK ] %s\n", name);
  fflush(stdout);
  return 1;
}

static const char* g_child_path;

static void ReadOnlyChildTest(void) { ReadOnlyChild(g_child_path); }

int main(int argc, char** argv) {
  const size_t num_tests = sizeof(kTests) / sizeof(kTests[0]);
  size_t i;
  int a;
  int failed = 0;
  int ran = 0;
  g_self = argv[0];
  if (argc == 3 && strcmp(argv[1], "--read-only-child") == 0) {
    g_child_path = argv[2];
    return RunOne("ReadOnlyChild", ReadOnlyChildTest) ? 0 : 1;
  }
  for (i = 0; i < num_tests; i++) {
    int selected = argc < 2;
    for (a = 1; a < argc; a++) {
      if (strcmp(argv[a], kTests[i].name) == 0) selected = 1;
    }
    if (!selected) continue;
    ran++;
    if (!RunOne(kTests[i].name, kTests[i].fn)) failed++;
  }
  if (ran == 0) {
    fprintf(stderr, "no test matches\n");
    return 2;
  }
  printf("%d of %d tests passed\n", ran - failed, ran);
  return failed == 0 ? 0 : 1;
}
