// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The rdma client. Data path: every posted batch is cut into "rounds" that
// fit the registered staging buffer (16 slots of 1 MiB) and the send queue;
// a round is one chain of RC work requests of which only the last is
// signalled (selective signalling: on an RC queue pair its completion means
// all earlier ones completed). Every round but the last is waited for
// inside Post, so a batch larger than the staging buffer still works; the
// last stays in flight until Wait polls its completion and copies read data
// and atomic results out of staging. Completions are polled inline by
// Wait, under one mutex - never from a TBB task, never busy in the
// background. The control connection (interconnect/net/) proves the
// cluster secret, earns the queue pair's ticket, and carries doorbells; a
// small listener thread blocks on the connection manager's channel
// (disconnects).

#include "interconnect/rdma/rdma_fabric.h"

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
#include <vector>

#include "interconnect/net/remote_fabric.h"
#include "interconnect/rdma/rdma_common.h"
#include "interconnect/rdma/rdma_wire.h"
#include "util/mutex.h"

namespace o3lsm::fabric {

namespace {

constexpr size_t kSlotBytes = 1 << 20;
constexpr int kSlots = 16;
constexpr int kSendDepth = 256;
constexpr int kMaxWrPerRound = 64;

void LogInfo(const FabricOptions& o, const std::string& line) {
  if (o.info_log != nullptr) ::o3lsm::Log(o.info_log.get(), "%s", line.c_str());
}

using Piece = net::RemoteFabric::Piece;

class RdmaFabric final : public net::RemoteFabric {
 public:
  RdmaFabric(FabricOptions options, net::NetworkTarget target)
      : RemoteFabric(std::move(options), std::move(target)) {
    max_piece_ = kSlotBytes;
  }
  ~RdmaFabric() override;

  Status Connect();

 private:
  struct Pending {
    Completion* completion = nullptr;
    std::vector<std::pair<const char*, Piece>> reads;  // staging -> user
    std::vector<std::pair<const uint64_t*, uint64_t*>> results;
    std::vector<int> slots;
    int wrs = 0;
    bool abandoned = false;
  };

  Status Broken() const EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return Status::Unavailable(where_, "connection lost: " + broken_);
  }
  // Broken() once the queue pair or the control connection is gone.
  bool CheckBrokenLocked() EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string why;
    if (broken_.empty() && conn_->broken(&why)) broken_ = why;
    return !broken_.empty();
  }
  Status PostRound(const std::vector<Piece>& pieces, size_t* next,
                   Completion* round, Completion* last_round,
                   bool* last) override;
  Status WaitForRound(Completion* c,
                      std::chrono::nanoseconds timeout) override;
  void PollLocked() EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(uint64_t id, Status s) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Listen();

  rdma_wire::Admission advert_;

  rdma_event_channel* cm_channel_ = nullptr;
  rdma_cm_id* id_ = nullptr;
  ibv_pd* pd_ = nullptr;
  ibv_cq* send_cq_ = nullptr;
  ibv_mr* staging_mr_ = nullptr;
  char* staging_ = nullptr;
  bool qp_created_ = false;
  bool connected_ = false;

  Mutex mu_;
  std::vector<bool> slot_used_ GUARDED_BY(mu_);
  std::map<uint64_t, Pending> pending_ GUARDED_BY(mu_);
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  int outstanding_wrs_ GUARDED_BY(mu_) = 0;
  std::string broken_ GUARDED_BY(mu_);

  std::atomic<bool> stop_{false};
  std::thread listener_;
};

RdmaFabric::~RdmaFabric() {
  stop_ = true;
  if (listener_.joinable()) listener_.join();
  if (connected_) rdma_disconnect(id_);
  if (qp_created_) rdma_destroy_qp(id_);
  if (staging_mr_ != nullptr) ibv_dereg_mr(staging_mr_);
  if (send_cq_ != nullptr) ibv_destroy_cq(send_cq_);
  if (pd_ != nullptr) ibv_dealloc_pd(pd_);
  if (id_ != nullptr) rdma_destroy_id(id_);
  if (cm_channel_ != nullptr) rdma_destroy_event_channel(cm_channel_);
  free(staging_);
  conn_.reset();
}

