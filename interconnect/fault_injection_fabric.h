// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// FaultInjectionFabric is a FabricWrapper whose verbs can be made to fail
// the way a real interconnect fails:
//   - a peer that disappears: every verb after SetPeerGone(true) fails with
//     Unavailable, as a broken RDMA connection would;
//   - dropped batches: each posted batch is dropped with probability p (it
//     never reaches the pool) and its Wait reports TimedOut;
//   - failed CAS: each CAS fails with probability p without touching the
//     pool, reporting a value that differs from the expected one (a lost
//     race), so that retry loops are exercised;
//   - delays: every batch is held back by a fixed number of microseconds.
// Injected faults are counted.
//
// Thread safety: as Fabric; the knobs may be changed while verbs run.

#ifndef O3LSM_INTERCONNECT_FAULT_INJECTION_FABRIC_H_
#define O3LSM_INTERCONNECT_FAULT_INJECTION_FABRIC_H_

#include <atomic>
#include <cstdint>

#include "interconnect/fabric_wrapper.h"
#include "util/mutex.h"
#include "util/random.h"

namespace o3lsm::fabric {

class FaultInjectionFabric : public FabricWrapper {
 public:
  explicit FaultInjectionFabric(Fabric* target, uint64_t seed = 301)
      : FabricWrapper(target), rnd_(seed) {}

  void SetPeerGone(bool gone) { peer_gone_.store(gone); }
  // Probabilities in [0, 1].
  void SetDropProbability(double p) { drop_p_.store(p); }
  void SetCasFailureProbability(double p) { cas_fail_p_.store(p); }
  void SetDelayMicros(uint64_t us) { delay_us_.store(us); }

  uint64_t dropped_batches() const { return dropped_.load(); }
  uint64_t failed_cas() const { return failed_cas_.load(); }

  Status Post(std::span<WorkRequest> batch, Completion* c) override;
  Status Wait(Completion* c, std::chrono::nanoseconds timeout) override;
  Status Persist(DmAddr addr, size_t n) override;
  Status Ring(DmAddr word) override;
  Status WaitOnWord(DmAddr word, uint64_t seen,
                    std::chrono::nanoseconds timeout, uint64_t* now) override;

 private:
  // Completion::backend_tag marks for batches this wrapper handled itself.
  static constexpr uint64_t kDropped = 0xD809;
  bool Chance(double p);

  std::atomic<bool> peer_gone_{false};
  std::atomic<double> drop_p_{0};
  std::atomic<double> cas_fail_p_{0};
  std::atomic<uint64_t> delay_us_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> failed_cas_{0};
  Mutex mu_;
  Random64 rnd_ GUARDED_BY(mu_);
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_FAULT_INJECTION_FABRIC_H_
