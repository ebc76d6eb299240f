// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/rdma/rdma_wire.h"

#include <cstring>

#include "util/coding.h"

namespace o3lsm::fabric::rdma_wire {

std::string EncodeAdmission(const Admission& a) {
  std::string out(kAdmissionSize, '\0');
  char* p = out.data();
  EncodeFixed16(p, kVersion);
  EncodeFixed16(p + 2, a.pool_id);
  EncodeFixed16(p + 4, a.cm_port);
  EncodeFixed64(p + 8, a.remote_addr);
  EncodeFixed64(p + 16, a.pool_size);
  EncodeFixed32(p + 24, a.rkey);
  EncodeFixed32(p + 28, a.atomic_cap);
  memcpy(p + 32, a.ticket.data(), kTicketBytes);
  return out;
}

bool DecodeAdmission(const std::string& blob, Admission* a) {
  if (blob.size() != kAdmissionSize) return false;
  const char* p = blob.data();
  if (DecodeFixed16(p) != kVersion) return false;
  a->pool_id = DecodeFixed16(p + 2);
  a->cm_port = DecodeFixed16(p + 4);
  a->remote_addr = DecodeFixed64(p + 8);
  a->pool_size = DecodeFixed64(p + 16);
  a->rkey = DecodeFixed32(p + 24);
  a->atomic_cap = DecodeFixed32(p + 28);
  memcpy(a->ticket.data(), p + 32, kTicketBytes);
  return true;
}

void EncodeTicket(const Ticket& t, char* dst) {
  memset(dst, 0, kTicketMessageSize);
  EncodeFixed32(dst, kTicketMagic);
  EncodeFixed16(dst + 4, kVersion);
  memcpy(dst + 8, t.data(), kTicketBytes);
}

bool DecodeTicket(const void* src, size_t n, Ticket* t) {
  const char* p = static_cast<const char*>(src);
  if (p == nullptr || n < kTicketMessageSize ||
      DecodeFixed32(p) != kTicketMagic || DecodeFixed16(p + 4) != kVersion) {
    return false;
  }
  memcpy(t->data(), p + 8, kTicketBytes);
  return true;
}

}  // namespace o3lsm::fabric::rdma_wire
