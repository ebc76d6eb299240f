// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// RdmaPoolServer exports a pool that is mapped in this process (emulated or
// cxl) to rdma-core verbs clients. The control connection, the
// cluster-secret handshake and the doorbells are PoolExport's
// (interconnect/net/pool_export.h); this class is the data plane: it
// registers the whole mapping once with the RDMA device of the listen
// address (local-write, remote-read, remote-write and remote-atomic), and
// listens with librdmacm on a port of its own. A client that proved the
// secret is admitted with the pool's address, size and rkey and a
// one-use connection ticket; the connection manager accepts only queue
// pairs that present a live ticket, and disconnects a client's queue pair
// when its control connection closes. After that the data path is
// one-sided: the server's CPU is not involved.
//
// `o3lsm-node --role=memory --listen=HOST:PORT --transport=rdma` runs one.
//
// Thread safety: the accessors may be called from any thread; Start and the
// destructor from one.

#ifndef O3LSM_INTERCONNECT_RDMA_RDMA_SERVER_H_
#define O3LSM_INTERCONNECT_RDMA_RDMA_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "interconnect/fabric.h"
#include "interconnect/net/pool_export.h"

namespace o3lsm::fabric {

struct RdmaServerOptions {
  // The control listener, secret, limits and log. control.host must be an
  // address of an RDMA-capable interface: the pool is registered with its
  // device, so a wildcard address is refused.
  net::ExportOptions control;
};

class RdmaPoolServer {
 public:
  // Starts serving pool (which must outlive the server). Unavailable if
  // this machine has no RDMA device; InvalidArgument for a wildcard or
  // non-RDMA address; errors of PoolExport::Start otherwise.
  [[nodiscard]] static Status Start(Fabric* pool,
                                    const RdmaServerOptions& options,
                                    std::unique_ptr<RdmaPoolServer>* result);

  RdmaPoolServer(const RdmaPoolServer&) = delete;
  RdmaPoolServer& operator=(const RdmaPoolServer&) = delete;
  // Disconnects every client and stops.
  ~RdmaPoolServer();

  // The control port clients connect to (rdma://host:port).
  int port() const;
  // Queue pairs connected now.
  int clients() const;
  // The export, for Ring/Wake from the memory node's own services.
  net::PoolExport* exported() const;

  class Impl;

 private:
  explicit RdmaPoolServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_RDMA_RDMA_SERVER_H_
