// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// RoundTripCheckFabric owns a Fabric and checks, before every verb, that
// the calling thread holds no mutex of kind Mutex::kNoRoundTrips (the DB
// mutex): a verb there would make every writer and reader wait on the
// network. A violation is reported through the handler (default: print
// the verb to stderr and abort, so that a test run fails loudly).
//
// DBImpl puts its pool behind one in debug builds; tests put one in any
// build through Options::dm_fabric_wrapper.
//
// Thread safety: as the target.

#ifndef O3LSM_INTERCONNECT_ROUND_TRIP_CHECK_FABRIC_H_
#define O3LSM_INTERCONNECT_ROUND_TRIP_CHECK_FABRIC_H_

#include <atomic>
#include <functional>
#include <memory>

#include "interconnect/fabric_wrapper.h"

namespace o3lsm::fabric {

class RoundTripCheckFabric final : public FabricWrapper {
 public:
  // Called with the verb's name on a violation.
  using Handler = std::function<void(const char* verb)>;

  // handler: null aborts the process.
  explicit RoundTripCheckFabric(std::unique_ptr<Fabric> target,
                                Handler handler = nullptr);

  // Verbs refused so far (with a handler that returns).
  uint64_t violations() const { return violations_.load(); }

  Status Post(std::span<WorkRequest> batch, Completion* c) override;
  Status Wait(Completion* c, std::chrono::nanoseconds timeout) override;
  Status Persist(DmAddr addr, size_t n) override;
  Status Ring(DmAddr word) override;
  Status Wake(DmAddr word) override;
  Status WaitOnWord(DmAddr word, uint64_t seen,
                    std::chrono::nanoseconds timeout, uint64_t* now) override;

 private:
  void Check(const char* verb);

  std::unique_ptr<Fabric> owned_;
  const Handler handler_;
  std::atomic<uint64_t> violations_{0};
};

}  // namespace o3lsm::fabric

#endif  // O3LSM_INTERCONNECT_ROUND_TRIP_CHECK_FABRIC_H_
