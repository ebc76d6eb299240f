// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/fabric_uri.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace o3lsm::fabric {

namespace {

template <typename T>
bool ParseInt(const std::string& text, T* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && p == end;
}

bool ParseDouble(const std::string& text, double* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && p == end && std::isfinite(*value) && *value >= 0;
}

bool ParseBool(const std::string& text, bool* value) {
  if (text == "1" || text == "true") {
    *value = true;
  } else if (text == "0" || text == "false") {
    *value = false;
  } else {
    return false;
  }
  return true;
}

Status ApplyParam(const std::string& uri, Backend backend,
                  const std::string& key, const std::string& value,
                  FabricOptions* o) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(
        "fabric URI \"" + uri + "\"",
        "parameter " + key + "=" + value + ": " + why);
  };
  const bool network = backend == Backend::kRdma || backend == Backend::kOfi;
  const bool mapped = !network;
  bool ok = true;
  if (key == "size" && mapped) {
    ok = ParseByteSize(value, &o->size);
  } else if (key == "pool_id" && mapped) {
    ok = ParseInt(value, &o->pool_id) && o->pool_id != 0;
  } else if (key == "cluster_id") {
    ok = ParseInt(value, &o->cluster_id);
  } else if (key == "chunk_size" && mapped) {
    ok = ParseByteSize(value, &o->layout.chunk_size);
  } else if (key == "latency_ns" && mapped) {
    ok = ParseInt(value, &o->model.latency_ns);
  } else if (key == "bandwidth_gbps" && mapped) {
    ok = ParseDouble(value, &o->model.bandwidth_gbps);
  } else if (key == "numa_node" && backend == Backend::kEmulated) {
    ok = ParseInt(value, &o->numa_node) && o->numa_node >= -1;
  } else if (key == "timeout_ms") {
    int64_t ms = 0;
    ok = ParseInt(value, &ms) && ms > 0;
    o->timeout = std::chrono::milliseconds(ms);
  } else if (key == "create" && mapped) {
    ok = ParseBool(value, &o->create_if_missing);
  } else if (key == "format" && mapped) {
    ok = ParseBool(value, &o->format);
  } else if (key == "secret" && network) {
    o->secret_path = value;
    ok = !value.empty() && value[0] == '/';
  } else if (key == "provider" && backend == Backend::kOfi) {
    o->ofi_provider = value;
    ok = !value.empty();
  } else if (key == "device" && backend == Backend::kRdma) {
    o->rdma_device = value;
    ok = !value.empty();
  } else if (key == "port_num" && backend == Backend::kRdma) {
    ok = ParseInt(value, &o->rdma_port) && o->rdma_port >= 0;
  } else if (key == "gid_index" && backend == Backend::kRdma) {
    ok = ParseInt(value, &o->rdma_gid_index) && o->rdma_gid_index >= -1;
  } else {
    return bad("unknown parameter for this backend (see docs/fabric.md)");
  }
  return ok ? Status::OK() : bad("malformed or out-of-range value");
}

}  // namespace

bool ParseByteSize(const std::string& text, uint64_t* bytes) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    digits++;
  }
  uint64_t base;
  if (!ParseInt(text.substr(0, digits), &base)) return false;
  std::string suffix = text.substr(digits);
  int shift = 0;
  if (suffix.empty() || suffix == "B") {
    shift = 0;
  } else if (suffix == "K" || suffix == "KiB" || suffix == "k") {
    shift = 10;
  } else if (suffix == "M" || suffix == "MiB") {
    shift = 20;
  } else if (suffix == "G" || suffix == "GiB") {
    shift = 30;
  } else if (suffix == "T" || suffix == "TiB") {
    shift = 40;
  } else {
    return false;
  }
  if (shift > 0 && base > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return false;
  }
  *bytes = base << shift;
  return true;
}

Status ParseFabricUri(FabricOptions* options, ParsedUri* parsed) {
  const std::string& uri = options->uri;
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("fabric URI \"" + uri + "\"", why);
  };
  const size_t colon = uri.find(':');
  if (colon == std::string::npos) {
    return bad(
        "no scheme; expected emulated:[path], cxl:path, ofi://host:port or "
        "rdma://host:port");
  }
  const std::string scheme = uri.substr(0, colon);
  std::string rest = uri.substr(colon + 1);
  std::string query;
  if (size_t q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  ParsedUri p;
  if (scheme == "emulated" || scheme == "cxl") {
    p.backend = scheme == "emulated" ? Backend::kEmulated : Backend::kCxl;
    if (!rest.empty() && rest[0] != '/') {
      return bad("the path \"" + rest + "\" is not absolute");
    }
    if (p.backend == Backend::kCxl && rest.empty()) {
      return bad("cxl: needs a path (a devdax device or a file)");
    }
    p.path = rest;
  } else if (scheme == "rdma" || scheme == "ofi") {
    p.backend = scheme == "rdma" ? Backend::kRdma : Backend::kOfi;
    if (rest.rfind("//", 0) != 0) {
      return bad("expected " + scheme + "://host:port");
    }
    rest = rest.substr(2);
    size_t port_colon;
    if (!rest.empty() && rest[0] == '[') {
      const size_t close = rest.find(']');
      if (close == std::string::npos) return bad("unterminated [IPv6] host");
      p.host = rest.substr(1, close - 1);
      port_colon = close + 1;
      if (port_colon >= rest.size() || rest[port_colon] != ':') {
        return bad("expected " + scheme + "://[host]:port");
      }
    } else {
      port_colon = rest.rfind(':');
      if (port_colon == std::string::npos) return bad("missing :port");
      p.host = rest.substr(0, port_colon);
    }
    if (p.host.empty()) return bad("empty host");
    if (!ParseInt(rest.substr(port_colon + 1), &p.port) || p.port <= 0 ||
        p.port > 65535) {
      return bad("port \"" + rest.substr(port_colon + 1) +
                 "\" is not in [1, 65535]");
    }
  } else {
    return bad("unknown scheme \"" + scheme +
               "\"; expected emulated, cxl, ofi or rdma");
  }

  FabricOptions o = *options;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    const std::string item = query.substr(start, amp - start);
    start = amp + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return bad("query item \"" + item + "\" is not key=value");
    }
    Status s =
        ApplyParam(uri, p.backend, item.substr(0, eq), item.substr(eq + 1), &o);
    if (!s.ok()) return s;
  }
  *options = std::move(o);
  *parsed = std::move(p);
  return Status::OK();
}

}  // namespace o3lsm::fabric
