// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/rdma/rdma_server.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cstring>
#include <infiniband/verbs.h>
#include <map>
#include <netdb.h>
#include <poll.h>
#include <rdma/rdma_cma.h>
#include <thread>

#include "interconnect/net/cluster_secret.h"
#include "interconnect/rdma/rdma_common.h"
#include "interconnect/rdma/rdma_fabric.h"
#include "interconnect/rdma/rdma_wire.h"
#include "util/mutex.h"

namespace o3lsm::fabric {

class RdmaPoolServer::Impl final : public net::ExportDataPlane {
 public:
  Impl(Fabric* pool, RdmaServerOptions options)
      : pool_(pool), options_(std::move(options)) {}
  ~Impl() override;

  Status Start();
  Status Admit(uint64_t client_id, const std::string& client_blob,
               std::string* server_blob) override;
  void Dismiss(uint64_t client_id) override;

  int port() const { return export_->port(); }
  int clients() const {
    MutexLock lock(&mu_);
    return static_cast<int>(clients_.size());
  }
  net::PoolExport* exported() const { return export_.get(); }

 private:
  struct PendingTicket {
    uint64_t client_id = 0;
    std::chrono::steady_clock::time_point expires;
  };
  struct Client {
    uint64_t client_id = 0;
    bool established = false;
  };

  void Log(const std::string& line) {
    if (options_.control.info_log != nullptr) {
      ::o3lsm::Log(options_.control.info_log.get(), "%s", line.c_str());
    }
  }
  Status Listen();
  Status RegisterPool(ibv_context* verbs);
  void Run();
  void OnCmEvent(rdma_cm_event* ev);
  Status Accept(rdma_cm_id* id, const rdma_conn_param& req);
  void DropClient(rdma_cm_id* id) EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Fabric* const pool_;
  const RdmaServerOptions options_;
  std::string where_;
  char* base_ = nullptr;
  int cm_port_ = 0;
  rdma_event_channel* channel_ = nullptr;
  rdma_cm_id* listen_id_ = nullptr;
  // The device of the listen address: the pool registered once.
  ibv_pd* pd_ = nullptr;
  ibv_mr* pool_mr_ = nullptr;
  ibv_cq* cq_ = nullptr;  // queue pairs need one; no completions arrive
  int atomic_cap_ = 0;
  int max_rd_atom_ = 0;
  int max_init_rd_atom_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::unique_ptr<net::PoolExport> export_;

