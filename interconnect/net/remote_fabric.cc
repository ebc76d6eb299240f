// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/net/remote_fabric.h"

#include <algorithm>
#include <vector>

#include "interconnect/net/tcp_socket.h"

namespace o3lsm::fabric::net {

namespace {
// Between notifications a waiter re-reads the word at least this often, in
// case one raced ahead of its read (or the node had not seen its watch).
constexpr int64_t kWaitSliceMicros = 20000;
}  // namespace

Status RemoteFabric::ConnectControl(const std::string& client_blob,
                                    std::string* server_blob) {
  return ExportConnection::Connect(target_, client_blob, &conn_, server_blob);
}

Status RemoteFabric::AttachPool(uint16_t pool_id, uint64_t pool_size,
                                const std::string& scheme,
                                const std::string& detail) {
  // Enough of the pool for the superblock read to validate.
  info_.pool_id = pool_id;
  info_.pool_size = std::max<uint64_t>(pool_size, kSuperblockSize);
  std::vector<char> sb(kSuperblockSize);
  Status s = Read(DmAddr(pool_id, 0), sb.data(), sb.size());
  if (!s.ok()) return Annotated(s, where_, "reading the pool's superblock");
  PoolInfo found;
  s = DecodeSuperblock(sb.data(), sb.size(), pool_size, where_, &found);
  if (!s.ok()) return s;
  if (found.pool_id != pool_id) {
    return Status::Corruption(
        where_, "the node advertised pool " + std::to_string(pool_id) +
                    ", its superblock says pool " +
                    std::to_string(found.pool_id));
  }
  if (found.cluster_id != target_.cluster_id) {
    return Status::InvalidArgument(
        where_, "the pool belongs to cluster " +
                    std::to_string(found.cluster_id) + ", not " +
                    std::to_string(target_.cluster_id));
  }
  info_ = found;
  describe_ = scheme + "://" + where_ + " (pool " +
              std::to_string(info_.pool_id) + ", " +
              std::to_string(info_.pool_size >> 20) + " MiB, " + detail + ")";
  if (options_.info_log != nullptr) {
    Log(options_.info_log.get(), "fabric: opened %s", describe_.c_str());
  }
  return Status::OK();
}

Status RemoteFabric::Post(std::span<WorkRequest> batch, Completion* c) {
  for (const WorkRequest& wr : batch) {
    Status s = Validate(wr);
    if (!s.ok()) return s;
  }
  std::vector<Piece> pieces;
  for (const WorkRequest& wr : batch) {
    if (wr.verb == Verb::kCompareAndSwap || wr.verb == Verb::kFetchAndAdd) {
      pieces.push_back({&wr, 0, 8});
      continue;
    }
    for (uint64_t off = 0; off < wr.length; off += max_piece_) {
      pieces.push_back(
          {&wr, off, std::min<size_t>(max_piece_, wr.length - off)});
    }
  }
  Status s = c->Arm();
  if (!s.ok()) return s;
  if (pieces.empty()) {
    c->Finish(Status::OK());
    return Status::OK();
  }
  size_t next = 0;
  while (true) {
    // Rounds before the last are completed here: their staging is needed
    // by the next round (a batch larger than staging, or one the backend
    // must order). The last stays in flight under the caller's completion.
    Completion round;
    bool last = false;
    s = PostRound(pieces, &next, &round, c, &last);
    if (s.ok() && last) return Status::OK();
    if (s.ok()) s = WaitForRound(&round, options_.timeout);
    if (!s.ok()) {
      c->Finish(s);  // delivered by Wait
      return Status::OK();
    }
  }
}

Status RemoteFabric::Wait(Completion* c, std::chrono::nanoseconds timeout) {
  if (c->idle()) {
    return Status::InvalidArgument(where_,
                                   "wait on a completion that was not posted");
  }
  return WaitForRound(c, timeout);
}

Status RemoteFabric::Persist(DmAddr addr, size_t n) {
  Status s = ValidateRange(addr, n, "persist");
  if (!s.ok() || n == 0) return s;
  // A read after writes is answered after they were placed in the memory
  // node's memory; durability beyond that is the memory node's pool's
  // business.
  char last;
  return Read(addr + (n - 1), &last, 1);
}

Status RemoteFabric::Ring(DmAddr word) {
  Status s = FetchAndAdd64(word, 1, nullptr);
  if (!s.ok()) return s;
  return conn_->SendDoorbell(Doorbell::kRing, word.offset());
}

Status RemoteFabric::Wake(DmAddr word) {
  WorkRequest probe = WorkRequest::FetchAndAdd(word, 0, nullptr);
  Status s = Validate(probe);
  if (!s.ok()) return s;
  return conn_->SendDoorbell(Doorbell::kWake, word.offset());
}

Status RemoteFabric::WaitOnWord(DmAddr word, uint64_t seen,
                                std::chrono::nanoseconds timeout,
                                uint64_t* now) {
  WorkRequest probe = WorkRequest::FetchAndAdd(word, 0, nullptr);
  Status s = Validate(probe);
  if (!s.ok()) return s;
  s = conn_->Watch(word.offset());
  if (!s.ok()) return s;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const uint64_t seq = conn_->notifications();
    uint64_t v = 0;
    s = Read(word, &v, 8);
    if (!s.ok()) return s;
    if (now != nullptr) *now = v;
    if (v != seen) return Status::OK();
    s = conn_->CheckAlive();
    if (!s.ok()) return s;
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::TimedOut("doorbell " + word.ToString(),
                              "still " + std::to_string(seen));
    }
    conn_->WaitForNotification(
        seq, std::chrono::microseconds(
                 std::min<int64_t>(left.count(), kWaitSliceMicros)));
  }
}

}  // namespace o3lsm::fabric::net
