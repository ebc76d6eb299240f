// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Shared by the fabric tests: the list of backends the conformance suites
// run against, a fixture that opens a fresh pool of each, unique /dev/shm
// names that are removed afterwards, and the path of the multi-process
// helper binary.

#ifndef O3LSM_TESTS_FABRIC_FABRIC_TEST_UTIL_H_
#define O3LSM_TESTS_FABRIC_FABRIC_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

#include "interconnect/fabric.h"
#include "interconnect/net/pool_export.h"
#include "tests/testutil.h"

namespace o3lsm::fabric::test {

enum class BackendKind {
  kEmulatedAnonymous,
  kEmulatedShm,
  kEmulatedShmModel,  // tiny latency model on
  kCxlTmpfs,
  kRdma,  // skipped without an RDMA device
  kOfi,   // ofi:// over tcp;ofi_rxm on loopback, through OfiPoolServer
};

struct BackendParam {
  BackendKind kind;
  const char* name;
};

std::vector<BackendParam> AllBackends();
std::string BackendName(const ::testing::TestParamInfo<BackendParam>& info);

// "" if this build of o3lsm has the fabric backend of `scheme` ("emulated",
// "cxl", "ofi", "rdma"), else why not ("o3lsm was built without rdma
// (O3LSM_WITH_RDMA=OFF)"), for GTEST_SKIP().
std::string NotBuiltReason(const std::string& scheme);

// A unique path under /dev/shm, removed by the destructor.
class ShmPath {
 public:
  explicit ShmPath(const std::string& label);
  ~ShmPath();
  ShmPath(const ShmPath&) = delete;
  ShmPath& operator=(const ShmPath&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The cluster id the network backends' test pools carry.
inline constexpr uint64_t kTestClusterId = 4242;

// A key file at dir/name holding a fresh cluster secret. Only in builds
// with a network backend (O3LSM_WITH_OFI or O3LSM_WITH_RDMA).
std::string NewKeyFile(const o3lsm::test::ScratchDir& dir, const std::string& name);

// The small layout the tests use: 64 KiB chunks, small regions.
PoolLayout TestLayout();

// Opens a fresh pool of `size` bytes on the given backend. Sets *skip (and
// returns OK) when the backend cannot run here or is not built.
class TestPool {
 public:
  TestPool(BackendKind kind, uint64_t size, PoolLayout layout = TestLayout());
  ~TestPool();

  Status Open(std::string* skip_reason);
  Fabric* fabric() const { return fabric_.get(); }
  // The URI other processes open the same pool with ("" if it cannot be).
  const std::string& uri() const { return uri_; }
  BackendKind kind() const { return kind_; }
  // Closes and re-opens the pool (file-backed backends only).
  Status Reopen();

 private:
  // rdma, ofi: the pool a server exports, its key file, and the control
  // options listening on host.
  Status OpenExportedPool(const FabricOptions& o, const std::string& host,
                          net::ExportOptions* control, std::string* key);

  BackendKind kind_;
  uint64_t size_;
  PoolLayout layout_;
  std::unique_ptr<ShmPath> shm_;
  std::string uri_;
  std::unique_ptr<Fabric> fabric_;
  std::unique_ptr<Fabric> server_pool_;  // rdma, ofi: the exported pool
  std::shared_ptr<void> server_;         // rdma, ofi: the pool's server
  // rdma, ofi: the directory of the cluster key file.
  std::unique_ptr<o3lsm::test::ScratchDir> keys_;
};

// Fixture of the parameterized conformance suites.
class FabricConformance : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override;
  Fabric* fabric() const { return pool_->fabric(); }
  DmAddr Heap(uint64_t delta = 0) const {
    return fabric()->RegionStart(RegionKind::kHeap) + delta;
  }
  std::unique_ptr<TestPool> pool_;
};

// Path of o3lsm_fabric_helper, next to the running test binary.
std::string HelperPath();

}  // namespace o3lsm::fabric::test

#endif  // O3LSM_TESTS_FABRIC_FABRIC_TEST_UTIL_H_