  mutable Mutex mu_;
  std::map<rdma_wire::Ticket, PendingTicket> tickets_ GUARDED_BY(mu_);
  std::map<rdma_cm_id*, Client> clients_ GUARDED_BY(mu_);
};

RdmaPoolServer::Impl::~Impl() {
  export_.reset();  // closes control connections: their queue pairs drop
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  {
    MutexLock lock(&mu_);
    while (!clients_.empty()) DropClient(clients_.begin()->first);
  }
  if (pool_mr_ != nullptr) ibv_dereg_mr(pool_mr_);
  if (cq_ != nullptr) ibv_destroy_cq(cq_);
  if (pd_ != nullptr) ibv_dealloc_pd(pd_);
  if (listen_id_ != nullptr) rdma_destroy_id(listen_id_);
  if (channel_ != nullptr) rdma_destroy_event_channel(channel_);
}

Status RdmaPoolServer::Impl::Listen() {
  const std::string& host = options_.control.host;
  channel_ = rdma_create_event_channel();
  if (channel_ == nullptr) {
    return rdma::VerbsError(where_, "rdma_create_event_channel", errno);
  }
  Status s = rdma::SetNonBlocking(channel_->fd, where_);
  if (!s.ok()) return s;
  if (rdma_create_id(channel_, &listen_id_, nullptr, RDMA_PS_TCP) != 0) {
    return rdma::VerbsError(where_, "rdma_create_id", errno);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int gai = getaddrinfo(host.c_str(), "0", &hints, &res);
  if (gai != 0 || res == nullptr) {
    return Status::InvalidArgument(
        where_, std::string("bad listen address: ") + gai_strerror(gai));
  }
  const int rc = rdma_bind_addr(listen_id_, res->ai_addr);
  const int err = errno;
  freeaddrinfo(res);
  if (rc != 0) return rdma::VerbsError(where_, "rdma_bind_addr", err);
  if (listen_id_->verbs == nullptr) {
    return Status::InvalidArgument(
        where_, "not the address of an RDMA device's interface (a wildcard "
                "address cannot be used: the pool is registered with the "
                "listen address's device)");
  }
  if (rdma_listen(listen_id_, options_.control.max_clients) != 0) {
    return rdma::VerbsError(where_, "rdma_listen", errno);
  }
  cm_port_ = ntohs(rdma_get_src_port(listen_id_));
  return RegisterPool(listen_id_->verbs);
}

Status RdmaPoolServer::Impl::RegisterPool(ibv_context* verbs) {
  const std::string where =
      where_ + " device " + ibv_get_device_name(verbs->device);
  ibv_device_attr attr;
  if (ibv_query_device(verbs, &attr) != 0) {
    return rdma::VerbsError(where, "ibv_query_device", errno);
  }
  atomic_cap_ = attr.atomic_cap;
  max_rd_atom_ = attr.max_qp_rd_atom;
  max_init_rd_atom_ = attr.max_qp_init_rd_atom;
  pd_ = ibv_alloc_pd(verbs);
  if (pd_ == nullptr) return rdma::VerbsError(where, "ibv_alloc_pd", errno);
  // Remote atomics need REMOTE_ATOMIC on the region, and remote writes need
  // LOCAL_WRITE as well.
  pool_mr_ = ibv_reg_mr(pd_, base_, pool_->pool_size(),
                        IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
                            IBV_ACCESS_REMOTE_WRITE |
                            IBV_ACCESS_REMOTE_ATOMIC);
  if (pool_mr_ == nullptr) {
    return rdma::VerbsError(where, "ibv_reg_mr (pool)", errno);
  }
  cq_ = ibv_create_cq(verbs, 16, nullptr, nullptr, 0);
  if (cq_ == nullptr) return rdma::VerbsError(where, "ibv_create_cq", errno);
  Log("fabric: rdma server " + where + ": registered " +
      std::to_string(pool_->pool_size()) + " bytes, atomic_cap " +
      std::to_string(atomic_cap_) + ", connection manager on port " +
      std::to_string(cm_port_));
  return Status::OK();
}

Status RdmaPoolServer::Impl::Start() {
  where_ = "rdma server " + options_.control.host;
  base_ = static_cast<char*>(
      pool_->LocalView(DmAddr(pool_->pool_id(), 0), pool_->pool_size()));
  if (base_ == nullptr) {
    return Status::InvalidArgument(where_,
                                   "the pool is not mapped in this process");
  }
  std::string why;
  if (!RdmaDeviceAvailable(&why)) return Status::Unavailable(where_, why);
  Status s = Listen();
  if (!s.ok()) return s;
  thread_ = std::thread([this] { Run(); });
  return net::PoolExport::Start(pool_, options_.control, this, &export_);
}

Status RdmaPoolServer::Impl::Admit(uint64_t client_id,
                                   const std::string& client_blob,
                                   std::string* server_blob) {
  if (client_blob != rdma_wire::kClientBlob) {
    return Status::InvalidArgument(
        "memory node", "this node exports its pool over rdma; connect with "
                       "rdma://, not " + client_blob + "://");
  }
  rdma_wire::Admission a;
  Status s = RandomBytes(a.ticket.data(), a.ticket.size());
  if (!s.ok()) return s;
  a.pool_id = pool_->pool_id();
  a.cm_port = static_cast<uint16_t>(cm_port_);
  a.remote_addr = reinterpret_cast<uint64_t>(base_);
  a.pool_size = pool_->pool_size();
  a.rkey = pool_mr_->rkey;
  a.atomic_cap = static_cast<uint32_t>(atomic_cap_);
  *server_blob = rdma_wire::EncodeAdmission(a);
  MutexLock lock(&mu_);
  tickets_[a.ticket] = {client_id, std::chrono::steady_clock::now() +
                                       options_.control.timeout};
  return Status::OK();
}

void RdmaPoolServer::Impl::Dismiss(uint64_t client_id) {
  MutexLock lock(&mu_);
  for (auto it = tickets_.begin(); it != tickets_.end();) {
    it = it->second.client_id == client_id ? tickets_.erase(it)
                                           : std::next(it);
  }
  for (auto& [id, c] : clients_) {
    if (c.client_id == client_id) {
      DropClient(id);
      break;
    }
  }
}

Status RdmaPoolServer::Impl::Accept(rdma_cm_id* id,
                                    const rdma_conn_param& req) {
  rdma_wire::Ticket ticket;
  uint64_t client_id = 0;
  {
    MutexLock lock(&mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = tickets_.begin(); it != tickets_.end();) {
      it = it->second.expires < now ? tickets_.erase(it) : std::next(it);
    }
    if (rdma_wire::DecodeTicket(req.private_data, req.private_data_len,
                                &ticket)) {
      auto it = tickets_.find(ticket);
      if (it != tickets_.end()) {
        client_id = it->second.client_id;
        tickets_.erase(it);  // one connection per ticket
      }
    }
  }
  if (client_id == 0) {
    rdma_reject(id, nullptr, 0);
    return Status::InvalidArgument(
        where_, "refused a queue pair without a live ticket (a client that "
                "did not prove the cluster secret)");
  }
  if (id->verbs != listen_id_->verbs) {
    rdma_reject(id, nullptr, 0);
    return Status::InvalidArgument(where_,
                                   "a connection arrived on another device");
  }
  ibv_qp_init_attr qp{};
  qp.send_cq = cq_;
  qp.recv_cq = cq_;
  qp.qp_type = IBV_QPT_RC;
  qp.cap.max_send_wr = 1;
  qp.cap.max_recv_wr = 1;
  qp.cap.max_send_sge = 1;
  qp.cap.max_recv_sge = 1;
  if (rdma_create_qp(id, pd_, &qp) != 0) {
    const int e = errno;
    rdma_reject(id, nullptr, 0);
    return rdma::VerbsError(where_, "rdma_create_qp", e);
  }
  {
    MutexLock lock(&mu_);
    clients_[id] = Client{client_id, false};
  }
  rdma_conn_param param{};
  // Reads and atomics the client may have in flight at us: what it asks
  // for, capped by this device.
  param.responder_resources = static_cast<uint8_t>(std::min<int>(
      {req.initiator_depth, max_rd_atom_, rdma::kMaxRdAtomic}));
  param.initiator_depth = static_cast<uint8_t>(std::min<int>(
      {req.responder_resources, max_init_rd_atom_, rdma::kMaxRdAtomic}));
  param.rnr_retry_count = 7;
  if (rdma_accept(id, &param) != 0) {
    const int e = errno;
    MutexLock lock(&mu_);
    DropClient(id);
    return rdma::VerbsError(where_, "rdma_accept", e);
  }
  return Status::OK();
}

void RdmaPoolServer::Impl::DropClient(rdma_cm_id* id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  if (it->second.established) rdma_disconnect(id);
  if (id->qp != nullptr) rdma_destroy_qp(id);
  rdma_destroy_id(id);
  clients_.erase(it);
}

void RdmaPoolServer::Impl::OnCmEvent(rdma_cm_event* ev) {
  rdma_cm_id* id = ev->id;
  const rdma_cm_event_type type = ev->event;
  if (type == RDMA_CM_EVENT_CONNECT_REQUEST) {
    const rdma_conn_param req = ev->param.conn;  // private data lives in ev
    Status s = Accept(id, req);
    rdma_ack_cm_event(ev);
    if (!s.ok()) {
      Log("fabric: " + s.ToString());
      MutexLock lock(&mu_);
      if (clients_.find(id) == clients_.end()) rdma_destroy_id(id);
    }
    return;
  }
  rdma_ack_cm_event(ev);  // before any rdma_destroy_id of its id
  MutexLock lock(&mu_);
  if (type == RDMA_CM_EVENT_ESTABLISHED) {
    auto it = clients_.find(id);
    if (it != clients_.end()) it->second.established = true;
  } else if (type == RDMA_CM_EVENT_DISCONNECTED ||
             type == RDMA_CM_EVENT_REJECTED ||
             type == RDMA_CM_EVENT_CONNECT_ERROR ||
             type == RDMA_CM_EVENT_UNREACHABLE ||
             type == RDMA_CM_EVENT_DEVICE_REMOVAL) {
    if (id != listen_id_) DropClient(id);
  }
}

void RdmaPoolServer::Impl::Run() {
  while (!stop_) {
    pollfd p{channel_->fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    rdma_cm_event* ev = nullptr;
    while (rdma_get_cm_event(channel_, &ev) == 0) OnCmEvent(ev);
  }
}

RdmaPoolServer::RdmaPoolServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

RdmaPoolServer::~RdmaPoolServer() = default;

Status RdmaPoolServer::Start(Fabric* pool, const RdmaServerOptions& options,
                             std::unique_ptr<RdmaPoolServer>* result) {
  auto impl = std::make_unique<Impl>(pool, options);
  Status s = impl->Start();
  if (!s.ok()) return s;
  result->reset(new RdmaPoolServer(std::move(impl)));
  return Status::OK();
}

int RdmaPoolServer::port() const { return impl_->port(); }
int RdmaPoolServer::clients() const { return impl_->clients(); }
net::PoolExport* RdmaPoolServer::exported() const { return impl_->exported(); }

}  // namespace o3lsm::fabric
