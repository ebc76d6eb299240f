// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tests/cluster/cluster_test_util.h"

#include <atomic>
#include <filesystem>
#include <unistd.h>

namespace o3lsm::cluster::test {

ShmFile::ShmFile(const std::string& label) {
  static std::atomic<int> counter{0};
  path_ = "/dev/shm/o3lsm-cluster-test-" + label + "-" +
          std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1));
  unlink(path_.c_str());
}

ShmFile::~ShmFile() { unlink(path_.c_str()); }

fabric::PoolLayout SmallLayout() {
  fabric::PoolLayout l;
  l.node_table_bytes = 8 << 10;
  l.job_board_bytes = 64 << 10;
  l.segment_directory_bytes = 8 << 10;
  l.mailbox_bytes = 8 << 10;
  l.chunk_size = 64 << 10;
  l.max_owners = 64;
  return l;
}

Status OpenPool(const std::string& uri, const fabric::PoolLayout& layout,
                bool format, std::unique_ptr<fabric::Fabric>* fabric) {
  fabric::FabricOptions o;
  o.uri = uri;
  o.size = 4 << 20;
  o.layout = layout;
  o.create_if_missing = true;
  o.timeout = std::chrono::seconds(10);
  Status s = fabric::OpenFabric(o, fabric);
  if (s.ok() && format) s = JobBoard::Format(fabric->get());
  if (s.ok() && format) s = NodeTable::Format(fabric->get());
  return s;
}

Status OpenTestCluster(TestCluster* c, const fabric::PoolLayout& layout,
                       const std::string& uri) {
  Status s = OpenPool(uri, layout, true, &c->fabric);
  if (s.ok()) s = JobBoard::Open(c->fabric.get(), &c->board);
  if (s.ok()) s = NodeTable::Open(c->fabric.get(), &c->table);
  return s;
}

std::string HelperPath() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "o3lsm_cluster_helper").string();
}

}  // namespace o3lsm::cluster::test
