// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "scheduler/cluster/lease_watch.h"

namespace o3lsm::cluster {

LeaseWatch::Lease* LeaseWatch::Observe(const JobView& view,
                                       Clock::time_point now) {
  const uint16_t node =
      view.state == JobState::kPosted ? view.offered_to : view.executor;
  auto [it, fresh] = jobs_.try_emplace({view.slot, view.serial});
  Lease& l = it->second;
  if (fresh || l.state != view.state || l.attempt != view.attempt ||
      l.node != node) {
    l.state = view.state;
    l.attempt = view.attempt;
    l.node = node;
    l.heartbeat = view.heartbeat;
    l.state_since = now;
    l.heartbeat_since = now;
  } else if (l.heartbeat != view.heartbeat) {
    l.heartbeat = view.heartbeat;
    l.heartbeat_since = now;
  }
  return &l;
}

bool LeaseWatch::Expired(const JobView& view, Clock::time_point now) {
  const Lease* l = Observe(view, now);
  return view.state == JobState::kClaimed &&
         now - l->heartbeat_since >= lease_timeout_;
}

std::chrono::nanoseconds LeaseWatch::InState(const JobView& view,
                                             Clock::time_point now) {
  return now - Observe(view, now)->state_since;
}

void LeaseWatch::Forget(const JobTicket& ticket) {
  jobs_.erase({ticket.slot, ticket.serial});
}

}  // namespace o3lsm::cluster
