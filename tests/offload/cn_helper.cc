// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A compute node for the cluster tests, to be killed: opens DB_PATH with
// every layer offloaded to the pool at POOL_URI, writes KEYS keys (WAL on),
// prints "ready <bytes of segments in DM> <jobs done for it>" and waits to
// be killed. MODE "hold" (the default) holds flushes back, so that its
// memtables stay in DM; "flush" lets them and its compactions run as jobs
// and waits until they are done before saying ready.
//
//   o3lsm_cn_helper DB_PATH POOL_URI KEYS [hold|flush]

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "lsm/db/db_impl.h"
#include "o3lsm/db.h"
#include "tests/offload/cluster_keys.h"

int main(int argc, char** argv) {
  const bool hold = argc < 5 || strcmp(argv[4], "flush") != 0;
  if (argc != 4 && (argc != 5 || (hold && strcmp(argv[4], "hold") != 0))) {
    fprintf(stderr, "usage: %s DB_PATH POOL_URI KEYS [hold|flush]\n", argv[0]);
    return 2;
  }
  o3lsm::Options options = o3lsm::test::ClusterTestOptions(argv[2]);
  std::unique_ptr<o3lsm::DB> db;
  o3lsm::Status s = o3lsm::DB::Open(options, argv[1], &db);
  if (!s.ok()) {
    fprintf(stderr, "cn_helper: open: %s\n", s.ToString().c_str());
    return 1;
  }
  auto* impl = static_cast<o3lsm::DBImpl*>(db.get());
  if (hold) impl->TEST_PauseFlushes(true);
  const int keys = atoi(argv[3]);
  for (int i = 0; i < keys; i++) {
    s = db->Put(o3lsm::WriteOptions(), o3lsm::test::ClusterKey(i),
                o3lsm::test::ClusterValue(i));
    if (!s.ok()) {
      fprintf(stderr, "cn_helper: put: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  if (hold) {
    // Moves into DM run in the background: wait for them.
    while (impl->TEST_SealedLocalBytes() > 0) usleep(10000);
  } else {
    s = db->Flush(o3lsm::FlushOptions());
    if (s.ok()) s = impl->TEST_WaitForBackgroundWork();
    if (!s.ok()) {
      fprintf(stderr, "cn_helper: flush: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  // "Jobs posted by this node: P, done D, ..."
  std::string jobs;
  unsigned long long done = 0;
  if (db->GetProperty("o3lsm.jobs", &jobs)) {
    const size_t at = jobs.find("done ");
    if (at != std::string::npos) done = strtoull(jobs.c_str() + at + 5, nullptr, 10);
  }
  printf("ready %llu %llu\n",
         static_cast<unsigned long long>(impl->TEST_DmLiveBytes()), done);
  fflush(stdout);
  pause();
  return 0;
}
