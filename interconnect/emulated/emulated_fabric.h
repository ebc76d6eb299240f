// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The emulated backend: a pool in shared memory - a file (normally under
// /dev/shm) that several processes map, or an anonymous memfd for the
// embedded mode, shared with forked children only - optionally placed on a
// NUMA node, with the LinkModel charged per batch. The verbs are those of
// MappedFabric. Volatile: Persist only checks its range.
//
// Thread safety: as Fabric.

#ifndef O3LSM_INTERCONNECT_EMULATED_EMULATED_FABRIC_H_
#define O3LSM_INTERCONNECT_EMULATED_EMULATED_FABRIC_H_

#include <memory>
#include <string>

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

// path: the file ("" = anonymous). options: already parsed from the URI.
[[nodiscard]] Status OpenEmulatedFabric(const FabricOptions& options,
                                        const std::string& path,
                                        std::unique_ptr<Fabric>* result);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_EMULATED_EMULATED_FABRIC_H_
