// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The ofi client. Data path: every posted batch is cut into rounds; a
// round is as many requests as fit the registered staging buffer (16
// slots of 1 MiB) and kMaxOpsPerRound, and ends early where the provider
// does not promise the order the batch needs (msg_order: e.g. tcp;ofi_rxm
// orders RMA write-after-write and read-after-write, but not an RMA after
// an atomic). Every round but the last is waited for inside Post; the last
// stays in flight until Wait sees all its completions and copies read data
// and atomic results out of staging. Staging also means a request
// abandoned by a timeout never writes into the caller's memory later.
//
// Completions are read by the waiting threads under one mutex; one of
// them at a time sleeps in the kernel on the completion queue's wait
// object, the others on a condition variable. Reading the queue is what
// drives a software provider's progress.

#include "interconnect/ofi/ofi_fabric.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <poll.h>
#include <rdma/fi_atomic.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_eq.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>
#include <thread>
#include <vector>

#include "interconnect/net/remote_fabric.h"
#include "interconnect/ofi/ofi_common.h"
#include "util/mutex.h"

namespace o3lsm::fabric {

namespace {

using ofi::OfiError;

constexpr size_t kSlotBytes = 1 << 20;
constexpr int kSlots = 16;
constexpr size_t kMaxOpsPerRound = 64;
constexpr int kPollSliceMs = 10;
// What a client tells the node it speaks (the handshake's client blob).
constexpr char kClientBlob[] = "ofi";

using Piece = net::RemoteFabric::Piece;

// The context of one posted operation; libfabric hands it back in the
// completion. fi_context2 first: the provider may use it (FI_CONTEXT2).
struct Op {
  fi_context2 ctx;
  uint64_t round = 0;
};

enum class Kind { kRead, kWrite, kAtomic };

Kind KindOf(Verb v) {
  if (v == Verb::kRead) return Kind::kRead;
  if (v == Verb::kWrite) return Kind::kWrite;
  return Kind::kAtomic;
}

class OfiFabric final : public net::RemoteFabric {
 public:
  OfiFabric(FabricOptions options, net::NetworkTarget target)
      : RemoteFabric(std::move(options), std::move(target)) {}
  ~OfiFabric() override;

  Status Connect();

 private:
  struct Round {
    Completion* completion = nullptr;
    std::vector<Op> ops;
    size_t outstanding = 0;
    Status status;
    std::vector<std::pair<const char*, Piece>> reads;  // staging -> user
    std::vector<std::pair<const uint64_t*, uint64_t*>> results;
    std::vector<int> slots;
    bool abandoned = false;
  };

  Status OpenEndpoint(const ofi::Admission& a);
  // True if `next` may be posted in the same round as requests of the
  // kinds already in it.
  bool Ordered(bool has_read, bool has_write, bool has_atomic,
               Kind next) const;
  Status PostRound(const std::vector<Piece>& pieces, size_t* next,
                   Completion* round, Completion* last_round,
                   bool* last) override;
  ssize_t PostOne(const Piece& piece, char* stage, Op* op);
  bool PollLocked() EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One operation of round id completed with s (op_done), or the round
  // failed before posting anything (!op_done).
  void RoundDoneLocked(uint64_t id, bool op_done, Status s)
      EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Status WaitForRound(Completion* c,
                      std::chrono::nanoseconds timeout) override;

  ofi::Admission admission_;
  ofi::OfiInfo fi_;
  ofi::Endpoint endpoint_;
  fid_mr* staging_mr_ = nullptr;
  void* desc_ = nullptr;
  char* staging_ = nullptr;
  fi_addr_t server_ = FI_ADDR_UNSPEC;
  uint64_t order_ = 0;

