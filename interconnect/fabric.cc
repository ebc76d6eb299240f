// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/fabric.h"

#include <atomic>
#include <cinttypes>
#include <cstring>
#include <cstdio>

#include "interconnect/emulated/emulated_fabric.h"
#include "interconnect/fabric_uri.h"
#include "o3lsm/build_config.h"
#if O3LSM_WITH_CXL
#include "interconnect/cxl/cxl_fabric.h"
#endif
#if O3LSM_WITH_OFI
#include "interconnect/ofi/ofi_fabric.h"
#endif
#if O3LSM_WITH_RDMA
#include "interconnect/rdma/rdma_fabric.h"
#endif

namespace o3lsm::fabric {

// The pool is "remote" memory that other processes change with atomics at
// the same time, which the C++ memory model calls a data race. Under
// ThreadSanitizer the pool side is therefore accessed with relaxed atomics
// (word by word, bytes at the unaligned edges), so that reports point at
// real races; otherwise memcpy.
#if defined(__SANITIZE_THREAD__)
namespace {
std::atomic_ref<uint64_t> PoolWord(const char* p) {
  return std::atomic_ref<uint64_t>(
      *reinterpret_cast<uint64_t*>(const_cast<char*>(p)));
}
}  // namespace

void CopyFromView(void* dst, const void* view, size_t n) {
  const char* pool = static_cast<const char*>(view);
  auto* out = static_cast<char*>(dst);
  size_t i = 0;
  for (; i < n && (reinterpret_cast<uintptr_t>(pool + i) % 8 != 0); i++) {
    out[i] = std::atomic_ref<char>(*const_cast<char*>(pool + i))
                 .load(std::memory_order_relaxed);
  }
  for (; i + 8 <= n; i += 8) {
    const uint64_t v = PoolWord(pool + i).load(std::memory_order_relaxed);
    memcpy(out + i, &v, 8);
  }
  for (; i < n; i++) {
    out[i] = std::atomic_ref<char>(*const_cast<char*>(pool + i))
                 .load(std::memory_order_relaxed);
  }
}
void CopyToView(void* view, const void* src, size_t n) {
  char* pool = static_cast<char*>(view);
  const auto* in = static_cast<const char*>(src);
  size_t i = 0;
  for (; i < n && (reinterpret_cast<uintptr_t>(pool + i) % 8 != 0); i++) {
    std::atomic_ref<char>(pool[i]).store(in[i], std::memory_order_relaxed);
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, in + i, 8);
    PoolWord(pool + i).store(v, std::memory_order_relaxed);
  }
  for (; i < n; i++) {
    std::atomic_ref<char>(pool[i]).store(in[i], std::memory_order_relaxed);
  }
}
#else
void CopyFromView(void* dst, const void* view, size_t n) {
  memcpy(dst, view, n);
}
void CopyToView(void* view, const void* src, size_t n) { memcpy(view, src, n); }
#endif

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

namespace {

// What opening a URI of a backend this build left out returns (unused
// when every backend is built).
[[maybe_unused]] Status BuiltWithout(const std::string& uri, const char* scheme,
                                     const char* option) {
  return Status::NotSupported(uri, std::string("o3lsm was built without ") +
                                       scheme + " (" + option + "=OFF)");
}

}  // namespace

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
#if O3LSM_WITH_CXL
      return OpenCxlFabric(o, uri.path, result);
#else
      return BuiltWithout(o.uri, "cxl", "O3LSM_WITH_CXL");
#endif
    case Backend::kRdma:
#if O3LSM_WITH_RDMA
      return OpenRdmaFabric(o, uri.host, uri.port, result);
#else
      return BuiltWithout(o.uri, "rdma", "O3LSM_WITH_RDMA");
#endif
    case Backend::kOfi:
#if O3LSM_WITH_OFI
      return OpenOfiFabric(o, uri.host, uri.port, result);
#else
      return BuiltWithout(o.uri, "ofi", "O3LSM_WITH_OFI");
#endif
  }
  return Status::InvalidArgument("fabric URI", o.uri);
}

}  // namespace o3lsm::fabric
