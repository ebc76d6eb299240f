// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The cxl backend: a pool mapped with libpmem2 from a devdax device
// (/dev/daxX.Y, e.g. CXL Type-3 memory in devdax mode) or a file on an
// fsdax mount - or, for development, on tmpfs, where only page granularity
// exists and persist is msync. Loads and stores go through the mapping;
// atomics are std::atomic_ref on it; Persist is pmem2's persist function.
// Several processes may map the same device or file.
//
// persistent() is true unless the file lives on tmpfs/ramfs (which survive
// the death of a process, not of the machine).
//
// Thread safety: as Fabric.

#ifndef O3LSM_INTERCONNECT_CXL_CXL_FABRIC_H_
#define O3LSM_INTERCONNECT_CXL_CXL_FABRIC_H_

#include <memory>
#include <string>

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

// options: already parsed from the URI; path: the device or file.
[[nodiscard]] Status OpenCxlFabric(const FabricOptions& options,
                                   const std::string& path,
                                   std::unique_ptr<Fabric>* result);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_CXL_CXL_FABRIC_H_
