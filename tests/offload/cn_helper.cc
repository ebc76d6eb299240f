// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// A compute node for the cluster tests, to be killed: opens DB_PATH with
// every layer offloaded to the pool at POOL_URI, holds flushes back so that
// its memtables stay in DM, writes KEYS keys (WAL on), prints
// "ready <bytes of segments in DM>" and waits to be killed.
//
//   o3lsm_cn_helper DB_PATH POOL_URI KEYS

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "lsm/db/db_impl.h"
#include "o3lsm/db.h"
#include "tests/offload/cluster_keys.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s DB_PATH POOL_URI KEYS\n", argv[0]);
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
  impl->TEST_PauseFlushes(true);
  const int keys = atoi(argv[3]);
  for (int i = 0; i < keys; i++) {
    s = db->Put(o3lsm::WriteOptions(), o3lsm::test::ClusterKey(i),
                o3lsm::test::ClusterValue(i));
    if (!s.ok()) {
      fprintf(stderr, "cn_helper: put: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  // Moves into DM run in the background: wait for them.
  while (impl->TEST_SealedLocalBytes() > 0) usleep(10000);
  printf("ready %llu\n",
         static_cast<unsigned long long>(impl->TEST_DmLiveBytes()));
  fflush(stdout);
  pause();
  return 0;
}
