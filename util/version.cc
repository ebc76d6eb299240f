// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// What this build of the library is: its version, and the fabric backends
// compiled in (o3lsm/version.h; the build options are in CMakeLists.txt).

#include "o3lsm/version.h"

#include <cstring>

#include "o3lsm/build_config.h"

namespace o3lsm {

const char* VersionString() { return O3LSM_VERSION_STRING; }

bool HasFabricBackend(const char* scheme) {
  struct BuiltBackend {
    const char* scheme;
    bool built;
  };
  static constexpr BuiltBackend kBackends[] = {
      {"emulated", true},
      {"cxl", O3LSM_WITH_CXL == 1},
      {"ofi", O3LSM_WITH_OFI == 1},
      {"rdma", O3LSM_WITH_RDMA == 1},
  };
  for (const BuiltBackend& b : kBackends) {
    if (strcmp(b.scheme, scheme) == 0) return b.built;
  }
  return false;
}

}  // namespace o3lsm
