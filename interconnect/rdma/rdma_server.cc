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

#include "interconnect/rdma/rdma_common.h"
#include "interconnect/rdma/rdma_fabric.h"
#include "interconnect/rdma/rdma_wire.h"
#include "util/mutex.h"

namespace o3lsm::fabric {

namespace {

void LogInfo(const RdmaServerOptions& o, const std::string& line) {
  if (o.info_log != nullptr) ::o3lsm::Log(o.info_log.get(), "%s", line.c_str());
}

// Per device: the pool registered once, and the queues every client of the
// device shares.
struct DeviceState {
  ibv_pd* pd = nullptr;
  ibv_mr* pool_mr = nullptr;
  ibv_comp_channel* channel = nullptr;
  ibv_cq* cq = nullptr;
  int atomic_cap = 0;
  int max_rd_atom = 0;       // as responder
  int max_init_rd_atom = 0;  // as initiator
};

struct Client {
  rdma_cm_id* id = nullptr;
  DeviceState* device = nullptr;
  ibv_mr* recv_mr = nullptr;
  char* recv_bufs = nullptr;
  uint64_t serial = 0;  // names the client in receive work request ids
  bool established = false;
};

}  // namespace

class RdmaPoolServer::Impl {
 public:
  Impl(Fabric* pool, RdmaServerOptions options)
      : pool_(pool), options_(std::move(options)) {}
  ~Impl();

  Status Start();
  int port() const { return port_; }
  int clients() const {
    MutexLock lock(&mu_);
    return static_cast<int>(clients_.size());
  }
  Status Ring(DmAddr word);

 private:
  void Run();
  void OnCmEvent(rdma_cm_event* ev);
  Status Accept(rdma_cm_id* id, const rdma_conn_param& req);
  Status DeviceFor(ibv_context* verbs, DeviceState** out)
      EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropClient(rdma_cm_id* id) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnCompletions(DeviceState* dev);
  void Notify(uint64_t offset, rdma_cm_id* except)
      EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PostRecv(Client* c, int i);

  Fabric* const pool_;
  const RdmaServerOptions options_;
  char* base_ = nullptr;
  int port_ = 0;
  rdma_event_channel* channel_ = nullptr;
  rdma_cm_id* listen_id_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  mutable Mutex mu_;
  std::map<ibv_context*, DeviceState> devices_ GUARDED_BY(mu_);
  std::map<rdma_cm_id*, Client> clients_ GUARDED_BY(mu_);
  std::map<uint64_t, rdma_cm_id*> by_serial_ GUARDED_BY(mu_);
  uint64_t next_serial_ GUARDED_BY(mu_) = 1;
};

RdmaPoolServer::Impl::~Impl() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  MutexLock lock(&mu_);
  while (!clients_.empty()) DropClient(clients_.begin()->first);
  for (auto& [verbs, d] : devices_) {
    if (d.pool_mr != nullptr) ibv_dereg_mr(d.pool_mr);
    if (d.cq != nullptr) ibv_destroy_cq(d.cq);
    if (d.channel != nullptr) ibv_destroy_comp_channel(d.channel);
    if (d.pd != nullptr) ibv_dealloc_pd(d.pd);
  }
  if (listen_id_ != nullptr) rdma_destroy_id(listen_id_);
  if (channel_ != nullptr) rdma_destroy_event_channel(channel_);
}

