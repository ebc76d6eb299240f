// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// What an RdmaPoolServer and its clients say to each other (docs/fabric.md,
// "rdma wire format"). All little-endian, fixed size:
//
//   Hello (client -> server, connect private data, 16 bytes):
//     magic u32 "O3RH", version u16, reserved u16, cluster_id u64
//   Advert (server -> client, accept private data, 48 bytes):
//     magic u32 "O3RA", version u16, pool_id u16, remote_addr u64,
//     pool_size u64, rkey u32, atomic_cap u32, cluster_id u64, reserved u64
//   Doorbell message (SEND, either way, 16 bytes):
//     type u32 (DoorbellMessage::Type), reserved u32, offset u64
//
// Thread safety: plain values and pure functions.

#ifndef O3LSM_INTERCONNECT_RDMA_RDMA_WIRE_H_
#define O3LSM_INTERCONNECT_RDMA_RDMA_WIRE_H_

#include <cstddef>
#include <cstdint>

namespace o3lsm::fabric::rdma_wire {

inline constexpr uint16_t kVersion = 1;
inline constexpr uint32_t kHelloMagic = 0x4852334f;   // "O3RH" little-endian
inline constexpr uint32_t kAdvertMagic = 0x4152334f;  // "O3RA" little-endian

struct Hello {
  uint64_t cluster_id = 0;  // 0 = any
};
inline constexpr size_t kHelloSize = 16;

struct Advert {
  uint16_t pool_id = 0;
  uint64_t remote_addr = 0;
  uint64_t pool_size = 0;
  uint32_t rkey = 0;
  uint32_t atomic_cap = 0;  // ibv_atomic_cap of the server's device
  uint64_t cluster_id = 0;
};
inline constexpr size_t kAdvertSize = 48;

struct DoorbellMessage {
  // Persisted nowhere, but on the wire: do not renumber.
  enum Type : uint32_t {
    kRing = 1,    // client -> server: I added 1 to the word; wake its waiters
    kWake = 2,    // client -> server: I changed the word; wake its waiters
    kNotify = 3,  // server -> client: the word was rung or changed
  };
  Type type = kRing;
  uint64_t offset = 0;
};
inline constexpr size_t kDoorbellSize = 16;

void EncodeHello(const Hello& h, char* dst);
bool DecodeHello(const void* src, size_t n, Hello* h);
void EncodeAdvert(const Advert& a, char* dst);
bool DecodeAdvert(const void* src, size_t n, Advert* a);
void EncodeDoorbell(const DoorbellMessage& m, char* dst);
bool DecodeDoorbell(const void* src, size_t n, DoorbellMessage* m);

}  // namespace o3lsm::fabric::rdma_wire

#endif  // O3LSM_INTERCONNECT_RDMA_RDMA_WIRE_H_
