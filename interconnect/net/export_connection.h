// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The client's side of a memory node's control connection, shared by the
// network backends (docs/fabric.md, "Network backends"): Connect runs the
// cluster-secret handshake and hands back what the node's data plane
// gave this client; afterwards the connection carries doorbells (Ring and
// Wake go to the node, notifications come back) and its close says the
// memory node is gone: broken() turns true, and the backend fails its
// verbs with Unavailable instead of waiting out their timeouts.
//
// A listener thread reads the connection; it sleeps in the kernel.
//
// Thread safety: every method may be called from any thread.

#ifndef O3LSM_INTERCONNECT_NET_EXPORT_CONNECTION_H_
#define O3LSM_INTERCONNECT_NET_EXPORT_CONNECTION_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>

#include "interconnect/fabric.h"
#include "interconnect/net/cluster_secret.h"
#include "interconnect/net/handshake.h"
#include "util/mutex.h"

namespace o3lsm::fabric::net {

// Where and as whom a network backend connects; taken from the URI and
// FabricOptions by ParseNetworkTarget.
struct NetworkTarget {
  std::string host;
  int port = 0;
  ClusterSecret secret;
  uint64_t cluster_id = 0;
  std::chrono::milliseconds timeout{5000};
  // "host:port", for messages.
  std::string where() const { return host + ":" + std::to_string(port); }
};

// Loads the secret options name and checks what every network client
// needs: InvalidArgument without a secret path or a cluster id, or with a
// key file that cannot be used.
[[nodiscard]] Status MakeNetworkTarget(const FabricOptions& options,
                                       const std::string& host, int port,
                                       NetworkTarget* target);

class ExportConnection {
 public:
  // Connects and proves the secret, offering client_blob; *server_blob
  // receives the data plane's answer. Errors as ClientHandshake, plus
  // Unavailable/TimedOut for a node that cannot be reached.
  [[nodiscard]] static Status Connect(const NetworkTarget& target,
                                      const std::string& client_blob,
                                      std::unique_ptr<ExportConnection>* conn,
                                      std::string* server_blob);
  ExportConnection(const ExportConnection&) = delete;
  ExportConnection& operator=(const ExportConnection&) = delete;
  ~ExportConnection();

  // Tells the node a word was rung (kRing) or changed (kWake).
  [[nodiscard]] Status SendDoorbell(Doorbell::Type type, uint64_t offset);
  // Asks the node to notify this client of the word's rings from now on
  // (once per word: later calls send nothing).
  [[nodiscard]] Status Watch(uint64_t offset);
  // Bumped for every notification and when the connection breaks.
  uint64_t notifications() const;
  // Sleeps until notifications() != seen, or at most max.
  void WaitForNotification(uint64_t seen, std::chrono::microseconds max);
  // True once the memory node closed the connection; *why says how.
  bool broken(std::string* why = nullptr) const;
  // Unavailable "where: memory node gone: ..." once broken, else OK.
  Status CheckAlive() const;

 private:
  ExportConnection(int fd, std::string where);
  void Listen();
  void MarkBroken(const std::string& why);

  const int fd_;
  const std::string where_;
  std::atomic<bool> broken_{false};
  std::atomic<bool> stop_{false};
  std::thread listener_;
  Mutex send_mu_;
  mutable Mutex mu_;
  CondVar cv_{&mu_};
  uint64_t notifications_ GUARDED_BY(mu_) = 0;
  std::unordered_set<uint64_t> watched_ GUARDED_BY(mu_);
  std::string why_ GUARDED_BY(mu_);
};

}  // namespace o3lsm::fabric::net

#endif  // O3LSM_INTERCONNECT_NET_EXPORT_CONNECTION_H_
