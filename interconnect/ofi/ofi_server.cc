// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/ofi/ofi_server.h"

#include <atomic>
#include <map>
#include <poll.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_eq.h>
#include <rdma/fi_errno.h>
#include <thread>

#include "interconnect/net/cluster_secret.h"
#include "interconnect/ofi/ofi_common.h"
#include "util/mutex.h"

namespace o3lsm::fabric {

using ofi::OfiError;

class OfiPoolServer::Impl final : public net::ExportDataPlane {
 public:
  Impl(Fabric* pool, OfiServerOptions options)
      : pool_(pool), options_(std::move(options)) {}
  ~Impl() override;

  Status Start();
  Status Admit(uint64_t client_id, const std::string& client_blob,
               std::string* server_blob) override;
  void Dismiss(uint64_t client_id) override;

  int port() const { return export_->port(); }
  int clients() const { return export_->clients(); }
  const std::string& provider() const { return provider_; }
  net::PoolExport* exported() const { return export_.get(); }

 private:
  void Log(const std::string& line) {
    if (options_.control.info_log != nullptr) {
      ::o3lsm::Log(options_.control.info_log.get(), "%s", line.c_str());
    }
  }
  Status OpenEndpoint();
  void Progress();

  Fabric* const pool_;
  const OfiServerOptions options_;
  std::string where_;
  std::string provider_;
  ofi::OfiInfo info_;
  char* base_ = nullptr;
  ofi::Endpoint endpoint_;
  std::string address_;
  std::atomic<bool> stop_{false};
  std::thread progress_;
  std::unique_ptr<net::PoolExport> export_;

  Mutex mu_;
  std::map<uint64_t, fid_mr*> regions_ GUARDED_BY(mu_);
};

OfiPoolServer::Impl::~Impl() {
  export_.reset();  // dismisses every client: their regions close
  stop_ = true;
  if (progress_.joinable()) progress_.join();
  {
    MutexLock lock(&mu_);
    for (auto& [id, mr] : regions_) fi_close(&mr->fid);
    regions_.clear();
  }
  endpoint_.Close();
}

Status OfiPoolServer::Impl::OpenEndpoint() {
  const std::string& host = options_.control.host;
  Status s;
  if (options_.provider.empty()) {
    s = ofi::ChooseProvider(host, &provider_, &info_);
  } else {
    provider_ = options_.provider;
    s = ofi::GetInfo(provider_, ofi::Side::kServer, host, 0, "", &info_);
  }
  if (!s.ok()) return s;
  where_ = "ofi server " + host + " (" + provider_ + ")";
  s = endpoint_.Open(info_.get(), 256, where_);
  if (!s.ok()) return s;
  char name[256];
  size_t len = sizeof(name);
  const int ret = fi_getname(&endpoint_.ep->fid, name, &len);
  if (ret != 0) return OfiError(where_, "fi_getname", ret);
  address_.assign(name, len);
  return Status::OK();
}

Status OfiPoolServer::Impl::Start() {
  base_ = static_cast<char*>(
      pool_->LocalView(DmAddr(pool_->pool_id(), 0), pool_->pool_size()));
  if (base_ == nullptr) {
    return Status::InvalidArgument("ofi server",
                                   "the pool is not mapped in this process");
  }
  Status s = OpenEndpoint();
  if (!s.ok()) return s;
  progress_ = std::thread([this] { Progress(); });
  s = net::PoolExport::Start(pool_, options_.control, this, &export_);
  if (!s.ok()) return s;
  Log("fabric: ofi data path on " + options_.control.host + " over " +
      provider_ + (endpoint_.wait_fd >= 0 ? "" : " (no wait object: polling)"));
  return Status::OK();
}

Status OfiPoolServer::Impl::Admit(uint64_t client_id,
                                  const std::string& client_blob,
                                  std::string* server_blob) {
  if (client_blob != "ofi") {
    return Status::InvalidArgument(
        "memory node", "this node exports its pool over ofi; connect with "
                       "ofi://, not " + client_blob + "://");
  }
  const uint64_t mode = info_->domain_attr->mr_mode;
  fid_mr* mr = nullptr;
  int ret = -FI_ENOKEY;
  for (int attempt = 0; attempt < 8 && ret == -FI_ENOKEY; attempt++) {
    uint64_t key = 0;
    if ((mode & FI_MR_PROV_KEY) == 0) {
      Status s = RandomBytes(&key, sizeof(key));
      if (!s.ok()) return s;
      // Keys wider than the provider's are refused; keep the random bits
      // that fit.
      const size_t bits = 8 * info_->domain_attr->mr_key_size;
      if (bits > 0 && bits < 64) key &= (uint64_t{1} << bits) - 1;
    }
    ret = fi_mr_reg(endpoint_.domain, base_, pool_->pool_size(),
                    FI_REMOTE_READ | FI_REMOTE_WRITE, 0, key, 0, &mr,
                    nullptr);
  }
  if (ret != 0) return OfiError(where_, "fi_mr_reg (pool)", ret);
  if (mode & FI_MR_ENDPOINT) {
    ret = fi_mr_bind(mr, &endpoint_.ep->fid, 0);
    if (ret == 0) ret = fi_mr_enable(mr);
    if (ret != 0) {
      fi_close(&mr->fid);
      return OfiError(where_, "fi_mr_bind (pool)", ret);
    }
  }
  ofi::Admission a;
  a.pool_id = pool_->pool_id();
  a.addr_format = info_->addr_format;
  a.key = fi_mr_key(mr);
  a.base = (mode & FI_MR_VIRT_ADDR) ? reinterpret_cast<uint64_t>(base_) : 0;
  a.pool_size = pool_->pool_size();
  a.provider = provider_;
  a.address = address_;
  *server_blob = ofi::EncodeAdmission(a);
  MutexLock lock(&mu_);
  regions_[client_id] = mr;
  return Status::OK();
}

void OfiPoolServer::Impl::Dismiss(uint64_t client_id) {
  fid_mr* mr = nullptr;
  {
    MutexLock lock(&mu_);
    auto it = regions_.find(client_id);
    if (it == regions_.end()) return;
    mr = it->second;
    regions_.erase(it);
  }
  fi_close(&mr->fid);
}

void OfiPoolServer::Impl::Progress() {
  fi_cq_entry entries[16];
  while (!stop_) {
    // Reading the queue is what drives a software provider: incoming
    // reads, writes and atomics are served inside this call.
    const ssize_t n = fi_cq_read(endpoint_.cq, entries, 16);
    if (n == -FI_EAVAIL) {
      fi_cq_err_entry err{};
      fi_cq_readerr(endpoint_.cq, &err, 0);
      continue;
    }
    if (n > 0) continue;
    endpoint_.SleepOnQueue(std::chrono::milliseconds(100),
                           std::chrono::microseconds(50));
  }
}

OfiPoolServer::OfiPoolServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
OfiPoolServer::~OfiPoolServer() = default;

Status OfiPoolServer::Start(Fabric* pool, const OfiServerOptions& options,
                            std::unique_ptr<OfiPoolServer>* result) {
  auto impl = std::make_unique<Impl>(pool, options);
  Status s = impl->Start();
  if (!s.ok()) return s;
  result->reset(new OfiPoolServer(std::move(impl)));
  return Status::OK();
}

int OfiPoolServer::port() const { return impl_->port(); }
int OfiPoolServer::clients() const { return impl_->clients(); }
const std::string& OfiPoolServer::provider() const {
  return impl_->provider();
}
net::PoolExport* OfiPoolServer::exported() const { return impl_->exported(); }

}  // namespace o3lsm::fabric
