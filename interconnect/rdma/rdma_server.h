// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// RdmaPoolServer exports a pool that is mapped in this process (emulated or
// cxl) to RDMA clients: it registers the whole mapping as one memory region
// with local-write, remote-read, remote-write and remote-atomic access,
// listens with librdmacm, and accepts each client with private data that
// carries the pool's address, size, rkey and pool id (docs/fabric.md,
// "rdma wire format"). After that the data path is one-sided: the server's
// CPU is not involved, except for doorbells: a client's Ring arrives as a
// SEND, and the server wakes local waiters (futex, through the pool's
// Fabric) and forwards the ring to every other client.
//
// One thread runs the connection manager and the doorbell receive queue.
// `o3lsm-node --role=memory` runs one of these.
//
// Thread safety: Ring may be called from any thread; Start and the
// destructor from one.

#ifndef O3LSM_INTERCONNECT_RDMA_RDMA_SERVER_H_
#define O3LSM_INTERCONNECT_RDMA_RDMA_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

struct RdmaServerOptions {
  // Address to listen on. Default: "0.0.0.0" (every RDMA-capable address).
  std::string bind_host = "0.0.0.0";
  // TCP-style port of the listening rdma_cm id; 0 = any free port (see
  // RdmaPoolServer::port()). Default: 7471.
  int port = 7471;
  // Bound of the connection manager's waits. Default: 5 s.
  std::chrono::milliseconds timeout{5000};
  // Clients served at once. Default: 64.
  int max_clients = 64;
  // Where the server logs devices, clients and errors. Default: null.
  std::shared_ptr<Logger> info_log;
};

class RdmaPoolServer {
 public:
  // Starts serving pool. REQUIRES: pool is mapped here (LocalView of the
  // whole pool is not null) and outlives the server. Unavailable if this
  // machine has no RDMA device or the address cannot be bound.
  [[nodiscard]] static Status Start(Fabric* pool,
                                    const RdmaServerOptions& options,
                                    std::unique_ptr<RdmaPoolServer>* result);

  RdmaPoolServer(const RdmaPoolServer&) = delete;
  RdmaPoolServer& operator=(const RdmaPoolServer&) = delete;
  // Disconnects every client and stops the thread.
  ~RdmaPoolServer();

  // The port actually listened on.
  int port() const;
  // Clients connected now.
  int clients() const;
  // Rings a doorbell word from the memory node: adds 1, wakes local
  // waiters and notifies every client.
  [[nodiscard]] Status Ring(DmAddr word);

  class Impl;

 private:
  explicit RdmaPoolServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_RDMA_RDMA_SERVER_H_