Status RdmaPoolServer::Impl::Start() {
  const std::string where =
      "rdma server " + options_.bind_host + ":" + std::to_string(options_.port);
  base_ = static_cast<char*>(
      pool_->LocalView(DmAddr(pool_->pool_id(), 0), pool_->pool_size()));
  if (base_ == nullptr) {
    return Status::InvalidArgument(where,
                                   "the pool is not mapped in this process");
  }
  std::string why;
  if (!RdmaDeviceAvailable(&why)) return Status::Unavailable(where, why);
  channel_ = rdma_create_event_channel();
  if (channel_ == nullptr) {
    return rdma::VerbsError(where, "rdma_create_event_channel", errno);
  }
  Status s = rdma::SetNonBlocking(channel_->fd, where);
  if (!s.ok()) return s;
  if (rdma_create_id(channel_, &listen_id_, nullptr, RDMA_PS_TCP) != 0) {
    return rdma::VerbsError(where, "rdma_create_id", errno);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int gai =
      getaddrinfo(options_.bind_host.c_str(),
                  std::to_string(options_.port).c_str(), &hints, &res);
  if (gai != 0 || res == nullptr) {
    return Status::InvalidArgument(
        where, std::string("bad bind address: ") + gai_strerror(gai));
  }
  const int rc = rdma_bind_addr(listen_id_, res->ai_addr);
  const int err = errno;
  freeaddrinfo(res);
  if (rc != 0) return rdma::VerbsError(where, "rdma_bind_addr", err);
  if (rdma_listen(listen_id_, options_.max_clients) != 0) {
    return rdma::VerbsError(where, "rdma_listen", errno);
  }
  port_ = ntohs(rdma_get_src_port(listen_id_));
  LogInfo(options_, "fabric: rdma server exporting " + pool_->Describe() +
                        " on " + options_.bind_host + ":" +
                        std::to_string(port_));
  thread_ = std::thread([this] { Run(); });
  return Status::OK();
}

Status RdmaPoolServer::Impl::DeviceFor(ibv_context* verbs, DeviceState** out) {
  auto it = devices_.find(verbs);
  if (it != devices_.end()) {
    *out = &it->second;
    return Status::OK();
  }
  const std::string where =
      std::string("rdma server device ") + ibv_get_device_name(verbs->device);
  DeviceState d;
  ibv_device_attr attr;
  if (ibv_query_device(verbs, &attr) != 0) {
    return rdma::VerbsError(where, "ibv_query_device", errno);
  }
  d.atomic_cap = attr.atomic_cap;
  d.max_rd_atom = attr.max_qp_rd_atom;
  d.max_init_rd_atom = attr.max_qp_init_rd_atom;
  d.pd = ibv_alloc_pd(verbs);
  if (d.pd == nullptr) return rdma::VerbsError(where, "ibv_alloc_pd", errno);
  // Remote atomics need REMOTE_ATOMIC on the region, and remote writes need
  // LOCAL_WRITE as well.
  d.pool_mr =
      ibv_reg_mr(d.pd, base_, pool_->pool_size(),
                 IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
                     IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_ATOMIC);
  d.channel = ibv_create_comp_channel(verbs);
  if (d.pool_mr == nullptr || d.channel == nullptr) {
    const int e = errno;
    if (d.pool_mr != nullptr) ibv_dereg_mr(d.pool_mr);
    if (d.channel != nullptr) ibv_destroy_comp_channel(d.channel);
    ibv_dealloc_pd(d.pd);
    return rdma::VerbsError(where, "ibv_reg_mr (pool)", e);
  }
  Status s = rdma::SetNonBlocking(d.channel->fd, where);
  d.cq = ibv_create_cq(verbs, 4 * rdma::kRecvDepth * options_.max_clients,
                       nullptr, d.channel, 0);
  if (!s.ok() || d.cq == nullptr || ibv_req_notify_cq(d.cq, 0) != 0) {
    if (d.cq != nullptr) ibv_destroy_cq(d.cq);
    ibv_dereg_mr(d.pool_mr);
    ibv_destroy_comp_channel(d.channel);
    ibv_dealloc_pd(d.pd);
    return s.ok() ? rdma::VerbsError(where, "ibv_create_cq", errno) : s;
  }
  LogInfo(options_, where + ": registered " +
                        std::to_string(pool_->pool_size()) +
                        " bytes, atomic_cap " + std::to_string(d.atomic_cap));
  *out = &(devices_[verbs] = d);
  return Status::OK();
}

void RdmaPoolServer::Impl::PostRecv(Client* c, int i) {
  ibv_sge sge{reinterpret_cast<uint64_t>(c->recv_bufs + 64 * i), 64,
              c->recv_mr->lkey};
  ibv_recv_wr wr{};
  wr.wr_id = (c->serial << 8) | static_cast<uint64_t>(i);
  wr.sg_list = &sge;
  wr.num_sge = 1;
  ibv_recv_wr* bad = nullptr;
  ibv_post_recv(c->id->qp, &wr, &bad);
}

Status RdmaPoolServer::Impl::Accept(rdma_cm_id* id,
                                    const rdma_conn_param& req) {
  rdma_wire::Hello hello;
  if (!rdma_wire::DecodeHello(req.private_data, req.private_data_len, &hello) ||
      (hello.cluster_id != 0 && hello.cluster_id != pool_->cluster_id())) {
    rdma_reject(id, nullptr, 0);
    return Status::InvalidArgument("rdma server",
                                   "rejected a client of another cluster or "
                                   "protocol");
  }
  MutexLock lock(&mu_);
  DeviceState* dev = nullptr;
  Status s = DeviceFor(id->verbs, &dev);
  if (!s.ok()) {
    rdma_reject(id, nullptr, 0);
    return s;
  }
  ibv_qp_init_attr qp{};
  qp.send_cq = dev->cq;
  qp.recv_cq = dev->cq;
  qp.qp_type = IBV_QPT_RC;
  qp.sq_sig_all = 1;  // only small doorbell sends go this way
  qp.cap.max_send_wr = rdma::kRecvDepth;
  qp.cap.max_recv_wr = rdma::kRecvDepth;
  qp.cap.max_send_sge = 1;
  qp.cap.max_recv_sge = 1;
  qp.cap.max_inline_data = rdma_wire::kDoorbellSize;
  if (rdma_create_qp(id, dev->pd, &qp) != 0) {
    const int e = errno;
    rdma_reject(id, nullptr, 0);
    return rdma::VerbsError("rdma server", "rdma_create_qp", e);
  }
  Client c;
  c.id = id;
  c.device = dev;
  c.serial = next_serial_++;
  by_serial_[c.serial] = id;
  c.recv_bufs = static_cast<char*>(aligned_alloc(64, 64 * rdma::kRecvDepth));
  c.recv_mr = c.recv_bufs == nullptr
                  ? nullptr
                  : ibv_reg_mr(dev->pd, c.recv_bufs, 64 * rdma::kRecvDepth,
                               IBV_ACCESS_LOCAL_WRITE);
  Client& stored = clients_[id] = c;
  if (stored.recv_mr == nullptr) {
    DropClient(id);
    return Status::IOError("rdma server", "cannot register receive buffers");
  }
  for (int i = 0; i < rdma::kRecvDepth; i++) PostRecv(&stored, i);
  char advert[rdma_wire::kAdvertSize];
  rdma_wire::Advert a;
  a.pool_id = pool_->pool_id();
  a.remote_addr = reinterpret_cast<uint64_t>(base_);
  a.pool_size = pool_->pool_size();
  a.rkey = dev->pool_mr->rkey;
  a.atomic_cap = static_cast<uint32_t>(dev->atomic_cap);
  a.cluster_id = pool_->cluster_id();
  rdma_wire::EncodeAdvert(a, advert);
  rdma_conn_param param{};
  param.private_data = advert;
  param.private_data_len = sizeof(advert);
  // Reads and atomics the client may have in flight at us: what it asks
  // for, capped by this device.
  param.responder_resources = static_cast<uint8_t>(std::min<int>(
      {req.initiator_depth, dev->max_rd_atom, rdma::kMaxRdAtomic}));
  param.initiator_depth = static_cast<uint8_t>(std::min<int>(
      {req.responder_resources, dev->max_init_rd_atom, rdma::kMaxRdAtomic}));
  param.rnr_retry_count = 7;
  if (rdma_accept(id, &param) != 0) {
    const int e = errno;
    DropClient(id);
    return rdma::VerbsError("rdma server", "rdma_accept", e);
  }
  return Status::OK();
}

void RdmaPoolServer::Impl::DropClient(rdma_cm_id* id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = it->second;
  if (c.established) rdma_disconnect(id);
  if (id->qp != nullptr) rdma_destroy_qp(id);
  if (c.recv_mr != nullptr) ibv_dereg_mr(c.recv_mr);
  free(c.recv_bufs);
  by_serial_.erase(c.serial);
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
      LogInfo(options_, "fabric: rdma server: " + s.ToString());
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

void RdmaPoolServer::Impl::Notify(uint64_t offset, rdma_cm_id* except) {
  char msg[rdma_wire::kDoorbellSize];
  rdma_wire::EncodeDoorbell({rdma_wire::DoorbellMessage::kNotify, offset}, msg);
  for (auto& [id, c] : clients_) {
    if (id == except || !c.established) continue;
    ibv_sge sge{reinterpret_cast<uint64_t>(msg), sizeof(msg), 0};
    ibv_send_wr w{};
    w.wr_id = 0;
    w.opcode = IBV_WR_SEND;
    w.sg_list = &sge;
    w.num_sge = 1;
    w.send_flags = IBV_SEND_INLINE | IBV_SEND_SIGNALED;
    ibv_send_wr* bad = nullptr;
    ibv_post_send(id->qp, &w, &bad);  // a dead client is dropped by its event
  }
}

void RdmaPoolServer::Impl::OnCompletions(DeviceState* dev) {
  ibv_cq* cq = nullptr;
  void* ctx = nullptr;
  if (ibv_get_cq_event(dev->channel, &cq, &ctx) != 0) return;
  ibv_ack_cq_events(cq, 1);
  ibv_req_notify_cq(dev->cq, 0);
  ibv_wc wc[16];
  int n;
  MutexLock lock(&mu_);
  while ((n = ibv_poll_cq(dev->cq, 16, wc)) > 0) {
    for (int i = 0; i < n; i++) {
      if (wc[i].status != IBV_WC_SUCCESS || wc[i].opcode != IBV_WC_RECV) {
        continue;
      }
      // wr_id = client serial << 8 | receive buffer index.
      auto by = by_serial_.find(wc[i].wr_id >> 8);
      if (by == by_serial_.end()) continue;
      rdma_cm_id* id = by->second;
      const int index = static_cast<int>(wc[i].wr_id & 0xff);
      auto it = clients_.find(id);
      if (it == clients_.end() || index >= rdma::kRecvDepth) continue;
      rdma_wire::DoorbellMessage m;
      if (rdma_wire::DecodeDoorbell(it->second.recv_bufs + 64 * index,
                                    wc[i].byte_len, &m) &&
          m.type != rdma_wire::DoorbellMessage::kNotify &&
          m.offset + 8 <= pool_->pool_size() && m.offset % 8 == 0) {
        const DmAddr word(pool_->pool_id(), m.offset);
        pool_->Wake(word).PermitUncheckedError();
        Notify(m.offset, id);
      }
      PostRecv(&it->second, index);
    }
  }
}

void RdmaPoolServer::Impl::Run() {
  while (!stop_) {
    std::vector<pollfd> fds = {{channel_->fd, POLLIN, 0}};
    std::vector<DeviceState*> devs;
    {
      MutexLock lock(&mu_);
      for (auto& [verbs, d] : devices_) {
        fds.push_back({d.channel->fd, POLLIN, 0});
        devs.push_back(&d);
      }
    }
    if (poll(fds.data(), fds.size(), 100) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      rdma_cm_event* ev = nullptr;
      while (rdma_get_cm_event(channel_, &ev) == 0) OnCmEvent(ev);
    }
    for (size_t i = 1; i < fds.size(); i++) {
      if (fds[i].revents & POLLIN) OnCompletions(devs[i - 1]);
    }
  }
}

Status RdmaPoolServer::Impl::Ring(DmAddr word) {
  Status s = pool_->Ring(word);
  if (!s.ok()) return s;
  MutexLock lock(&mu_);
  Notify(word.offset(), nullptr);
  return Status::OK();
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
Status RdmaPoolServer::Ring(DmAddr word) { return impl_->Ring(word); }

}  // namespace o3lsm::fabric