  Mutex mu_;
  CondVar cv_{&mu_};
  std::vector<bool> slot_used_ GUARDED_BY(mu_);
  std::map<uint64_t, Round> rounds_ GUARDED_BY(mu_);
  uint64_t next_round_ GUARDED_BY(mu_) = 1;
  bool poller_ GUARDED_BY(mu_) = false;
};

OfiFabric::~OfiFabric() {
  // Closing the endpoint cancels what is still in flight; only then may
  // staging go.
  endpoint_.CloseEndpoint();
  if (staging_mr_ != nullptr) fi_close(&staging_mr_->fid);
  endpoint_.Close();
  free(staging_);
  conn_.reset();
}

Status OfiFabric::OpenEndpoint(const ofi::Admission& a) {
  const std::string dest =
      ofi::ReachableAddress(a.addr_format, a.address, target_.host);
  Status s = ofi::GetInfo(a.provider, ofi::Side::kClient, "", a.addr_format,
                          dest, &fi_);
  if (!s.ok()) return s;
  s = endpoint_.Open(fi_.get(), 4 * kMaxOpsPerRound * kSlots, where_);
  if (!s.ok()) return s;
  if (fi_av_insert(endpoint_.av, dest.data(), 1, &server_, 0, nullptr) != 1) {
    return Status::Unavailable(where_, "fi_av_insert: the memory node's "
                                       "address is not usable here");
  }
  if (posix_memalign(reinterpret_cast<void**>(&staging_), 4096,
                     kSlotBytes * kSlots) != 0) {
    staging_ = nullptr;
    return Status::IOError(where_, "out of memory for staging buffers");
  }
  const uint64_t mode = fi_->domain_attr->mr_mode;
  if (mode & FI_MR_LOCAL) {
    int ret = fi_mr_reg(endpoint_.domain, staging_, kSlotBytes * kSlots, FI_READ | FI_WRITE,
                    0, /*requested_key=*/1, 0, &staging_mr_, nullptr);
    if (ret == 0 && (mode & FI_MR_ENDPOINT)) {
      ret = fi_mr_bind(staging_mr_, &endpoint_.ep->fid, 0);
      if (ret == 0) ret = fi_mr_enable(staging_mr_);
    }
    if (ret != 0) return OfiError(where_, "fi_mr_reg (staging)", ret);
    desc_ = fi_mr_desc(staging_mr_);
  }
  order_ = fi_->tx_attr->msg_order;
  max_piece_ = std::min<size_t>(kSlotBytes, fi_->ep_attr->max_msg_size);
  return Status::OK();
}

Status OfiFabric::Connect() {
  std::string blob;
  Status s = ConnectControl(kClientBlob, &blob);
  if (!s.ok()) return s;
  if (!ofi::DecodeAdmission(blob, &admission_)) {
    return Status::Corruption(where_,
                              "the memory node's admission is not an ofi "
                              "admission");
  }
  const ofi::Admission& a = admission_;
  if (!options_.ofi_provider.empty() && options_.ofi_provider != a.provider) {
    return Status::InvalidArgument(
        where_, "the memory node serves provider " + a.provider +
                    ", not the provider=" + options_.ofi_provider +
                    " this client asks for");
  }
  s = OpenEndpoint(a);
  if (!s.ok()) return s;
  {
    MutexLock lock(&mu_);
    slot_used_.assign(kSlots, false);
  }
  return AttachPool(a.pool_id, a.pool_size, "ofi", "provider " + a.provider);
}

bool OfiFabric::Ordered(bool has_read, bool has_write, bool has_atomic,
                        Kind next) const {
  auto has = [&](uint64_t flags) { return (order_ & flags) == flags; };
  switch (next) {
    case Kind::kRead:  // reads never need ordering among themselves
      return !has_atomic && (!has_write || has(FI_ORDER_RMA_RAW));
    case Kind::kWrite:
      return !has_atomic && (!has_read || has(FI_ORDER_RMA_WAR)) &&
             (!has_write || has(FI_ORDER_RMA_WAW));
    case Kind::kAtomic:
      return !has_read && !has_write &&
             (!has_atomic || has(FI_ORDER_ATOMIC_RAW | FI_ORDER_ATOMIC_WAR |
                                 FI_ORDER_ATOMIC_WAW));
  }
  return false;
}

ssize_t OfiFabric::PostOne(const Piece& piece, char* stage, Op* op) {
  const WorkRequest& wr = *piece.wr;
  const uint64_t remote = admission_.base + wr.remote.offset() + piece.offset;
  const uint64_t key = admission_.key;
  uint64_t* words = reinterpret_cast<uint64_t*>(stage);
  switch (wr.verb) {
    case Verb::kRead:
      return fi_read(endpoint_.ep, stage, piece.length, desc_, server_, remote, key,
                     &op->ctx);
    case Verb::kWrite: {
      // Delivery complete: the write has been placed in the memory node's
      // memory when it completes, like a read's answer, so every process
      // (and the node's own services, reading in place) sees it after Wait.
      // Transmit completion would only order it before this client's later
      // verbs.
      iovec iov{stage, piece.length};
      fi_rma_iov rma{remote, piece.length, key};
      void* desc = desc_;
      fi_msg_rma msg{};
      msg.msg_iov = &iov;
      msg.desc = &desc;
      msg.iov_count = 1;
      msg.addr = server_;
      msg.rma_iov = &rma;
      msg.rma_iov_count = 1;
      msg.context = &op->ctx;
      return fi_writemsg(endpoint_.ep, &msg,
                         FI_COMPLETION | FI_DELIVERY_COMPLETE);
    }
    case Verb::kCompareAndSwap:
      // words: [0] desired, [1] expected, [2] result.
      return fi_compare_atomic(endpoint_.ep, &words[0], 1, desc_, &words[1], desc_,
                               &words[2], desc_, server_, remote, key,
                               FI_UINT64, FI_CSWAP, &op->ctx);
    case Verb::kFetchAndAdd:
      return fi_fetch_atomic(endpoint_.ep, &words[0], 1, desc_, &words[2], desc_,
                             server_, remote, key, FI_UINT64, FI_SUM,
                             &op->ctx);
  }
  return -FI_EINVAL;
}

Status OfiFabric::PostRound(const std::vector<Piece>& pieces, size_t* next,
                            Completion* round_completion,
                            Completion* last_round, bool* last) {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  MutexLock lock(&mu_);
  std::vector<int> free_slots;
  while (true) {
    Status alive = conn_->CheckAlive();
    if (!alive.ok()) return alive;
    free_slots.clear();
    for (int i = 0; i < kSlots; i++) {
      if (!slot_used_[i]) free_slots.push_back(i);
    }
    if (!free_slots.empty()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::TimedOut(where_, "no staging space");
    }
    if (!PollLocked()) cv_.WaitFor(200);
  }
  const uint64_t id = next_round_++;
  Round& r = rounds_[id];
  r.ops.reserve(kMaxOpsPerRound);
  std::vector<std::pair<const Piece*, char*>> staged;
  size_t slot_index = 0;
  size_t used = 0;
  bool has_read = false, has_write = false, has_atomic = false;
  r.slots.push_back(free_slots[0]);
  while (*next < pieces.size() && staged.size() < kMaxOpsPerRound) {
    const Piece& piece = pieces[*next];
    const Kind kind = KindOf(piece.wr->verb);
    if (!staged.empty() && !Ordered(has_read, has_write, has_atomic, kind)) {
      break;
    }
    const size_t need =
        kind == Kind::kAtomic ? 24 : (piece.length + 7) / 8 * 8;
    if (used + need > kSlotBytes) {
      if (slot_index + 1 >= free_slots.size()) break;
      slot_index++;
      used = 0;
      r.slots.push_back(free_slots[slot_index]);
    }
    char* stage = staging_ + free_slots[slot_index] * kSlotBytes + used;
    used += need;
    const WorkRequest& wr = *piece.wr;
    uint64_t* words = reinterpret_cast<uint64_t*>(stage);
    switch (wr.verb) {
      case Verb::kRead:
        r.reads.push_back({stage, piece});
        break;
      case Verb::kWrite:
        memcpy(stage, static_cast<const char*>(wr.local) + piece.offset,
               piece.length);
        break;
      case Verb::kCompareAndSwap:
        words[0] = wr.swap;
        words[1] = wr.compare_add;
        r.results.push_back({&words[2], wr.result});
        break;
      case Verb::kFetchAndAdd:
        words[0] = wr.compare_add;
        r.results.push_back({&words[2], wr.result});
        break;
    }
    has_read |= kind == Kind::kRead;
    has_write |= kind == Kind::kWrite;
    has_atomic |= kind == Kind::kAtomic;
    staged.push_back({&piece, stage});
    ++*next;
  }
  *last = *next == pieces.size();
  Completion* c = *last ? last_round : round_completion;
  if (!*last) {
    Status s = c->Arm();
    if (!s.ok()) {
      rounds_.erase(id);
      return s;
    }
  }
  r.completion = c;
  c->backend_tag = id;
  for (int slot : r.slots) slot_used_[slot] = true;
  // Post every operation; a full transmit queue is drained by reading
  // completions (which is also what makes a software provider progress).
  Status post_error;
  for (const auto& [piece, stage] : staged) {
    r.ops.push_back(Op{});
    Op* op = &r.ops.back();
    op->round = id;
    ssize_t ret;
    while ((ret = PostOne(*piece, stage, op)) == -FI_EAGAIN) {
      if (std::chrono::steady_clock::now() > deadline) break;
      PollLocked();
    }
    if (ret != 0) {
      r.ops.pop_back();
      post_error = ret == -FI_EAGAIN
                       ? Status::TimedOut(where_, "transmit queue stayed full")
                       : OfiError(where_, "posting a verb", static_cast<int>(ret));
      break;
    }
    r.outstanding++;
  }
  if (!post_error.ok()) {
    // What was posted completes on its own; the round reports the error.
    r.status = post_error;
    // A round that posted only part is still waited for: its posted
    // operations own staging until they complete.
    if (r.outstanding == 0) RoundDoneLocked(id, /*op_done=*/false, post_error);
  }
  return Status::OK();
}

void OfiFabric::RoundDoneLocked(uint64_t id, bool op_done, Status s) {
  auto it = rounds_.find(id);
  if (it == rounds_.end()) return;
  Round& r = it->second;
  if (!s.ok() && r.status.ok()) r.status = s;
  if (op_done && r.outstanding > 0) r.outstanding--;
  if (r.outstanding > 0) return;
  if (!r.abandoned) {
    if (r.status.ok()) {
      for (const auto& [stage, piece] : r.reads) {
        memcpy(static_cast<char*>(piece.wr->local) + piece.offset, stage,
               piece.length);
      }
      for (const auto& [stage, result] : r.results) {
        if (result != nullptr) *result = *stage;
      }
    }
    r.completion->Finish(r.status);
  }
  for (int slot : r.slots) slot_used_[slot] = false;
  rounds_.erase(it);
  cv_.SignalAll();
}

bool OfiFabric::PollLocked() {
  fi_cq_entry entries[16];
  bool any = false;
  while (true) {
    const ssize_t n = fi_cq_read(endpoint_.cq, entries, 16);
    if (n > 0) {
      any = true;
      for (ssize_t i = 0; i < n; i++) {
        RoundDoneLocked(static_cast<Op*>(entries[i].op_context)->round,
                        /*op_done=*/true, Status::OK());
      }
      continue;
    }
    if (n == -FI_EAVAIL) {
      fi_cq_err_entry err{};
      if (fi_cq_readerr(endpoint_.cq, &err, 0) > 0) {
        any = true;
        char detail[256] = "";
        fi_cq_strerror(endpoint_.cq, err.prov_errno, err.err_data, detail,
                       sizeof(detail));
        Status s = OfiError(where_, "verb", err.err);
        if (detail[0] != '\0') {
          s = net::Annotated(s, where_, detail);
        }
        if (err.op_context != nullptr) {
          RoundDoneLocked(static_cast<Op*>(err.op_context)->round,
                          /*op_done=*/true, s);
        }
      }
      continue;
    }
    return any;
  }
}

Status OfiFabric::WaitForRound(Completion* c, std::chrono::nanoseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    bool sleep_here = false;
    {
      MutexLock lock(&mu_);
      PollLocked();
      if (c->finished()) break;
      Status alive = conn_->CheckAlive();
      if (!alive.ok() || std::chrono::steady_clock::now() >= deadline) {
        auto it = rounds_.find(c->backend_tag);
        if (it != rounds_.end()) it->second.abandoned = true;
        c->Reset().PermitUncheckedError();
        if (!alive.ok()) return alive;
        return Status::TimedOut(where_, "batch did not complete in time");
      }
      if (!poller_) {
        poller_ = true;
        sleep_here = true;
      } else {
        cv_.WaitFor(1000);
      }
    }
    if (sleep_here) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      endpoint_.SleepOnQueue(
          std::chrono::milliseconds(
              std::clamp<int64_t>(left.count() + 1, 1, kPollSliceMs)),
          std::chrono::microseconds(20));
      MutexLock lock(&mu_);
      poller_ = false;
      PollLocked();
      cv_.SignalAll();
    }
  }
  return c->Reset();
}

}  // namespace

Status OpenOfiFabric(const FabricOptions& options, const std::string& host,
                     int port, std::unique_ptr<Fabric>* result) {
  net::NetworkTarget target;
  Status s = net::MakeNetworkTarget(options, host, port, &target);
  if (!s.ok()) return s;
  auto fabric = std::make_unique<OfiFabric>(options, std::move(target));
  s = fabric->Connect();
  if (!s.ok()) return s;
  *result = std::move(fabric);
  return Status::OK();
}

}  // namespace o3lsm::fabric
