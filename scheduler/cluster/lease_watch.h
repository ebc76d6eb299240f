// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// LeaseWatch is the owner's view of its executors' leases. The job board
// holds no clocks: an executor only bumps a counter (JobBoard::Heartbeat),
// and the owner, fed with successive JobViews (JobBoard::Inspect) and its
// own steady clock, decides that a claim is dead when the counter has not
// moved for lease_timeout. No two nodes' clocks are ever compared.
//
// A claim is judged from the first time the watch sees it, so a job
// claimed long before the owner looked gets a full lease_timeout of grace.
// A new attempt (after a Repost) starts a new lease.
//
// Thread safety: not thread-safe; one per owner thread, or guard it.

#ifndef O3LSM_SCHEDULER_CLUSTER_LEASE_WATCH_H_
#define O3LSM_SCHEDULER_CLUSTER_LEASE_WATCH_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <utility>

#include "scheduler/cluster/job_board.h"

namespace o3lsm::cluster {

class LeaseWatch {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LeaseWatch(std::chrono::nanoseconds lease_timeout)
      : lease_timeout_(lease_timeout) {}

  // Records an observation of a job at local time now. Returns true if the
  // job is Claimed and its heartbeat (or attempt, or executor) has not
  // changed for at least lease_timeout: the owner should Repost it.
  bool Expired(const JobView& view, Clock::time_point now);

  // How long the job has been in its current state and attempt, as far as
  // this watch saw (0 at the first observation). E.g. an owner runs a job
  // itself when it stayed Posted too long with no executor to take it.
  std::chrono::nanoseconds InState(const JobView& view, Clock::time_point now);

  // Drops what the watch knows of a job (after Release).
  void Forget(const JobTicket& ticket);

  size_t size() const { return jobs_.size(); }

 private:
  struct Lease {
    JobState state = JobState::kFree;
    uint16_t attempt = 0;
    uint16_t node = 0;
    uint64_t heartbeat = 0;
    Clock::time_point state_since;      // state/attempt last changed
    Clock::time_point heartbeat_since;  // heartbeat last moved
  };

  Lease* Observe(const JobView& view, Clock::time_point now);

  const std::chrono::nanoseconds lease_timeout_;
  std::map<std::pair<uint32_t, uint32_t>, Lease> jobs_;  // (slot, serial)
};

}  // namespace o3lsm::cluster

#endif  // O3LSM_SCHEDULER_CLUSTER_LEASE_WATCH_H_
