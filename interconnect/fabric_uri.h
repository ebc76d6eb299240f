// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Parses the URI that selects a pool and its backend (docs/fabric.md):
//
//   uri     = "emulated:" [path] [query]
//           | "cxl:" path [query]
//           | "ofi://" host ":" port [query]
//           | "rdma://" host ":" port [query]
//   path    = an absolute file or device path
//   host    = name | IPv4 | "[" IPv6 "]"
//   query   = "?" key "=" value *("&" key "=" value)
//
// Query keys set the FabricOptions field of the same meaning: size,
// pool_id, cluster_id, chunk_size, latency_ns, bandwidth_gbps, numa_node,
// timeout_ms, create (create_if_missing), format, secret (secret_path),
// provider (ofi_provider), device, port_num, gid_index. Sizes take K/M/G/T (binary) suffixes. Unknown keys, bad values
// and a key a backend does not use are InvalidArgument.
//
// Thread safety: pure function.

#ifndef O3LSM_INTERCONNECT_FABRIC_URI_H_
#define O3LSM_INTERCONNECT_FABRIC_URI_H_

#include <string>

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

enum class Backend { kEmulated, kCxl, kRdma, kOfi };

struct ParsedUri {
  Backend backend = Backend::kEmulated;
  std::string path;  // emulated (empty = anonymous), cxl
  std::string host;  // rdma, ofi: without brackets
  int port = 0;      // rdma, ofi: the memory node's control port
};

// Parses options->uri; applies its query to *options.
[[nodiscard]] Status ParseFabricUri(FabricOptions* options, ParsedUri* parsed);

// "64M" -> 67108864. False if malformed or overflowing.
bool ParseByteSize(const std::string& text, uint64_t* bytes);

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_FABRIC_URI_H_
