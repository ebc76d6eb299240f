// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/round_trip_check_fabric.h"

#include <cstdio>
#include <cstdlib>

#include "util/mutex.h"

namespace o3lsm::fabric {

RoundTripCheckFabric::RoundTripCheckFabric(std::unique_ptr<Fabric> target,
                                           Handler handler)
    : FabricWrapper(target.get()),
      owned_(std::move(target)),
      handler_(std::move(handler)) {}

void RoundTripCheckFabric::Check(const char* verb) {
  if (!Mutex::RoundTripsForbiddenHere()) return;
  violations_.fetch_add(1);
  if (handler_) {
    handler_(verb);
    return;
  }
  fprintf(stderr,
          "o3lsm: fabric verb %s issued while holding a mutex that forbids "
          "round trips (the DB mutex): aborting\n",
          verb);
  std::abort();
}

Status RoundTripCheckFabric::Post(std::span<WorkRequest> batch,
                                  Completion* c) {
  Check("Post");
  return FabricWrapper::Post(batch, c);
}

Status RoundTripCheckFabric::Wait(Completion* c,
                                  std::chrono::nanoseconds timeout) {
  Check("Wait");
  return FabricWrapper::Wait(c, timeout);
}

Status RoundTripCheckFabric::Persist(DmAddr addr, size_t n) {
  Check("Persist");
  return FabricWrapper::Persist(addr, n);
}

Status RoundTripCheckFabric::Ring(DmAddr word) {
  Check("Ring");
  return FabricWrapper::Ring(word);
}

Status RoundTripCheckFabric::Wake(DmAddr word) {
  Check("Wake");
  return FabricWrapper::Wake(word);
}

Status RoundTripCheckFabric::WaitOnWord(DmAddr word, uint64_t seen,
                                        std::chrono::nanoseconds timeout,
                                        uint64_t* now) {
  Check("WaitOnWord");
  return FabricWrapper::WaitOnWord(word, seen, timeout, now);
}

}  // namespace o3lsm::fabric
