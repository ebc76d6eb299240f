// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/net/pool_export.h"

#include <atomic>
#include <cerrno>
#include <list>
#include <map>
#include <unordered_set>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "interconnect/net/handshake.h"
#include "interconnect/net/tcp_socket.h"
#include "util/mutex.h"

namespace o3lsm::fabric::net {

namespace {

// Handshakes in progress at once; more connections wait in the backlog.
constexpr size_t kMaxHandshakes = 8;
// A client that reads no notifications while this much piles up is stuck:
// it is disconnected rather than letting the node buffer without bound.
constexpr size_t kMaxPendingOut = 64 << 10;

}  // namespace

class PoolExport::Impl {
 public:
  Impl(Fabric* pool, ExportOptions options, ExportDataPlane* plane)
      : pool_(pool), options_(std::move(options)), plane_(plane) {}
  ~Impl();

  Status Start();
  int port() const { return port_; }
  const std::string& host() const { return options_.host; }
  int clients() const {
    MutexLock lock(&mu_);
    return static_cast<int>(clients_.size());
  }
  Stats stats() const {
    MutexLock lock(&mu_);
    return stats_;
  }
  Status Ring(DmAddr word);
  Status Wake(DmAddr word);

 private:
  struct Client {
    int fd = -1;
    std::string peer;
    std::string in;   // a partial frame
    std::string out;  // notifications not yet sent
    std::unordered_set<uint64_t> watched;  // offsets it asked to hear of
  };
  struct HandshakeJob {
    // The connection, until the handshake closes it or hands it to
    // clients_ (then -1); guarded by mu_, so that shutting handshakes down
    // never touches a descriptor number already reused.
    int fd = -1;
    std::atomic<bool> done{false};
    std::thread thread;
  };

  void Log(const std::string& line) {
    if (options_.info_log != nullptr) {
      ::o3lsm::Log(options_.info_log.get(), "%s", line.c_str());
    }
  }
  void Poke() {
    const uint64_t one = 1;
    if (write(event_fd_, &one, sizeof(one)) < 0) {
      // The loop wakes within its poll timeout anyway.
    }
  }
  void Run();
  void Accept();
  void RunHandshake(HandshakeJob* job);
  void ReapHandshakes(bool all);
  // Reads what a client sent; false if it must be dropped.
  bool ReadFrom(uint64_t id, Client* c) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Flush(Client* c) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Notify(uint64_t offset, uint64_t except) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Drop(uint64_t id, const std::string& why, std::vector<uint64_t>* gone)
      EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool ValidWord(uint64_t offset) const {
    return offset % 8 == 0 && offset + 8 <= pool_->pool_size();
  }

  Fabric* const pool_;
  const ExportOptions options_;
  ExportDataPlane* const plane_;
  int listen_fd_ = -1;
  int event_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  mutable Mutex mu_;
  std::map<uint64_t, Client> clients_ GUARDED_BY(mu_);
  std::list<std::unique_ptr<HandshakeJob>> handshakes_ GUARDED_BY(mu_);
  uint64_t next_client_ GUARDED_BY(mu_) = 1;
  int admitting_ GUARDED_BY(mu_) = 0;  // admitted, not yet in clients_
  Stats stats_ GUARDED_BY(mu_);
};

PoolExport::Impl::~Impl() {
  stop_ = true;
  if (event_fd_ >= 0) Poke();
  if (thread_.joinable()) thread_.join();
  ReapHandshakes(/*all=*/true);
  std::vector<uint64_t> gone;
  {
    MutexLock lock(&mu_);
    for (auto& [id, c] : clients_) {
      close(c.fd);
      gone.push_back(id);
    }
    clients_.clear();
  }
  for (uint64_t id : gone) plane_->Dismiss(id);
  if (listen_fd_ >= 0) close(listen_fd_);
  if (event_fd_ >= 0) close(event_fd_);
}

Status PoolExport::Impl::Start() {
  const std::string where = "export of " + pool_->Describe();
  if (options_.secret.empty()) {
    return Status::InvalidArgument(where, "no cluster secret to admit "
                                          "clients with");
  }
  if (pool_->cluster_id() == 0) {
    return Status::InvalidArgument(
        where, "the pool has no cluster id (0); create it with one "
               "(o3lsm-node --create --cluster-id=N)");
  }
  if (pool_->LocalView(DmAddr(pool_->pool_id(), 0), pool_->pool_size()) ==
      nullptr) {
    return Status::InvalidArgument(where,
                                   "the pool is not mapped in this process");
  }
  Status s = ListenTcp(options_.host, options_.port, 64, &listen_fd_, &port_);
  if (!s.ok()) return s;
  event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) {
    return Status::IOError(where, std::string("eventfd: ") + strerror(errno));
  }
  Log("fabric: exporting " + pool_->Describe() + " to cluster " +
      std::to_string(pool_->cluster_id()) + " on " + options_.host + ":" +
      std::to_string(port_) + " (clients prove the secret " +
      options_.secret.path() + ")");
  thread_ = std::thread([this] { Run(); });
  return Status::OK();
}

