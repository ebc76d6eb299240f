// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// OfiPoolServer exports a pool mapped in this process (emulated or cxl)
// over libfabric: the control connection and the cluster-secret
// handshake are PoolExport's (interconnect/net/pool_export.h); the data
// path is one reliable-datagram endpoint on the listen host. Each admitted
// client gets its own registration of the pool under a fresh random key
// (or the provider's key where the provider insists), which is closed when
// the client's control connection closes: a client that left, or was
// dropped, can no longer read or write a byte.
//
// Software providers (tcp;ofi_rxm) serve one-sided verbs with this
// process's CPU: one progress thread drives the endpoint, sleeping in the
// kernel on its completion queue's wait object while no request arrives.
// Hardware providers serve them in the NIC.
//
// Thread safety: the accessors may be called from any thread; Start and the
// destructor from one.

#ifndef O3LSM_INTERCONNECT_OFI_OFI_SERVER_H_
#define O3LSM_INTERCONNECT_OFI_OFI_SERVER_H_

#include <memory>
#include <string>

#include "interconnect/fabric.h"
#include "interconnect/net/pool_export.h"

namespace o3lsm::fabric {

struct OfiServerOptions {
  // The control listener, secret, limits and log.
  net::ExportOptions control;
  // libfabric provider; "" = the first of the preference list this host
  // offers for control.host (docs/fabric.md). Default: "".
  std::string provider;
};

class OfiPoolServer {
 public:
  // Starts exporting pool (which must outlive the server). NotSupported if
  // no provider (or not the one named) can serve it; errors of
  // PoolExport::Start otherwise.
  [[nodiscard]] static Status Start(Fabric* pool,
                                    const OfiServerOptions& options,
                                    std::unique_ptr<OfiPoolServer>* result);
  OfiPoolServer(const OfiPoolServer&) = delete;
  OfiPoolServer& operator=(const OfiPoolServer&) = delete;
  ~OfiPoolServer();

  // The control port clients connect to (ofi://host:port).
  int port() const;
  int clients() const;
  // The provider serving the pool, e.g. "tcp;ofi_rxm".
  const std::string& provider() const;
  // The export, for Ring/Wake from the memory node's own services.
  net::PoolExport* exported() const;

  class Impl;

 private:
  explicit OfiPoolServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_OFI_OFI_SERVER_H_
