// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// FabricWrapper forwards every call to another Fabric; subclass it and
// override a method to count, delay or fail verbs (see
// FaultInjectionFabric). The synchronous helpers of Fabric are built on
// Post/Wait, so overriding those two intercepts every verb.
//
// Thread safety: as the target.
// REQUIRES: the target outlives the wrapper.

#ifndef O3LSM_INTERCONNECT_FABRIC_WRAPPER_H_
#define O3LSM_INTERCONNECT_FABRIC_WRAPPER_H_

#include "interconnect/fabric.h"

namespace o3lsm::fabric {

class FabricWrapper : public Fabric {
 public:
  explicit FabricWrapper(Fabric* target) : target_(target) {}
  Fabric* target() const { return target_; }

  Status Post(std::span<WorkRequest> batch, Completion* c) override {
    return target_->Post(batch, c);
  }
  Status Wait(Completion* c, std::chrono::nanoseconds timeout) override {
    return target_->Wait(c, timeout);
  }
  Status Persist(DmAddr addr, size_t n) override {
    return target_->Persist(addr, n);
  }
  Status Ring(DmAddr word) override { return target_->Ring(word); }
  Status Wake(DmAddr word) override { return target_->Wake(word); }
  Status WaitOnWord(DmAddr word, uint64_t seen,
                    std::chrono::nanoseconds timeout, uint64_t* now) override {
    return target_->WaitOnWord(word, seen, timeout, now);
  }
  void* LocalView(DmAddr addr, size_t n) override {
    return target_->LocalView(addr, n);
  }
  bool persistent() const override { return target_->persistent(); }
  const PoolInfo& pool() const override { return target_->pool(); }
  std::string Describe() const override { return target_->Describe(); }
  std::chrono::nanoseconds default_timeout() const override {
    return target_->default_timeout();
  }

 private:
  Fabric* const target_;
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_FABRIC_WRAPPER_H_
