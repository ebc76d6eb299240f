// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/fault_injection_fabric.h"

#include <chrono>
#include <thread>
#include <vector>

namespace o3lsm::fabric {

namespace {

Status PeerGone(const std::string& what) {
  return Status::Unavailable(what, "memory node unreachable (injected)");
}

}  // namespace

bool FaultInjectionFabric::Chance(double p) {
  if (p <= 0) return false;
  MutexLock lock(&mu_);
  return rnd_.NextDouble() < p;
}

Status FaultInjectionFabric::Post(std::span<WorkRequest> batch, Completion* c) {
  for (const WorkRequest& wr : batch) {
    Status s = Validate(wr);
    if (!s.ok()) return s;
  }
  if (peer_gone_.load()) return PeerGone("fabric post");
  if (const uint64_t us = delay_us_.load(); us > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(us));
  }
  if (Chance(drop_p_.load())) {
    Status s = c->Arm();
    if (!s.ok()) return s;
    c->backend_tag = kDropped;
    c->Finish(Status::TimedOut("fabric batch dropped (injected)"));
    dropped_.fetch_add(1);
    return Status::OK();
  }
  // Failed CAS requests are answered here and removed from the batch that
  // reaches the target; the others keep their order.
  const double p = cas_fail_p_.load();
  if (p > 0) {
    std::vector<WorkRequest> passed;
    passed.reserve(batch.size());
    for (const WorkRequest& wr : batch) {
      if (wr.verb == Verb::kCompareAndSwap && Chance(p)) {
        if (wr.result != nullptr) *wr.result = ~wr.compare_add;
        failed_cas_.fetch_add(1);
      } else {
        passed.push_back(wr);
      }
    }
    if (passed.size() != batch.size()) {
      // The target's batch must outlive Wait only for its buffers, which
      // are the caller's; the request array itself is consumed by Post.
      if (passed.empty()) {
        Status s = c->Arm();
        if (!s.ok()) return s;
        c->backend_tag = kDropped;
        c->Finish(Status::OK());
        return Status::OK();
      }
      return FabricWrapper::Post(passed, c);
    }
  }
  return FabricWrapper::Post(batch, c);
}

Status FaultInjectionFabric::Wait(Completion* c,
                                  std::chrono::nanoseconds timeout) {
  if (c->backend_tag == kDropped && c->finished()) return c->Reset();
  Status s = FabricWrapper::Wait(c, timeout);
  if (s.ok() && peer_gone_.load()) return PeerGone("fabric wait");
  return s;
}

Status FaultInjectionFabric::Persist(DmAddr addr, size_t n) {
  if (peer_gone_.load()) return PeerGone("fabric persist");
  return FabricWrapper::Persist(addr, n);
}

Status FaultInjectionFabric::Ring(DmAddr word) {
  if (peer_gone_.load()) return PeerGone("fabric ring");
  return FabricWrapper::Ring(word);
}

Status FaultInjectionFabric::WaitOnWord(DmAddr word, uint64_t seen,
                                        std::chrono::nanoseconds timeout,
                                        uint64_t* now) {
  if (peer_gone_.load()) return PeerGone("fabric doorbell wait");
  return FabricWrapper::WaitOnWord(word, seen, timeout, now);
}

}  // namespace o3lsm::fabric
