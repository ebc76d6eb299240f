// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Helpers shared by the rdma client and server: waiting for a connection
// manager event with a timeout, naming verbs errors, and the sizes both
// sides agree on. Only this folder includes it.
//
// Thread safety: functions; the event channel passed in is used by one
// thread at a time.

#ifndef O3LSM_INTERCONNECT_RDMA_RDMA_COMMON_H_
#define O3LSM_INTERCONNECT_RDMA_RDMA_COMMON_H_

#include <chrono>
#include <rdma/rdma_cma.h>
#include <string>

#include "o3lsm/status.h"

namespace o3lsm::fabric::rdma {

// Responder resources / initiator depth asked for (capped by the device).
inline constexpr int kMaxRdAtomic = 16;

// Waits up to timeout for the next event on channel. On OK, *event must be
// acknowledged with rdma_ack_cm_event. TimedOut if none came.
[[nodiscard]] Status GetCmEvent(rdma_event_channel* channel,
                                std::chrono::milliseconds timeout,
                                rdma_cm_event** event);

// Waits for an event of type want; anything else is Unavailable naming it.
// The event is acknowledged unless keep is true (then *out receives it).
[[nodiscard]] Status ExpectCmEvent(rdma_event_channel* channel,
                                   rdma_cm_event_type want,
                                   std::chrono::milliseconds timeout,
                                   const std::string& where,
                                   rdma_cm_event** out);

// "call failed: strerror(err)" as Unavailable (the device or peer is not
// there) or IOError.
Status VerbsError(const std::string& where, const char* call, int err);

// Makes fd non-blocking (completion and event channels are polled).
[[nodiscard]] Status SetNonBlocking(int fd, const std::string& where);

}  // namespace o3lsm::fabric::rdma

#endif  // O3LSM_INTERCONNECT_RDMA_RDMA_COMMON_H_
