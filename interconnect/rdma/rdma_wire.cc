// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/rdma/rdma_wire.h"

#include <cstring>

#include "util/coding.h"

namespace o3lsm::fabric::rdma_wire {

void EncodeHello(const Hello& h, char* dst) {
  memset(dst, 0, kHelloSize);
  EncodeFixed32(dst, kHelloMagic);
  EncodeFixed16(dst + 4, kVersion);
  EncodeFixed64(dst + 8, h.cluster_id);
}

bool DecodeHello(const void* src, size_t n, Hello* h) {
  const char* p = static_cast<const char*>(src);
  if (p == nullptr || n < kHelloSize || DecodeFixed32(p) != kHelloMagic ||
      DecodeFixed16(p + 4) != kVersion) {
    return false;
  }
  h->cluster_id = DecodeFixed64(p + 8);
  return true;
}

void EncodeAdvert(const Advert& a, char* dst) {
  memset(dst, 0, kAdvertSize);
  EncodeFixed32(dst, kAdvertMagic);
  EncodeFixed16(dst + 4, kVersion);
  EncodeFixed16(dst + 6, a.pool_id);
  EncodeFixed64(dst + 8, a.remote_addr);
  EncodeFixed64(dst + 16, a.pool_size);
  EncodeFixed32(dst + 24, a.rkey);
  EncodeFixed32(dst + 28, a.atomic_cap);
  EncodeFixed64(dst + 32, a.cluster_id);
}

bool DecodeAdvert(const void* src, size_t n, Advert* a) {
  const char* p = static_cast<const char*>(src);
  if (p == nullptr || n < kAdvertSize || DecodeFixed32(p) != kAdvertMagic ||
      DecodeFixed16(p + 4) != kVersion) {
    return false;
  }
  a->pool_id = DecodeFixed16(p + 6);
  a->remote_addr = DecodeFixed64(p + 8);
  a->pool_size = DecodeFixed64(p + 16);
  a->rkey = DecodeFixed32(p + 24);
  a->atomic_cap = DecodeFixed32(p + 28);
  a->cluster_id = DecodeFixed64(p + 32);
  return true;
}

void EncodeDoorbell(const DoorbellMessage& m, char* dst) {
  memset(dst, 0, kDoorbellSize);
  EncodeFixed32(dst, m.type);
  EncodeFixed64(dst + 8, m.offset);
}

bool DecodeDoorbell(const void* src, size_t n, DoorbellMessage* m) {
  const char* p = static_cast<const char*>(src);
  if (p == nullptr || n < kDoorbellSize) return false;
  const uint32_t type = DecodeFixed32(p);
  if (type < DoorbellMessage::kRing || type > DoorbellMessage::kNotify) {
    return false;
  }
  m->type = static_cast<DoorbellMessage::Type>(type);
  m->offset = DecodeFixed64(p + 8);
  return true;
}

}  // namespace o3lsm::fabric::rdma_wire
