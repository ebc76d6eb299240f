// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/rdma/rdma_common.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <poll.h>

#include "interconnect/rdma/rdma_fabric.h"

namespace o3lsm::fabric {

bool RdmaDeviceAvailable(std::string* why) {
  int n = 0;
  errno = 0;
  ibv_device** list = ibv_get_device_list(&n);
  const int err = errno;
  std::string text;
  if (list == nullptr || n == 0) {
    text = "no RDMA device: ibv_get_device_list found none";
    if (list == nullptr && err != 0) {
      text += std::string(" (") + strerror(err) + ")";
    }
  } else {
    text = std::to_string(n) + " RDMA device(s), first " +
           ibv_get_device_name(list[0]);
  }
  if (list != nullptr) ibv_free_device_list(list);
  if (why != nullptr) *why = text;
  return list != nullptr && n > 0;
}

namespace rdma {

Status VerbsError(const std::string& where, const char* call, int err) {
  const std::string what = std::string(call) + " failed";
  if (err == ENODEV || err == ENOSYS || err == ENETUNREACH ||
      err == EHOSTUNREACH || err == ECONNREFUSED || err == ECONNRESET ||
      err == ETIMEDOUT || err == EADDRNOTAVAIL) {
    return Status::Unavailable(where, what + ": " + strerror(err));
  }
  return Status::IOError(where, what + ": " + strerror(err));
}

Status SetNonBlocking(int fd, const std::string& where) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return VerbsError(where, "fcntl(O_NONBLOCK)", errno);
  }
  return Status::OK();
}

Status GetCmEvent(rdma_event_channel* channel,
                  std::chrono::milliseconds timeout, rdma_cm_event** event) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (rdma_get_cm_event(channel, event) == 0) return Status::OK();
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return VerbsError("rdma event channel", "rdma_get_cm_event", errno);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::TimedOut(
          "rdma connection manager",
          "no event within " + std::to_string(timeout.count()) + " ms");
    }
    pollfd p{channel->fd, POLLIN, 0};
    poll(&p, 1, static_cast<int>(left.count()));
  }
}

Status ExpectCmEvent(rdma_event_channel* channel, rdma_cm_event_type want,
                     std::chrono::milliseconds timeout,
                     const std::string& where, rdma_cm_event** out) {
  rdma_cm_event* ev = nullptr;
  Status s = GetCmEvent(channel, timeout, &ev);
  if (!s.ok()) {
    return s.IsTimedOut() ? Status::TimedOut(where, s.ToString())
                          : Status::Unavailable(where, s.ToString());
  }
  if (ev->event != want) {
    const std::string got = rdma_event_str(ev->event);
    const int status = ev->status;
    rdma_ack_cm_event(ev);
    return Status::Unavailable(
        where, std::string("expected ") + rdma_event_str(want) + ", got " +
                   got + " (status " + std::to_string(status) + ")");
  }
  if (out != nullptr) {
    *out = ev;
  } else {
    rdma_ack_cm_event(ev);
  }
  return Status::OK();
}

}  // namespace rdma
}  // namespace o3lsm::fabric
