// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// RemoteFabric is what the network clients (ofi, rdma) share above their
// data paths: the control connection (the cluster-secret handshake,
// doorbells, liveness), learning the pool from its superblock, cutting a
// batch into pieces of at most one staging slot and running it as rounds,
// and the verbs built on the others (Persist, Ring, Wake, WaitOnWord).
// A backend supplies how one round is posted and waited for.
//
// Thread safety: as Fabric.

#ifndef O3LSM_INTERCONNECT_NET_REMOTE_FABRIC_H_
#define O3LSM_INTERCONNECT_NET_REMOTE_FABRIC_H_

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "interconnect/fabric.h"
#include "interconnect/net/export_connection.h"

namespace o3lsm::fabric::net {

class RemoteFabric : public Fabric {
 public:
  // One piece of a request: at most one staging slot of bytes, or one
  // atomic.
  struct Piece {
    const WorkRequest* wr;
    uint64_t offset;  // into the request's bytes
    size_t length;
  };

  Status Post(std::span<WorkRequest> batch, Completion* c) final;
  Status Wait(Completion* c, std::chrono::nanoseconds timeout) final;
  Status Persist(DmAddr addr, size_t n) final;
  Status Ring(DmAddr word) final;
  Status Wake(DmAddr word) final;
  // Watches the word, reads it with the verbs, and sleeps on the control
  // connection's notifications between reads (one lost to a race - the
  // first wait on a word may start before the node registers the watch -
  // costs at most one 20 ms slice).
  Status WaitOnWord(DmAddr word, uint64_t seen,
                    std::chrono::nanoseconds timeout, uint64_t* now) final;
  void* LocalView(DmAddr, size_t) final { return nullptr; }
  bool persistent() const final { return false; }
  const PoolInfo& pool() const final { return info_; }
  std::string Describe() const final { return describe_; }
  std::chrono::nanoseconds default_timeout() const final {
    return options_.timeout;
  }

 protected:
  RemoteFabric(FabricOptions options, NetworkTarget target)
      : options_(std::move(options)),
        target_(std::move(target)),
        where_(target_.where()) {}

  // Posts pieces[*next, ...) as one round, as many as fit; advances *next.
  // The round completes `round` (which PostRound arms), or - if it is the
  // last (*last) - last_round, which the caller armed. A round that fails
  // after posting part of itself still completes, with the error.
  [[nodiscard]] virtual Status PostRound(const std::vector<Piece>& pieces,
                                         size_t* next, Completion* round,
                                         Completion* last_round,
                                         bool* last) = 0;
  // Waits for a posted round; on a timeout or a lost node the round is
  // abandoned (its staging stays reserved until it completes).
  [[nodiscard]] virtual Status WaitForRound(
      Completion* c, std::chrono::nanoseconds timeout) = 0;

  // Opens the control connection, offering client_blob; *server_blob
  // receives the admission.
  [[nodiscard]] Status ConnectControl(const std::string& client_blob,
                                      std::string* server_blob);
  // With the data path up: reads the superblock through the verbs, checks
  // it against the admission and the cluster asked for, and names the pool
  // "<scheme>://<where> (pool N, M MiB, <detail>)".
  [[nodiscard]] Status AttachPool(uint16_t pool_id, uint64_t pool_size,
                                  const std::string& scheme,
                                  const std::string& detail);

  const FabricOptions options_;
  const NetworkTarget target_;
  const std::string where_;  // "host:port"
  // Largest piece of a read or write (a staging slot, or less where the
  // provider says so).
  size_t max_piece_ = 1 << 20;
  std::unique_ptr<ExportConnection> conn_;

 private:
  std::string describe_;
  PoolInfo info_;
};

}  // namespace o3lsm::fabric::net

#endif  // O3LSM_INTERCONNECT_NET_REMOTE_FABRIC_H_
