// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/emulated/numa_placement.h"

#include "o3lsm/build_config.h"

#if O3LSM_WITH_NUMA
#include <cerrno>
#include <cstring>
#include <numa.h>
#include <numaif.h>
#endif

namespace o3lsm::fabric {

#if !O3LSM_WITH_NUMA

Status ValidateNumaNode(int node) {
  if (node < 0) {
    return Status::InvalidArgument("numa_node " + std::to_string(node) +
                                   " is negative");
  }
  if (node == 0) return Status::OK();
  return Status::InvalidArgument(
      "numa_node " + std::to_string(node),
      "o3lsm was built without numa (O3LSM_WITH_NUMA=OFF): node 0 only");
}

Status PlaceOnNumaNode(void* addr, size_t len, int node, std::string* detail) {
  Status s = ValidateNumaNode(node);
  if (!s.ok()) return s;
  *detail = "numa node 0: no placement (O3LSM_WITH_NUMA=OFF)";
  return Status::OK();
}

#else  // O3LSM_WITH_NUMA

Status ValidateNumaNode(int node) {
  if (node < 0) {
    return Status::InvalidArgument("numa_node " + std::to_string(node) +
                                   " is negative");
  }
  if (numa_available() < 0) {
    if (node == 0) return Status::OK();  // no NUMA support: one node, 0
    return Status::InvalidArgument("numa_node " + std::to_string(node),
                                   "libnuma reports no NUMA support here");
  }
  if (node > numa_max_node() ||
      !numa_bitmask_isbitset(numa_all_nodes_ptr, static_cast<unsigned>(node))) {
    return Status::InvalidArgument(
        "numa_node " + std::to_string(node),
        "no such node with memory (highest node is " +
            std::to_string(numa_max_node()) + ")");
  }
  return Status::OK();
}

Status PlaceOnNumaNode(void* addr, size_t len, int node, std::string* detail) {
  Status s = ValidateNumaNode(node);
  if (!s.ok()) return s;
  if (numa_available() < 0 || numa_num_configured_nodes() <= 1) {
    *detail = "numa node " + std::to_string(node) +
              ": single-node machine, no placement needed";
    return Status::OK();
  }
  // mbind rather than numa_tonode_memory: it reports failure instead of
  // printing it. MPOL_BIND applies at first touch, which is still ahead.
  struct bitmask* mask = numa_allocate_nodemask();
  numa_bitmask_setbit(mask, static_cast<unsigned>(node));
  const long rc = mbind(addr, len, MPOL_BIND, mask->maskp, mask->size + 1, 0);
  const int err = errno;
  numa_free_nodemask(mask);
  if (rc != 0) {
    return Status::IOError("mbind to numa node " + std::to_string(node),
                           strerror(err));
  }
  *detail = "bound to numa node " + std::to_string(node) + " of " +
            std::to_string(numa_num_configured_nodes());
  return Status::OK();
}

#endif  // O3LSM_WITH_NUMA

}  // namespace o3lsm::fabric
