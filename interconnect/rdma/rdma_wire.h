// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// What an RdmaPoolServer and its clients say to each other besides the
// control connection's handshake (docs/fabric.md, "rdma wire format"). All
// little-endian, fixed size:
//
//   Admission (the handshake's server blob, 48 bytes):
//     version u16, pool_id u16, cm_port u16, reserved u16, remote_addr u64,
//     pool_size u64, rkey u32, atomic_cap u32, ticket [16]
//   Ticket (client -> server, connect private data, 24 bytes):
//     magic u32 "O3RT", version u16, reserved u16, ticket [16]
//
// A ticket is good for one connection, for one handshake timeout, and only
// while the control connection that earned it stays open: the queue pair
// that can reach the pool exists only for a client that proved the
// cluster's secret.
//
// Thread safety: plain values and pure functions.

#ifndef O3LSM_INTERCONNECT_RDMA_RDMA_WIRE_H_
#define O3LSM_INTERCONNECT_RDMA_RDMA_WIRE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace o3lsm::fabric::rdma_wire {

inline constexpr uint16_t kVersion = 2;
inline constexpr uint32_t kTicketMagic = 0x5452334f;  // "O3RT" little-endian
inline constexpr size_t kTicketBytes = 16;
using Ticket = std::array<uint8_t, kTicketBytes>;
// The handshake's client blob of an rdma client.
inline constexpr char kClientBlob[] = "rdma";

struct Admission {
  uint16_t pool_id = 0;
  uint16_t cm_port = 0;  // the connection manager's port on the same host
  uint64_t remote_addr = 0;
  uint64_t pool_size = 0;
  uint32_t rkey = 0;
  uint32_t atomic_cap = 0;  // ibv_atomic_cap of the server's device
  Ticket ticket{};
};
inline constexpr size_t kAdmissionSize = 48;
inline constexpr size_t kTicketMessageSize = 24;

std::string EncodeAdmission(const Admission& a);
bool DecodeAdmission(const std::string& blob, Admission* a);
void EncodeTicket(const Ticket& t, char* dst);
bool DecodeTicket(const void* src, size_t n, Ticket* t);

}  // namespace o3lsm::fabric::rdma_wire

#endif  // O3LSM_INTERCONNECT_RDMA_RDMA_WIRE_H_
