// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Places the pages of a mapping on one NUMA node with libnuma. libnuma
// 2.0.16 accepts a node that does not exist (it prints a warning and falls
// back to default placement), so the node is validated here first. Built
// without libnuma (O3LSM_WITH_NUMA=OFF), it places nothing: node 0 is the
// only node there is, any other is InvalidArgument saying so.
//
// Thread safety: may be called concurrently.

#ifndef O3LSM_INTERCONNECT_EMULATED_NUMA_PLACEMENT_H_
#define O3LSM_INTERCONNECT_EMULATED_NUMA_PLACEMENT_H_

#include <cstddef>
#include <string>

#include "o3lsm/status.h"

namespace o3lsm::fabric {

// InvalidArgument if node is not a configured node with memory of this
// machine (or libnuma is unavailable, or left out of the build, and
// node != 0).
[[nodiscard]] Status ValidateNumaNode(int node);

// Binds [addr, addr+len) (page-aligned; pages not touched yet) to node when
// the machine has more than one node; with one node there is nothing to
// choose. *detail says what was done, for the info log.
[[nodiscard]] Status PlaceOnNumaNode(void* addr, size_t len, int node,
                                     std::string* detail);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_EMULATED_NUMA_PLACEMENT_H_
