// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/net/export_connection.h"

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "interconnect/net/tcp_socket.h"

namespace o3lsm::fabric::net {

Status MakeNetworkTarget(const FabricOptions& options, const std::string& host,
                         int port, NetworkTarget* target) {
  const std::string where = host + ":" + std::to_string(port);
  if (options.secret_path.empty()) {
    return Status::InvalidArgument(
        where, "no cluster secret: name the key file with secret=PATH in the "
               "URI, or use a cluster file");
  }
  if (options.cluster_id == 0) {
    return Status::InvalidArgument(
        where, "no cluster id: a network pool is reached with its cluster "
               "id (cluster_id=N in the URI, or a cluster file)");
  }
  NetworkTarget t;
  Status s = ClusterSecret::Load(options.secret_path, &t.secret);
  if (!s.ok()) return s;
  t.host = host;
  t.port = port;
  t.cluster_id = options.cluster_id;
  t.timeout = options.timeout;
  *target = std::move(t);
  return Status::OK();
}

ExportConnection::ExportConnection(int fd, std::string where)
    : fd_(fd), where_(std::move(where)) {
  listener_ = std::thread([this] { Listen(); });
}

ExportConnection::~ExportConnection() {
  stop_ = true;
  shutdown(fd_, SHUT_RDWR);
  listener_.join();
  close(fd_);
}

Status ExportConnection::Connect(const NetworkTarget& target,
                                 const std::string& client_blob,
                                 std::unique_ptr<ExportConnection>* conn,
                                 std::string* server_blob) {
  const Deadline deadline = DeadlineIn(target.timeout);
  int fd = -1;
  Status s = ConnectTcp(target.host, target.port, deadline, &fd);
  if (!s.ok()) return Annotated(s, target.where(), "control connection");
  s = ClientHandshake(fd, target.secret, target.cluster_id, client_blob,
                      deadline, target.where(), server_blob);
  if (!s.ok()) {
    close(fd);
    return s;
  }
  conn->reset(new ExportConnection(fd, target.where()));
  return Status::OK();
}

void ExportConnection::MarkBroken(const std::string& why) {
  MutexLock lock(&mu_);
  if (!broken_) why_ = why;
  broken_ = true;
  notifications_++;
  cv_.SignalAll();
}

void ExportConnection::Listen() {
  std::string in;
  char buf[4096];
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 500) <= 0) continue;
    const ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) {
      if (!stop_) {
        MarkBroken(n == 0 ? "the memory node closed the control connection"
                          : std::string("control connection: ") +
                                strerror(errno));
      }
      return;
    }
    in.append(buf, static_cast<size_t>(n));
    size_t used = 0;
    bool notified = false;
    while (in.size() - used >= kDoorbellSize) {
      Doorbell d;
      if (!DecodeDoorbell(in.data() + used, &d) ||
          d.type != Doorbell::kNotify) {
        MarkBroken("the memory node sent a malformed control frame");
        return;
      }
      used += kDoorbellSize;
      notified = true;
    }
    in.erase(0, used);
    if (notified) {
      MutexLock lock(&mu_);
      notifications_++;
      cv_.SignalAll();
    }
  }
}

Status ExportConnection::SendDoorbell(Doorbell::Type type, uint64_t offset) {
  Status s = CheckAlive();
  if (!s.ok()) return s;
  char frame[kDoorbellSize];
  EncodeDoorbell({type, offset}, frame);
  MutexLock lock(&send_mu_);
  s = SendAll(fd_, frame, sizeof(frame),
              DeadlineIn(std::chrono::milliseconds(5000)));
  if (!s.ok()) {
    MarkBroken(s.ToString());
    return Annotated(s, where_, "doorbell");
  }
  return Status::OK();
}

Status ExportConnection::Watch(uint64_t offset) {
  {
    MutexLock lock(&mu_);
    if (!watched_.insert(offset).second) return Status::OK();
  }
  return SendDoorbell(Doorbell::kWatch, offset);
}

uint64_t ExportConnection::notifications() const {
  MutexLock lock(&mu_);
  return notifications_;
}

void ExportConnection::WaitForNotification(uint64_t seen,
                                           std::chrono::microseconds max) {
  MutexLock lock(&mu_);
  if (notifications_ == seen && max.count() > 0) {
    cv_.WaitFor(static_cast<uint64_t>(max.count()));
  }
}

bool ExportConnection::broken(std::string* why) const {
  if (!broken_) return false;
  if (why != nullptr) {
    MutexLock lock(&mu_);
    *why = why_;
  }
  return true;
}

Status ExportConnection::CheckAlive() const {
  std::string why;
  if (!broken(&why)) return Status::OK();
  return Status::Unavailable(where_, "memory node gone: " + why);
}

}  // namespace o3lsm::fabric::net