void PoolExport::Impl::Accept() {
  const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  MutexLock lock(&mu_);
  if (handshakes_.size() >= kMaxHandshakes) {
    // Too many half-open connections (a flood, or a burst of joins): the
    // client sees the connection close and retries.
    Log("fabric: export: dropped a connection from " + PeerName(fd) + ": " +
        std::to_string(kMaxHandshakes) + " handshakes already in progress");
    stats_.refused++;
    close(fd);
    return;
  }
  auto job = std::make_unique<HandshakeJob>();
  job->fd = fd;
  HandshakeJob* raw = job.get();
  handshakes_.push_back(std::move(job));
  raw->thread = std::thread([this, raw] { RunHandshake(raw); });
}

void PoolExport::Impl::RunHandshake(HandshakeJob* job) {
  const int fd = job->fd;
  const std::string peer = PeerName(fd);
  uint64_t id = 0;
  const AdmitFunction admit = [&](const std::string& client_blob,
                                  std::string* server_blob) -> Status {
    {
      MutexLock lock(&mu_);
      if (static_cast<int>(clients_.size()) + admitting_ >=
          options_.max_clients) {
        return Status::Busy("memory node",
                            "serving " + std::to_string(options_.max_clients) +
                                " clients already");
      }
      id = next_client_++;
      admitting_++;
    }
    Status s = plane_->Admit(id, client_blob, server_blob);
    if (!s.ok()) {
      MutexLock lock(&mu_);
      admitting_--;
      id = 0;
    }
    return s;
  };
  Status s = ServerHandshake(fd, options_.secret, pool_->cluster_id(),
                             DeadlineIn(options_.timeout), admit);
  if (s.ok() && stop_) s = Status::Aborted("memory node", "shutting down");
  if (!s.ok()) {
    if (id != 0) plane_->Dismiss(id);
    {
      MutexLock lock(&mu_);
      if (id != 0) admitting_--;
      stats_.refused++;
      close(fd);
      job->fd = -1;
    }
    Log("fabric: export: " + s.ToString());
  } else {
    Log("fabric: export: admitted client " + std::to_string(id) + " from " +
        peer);
    MutexLock lock(&mu_);
    admitting_--;
    stats_.admitted++;
    Client& c = clients_[id];
    c.fd = fd;
    c.peer = peer;
    job->fd = -1;
  }
  job->done = true;
  Poke();
}

void PoolExport::Impl::ReapHandshakes(bool all) {
  std::list<std::unique_ptr<HandshakeJob>> finished;
  {
    MutexLock lock(&mu_);
    for (auto it = handshakes_.begin(); it != handshakes_.end();) {
      if (all || (*it)->done) {
        // Unblocks a handshake still waiting on its peer.
        if (all && (*it)->fd >= 0) shutdown((*it)->fd, SHUT_RDWR);
        finished.push_back(std::move(*it));
        it = handshakes_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& job : finished) job->thread.join();
}

void PoolExport::Impl::Drop(uint64_t id, const std::string& why,
                            std::vector<uint64_t>* gone) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Log("fabric: export: client " + std::to_string(id) + " (" + it->second.peer +
      ") left: " + why);
  close(it->second.fd);
  clients_.erase(it);
  gone->push_back(id);
}

void PoolExport::Impl::Flush(Client* c) {
  while (!c->out.empty()) {
    const ssize_t n =
        send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) return;  // full, or broken: the poll loop sees which
    c->out.erase(0, static_cast<size_t>(n));
  }
}

