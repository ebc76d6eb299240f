// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The rdma backend, client side: connects to a memory node's
// RdmaPoolServer with librdmacm, learns the pool (address, size, rkey, pool
// id) from the connection's private data, validates the superblock with
// one RDMA READ, and then serves the verbs as one-sided RC operations
// through registered staging buffers. See docs/fabric.md for the wire
// format, the doorbell, and failure semantics.
//
// Thread safety: as Fabric.

#ifndef O3LSM_INTERCONNECT_RDMA_RDMA_FABRIC_H_
#define O3LSM_INTERCONNECT_RDMA_RDMA_FABRIC_H_

#include <memory>
#include <string>

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

// options: already parsed from the URI.
[[nodiscard]] Status OpenRdmaFabric(const FabricOptions& options,
                                    const std::string& host, int port,
                                    std::unique_ptr<Fabric>* result);

// True if ibv_get_device_list finds at least one RDMA device; *why (may be
// null) says what was found or why none was ("no RDMA device:
// ibv_get_device_list found none (errno ...)").
bool RdmaDeviceAvailable(std::string* why);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_RDMA_RDMA_FABRIC_H_
