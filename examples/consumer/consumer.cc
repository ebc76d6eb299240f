// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A program that uses an installed o3lsm (docs/install.md), built by
// CMakeLists.txt (find_package) or Makefile (pkg-config): opens a database
// in a fresh temporary directory, writes, reads and iterates, and removes
// it again. Prints what it did; exits 1 on the first failure.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "o3lsm/db.h"
#include "o3lsm/version.h"

namespace {

int Fail(const std::string& what, const o3lsm::Status& s) {
  fprintf(stderr, "consumer: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

int Run(const std::string& path) {
  std::unique_ptr<o3lsm::DB> db;
  o3lsm::Options options;
  options.create_if_missing = true;
  o3lsm::Status s = o3lsm::DB::Open(options, path, &db);
  if (!s.ok()) return Fail("open " + path, s);

  const int kKeys = 100;
  for (int i = 0; i < kKeys; i++) {
    char key[16];
    snprintf(key, sizeof(key), "key%03d", i);
    s = db->Put(o3lsm::WriteOptions(), key, "value" + std::to_string(i));
    if (!s.ok()) return Fail(std::string("put ") + key, s);
  }
  std::string value;
  s = db->Get(o3lsm::ReadOptions(), "key042", &value);
  if (!s.ok()) return Fail("get key042", s);
  if (value != "value42") {
    fprintf(stderr, "consumer: get key042: '%s', want 'value42'\n",
            value.c_str());
    return 1;
  }
  s = db->Get(o3lsm::ReadOptions(), "missing", &value);
  if (!s.IsNotFound()) return Fail("get missing (want NotFound)", s);

  int seen = 0;
  std::string previous;
  std::unique_ptr<o3lsm::Iterator> it = db->NewIterator(o3lsm::ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    if (seen > 0 && key <= previous) {
      fprintf(stderr, "consumer: iteration out of order: '%s' after '%s'\n",
              key.c_str(), previous.c_str());
      return 1;
    }
    previous = key;
    seen++;
  }
  if (!it->status().ok()) return Fail("iterate", it->status());
  if (seen != kKeys) {
    fprintf(stderr, "consumer: iterated %d keys, want %d\n", seen, kKeys);
    return 1;
  }
  it.reset();
  db.reset();
  s = o3lsm::DestroyDB(path, options);
  if (!s.ok()) return Fail("destroy " + path, s);
  printf(
      "consumer: o3lsm %s (headers %s): %d puts, a get, %d keys "
      "iterated in order\n",
      o3lsm::VersionString(), O3LSM_VERSION_STRING, kKeys, seen);
  return 0;
}

}  // namespace

int main() {
  if (strcmp(o3lsm::VersionString(), O3LSM_VERSION_STRING) != 0) {
    fprintf(stderr, "consumer: library %s, headers %s\n",
            o3lsm::VersionString(), O3LSM_VERSION_STRING);
    return 1;
  }
  std::string dir =
      (std::filesystem::temp_directory_path() / "o3lsm-consumer-XXXXXX")
          .string();
  if (mkdtemp(dir.data()) == nullptr) {
    perror("consumer: mkdtemp");
    return 1;
  }
  const int rc = Run(dir + "/db");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}
