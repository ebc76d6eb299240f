/* Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

   The C API (o3lsm/c.h) from a program compiled as C: the same steps as
   consumer.cc. Opens a database in a fresh temporary directory, writes,
   reads and iterates, removes it again; exits 1 on the first failure. */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "o3lsm/c.h"
#include "o3lsm/version.h"

/* Reports *err (or that `what` failed without one), frees it and resets
   it to NULL for the next call. Returns 1. */
static int Failed(const char* what, char** err) {
  fprintf(stderr, "consumer_c: %s: %s\n", what, *err != NULL ? *err : "failed");
  o3lsm_free(*err);
  *err = NULL;
  return 1;
}

/* True if key[0, len) sorts after the NUL-terminated prev (bytewise). */
static int After(const char* key, size_t len, const char* prev) {
  const size_t prev_len = strlen(prev);
  const int c = memcmp(key, prev, len < prev_len ? len : prev_len);
  return c > 0 || (c == 0 && len > prev_len);
}

static int Run(const char* path) {
  enum { kKeys = 100 };
  char* err = NULL;
  o3lsm_options_t* options = o3lsm_options_create();
  o3lsm_writeoptions_t* wo = o3lsm_writeoptions_create();
  o3lsm_readoptions_t* ro = o3lsm_readoptions_create();
  o3lsm_t* db;
  o3lsm_iterator_t* it;
  char key[16], value[16], previous[16] = "";
  char* got;
  size_t got_len = 0, len = 0;
  int i, seen = 0, rc = 1;

  o3lsm_options_set_create_if_missing(options, 1);
  db = o3lsm_open(options, path, &err);
  if (db == NULL) {
    Failed("open", &err);
    goto out; /* o3lsm_close(NULL) is a no-op */
  }
  for (i = 0; i < kKeys; i++) {
    snprintf(key, sizeof(key), "key%03d", i);
    snprintf(value, sizeof(value), "value%d", i);
    o3lsm_put(db, wo, key, strlen(key), value, strlen(value), &err);
    if (err != NULL) {
      Failed("put", &err);
      goto out;
    }
  }
  got = o3lsm_get(db, ro, "key042", 6, &got_len, &err);
  if (got == NULL || got_len != 7 || memcmp(got, "value42", 7) != 0) {
    o3lsm_free(got);
    Failed("get key042", &err);
    goto out;
  }
  o3lsm_free(got);

  it = o3lsm_create_iterator(db, ro);
  for (o3lsm_iter_seek_to_first(it); o3lsm_iter_valid(it);
       o3lsm_iter_next(it)) {
    const char* k = o3lsm_iter_key(it, &len);
    if (len >= sizeof(previous) || (seen > 0 && !After(k, len, previous))) {
      fprintf(stderr, "consumer_c: iteration out of order at key %d\n", seen);
      o3lsm_iter_destroy(it);
      goto out;
    }
    memcpy(previous, k, len);
    previous[len] = '\0';
    seen++;
  }
  o3lsm_iter_get_error(it, &err);
  o3lsm_iter_destroy(it);
  if (err != NULL) {
    Failed("iterate", &err);
    goto out;
  }
  if (seen != kKeys) {
    fprintf(stderr, "consumer_c: iterated %d keys, want %d\n", seen, kKeys);
    goto out;
  }
  rc = 0;
out:
  o3lsm_close(db, &err);
  if (err != NULL) rc = Failed("close", &err);
  if (rc == 0) {
    o3lsm_destroy_db(options, path, &err);
    if (err != NULL) rc = Failed("destroy", &err);
  }
  o3lsm_readoptions_destroy(ro);
  o3lsm_writeoptions_destroy(wo);
  o3lsm_options_destroy(options);
  if (rc == 0) {
    printf(
        "consumer_c: o3lsm %s (headers %s): %d puts, a get, %d keys "
        "iterated in order\n",
        o3lsm_version(), O3LSM_VERSION_STRING, kKeys, seen);
  }
  return rc;
}

int main(void) {
  char dir[] = "/tmp/o3lsm-consumer-c-XXXXXX";
  char path[64];
  int rc;
  if (strcmp(o3lsm_version(), O3LSM_VERSION_STRING) != 0) {
    fprintf(stderr, "consumer_c: library %s, headers %s\n", o3lsm_version(),
            O3LSM_VERSION_STRING);
    return 1;
  }
  if (mkdtemp(dir) == NULL) {
    perror("consumer_c: mkdtemp");
    return 1;
  }
  snprintf(path, sizeof(path), "%s/db", dir);
  rc = Run(path);
  if (remove(dir) != 0 && rc == 0) perror("consumer_c: removing the directory");
  return rc;
}
