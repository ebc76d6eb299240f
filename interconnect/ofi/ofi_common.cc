// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/ofi/ofi_common.h"

#include <arpa/inet.h>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_eq.h>
#include <rdma/fi_errno.h>
#include <thread>

#include "util/coding.h"

namespace o3lsm::fabric::ofi {

namespace {

constexpr uint16_t kAdmissionVersion = 1;

OfiInfo Hints(const std::string& provider, Side side, uint64_t mr_mode) {
  OfiInfo hints(fi_allocinfo());
  hints->caps = FI_RMA | FI_ATOMIC | FI_READ | FI_WRITE;
  if (side == Side::kServer) hints->caps |= FI_REMOTE_READ | FI_REMOTE_WRITE;
  hints->ep_attr->type = FI_EP_RDM;
  // The modes o3lsm can honour: every context is an fi_context2, local
  // buffers are registered staging, remote addresses may be virtual.
  hints->mode = FI_CONTEXT | FI_CONTEXT2;
  hints->domain_attr->mr_mode = mr_mode;
  hints->domain_attr->threading = FI_THREAD_SAFE;
  hints->fabric_attr->prov_name = strdup(provider.c_str());
  return hints;
}

}  // namespace

Status OfiError(const std::string& where, const char* call, int ret) {
  const int err = ret < 0 ? -ret : ret;
  const std::string what =
      std::string(call) + " failed: " + fi_strerror(err);
  switch (err) {
    case FI_ECONNREFUSED:
    case FI_ECONNRESET:
    case FI_ECONNABORTED:
    case FI_ENOTCONN:
    case FI_EHOSTUNREACH:
    case FI_ENETUNREACH:
    case FI_ETIMEDOUT:
    case FI_ESHUTDOWN:
    case FI_ENODATA:
    case FI_ECANCELED:
    case FI_EIO:
      return Status::Unavailable(where, what);
    case FI_EACCES:
    case FI_EINVAL:
    case FI_EKEYREJECTED:
      return Status::InvalidArgument(where, what);
    default:
      return Status::IOError(where, what);
  }
}

Status Endpoint::Open(fi_info* info, size_t cq_size,
                      const std::string& where) {
  int ret = fi_fabric(info->fabric_attr, &fabric, nullptr);
  if (ret != 0) return OfiError(where, "fi_fabric", ret);
  ret = fi_domain(fabric, info, &domain, nullptr);
  if (ret != 0) return OfiError(where, "fi_domain", ret);
  fi_cq_attr cq_attr{};
  cq_attr.format = FI_CQ_FORMAT_CONTEXT;
  cq_attr.size = cq_size;
  cq_attr.wait_obj = FI_WAIT_FD;
  if (fi_cq_open(domain, &cq_attr, &cq, nullptr) != 0) {
    // No fd to sleep on: waiters nap between polls instead.
    cq_attr.wait_obj = FI_WAIT_NONE;
    ret = fi_cq_open(domain, &cq_attr, &cq, nullptr);
    if (ret != 0) return OfiError(where, "fi_cq_open", ret);
  } else if (fi_control(&cq->fid, FI_GETWAIT, &wait_fd) != 0) {
    wait_fd = -1;
  }
  fi_av_attr av_attr{};
  av_attr.type = FI_AV_TABLE;
  ret = fi_av_open(domain, &av_attr, &av, nullptr);
  if (ret != 0) return OfiError(where, "fi_av_open", ret);
  ret = fi_endpoint(domain, info, &ep, nullptr);
  if (ret != 0) return OfiError(where, "fi_endpoint", ret);
  ret = fi_ep_bind(ep, &av->fid, 0);
  if (ret == 0) ret = fi_ep_bind(ep, &cq->fid, FI_TRANSMIT | FI_RECV);
  if (ret != 0) return OfiError(where, "fi_ep_bind", ret);
  ret = fi_enable(ep);
  if (ret != 0) return OfiError(where, "fi_enable", ret);
  return Status::OK();
}

void Endpoint::CloseEndpoint() {
  if (ep != nullptr) fi_close(&ep->fid);
  ep = nullptr;
}

void Endpoint::Close() {
  CloseEndpoint();
  if (av != nullptr) fi_close(&av->fid);
  if (cq != nullptr) fi_close(&cq->fid);
  if (domain != nullptr) fi_close(&domain->fid);
  if (fabric != nullptr) fi_close(&fabric->fid);
  av = nullptr;
  cq = nullptr;
  domain = nullptr;
  fabric = nullptr;
}

void Endpoint::SleepOnQueue(std::chrono::milliseconds max,
                            std::chrono::microseconds nap) {
  if (wait_fd < 0) {
    std::this_thread::sleep_for(nap);
    return;
  }
  fid* fids[1] = {&cq->fid};
  // Only when the provider says nothing is pending may the fd be waited on.
  if (fi_trywait(fabric, fids, 1) == FI_SUCCESS) {
    pollfd p{wait_fd, POLLIN, 0};
    poll(&p, 1, static_cast<int>(max.count()));
  }
}

Status GetInfo(const std::string& provider, Side side, const std::string& node,
               uint32_t addr_format, const std::string& dest, OfiInfo* info) {
  // Without FI_MR_PROV_KEY first: o3lsm then picks each region's key at
  // random, 64 bits no client can guess. Providers that insist on their
  // own keys (verbs, efa) answer only the second query.
  const uint64_t base_modes =
      FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_ENDPOINT;
  int ret = -FI_ENODATA;
  fi_info* found = nullptr;
  for (uint64_t modes : {base_modes, base_modes | FI_MR_PROV_KEY}) {
    OfiInfo hints = Hints(provider, side, modes);
    if (side == Side::kClient && !dest.empty()) {
      hints->addr_format = addr_format;
      hints->dest_addr = malloc(dest.size());
      memcpy(hints->dest_addr, dest.data(), dest.size());
      hints->dest_addrlen = dest.size();
    }
    ret = fi_getinfo(kFabricVersion,
                     side == Side::kServer ? node.c_str() : nullptr, nullptr,
                     side == Side::kServer ? FI_SOURCE : 0, hints.get(),
                     &found);
    if (ret == 0 && found != nullptr) break;
  }
  if (ret != 0 || found == nullptr) {
    return Status::NotSupported(
        "libfabric provider " + provider,
        std::string("not available here with RMA and atomics on reliable "
                    "datagram endpoints") +
            (side == Side::kServer ? " for " + node : "") + " (" +
            fi_strerror(-ret) + "; see fi_info -l)");
  }
  info->reset(found);
  return Status::OK();
}

Status ChooseProvider(const std::string& node, std::string* provider,
                      OfiInfo* info) {
  std::string tried;
  for (const std::string& p : ProviderPreference()) {
    if (GetInfo(p, Side::kServer, node, 0, "", info).ok()) {
      *provider = p;
      return Status::OK();
    }
    tried += (tried.empty() ? "" : ", ") + p;
  }
  return Status::NotSupported("libfabric",
                              "no provider with RMA and atomics serves " +
                                  node + " (tried " + tried + ")");
}

std::string EncodeAdmission(const Admission& a) {
  std::string out(36, '\0');
  EncodeFixed16(out.data(), kAdmissionVersion);
  EncodeFixed16(out.data() + 2, a.pool_id);
  EncodeFixed32(out.data() + 4, a.addr_format);
  EncodeFixed64(out.data() + 8, a.key);
  EncodeFixed64(out.data() + 16, a.base);
  EncodeFixed64(out.data() + 24, a.pool_size);
  EncodeFixed16(out.data() + 32, static_cast<uint16_t>(a.provider.size()));
  EncodeFixed16(out.data() + 34, static_cast<uint16_t>(a.address.size()));
  out += a.provider;
  out += a.address;
  return out;
}

bool DecodeAdmission(const std::string& blob, Admission* a) {
  if (blob.size() < 36 || DecodeFixed16(blob.data()) != kAdmissionVersion) {
    return false;
  }
  const char* p = blob.data();
  const size_t plen = DecodeFixed16(p + 32);
  const size_t alen = DecodeFixed16(p + 34);
  if (blob.size() != 36 + plen + alen || plen == 0 || alen == 0) return false;
  a->pool_id = DecodeFixed16(p + 2);
  a->addr_format = DecodeFixed32(p + 4);
  a->key = DecodeFixed64(p + 8);
  a->base = DecodeFixed64(p + 16);
  a->pool_size = DecodeFixed64(p + 24);
  a->provider = blob.substr(36, plen);
  a->address = blob.substr(36 + plen, alen);
  return true;
}

std::string ReachableAddress(uint32_t addr_format, const std::string& address,
                             const std::string& control_host) {
  const bool sockaddr = addr_format == FI_SOCKADDR ||
                        addr_format == FI_SOCKADDR_IN ||
                        addr_format == FI_SOCKADDR_IN6;
  if (!sockaddr || address.size() < sizeof(sockaddr_in)) return address;
  sockaddr_storage ss{};
  memcpy(&ss, address.data(), std::min(address.size(), sizeof(ss)));
  bool unspecified = false;
  uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    unspecified = in->sin_addr.s_addr == htonl(INADDR_ANY);
    port = in->sin_port;
  } else if (ss.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    unspecified = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
    port = in6->sin6_port;
  }
  if (!unspecified) return address;
  addrinfo hints{};
  hints.ai_family = ss.ss_family;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(control_host.c_str(), nullptr, &hints, &res) != 0 ||
      res == nullptr) {
    return address;
  }
  std::string out(reinterpret_cast<const char*>(res->ai_addr),
                  res->ai_addrlen);
  freeaddrinfo(res);
  if (ss.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(out.data())->sin_port = port;
  } else {
    reinterpret_cast<sockaddr_in6*>(out.data())->sin6_port = port;
  }
  out.resize(address.size(), '\0');
  return out;
}

}  // namespace o3lsm::fabric::ofi
