// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/fabric.h"

#include <cinttypes>
#include <cstdio>

#include "interconnect/cxl/cxl_fabric.h"
#include "interconnect/emulated/emulated_fabric.h"
#include "interconnect/fabric_uri.h"
#include "interconnect/rdma/rdma_fabric.h"

namespace o3lsm::fabric {

std::string DmAddr::ToString() const {
  if (is_null()) return "dm:null";
  char buf[48];
  snprintf(buf, sizeof(buf), "dm:%u:0x%" PRIx64, unsigned{pool()}, offset());
  return buf;
}

const char* VerbName(Verb verb) {
  switch (verb) {
    case Verb::kRead:
      return "read";
    case Verb::kWrite:
      return "write";
    case Verb::kCompareAndSwap:
      return "compare-and-swap";
    case Verb::kFetchAndAdd:
      return "fetch-and-add";
  }
  return "unknown verb";
}

Status Completion::Arm() {
  int expected = kIdle;
  if (!state_.compare_exchange_strong(expected, kArmed,
                                      std::memory_order_acq_rel)) {
    return Status::InvalidArgument(
        "fabric completion is still in use by an earlier batch");
  }
  ready_at_ns_ = 0;
  backend_tag = 0;
  return Status::OK();
}

void Completion::Finish(Status s, uint64_t ready_at_ns) {
  status_ = std::move(s);
  ready_at_ns_ = ready_at_ns;
  state_.store(kFinished, std::memory_order_release);
}

Status Completion::Reset() {
  Status s = std::move(status_);
  status_ = Status::OK();
  state_.store(kIdle, std::memory_order_release);
  return s;
}

Status Fabric::Execute(std::span<WorkRequest> batch) {
  Completion c;
  Status s = Post(batch, &c);
  if (!s.ok()) return s;
  return Wait(&c, default_timeout());
}

Status Fabric::Read(DmAddr from, void* dst, size_t n) {
  WorkRequest wr = WorkRequest::Read(from, dst, n);
  return Execute({&wr, 1});
}

Status Fabric::Write(DmAddr to, const void* src, size_t n) {
  WorkRequest wr = WorkRequest::Write(to, src, n);
  return Execute({&wr, 1});
}

Status Fabric::CompareAndSwap64(DmAddr word, uint64_t expected,
                                uint64_t desired, uint64_t* observed) {
  WorkRequest wr =
      WorkRequest::CompareAndSwap(word, expected, desired, observed);
  return Execute({&wr, 1});
}

Status Fabric::FetchAndAdd64(DmAddr word, uint64_t delta, uint64_t* previous) {
  WorkRequest wr = WorkRequest::FetchAndAdd(word, delta, previous);
  return Execute({&wr, 1});
}

Status Fabric::ValidateRange(DmAddr addr, size_t n, const char* what) const {
  const PoolInfo& info = pool();
  if (addr.pool() != info.pool_id) {
    return Status::InvalidArgument(
        std::string("fabric ") + what + " at " + addr.ToString(),
        "address is in pool " + std::to_string(addr.pool()) +
            ", this fabric serves pool " + std::to_string(info.pool_id));
  }
  if (addr.offset() > info.pool_size || n > info.pool_size - addr.offset()) {
    return Status::InvalidArgument(
        std::string("fabric ") + what + " of " + std::to_string(n) +
            " bytes at " + addr.ToString(),
        "beyond the end of the pool (" + std::to_string(info.pool_size) +
            " bytes)");
  }
  return Status::OK();
}

Status Fabric::Validate(const WorkRequest& wr) const {
  const char* what = VerbName(wr.verb);
  switch (wr.verb) {
    case Verb::kRead:
    case Verb::kWrite:
      if (wr.local == nullptr && wr.length > 0) {
        return Status::InvalidArgument(
            std::string("fabric ") + what + " at " + wr.remote.ToString(),
            "null local buffer");
      }
      return ValidateRange(wr.remote, wr.length, what);
    case Verb::kCompareAndSwap:
    case Verb::kFetchAndAdd:
      if (wr.remote.offset() % 8 != 0) {
        return Status::InvalidArgument(
            std::string("fabric ") + what + " at " + wr.remote.ToString(),
            "atomics need an 8-byte aligned address");
      }
      return ValidateRange(wr.remote, 8, what);
  }
  return Status::InvalidArgument("fabric request with an unknown verb");
}

Status OpenFabric(const FabricOptions& options,
                  std::unique_ptr<Fabric>* result) {
  FabricOptions o = options;
  ParsedUri uri;
  Status s = ParseFabricUri(&o, &uri);
  if (!s.ok()) return s;
  if (o.pool_id == 0) {
    return Status::InvalidArgument("fabric options", "pool_id 0 is reserved");
  }
  switch (uri.backend) {
    case Backend::kEmulated:
      return OpenEmulatedFabric(o, uri.path, result);
    case Backend::kCxl:
      return OpenCxlFabric(o, uri.path, result);
    case Backend::kRdma:
      return OpenRdmaFabric(o, uri.host, uri.port, result);
  }
  return Status::InvalidArgument("fabric URI", o.uri);
}

}  // namespace o3lsm::fabric
