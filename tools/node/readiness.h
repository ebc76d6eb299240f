// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The node's side of systemd's readiness protocol (sd_notify, libsystemd):
// packaging/systemd's units are Type=notify, so systemd starts what depends
// on a memory node only once its pool is formatted and exported, and a
// worker counts as started once it is in the node table. Outside systemd
// (NOTIFY_SOCKET unset) every call does nothing.

#ifndef O3LSM_TOOLS_NODE_READINESS_H_
#define O3LSM_TOOLS_NODE_READINESS_H_

#include <string>

namespace o3lsm::node {

// READY=1 with a one-line status ("memory node 1: exported at ...").
void NotifyReady(const std::string& status);
// STOPPING=1: the node is shutting down (SIGTERM received).
void NotifyStopping();

}  // namespace o3lsm::node

#endif  // O3LSM_TOOLS_NODE_READINESS_H_
