// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PoolExport is what every network backend's memory-node side shares
// (docs/fabric.md, "Network backends"): it listens for control connections
// on the one address it is given, runs the cluster-secret handshake
// (interconnect/net/handshake.h) on each, asks the backend's data plane
// to admit a proven client (which returns the addresses, memory keys or
// connection ticket the client needs), keeps the connection open as the
// client's control connection, and carries doorbells over it: a client's
// Ring or Wake wakes the memory node's local waiters and is forwarded to
// every other client that watches the word; Ring/Wake on the export do the
// same for the node's own services. When a control connection closes, the data plane is told
// to revoke what it gave that client.
//
// Handshakes run on their own short-lived threads (at most
// kMaxHandshakes at once), so a peer that connects and stalls or sends
// garbage delays nobody; every refusal is logged with the peer's address.
//
// Thread safety: Ring, Wake, port, clients and stats may be called from any
// thread; Start and the destructor from one.

#ifndef O3LSM_INTERCONNECT_NET_POOL_EXPORT_H_
#define O3LSM_INTERCONNECT_NET_POOL_EXPORT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "interconnect/fabric.h"
#include "interconnect/fabric_wrapper.h"
#include "interconnect/net/cluster_secret.h"

namespace o3lsm::fabric::net {

// What a network backend adds to an export: the data path.
class ExportDataPlane {
 public:
  virtual ~ExportDataPlane() = default;
  // A client proved the cluster secret. Set *server_blob to what it needs
  // to reach the pool; client_id names it until Dismiss. Busy refuses it as
  // over capacity; any other error refuses it as not admitted.
  [[nodiscard]] virtual Status Admit(uint64_t client_id,
                                     const std::string& client_blob,
                                     std::string* server_blob) = 0;
  // The client's control connection closed: revoke what Admit gave it.
  virtual void Dismiss(uint64_t client_id) = 0;
};

struct ExportOptions {
  // Address to listen on for control connections. Required: there is no
  // wildcard default ("0.0.0.0" listens everywhere only when asked).
  std::string host;
  // Port; 0 = any free port (see PoolExport::port()). Default: 7470.
  int port = 7470;
  // The cluster's secret every client must prove. Required.
  ClusterSecret secret;
  // Bound of one handshake. Default: 5 s.
  std::chrono::milliseconds timeout{5000};
  // Clients served at once; more are refused as busy. Default: 64.
  int max_clients = 64;
  // Where admissions, refusals and departures are logged. Default: null.
  std::shared_ptr<Logger> info_log;
};

class PoolExport {
 public:
  struct Stats {
    uint64_t admitted = 0;
    uint64_t refused = 0;  // failed handshakes, bad secrets included
    uint64_t doorbells = 0;
  };

  // Starts serving pool (mapped in this process; it must outlive the
  // export) through plane (also outliving it). InvalidArgument without a
  // host or a secret, or when the pool has no cluster id; the socket's
  // error if the address cannot be listened on.
  [[nodiscard]] static Status Start(Fabric* pool, ExportOptions options,
                                    ExportDataPlane* plane,
                                    std::unique_ptr<PoolExport>* result);
  PoolExport(const PoolExport&) = delete;
  PoolExport& operator=(const PoolExport&) = delete;
  // Closes every control connection (dismissing its client) and stops.
  ~PoolExport();

  int port() const;
  const std::string& host() const;
  int clients() const;
  Stats stats() const;
  // Rings a word from the memory node itself: adds 1, wakes local waiters
  // and notifies every client.
  [[nodiscard]] Status Ring(DmAddr word);
  // Wakes local waiters of a changed word and notifies every client.
  [[nodiscard]] Status Wake(DmAddr word);

  class Impl;

 private:
  explicit PoolExport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The memory node's pool as its own services see it once exported: Ring
// and Wake also reach the remote clients. Everything else goes to the pool.
class ExportedPool final : public FabricWrapper {
 public:
  ExportedPool(Fabric* pool, PoolExport* exported)
      : FabricWrapper(pool), export_(exported) {}
  Status Ring(DmAddr word) override { return export_->Ring(word); }
  Status Wake(DmAddr word) override { return export_->Wake(word); }

 private:
  PoolExport* const export_;
};

}  // namespace o3lsm::fabric::net

#endif  // O3LSM_INTERCONNECT_NET_POOL_EXPORT_H_
