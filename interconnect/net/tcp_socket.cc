// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/net/tcp_socket.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace o3lsm::fabric::net {

namespace {

int MillisLeft(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count()) + 1;
}

Status SocketError(const std::string& where, const char* call, int err) {
  const std::string what = std::string(call) + ": " + strerror(err);
  if (err == ECONNREFUSED || err == ECONNRESET || err == EPIPE ||
      err == ENETUNREACH || err == EHOSTUNREACH || err == ECONNABORTED ||
      err == ETIMEDOUT || err == ENOTCONN) {
    return Status::Unavailable(where, what);
  }
  return Status::IOError(where, what);
}

void TuneSocket(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  // A peer that vanished without a FIN (power cut) is noticed in about
  // 10 s instead of two hours.
  const int idle = 5, interval = 1, count = 5;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

}  // namespace

Status SplitHostPort(const std::string& text, std::string* host, int* port) {
  const std::string where = "address '" + text + "'";
  std::string h, p;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return Status::InvalidArgument(where, "expected [IPv6]:PORT");
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument(where, "expected HOST:PORT");
    }
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  char* end = nullptr;
  const long v = p.empty() ? -1 : strtol(p.c_str(), &end, 10);
  if (h.empty() || p.empty() || *end != '\0' || v < 0 || v > 65535) {
    return Status::InvalidArgument(where, "expected HOST:PORT with a port "
                                          "in 0..65535");
  }
  *host = h;
  *port = static_cast<int>(v);
  return Status::OK();
}

Status ListenTcp(const std::string& host, int port, int backlog, int* fd,
                 int* bound_port) {
  const std::string where = "listen " + host + ":" + std::to_string(port);
  if (host.empty()) {
    return Status::InvalidArgument(where, "no address to listen on");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const int gai = getaddrinfo(host.c_str(), std::to_string(port).c_str(),
                              &hints, &res);
  if (gai != 0 || res == nullptr) {
    return Status::InvalidArgument(
        where, std::string("cannot resolve: ") + gai_strerror(gai));
  }
  const int s = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC,
                       res->ai_protocol);
  if (s < 0) {
    freeaddrinfo(res);
    return SocketError(where, "socket", errno);
  }
  const int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const int rc = bind(s, res->ai_addr, res->ai_addrlen);
  const int err = errno;
  freeaddrinfo(res);
  if (rc != 0) {
    close(s);
    return err == EADDRINUSE || err == EADDRNOTAVAIL
               ? Status::InvalidArgument(where, std::string("bind: ") +
                                                    strerror(err))
               : SocketError(where, "bind", err);
  }
  if (listen(s, backlog) != 0) {
    const int e = errno;
    close(s);
    return SocketError(where, "listen", e);
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound_port = ntohs(addr.ss_family == AF_INET6
                          ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                          : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  *fd = s;
  return Status::OK();
}

Status ConnectTcp(const std::string& host, int port, Deadline deadline,
                  int* fd) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const int gai = getaddrinfo(host.c_str(), std::to_string(port).c_str(),
                              &hints, &res);
  if (gai != 0 || res == nullptr) {
    return Status::Unavailable(
        where, std::string("cannot resolve host: ") + gai_strerror(gai));
  }
  Status last = Status::Unavailable(where, "no address to connect to");
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int s = socket(ai->ai_family,
                         SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         ai->ai_protocol);
    if (s < 0) {
      last = SocketError(where, "socket", errno);
      continue;
    }
    int rc = connect(s, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{s, POLLOUT, 0};
      rc = poll(&p, 1, MillisLeft(deadline));
      if (rc == 0) {
        close(s);
        last = Status::TimedOut(where, "connect: no answer in time");
        break;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
      errno = err;
      rc = err == 0 ? 0 : -1;
    }
    if (rc != 0) {
      last = SocketError(where, "connect", errno);
      close(s);
      continue;
    }
    fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
    TuneSocket(s);
    *fd = s;
    freeaddrinfo(res);
    return Status::OK();
  }
  freeaddrinfo(res);
  return last;
}

Status SendAll(int fd, const void* data, size_t n, Deadline deadline) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    pollfd pf{fd, POLLOUT, 0};
    const int ready = poll(&pf, 1, MillisLeft(deadline));
    if (ready == 0) return Status::TimedOut(PeerName(fd), "send timed out");
    if (ready < 0 && errno != EINTR) return SocketError("send", "poll", errno);
    const ssize_t sent = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return SocketError(PeerName(fd), "send", errno);
    }
    p += sent;
    n -= static_cast<size_t>(sent);
  }
  return Status::OK();
}

Status RecvAll(int fd, void* data, size_t n, Deadline deadline) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    pollfd pf{fd, POLLIN, 0};
    const int ready = poll(&pf, 1, MillisLeft(deadline));
    if (ready == 0) {
      return Status::TimedOut(PeerName(fd), "no answer in time");
    }
    if (ready < 0 && errno != EINTR) return SocketError("recv", "poll", errno);
    const ssize_t got = recv(fd, p, n, MSG_DONTWAIT);
    if (got == 0) {
      return Status::Unavailable(PeerName(fd), "connection closed by peer");
    }
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return SocketError(PeerName(fd), "recv", errno);
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
  return Status::OK();
}

Status Annotated(const Status& s, const std::string& where,
                 const std::string& what) {
  const std::string msg = what + ": " + std::string(s.message());
  switch (s.code()) {
    case Status::Code::kOk:
      return s;
    case Status::Code::kNotFound:
      return Status::NotFound(where, msg);
    case Status::Code::kCorruption:
      return Status::Corruption(where, msg);
    case Status::Code::kNotSupported:
      return Status::NotSupported(where, msg);
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(where, msg);
    case Status::Code::kBusy:
      return Status::Busy(where, msg);
    case Status::Code::kTimedOut:
      return Status::TimedOut(where, msg);
    case Status::Code::kUnavailable:
      return Status::Unavailable(where, msg);
    case Status::Code::kAborted:
      return Status::Aborted(where, msg);
    case Status::Code::kNoSpace:
      return Status::NoSpace(where, msg);
    default:
      return Status::IOError(where, msg);
  }
}

std::string PeerName(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return "(unconnected peer)";
  }
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&addr);
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
  port = ntohs(a->sin_port);
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace o3lsm::fabric::net
