// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The cluster file: one TOML (or INI) file that every node of a cluster and
// o3lsm-cli --cluster read (docs/cluster.md, "The cluster file"):
//
//   pool       = "emulated:/dev/shm/o3lsm-pool"  # the memory node's pool
//   size       = "64G"                           # its size at --create
//   listen     = "10.0.0.5:7470"   # where the memory node exports the pool
//   transport  = "ofi"             # ofi (default) or rdma
//   provider   = "tcp;ofi_rxm"     # ofi only; absent: the node's choice
//   secret     = "/etc/o3lsm/cluster.key"   # the cluster's key file
//   cluster_id = 7
//   storage    = "/mnt/shared/o3lsm-db"     # the database directory
//
// Every key is optional, but a key the file does not know, a section, or
// a value of the wrong type is an error: a typo never silently changes
// what a node does. Workers and compute nodes reach the pool at
// ClientUri(): over the network when the file names `listen`, else at
// `pool` itself (one host sharing /dev/shm or a CXL device).
//
// Thread safety: a ClusterFile is a value.

#ifndef O3LSM_TOOLS_COMMON_CLUSTER_FILE_H_
#define O3LSM_TOOLS_COMMON_CLUSTER_FILE_H_

#include <cstdint>
#include <string>

#include "o3lsm/status.h"

namespace o3lsm::tools {

struct ClusterFile {
  std::string path;  // where it was read from
  std::string pool;
  std::string size;
  std::string listen;
  std::string transport;  // "" = ofi
  std::string provider;
  std::string secret;
  uint64_t cluster_id = 0;
  std::string storage;

  // Reads and checks path. InvalidArgument naming the file (and the key)
  // for unknown keys, sections, bad values, a relative secret path, or a
  // file that names neither a pool nor a listen address; IOError if the
  // file cannot be read.
  [[nodiscard]] static Status Read(const std::string& path, ClusterFile* out);

  // The URI a worker or compute node opens: "ofi://10.0.0.5:7470?secret=
  // ...&cluster_id=7" when the file names listen, else pool.
  std::string ClientUri() const;
};

}  // namespace o3lsm::tools

#endif  // O3LSM_TOOLS_COMMON_CLUSTER_FILE_H_
