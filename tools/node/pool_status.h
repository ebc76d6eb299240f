// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// `o3lsm-node status --pool URI`: the live cluster as the pool shows it,
// without opening any database: every registered node (role, name, alive
// or not, load, jobs done) and the job board's jobs, counted per owner.
// A node is alive if its heartbeat moves while the command watches.

#ifndef O3LSM_TOOLS_NODE_POOL_STATUS_H_
#define O3LSM_TOOLS_NODE_POOL_STATUS_H_

#include <cstdio>
#include <string>

namespace o3lsm::node {

// Prints the status of the pool at uri to out, watching heartbeats for
// watch_ms. Returns the process exit code (0, or 1 with the error on
// stderr).
int RunPoolStatus(const std::string& uri, int watch_ms, FILE* out);

}  // namespace o3lsm::node

#endif  // O3LSM_TOOLS_NODE_POOL_STATUS_H_