void PoolExport::Impl::Notify(uint64_t offset, uint64_t except) {
  char frame[kDoorbellSize];
  EncodeDoorbell({Doorbell::kNotify, offset}, frame);
  for (auto& [id, c] : clients_) {
    if (id == except || c.watched.count(offset) == 0) continue;
    if (c.out.size() < kMaxPendingOut) c.out.append(frame, sizeof(frame));
    Flush(&c);
  }
}

bool PoolExport::Impl::ReadFrom(uint64_t id, Client* c) {
  char buf[4096];
  const ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
  if (n == 0) return false;
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  c->in.append(buf, static_cast<size_t>(n));
  size_t used = 0;
  while (c->in.size() - used >= kDoorbellSize) {
    Doorbell d;
    if (!DecodeDoorbell(c->in.data() + used, &d) ||
        d.type == Doorbell::kNotify || !ValidWord(d.offset)) {
      Log("fabric: export: client " + std::to_string(id) + " (" + c->peer +
          ") sent a malformed doorbell");
      return false;
    }
    used += kDoorbellSize;
    if (d.type == Doorbell::kWatch) {
      c->watched.insert(d.offset);
      continue;
    }
    stats_.doorbells++;
    pool_->Wake(DmAddr(pool_->pool_id(), d.offset)).PermitUncheckedError();
    Notify(d.offset, id);
  }
  c->in.erase(0, used);
  return true;
}

void PoolExport::Impl::Run() {
  while (!stop_) {
    std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}, {event_fd_, POLLIN, 0}};
    std::vector<uint64_t> ids;
    {
      MutexLock lock(&mu_);
      for (auto& [id, c] : clients_) {
        fds.push_back(
            {c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)),
             0});
        ids.push_back(id);
      }
    }
    const int ready = poll(fds.data(), fds.size(), 200);
    ReapHandshakes(/*all=*/false);
    if (ready <= 0) continue;
    if (fds[1].revents & POLLIN) {
      uint64_t v;
      while (read(event_fd_, &v, sizeof(v)) > 0) {
      }
    }
    if (fds[0].revents & POLLIN) Accept();
    std::vector<uint64_t> gone;
    {
      MutexLock lock(&mu_);
      for (size_t i = 2; i < fds.size(); i++) {
        const uint64_t id = ids[i - 2];
        auto it = clients_.find(id);
        if (it == clients_.end() || fds[i].revents == 0) continue;
        Client& c = it->second;
        if (fds[i].revents & POLLOUT) Flush(&c);
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !ReadFrom(id, &c)) {
          Drop(id, "control connection closed", &gone);
          continue;
        }
        if (c.out.size() >= kMaxPendingOut) {
          Drop(id, "reads no notifications", &gone);
        }
      }
    }
    for (uint64_t id : gone) plane_->Dismiss(id);
  }
}

Status PoolExport::Impl::Ring(DmAddr word) {
  Status s = pool_->Ring(word);
  if (!s.ok()) return s;
  MutexLock lock(&mu_);
  Notify(word.offset(), 0);
  return Status::OK();
}

Status PoolExport::Impl::Wake(DmAddr word) {
  Status s = pool_->Wake(word);
  if (!s.ok()) return s;
  MutexLock lock(&mu_);
  Notify(word.offset(), 0);
  return Status::OK();
}

PoolExport::PoolExport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PoolExport::~PoolExport() = default;

Status PoolExport::Start(Fabric* pool, ExportOptions options,
                         ExportDataPlane* plane,
                         std::unique_ptr<PoolExport>* result) {
  auto impl = std::make_unique<Impl>(pool, std::move(options), plane);
  Status s = impl->Start();
  if (!s.ok()) return s;
  result->reset(new PoolExport(std::move(impl)));
  return Status::OK();
}

int PoolExport::port() const { return impl_->port(); }
const std::string& PoolExport::host() const { return impl_->host(); }
int PoolExport::clients() const { return impl_->clients(); }
PoolExport::Stats PoolExport::stats() const { return impl_->stats(); }
Status PoolExport::Ring(DmAddr word) { return impl_->Ring(word); }
Status PoolExport::Wake(DmAddr word) { return impl_->Wake(word); }

}  // namespace o3lsm::fabric::net
