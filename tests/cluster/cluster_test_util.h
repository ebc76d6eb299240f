// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Shared by the cluster tests: pools with a job board and a node table
// formatted on them (anonymous for threads, /dev/shm for processes),
// unique /dev/shm names removed afterwards, and the path of the helper
// process binary.

#ifndef O3LSM_TESTS_CLUSTER_CLUSTER_TEST_UTIL_H_
#define O3LSM_TESTS_CLUSTER_CLUSTER_TEST_UTIL_H_

#include <memory>
#include <string>

#include "interconnect/fabric.h"
#include "scheduler/cluster/job_board.h"
#include "scheduler/cluster/node_table.h"

namespace o3lsm::cluster::test {

// A unique path under /dev/shm, removed by the destructor.
class ShmFile {
 public:
  explicit ShmFile(const std::string& label);
  ~ShmFile();
  ShmFile(const ShmFile&) = delete;
  ShmFile& operator=(const ShmFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A small pool: 64 KiB chunks, a 64 KiB job board (15 slots of 4 KiB), an
// 8 KiB node table (31 slots).
fabric::PoolLayout SmallLayout();

// Opens a fresh pool at uri ("emulated:" for an anonymous one) with layout
// and, if format, formats the job board and the node table on it.
Status OpenPool(const std::string& uri, const fabric::PoolLayout& layout,
                bool format, std::unique_ptr<fabric::Fabric>* fabric);

// A fresh anonymous pool with a formatted board and table, both opened.
struct TestCluster {
  std::unique_ptr<fabric::Fabric> fabric;
  std::unique_ptr<JobBoard> board;
  std::unique_ptr<NodeTable> table;
};
Status OpenTestCluster(TestCluster* c,
                       const fabric::PoolLayout& layout = SmallLayout(),
                       const std::string& uri = "emulated:");

// Path of o3lsm_cluster_helper, next to the running test binary.
std::string HelperPath();

}  // namespace o3lsm::cluster::test

#endif  // O3LSM_TESTS_CLUSTER_CLUSTER_TEST_UTIL_H_
