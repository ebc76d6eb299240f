// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tests/fabric/fabric_test_util.h"

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "o3lsm/build_config.h"
#include "o3lsm/version.h"
#include "tests/testutil.h"
#if O3LSM_WITH_OFI || O3LSM_WITH_RDMA
#include "interconnect/net/cluster_secret.h"
#endif
#if O3LSM_WITH_OFI
#include "interconnect/ofi/ofi_server.h"
#endif
#if O3LSM_WITH_RDMA
#include "interconnect/rdma/rdma_fabric.h"
#include "interconnect/rdma/rdma_server.h"
#endif

namespace o3lsm::fabric::test {

std::vector<BackendParam> AllBackends() {
  return {{BackendKind::kEmulatedAnonymous, "EmulatedAnonymous"},
          {BackendKind::kEmulatedShm, "EmulatedShm"},
          {BackendKind::kEmulatedShmModel, "EmulatedShmModel"},
          {BackendKind::kCxlTmpfs, "CxlTmpfs"},
          {BackendKind::kRdma, "Rdma"},
          {BackendKind::kOfi, "OfiTcp"}};
}

std::string BackendName(const ::testing::TestParamInfo<BackendParam>& info) {
  return info.param.name;
}

std::string NotBuiltReason(const std::string& scheme) {
  if (HasFabricBackend(scheme.c_str())) return "";
  std::string option = "O3LSM_WITH_" + scheme;
  for (char& c : option) c = static_cast<char>(toupper(c));
  return "o3lsm was built without " + scheme + " (" + option + "=OFF)";
}

ShmPath::ShmPath(const std::string& label) {
  static std::atomic<int> counter{0};
  path_ = "/dev/shm/o3lsm-test-" + label + "-" + std::to_string(getpid()) +
          "-" + std::to_string(counter.fetch_add(1));
  unlink(path_.c_str());
}

ShmPath::~ShmPath() { unlink(path_.c_str()); }

#if O3LSM_WITH_OFI || O3LSM_WITH_RDMA
std::string NewKeyFile(const o3lsm::test::ScratchDir& dir,
                       const std::string& name) {
  const std::string path = dir.path() + "/" + name;
  EXPECT_OK(ClusterSecret::CreateFile(path));
  return path;
}
#endif

PoolLayout TestLayout() {
  PoolLayout l;
  l.node_table_bytes = 8 << 10;
  l.job_board_bytes = 16 << 10;
  l.segment_directory_bytes = 16 << 10;
  l.mailbox_bytes = 8 << 10;
  l.chunk_size = 64 << 10;
  l.max_owners = 64;
  return l;
}

TestPool::TestPool(BackendKind kind, uint64_t size, PoolLayout layout)
    : kind_(kind), size_(size), layout_(layout) {}

TestPool::~TestPool() {
  fabric_.reset();
  server_.reset();
  server_pool_.reset();
}

Status TestPool::Open(std::string* skip_reason) {
  skip_reason->clear();
  FabricOptions o;
  o.size = size_;
  o.layout = layout_;
  o.create_if_missing = true;
  o.timeout = std::chrono::seconds(10);
  switch (kind_) {
    case BackendKind::kEmulatedAnonymous:
      o.uri = "emulated:";
      break;
    case BackendKind::kEmulatedShm:
      shm_ = std::make_unique<ShmPath>("emu");
      o.uri = "emulated:" + shm_->path();
      break;
    case BackendKind::kEmulatedShmModel:
      shm_ = std::make_unique<ShmPath>("emu-model");
      o.uri = "emulated:" + shm_->path() + "?latency_ns=300&bandwidth_gbps=40";
      break;
    case BackendKind::kCxlTmpfs:
      *skip_reason = NotBuiltReason("cxl");
      if (!skip_reason->empty()) return Status::OK();
      shm_ = std::make_unique<ShmPath>("cxl");
      o.uri = "cxl:" + shm_->path();
      break;
    case BackendKind::kRdma: {
#if !O3LSM_WITH_RDMA
      *skip_reason = NotBuiltReason("rdma");
      return Status::OK();
#else
      std::string why;
      if (!RdmaDeviceAvailable(&why)) {
        *skip_reason = why;
        return Status::OK();
      }
      const char* host = getenv("O3LSM_RDMA_TEST_HOST");
      if (host == nullptr || host[0] == '\0') {
        *skip_reason =
            "RDMA device present but O3LSM_RDMA_TEST_HOST (an IP address of "
            "an RDMA-capable interface) is not set";
        return Status::OK();
      }
      RdmaServerOptions so;
      std::string key;
      Status s = OpenExportedPool(o, host, &so.control, &key);
      if (!s.ok()) return s;
      std::unique_ptr<RdmaPoolServer> server;
      s = RdmaPoolServer::Start(server_pool_.get(), so, &server);
      if (!s.ok()) return s;
      o.uri = "rdma://" + std::string(host) + ":" +
              std::to_string(server->port()) + "?secret=" + key +
              "&cluster_id=" + std::to_string(kTestClusterId);
      server_ = std::shared_ptr<RdmaPoolServer>(std::move(server));
      break;
#endif  // O3LSM_WITH_RDMA
    }
    case BackendKind::kOfi: {
#if !O3LSM_WITH_OFI
      *skip_reason = NotBuiltReason("ofi");
      return Status::OK();
#else
      OfiServerOptions so;
      std::string key;
      Status s = OpenExportedPool(o, "127.0.0.1", &so.control, &key);
      if (!s.ok()) return s;
      so.provider = "tcp;ofi_rxm";
      std::unique_ptr<OfiPoolServer> server;
      s = OfiPoolServer::Start(server_pool_.get(), so, &server);
      if (s.IsNotSupported()) {
        *skip_reason = s.ToString();
        return Status::OK();
      }
      if (!s.ok()) return s;
      o.uri = "ofi://127.0.0.1:" + std::to_string(server->port()) +
              "?secret=" + key + "&cluster_id=" +
              std::to_string(kTestClusterId);
      server_ = std::shared_ptr<OfiPoolServer>(std::move(server));
      break;
#endif  // O3LSM_WITH_OFI
    }
  }
  uri_ = kind_ == BackendKind::kEmulatedAnonymous ? "" : o.uri;
  return OpenFabric(o, &fabric_);
}

#if O3LSM_WITH_OFI || O3LSM_WITH_RDMA
Status TestPool::OpenExportedPool(const FabricOptions& o,
                                  const std::string& host,
                                  net::ExportOptions* control,
                                  std::string* key) {
  FabricOptions server_opts = o;
  server_opts.uri = "emulated:";
  server_opts.cluster_id = kTestClusterId;
  Status s = OpenFabric(server_opts, &server_pool_);
  if (!s.ok()) return s;
  keys_ = std::make_unique<o3lsm::test::ScratchDir>("keys");
  *key = NewKeyFile(*keys_, "cluster.key");
  control->host = host;
  control->port = 0;
  return ClusterSecret::Load(*key, &control->secret);
}
#endif  // O3LSM_WITH_OFI || O3LSM_WITH_RDMA

Status TestPool::Reopen() {
  fabric_.reset();
  FabricOptions o;
  o.uri = uri_;
  return OpenFabric(o, &fabric_);
}

void FabricConformance::SetUp() {
  pool_ = std::make_unique<TestPool>(GetParam().kind, 32 << 20);
  std::string skip;
  Status s = pool_->Open(&skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  ASSERT_OK(s);
}

std::string HelperPath() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "o3lsm_fabric_helper").string();
}

}  // namespace o3lsm::fabric::test