Status RdmaFabric::Connect() {
  using rdma::VerbsError;
  const auto timeout = options_.timeout;
  const int timeout_ms = static_cast<int>(timeout.count());
  // Prove the cluster secret first: only then does the node say where the
  // pool is, and hand out the ticket its connection manager wants.
  std::string blob;
  Status s = ConnectControl(rdma_wire::kClientBlob, &blob);
  if (!s.ok()) return s;
  if (!rdma_wire::DecodeAdmission(blob, &advert_)) {
    return Status::Corruption(where_,
                              "the memory node's admission is not an rdma "
                              "admission");
  }
  cm_channel_ = rdma_create_event_channel();
  if (cm_channel_ == nullptr) {
    return VerbsError(where_, "rdma_create_event_channel (no RDMA support?)",
                      errno);
  }
  s = rdma::SetNonBlocking(cm_channel_->fd, where_);
  if (!s.ok()) return s;
  if (rdma_create_id(cm_channel_, &id_, nullptr, RDMA_PS_TCP) != 0) {
    return VerbsError(where_, "rdma_create_id", errno);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int gai = getaddrinfo(target_.host.c_str(),
                              std::to_string(advert_.cm_port).c_str(), &hints,
                              &res);
  if (gai != 0 || res == nullptr) {
    return Status::Unavailable(
        where_, std::string("cannot resolve host: ") + gai_strerror(gai));
  }
  const int rc = rdma_resolve_addr(id_, nullptr, res->ai_addr, timeout_ms);
  const int err = errno;
  freeaddrinfo(res);
  if (rc != 0) return VerbsError(where_, "rdma_resolve_addr", err);
  s = rdma::ExpectCmEvent(cm_channel_, RDMA_CM_EVENT_ADDR_RESOLVED, timeout,
                          where_ + ": resolving address", nullptr);
  if (!s.ok()) return s;

  // The connection manager picks device, port and GID from the IP route;
  // the options can only pin them, so check what it picked.
  ibv_context* verbs = id_->verbs;
  const std::string device = ibv_get_device_name(verbs->device);
  if (!options_.rdma_device.empty() && options_.rdma_device != device) {
    return Status::InvalidArgument(
        where_, "the route to the memory node uses device " + device +
                    ", not " + options_.rdma_device);
  }
  if (options_.rdma_port != 0 && options_.rdma_port != id_->port_num) {
    return Status::InvalidArgument(
        where_, "the route uses port " + std::to_string(id_->port_num) +
                    ", not " + std::to_string(options_.rdma_port));
  }
  if (rdma_resolve_route(id_, timeout_ms) != 0) {
    return VerbsError(where_, "rdma_resolve_route", errno);
  }
  s = rdma::ExpectCmEvent(cm_channel_, RDMA_CM_EVENT_ROUTE_RESOLVED, timeout,
                          where_ + ": resolving route", nullptr);
  if (!s.ok()) return s;
  if (options_.rdma_gid_index >= 0) {
    ibv_gid gid;
    if (ibv_query_gid(verbs, id_->port_num, options_.rdma_gid_index, &gid) !=
            0 ||
        memcmp(&gid, &id_->route.addr.addr.ibaddr.sgid, sizeof(gid)) != 0) {
      return Status::InvalidArgument(
          where_, "GID index " + std::to_string(options_.rdma_gid_index) +
                      " is not the GID the route to the memory node uses");
    }
  }
  ibv_device_attr dev_attr;
  if (ibv_query_device(verbs, &dev_attr) != 0) {
    return VerbsError(where_, "ibv_query_device", errno);
  }
  LogInfo(options_, "fabric: rdma " + where_ + " via device " + device +
                        " port " + std::to_string(id_->port_num) +
                        ", atomic_cap " + std::to_string(dev_attr.atomic_cap));

  pd_ = ibv_alloc_pd(verbs);
  if (pd_ == nullptr) return VerbsError(where_, "ibv_alloc_pd", errno);
  send_cq_ = ibv_create_cq(verbs, kSendDepth, nullptr, nullptr, 0);
  if (send_cq_ == nullptr) return VerbsError(where_, "ibv_create_cq", errno);
  ibv_qp_init_attr qp_attr{};
  qp_attr.send_cq = send_cq_;
  qp_attr.recv_cq = send_cq_;  // nothing is received on the queue pair
  qp_attr.qp_type = IBV_QPT_RC;
  qp_attr.sq_sig_all = 0;  // selective signalling
  qp_attr.cap.max_send_wr = kSendDepth;
  qp_attr.cap.max_recv_wr = 1;
  qp_attr.cap.max_send_sge = 1;
  qp_attr.cap.max_recv_sge = 1;
  if (rdma_create_qp(id_, pd_, &qp_attr) != 0) {
    return VerbsError(where_, "rdma_create_qp", errno);
  }
  qp_created_ = true;
  if (posix_memalign(reinterpret_cast<void**>(&staging_), 4096,
                     kSlotBytes * kSlots) != 0) {
    staging_ = nullptr;
    return Status::IOError(where_, "out of memory for staging buffers");
  }
  staging_mr_ =
      ibv_reg_mr(pd_, staging_, kSlotBytes * kSlots, IBV_ACCESS_LOCAL_WRITE);
  if (staging_mr_ == nullptr) {
    return VerbsError(where_, "ibv_reg_mr (staging)", errno);
  }
  {
    MutexLock lock(&mu_);
    slot_used_.assign(kSlots, false);
  }

  char ticket[rdma_wire::kTicketMessageSize];
  rdma_wire::EncodeTicket(advert_.ticket, ticket);
  rdma_conn_param param{};
  param.private_data = ticket;
  param.private_data_len = sizeof(ticket);
  param.initiator_depth = static_cast<uint8_t>(
      std::min(dev_attr.max_qp_init_rd_atom, rdma::kMaxRdAtomic));
  param.responder_resources = static_cast<uint8_t>(
      std::min(dev_attr.max_qp_rd_atom, rdma::kMaxRdAtomic));
  param.retry_count = 7;
  param.rnr_retry_count = 7;
  if (rdma_connect(id_, &param) != 0) {
    return VerbsError(where_, "rdma_connect", errno);
  }
  s = rdma::ExpectCmEvent(cm_channel_, RDMA_CM_EVENT_ESTABLISHED, timeout,
                          where_ + ": connecting", nullptr);
  if (!s.ok()) return s;
  connected_ = true;
  listener_ = std::thread([this] { Listen(); });
  return AttachPool(advert_.pool_id, advert_.pool_size, "rdma",
                    "device " + device + " port " +
                        std::to_string(id_->port_num));
}

void RdmaFabric::Listen() {
  while (!stop_) {
    pollfd p{cm_channel_->fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    rdma_cm_event* ev = nullptr;
    if (rdma_get_cm_event(cm_channel_, &ev) != 0) continue;
    const rdma_cm_event_type type = ev->event;
    rdma_ack_cm_event(ev);
    if (type == RDMA_CM_EVENT_DISCONNECTED ||
        type == RDMA_CM_EVENT_DEVICE_REMOVAL ||
        type == RDMA_CM_EVENT_TIMEWAIT_EXIT) {
      MutexLock lock(&mu_);
      broken_ = std::string("memory node: ") + rdma_event_str(type);
    }
  }
}

Status RdmaFabric::PostRound(const std::vector<Piece>& pieces, size_t* next,
                             Completion* round, Completion* last_round,
                             bool* last) {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  MutexLock lock(&mu_);
  // Room in staging and in the send queue.
  std::vector<int> free_slots;
  while (true) {
    if (CheckBrokenLocked()) return Broken();
    free_slots.clear();
    for (int i = 0; i < kSlots; i++) {
      if (!slot_used_[i]) free_slots.push_back(i);
    }
    if (!free_slots.empty() &&
        outstanding_wrs_ + kMaxWrPerRound <= kSendDepth) {
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::TimedOut(where_, "no staging space or send queue room");
    }
    PollLocked();
  }
  const uint64_t id = next_id_++;
  Pending& p = pending_[id];
  std::vector<ibv_send_wr> wrs;
  std::vector<ibv_sge> sges;
  wrs.reserve(kMaxWrPerRound);
  sges.reserve(kMaxWrPerRound);
  size_t slot_index = 0;
  size_t used = 0;  // bytes used of free_slots[slot_index]
  bool fence = false;
  p.slots.push_back(free_slots[0]);
  while (*next < pieces.size() && wrs.size() < kMaxWrPerRound) {
    const Piece& piece = pieces[*next];
    const size_t need = (piece.length + 7) / 8 * 8;
    if (used + need > kSlotBytes) {
      if (slot_index + 1 >= free_slots.size()) break;
      slot_index++;
      used = 0;
      p.slots.push_back(free_slots[slot_index]);
    }
    char* stage = staging_ + free_slots[slot_index] * kSlotBytes + used;
    used += need;
    const WorkRequest& wr = *piece.wr;
    ibv_send_wr w{};
    w.wr_id = id;
    w.num_sge = 1;
    const uint64_t remote =
        advert_.remote_addr + wr.remote.offset() + piece.offset;
    sges.push_back({reinterpret_cast<uint64_t>(stage),
                    static_cast<uint32_t>(piece.length), staging_mr_->lkey});
    switch (wr.verb) {
      case Verb::kRead:
        w.opcode = IBV_WR_RDMA_READ;
        w.wr.rdma = {remote, advert_.rkey};
        p.reads.push_back({stage, piece});
        break;
      case Verb::kWrite:
        w.opcode = IBV_WR_RDMA_WRITE;
        w.wr.rdma = {remote, advert_.rkey};
        memcpy(stage, static_cast<const char*>(wr.local) + piece.offset,
               piece.length);
        break;
      case Verb::kCompareAndSwap:
        w.opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
        w.wr.atomic = {remote, wr.compare_add, wr.swap, advert_.rkey};
        p.results.push_back({reinterpret_cast<uint64_t*>(stage), wr.result});
        break;
      case Verb::kFetchAndAdd:
        w.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
        w.wr.atomic = {remote, wr.compare_add, 0, advert_.rkey};
        p.results.push_back({reinterpret_cast<uint64_t*>(stage), wr.result});
        break;
    }
    // Requests after a read or an atomic must see its effect: fence them.
    if (fence) w.send_flags |= IBV_SEND_FENCE;
    fence = fence || wr.verb != Verb::kWrite;
    wrs.push_back(w);
    ++*next;
  }
  for (size_t i = 0; i < wrs.size(); i++) {
    wrs[i].sg_list = &sges[i];
    wrs[i].next = i + 1 < wrs.size() ? &wrs[i + 1] : nullptr;
  }
  wrs.back().send_flags |= IBV_SEND_SIGNALED;
  *last = *next == pieces.size();
  Completion* c = *last ? last_round : round;
  if (!*last) {
    Status s = c->Arm();
    if (!s.ok()) {
      pending_.erase(id);
      return s;
    }
  }
  p.completion = c;
  c->backend_tag = id;
  for (int slot : p.slots) slot_used_[slot] = true;
  p.wrs = static_cast<int>(wrs.size());
  ibv_send_wr* bad = nullptr;
  const int rc = ibv_post_send(id_->qp, wrs.data(), &bad);
  if (rc != 0) {
    for (int slot : p.slots) slot_used_[slot] = false;
    pending_.erase(id);
    if (!*last) c->Reset().PermitUncheckedError();
    return rdma::VerbsError(where_, "ibv_post_send", rc);
  }
  outstanding_wrs_ += p.wrs;
  return Status::OK();
}

void RdmaFabric::FinishLocked(uint64_t id, Status s) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // already finished (after an error)
  Pending& p = it->second;
  if (!p.abandoned) {
    if (s.ok()) {
      for (const auto& [stage, piece] : p.reads) {
        memcpy(static_cast<char*>(piece.wr->local) + piece.offset, stage,
               piece.length);
      }
      // Atomic results arrive in host order from the NICs o3lsm knows;
      // some report big-endian on x86 (libfabric issue 10911).
      for (const auto& [stage, result] : p.results) {
        if (result != nullptr) *result = *stage;
      }
    }
    p.completion->Finish(std::move(s));
  }
  for (int slot : p.slots) slot_used_[slot] = false;
  outstanding_wrs_ -= p.wrs;
  pending_.erase(it);
}

void RdmaFabric::PollLocked() {
  ibv_wc wc[16];
  const int n = ibv_poll_cq(send_cq_, 16, wc);
  for (int i = 0; i < n; i++) {
    if (wc[i].status == IBV_WC_SUCCESS) {
      FinishLocked(wc[i].wr_id, Status::OK());
      continue;
    }
    // A failed request puts the queue pair in the error state: every later
    // request is flushed. Retry exhaustion means the memory node is gone.
    const std::string why = ibv_wc_status_str(wc[i].status);
    if (broken_.empty()) broken_ = why;
    FinishLocked(
        wc[i].wr_id,
        wc[i].status == IBV_WC_REM_ACCESS_ERR
            ? Status::InvalidArgument(where_,
                                      "remote access error "
                                      "(address or rkey)")
            : Status::Unavailable(where_, "work request failed: " + why));
  }
}

Status RdmaFabric::WaitForRound(Completion* c,
                                std::chrono::nanoseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!c->finished()) {
    {
      MutexLock lock(&mu_);
      if (c->finished()) break;
      PollLocked();
      if (c->finished()) break;
      if (std::chrono::steady_clock::now() >= deadline ||
          CheckBrokenLocked()) {
        auto it = pending_.find(c->backend_tag);
        if (it != pending_.end()) it->second.abandoned = true;
        c->Reset().PermitUncheckedError();
        if (!broken_.empty()) return Broken();
        return Status::TimedOut(where_, "batch did not complete in time");
      }
    }
    std::this_thread::yield();
  }
  return c->Reset();
}

}  // namespace

Status OpenRdmaFabric(const FabricOptions& options, const std::string& host,
                      int port, std::unique_ptr<Fabric>* result) {
  std::string why;
  const std::string where = host + ":" + std::to_string(port);
  if (!RdmaDeviceAvailable(&why)) return Status::Unavailable(where, why);
  net::NetworkTarget target;
  Status s = net::MakeNetworkTarget(options, host, port, &target);
  if (!s.ok()) return s;
  auto fabric = std::make_unique<RdmaFabric>(options, std::move(target));
  s = fabric->Connect();
  if (!s.ok()) return s;
  *result = std::move(fabric);
  return Status::OK();
}

}  // namespace o3lsm::fabric
