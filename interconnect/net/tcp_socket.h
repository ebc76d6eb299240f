// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The TCP plumbing of a memory node's control connection (docs/fabric.md,
// "The control connection"): listening on one given address, connecting
// with a timeout, and whole-buffer sends and receives bounded by a
// deadline. Every socket is close-on-exec, with TCP_NODELAY (doorbells are
// 16-byte frames) and keepalive (a vanished peer is noticed).
//
// Thread safety: functions; a socket is used by one thread at a time per
// direction.

#ifndef O3LSM_INTERCONNECT_NET_TCP_SOCKET_H_
#define O3LSM_INTERCONNECT_NET_TCP_SOCKET_H_

#include <chrono>
#include <cstddef>
#include <string>

#include "o3lsm/status.h"

namespace o3lsm::fabric::net {

using Deadline = std::chrono::steady_clock::time_point;

inline Deadline DeadlineIn(std::chrono::milliseconds timeout) {
  return std::chrono::steady_clock::now() + timeout;
}

// Splits "HOST:PORT" ("[v6]:PORT" for IPv6). InvalidArgument if either part
// is missing or the port is not 0..65535.
[[nodiscard]] Status SplitHostPort(const std::string& text, std::string* host,
                                   int* port);

// Listens on host:port (port 0 = any free port; *bound_port receives it).
// host is required: "0.0.0.0" or "::" listen everywhere only when asked.
[[nodiscard]] Status ListenTcp(const std::string& host, int port, int backlog,
                               int* fd, int* bound_port);

// Connects to host:port, giving up at deadline. Unavailable if the peer
// refuses or cannot be reached, TimedOut at the deadline.
[[nodiscard]] Status ConnectTcp(const std::string& host, int port,
                                Deadline deadline, int* fd);

// Sends/receives exactly n bytes. Unavailable if the peer closed or reset
// the connection, TimedOut at the deadline.
[[nodiscard]] Status SendAll(int fd, const void* data, size_t n,
                             Deadline deadline);
[[nodiscard]] Status RecvAll(int fd, void* data, size_t n, Deadline deadline);

// The same code as s, with the message "where: what: <s's message>".
Status Annotated(const Status& s, const std::string& where,
                 const std::string& what);

// "10.0.0.7:41234" for the peer of a connected socket.
std::string PeerName(int fd);

}  // namespace o3lsm::fabric::net

#endif  // O3LSM_INTERCONNECT_NET_TCP_SOCKET_H_
