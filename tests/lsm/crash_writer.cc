// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Child process of the crash test: applies the crash workload from a given
// operation on, each write with sync=true, and reports every acknowledged
// operation index as 8 bytes on stdout (a pipe to the test). Runs until it
// is killed.
//
//   crash_writer DB_PATH FIRST_OP

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "o3lsm/db.h"
#include "tests/lsm/crash_workload.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s DB_PATH FIRST_OP\n", argv[0]);
    return 2;
  }
  std::unique_ptr<o3lsm::DB> db;
  o3lsm::Status s = o3lsm::DB::Open(o3lsm::crash::CrashOptions(), argv[1], &db);
  if (!s.ok()) {
    fprintf(stderr, "crash_writer: open: %s\n", s.ToString().c_str());
    return 1;
  }
  o3lsm::WriteOptions wo;
  wo.sync = true;
  for (uint64_t i = strtoull(argv[2], nullptr, 10);; i++) {
    if (o3lsm::crash::IsDelete(i)) {
      s = db->Delete(wo, o3lsm::crash::Key(i - 3));
    } else {
      s = db->Put(wo, o3lsm::crash::Key(i), o3lsm::crash::Value(i));
    }
    if (!s.ok()) {
      fprintf(stderr, "crash_writer: op %llu: %s\n",
              static_cast<unsigned long long>(i), s.ToString().c_str());
      return 1;
    }
    if (write(STDOUT_FILENO, &i, sizeof(i)) != sizeof(i)) return 1;
  }
}
