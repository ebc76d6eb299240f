// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The ofi backend, client side: connects to a memory node's control
// address, proves the cluster secret (interconnect/net/), learns the
// pool's endpoint, key and provider from the admission, validates the
// superblock with one read, and then serves the verbs as libfabric RMA
// and atomic operations through registered staging buffers. See
// docs/fabric.md for the URI, ordering and failure semantics.
//
// Thread safety: as Fabric.

#ifndef O3LSM_INTERCONNECT_OFI_OFI_FABRIC_H_
#define O3LSM_INTERCONNECT_OFI_OFI_FABRIC_H_

#include <memory>
#include <string>

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

// options: already parsed from the URI; port is the control port.
[[nodiscard]] Status OpenOfiFabric(const FabricOptions& options,
                                   const std::string& host, int port,
                                   std::unique_ptr<Fabric>* result);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_OFI_OFI_FABRIC_H_
