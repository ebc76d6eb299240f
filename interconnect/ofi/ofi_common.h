// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// What the ofi client and server share: finding a libfabric provider that
// can serve the pool (one-sided read, write and 64-bit atomics on a
// reliable datagram endpoint), the admission blob a memory node gives an
// admitted client, and naming libfabric errors. Only this folder includes
// libfabric headers.
//
// Provider choice (docs/fabric.md): a memory node asked for no provider
// takes the first of kProviderPreference its host offers for the listen
// address - RDMA NICs first, TCP last - and tells each client which one;
// a client may insist on one with provider=.
//
// Thread safety: functions; an OfiInfo is owned by one thread.

#ifndef O3LSM_INTERCONNECT_OFI_OFI_COMMON_H_
#define O3LSM_INTERCONNECT_OFI_OFI_COMMON_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <rdma/fabric.h>
#include <rdma/fi_domain.h>
#include <string>
#include <vector>

#include "o3lsm/status.h"

namespace o3lsm::fabric::ofi {

inline constexpr uint32_t kFabricVersion = FI_VERSION(1, 17);

// Tried in order when no provider is named.
inline const std::vector<std::string>& ProviderPreference() {
  static const std::vector<std::string> kList = {
      "verbs;ofi_rxm", "efa", "cxi", "opx", "tcp;ofi_rxm"};
  return kList;
}

struct InfoDeleter {
  void operator()(fi_info* info) const { fi_freeinfo(info); }
};
using OfiInfo = std::unique_ptr<fi_info, InfoDeleter>;

// Who asks: the memory node (remote access to its memory) or a client.
enum class Side { kServer, kClient };

// Finds provider's info for side. Server: bound to node (its listen
// host). Client: able to reach dest (the server's address, in addr_format).
// NotSupported naming the provider when it is absent or lacks RMA and
// atomics on reliable datagrams.
[[nodiscard]] Status GetInfo(const std::string& provider, Side side,
                             const std::string& node, uint32_t addr_format,
                             const std::string& dest, OfiInfo* info);

// Server: the first of ProviderPreference() that GetInfo finds.
[[nodiscard]] Status ChooseProvider(const std::string& node,
                                    std::string* provider, OfiInfo* info);

// One reliable-datagram endpoint with its fabric, domain, completion
// queue and address vector: what the client and the server both open.
struct Endpoint {
  fid_fabric* fabric = nullptr;
  fid_domain* domain = nullptr;
  fid_cq* cq = nullptr;
  fid_av* av = nullptr;
  fid_ep* ep = nullptr;
  int wait_fd = -1;  // the queue's wait object; -1 if the provider has none

  // Opens everything for info, the queue cq_size deep, and enables the
  // endpoint. On error what was opened stays for Close.
  [[nodiscard]] Status Open(fi_info* info, size_t cq_size,
                            const std::string& where);
  // Closes the endpoint (cancelling what is in flight), then the rest.
  void CloseEndpoint();
  void Close();
  // Sleeps until the queue has something to read (or max passes); without
  // a wait object, naps for `nap` instead.
  void SleepOnQueue(std::chrono::milliseconds max,
                    std::chrono::microseconds nap);
};

// "call: fi_strerror(-ret)" as Unavailable (peer gone, unreachable),
// InvalidArgument (access to a bad address or key) or IOError.
Status OfiError(const std::string& where, const char* call, int ret);

// What an admitted client needs to reach the pool (the server blob of the
// handshake). Little-endian: version u16, pool_id u16, addr_format u32,
// key u64, base u64, pool_size u64, provider_len u16, addr_len u16,
// provider, addr.
struct Admission {
  uint16_t pool_id = 0;
  uint32_t addr_format = 0;  // FI_SOCKADDR_IN, ...
  uint64_t key = 0;          // memory key of the pool's region
  uint64_t base = 0;         // remote address of pool offset 0
  uint64_t pool_size = 0;
  std::string provider;      // "tcp;ofi_rxm"
  std::string address;       // the server endpoint's fi_getname
};
std::string EncodeAdmission(const Admission& a);
bool DecodeAdmission(const std::string& blob, Admission* a);

// For FI_SOCKADDR* addresses that are unspecified (a node listening on
// 0.0.0.0 or ::): the same port at the host the client reached the
// control connection through. Other addresses are returned unchanged.
std::string ReachableAddress(uint32_t addr_format, const std::string& address,
                             const std::string& control_host);

}  // namespace o3lsm::fabric::ofi

#endif  // O3LSM_INTERCONNECT_OFI_OFI_COMMON_H_
