// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "tools/common/cluster_file.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <fstream>
#include <vector>

namespace o3lsm::tools {

Status ClusterFile::Read(const std::string& path, ClusterFile* out) {
  const std::string where = "cluster file " + path;
  std::ifstream in(path);
  if (!in) return Status::IOError(where, "cannot read the file");
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const CLI::Error& e) {
    return Status::InvalidArgument(where, e.what());
  }
  ClusterFile f;
  f.path = path;
  for (const CLI::ConfigItem& item : items) {
    const std::string key = item.fullname();
    // CLI11 reports each section header as an item of its own.
    if (!item.parents.empty() || item.name == "++" || item.name == "--") {
      return Status::InvalidArgument(
          where, "sections are not part of a cluster file ('" + key + "')");
    }
    if (item.inputs.size() != 1) {
      return Status::InvalidArgument(where, "'" + key + "' needs one value");
    }
    const std::string& v = item.inputs[0];
    if (key == "pool") {
      f.pool = v;
    } else if (key == "size") {
      f.size = v;
    } else if (key == "listen") {
      f.listen = v;
    } else if (key == "transport") {
      if (v != "ofi" && v != "rdma") {
        return Status::InvalidArgument(
            where, "transport = \"" + v + "\": expected ofi or rdma");
      }
      f.transport = v;
    } else if (key == "provider") {
      f.provider = v;
    } else if (key == "secret") {
      if (v.empty() || v[0] != '/') {
        return Status::InvalidArgument(
            where, "secret = \"" + v + "\": the key file's absolute path");
      }
      f.secret = v;
    } else if (key == "cluster_id") {
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(),
                                           f.cluster_id);
      if (ec != std::errc() || p != v.data() + v.size() ||
          f.cluster_id == 0) {
        return Status::InvalidArgument(
            where, "cluster_id = " + v + ": expected a nonzero integer");
      }
    } else if (key == "storage") {
      f.storage = v;
    } else {
      return Status::InvalidArgument(
          where, "unknown key '" + key +
                     "' (known: pool, size, listen, transport, provider, "
                     "secret, cluster_id, storage)");
    }
  }
  if (f.pool.empty() && f.listen.empty()) {
    return Status::InvalidArgument(
        where, "names no pool: give pool = \"URI\" (one host) or listen = "
               "\"HOST:PORT\" (the memory node's network address)");
  }
  if (!f.listen.empty() && (f.secret.empty() || f.cluster_id == 0)) {
    return Status::InvalidArgument(
        where, "a pool reached over the network (listen) needs secret and "
               "cluster_id");
  }
  *out = std::move(f);
  return Status::OK();
}

std::string ClusterFile::ClientUri() const {
  if (listen.empty()) return pool;
  std::string uri = (transport.empty() ? std::string("ofi") : transport) +
                    "://" + listen + "?secret=" + secret +
                    "&cluster_id=" + std::to_string(cluster_id);
  if (!provider.empty() && transport != "rdma") uri += "&provider=" + provider;
  return uri;
}

}  // namespace o3lsm::tools
