// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/db/flush_planner.h"

#include <algorithm>
#include <utility>

#include "lsm/db/db_impl_internal.h"

namespace o3lsm {

std::vector<std::vector<size_t>> PlanRemoteFlushes(const FlushPlanInput& in) {
  using Stage = FlushCandidate::Stage;
  const std::vector<FlushCandidate>& m = in.memtables;
  std::vector<std::vector<size_t>> jobs;
  if (in.max_segments == 0) return jobs;

  // DM bytes already being freed by jobs out; and the memtables past
  // waiting, whose installation an older overlapping one holds back.
  uint64_t freeing = 0;
  std::vector<size_t> moved_on;
  for (size_t i = 0; i < m.size(); i++) {
    if (m[i].stage == Stage::kRemoteFlushing) freeing += m[i].footprint;
    if (m[i].stage == Stage::kRemoteFlushing || m[i].stage == Stage::kMovedOn) {
      moved_on.push_back(i);
    }
  }
  // Under pressure: DM bytes to send beyond those already being flushed.
  int64_t excess = static_cast<int64_t>(in.dm_live_bytes) -
                   static_cast<int64_t>(in.dm_budget / 2 + freeing);
  if (in.dm_blocked && freeing == 0) excess = std::max<int64_t>(excess, 1);

  auto blocks_newer = [&](size_t i) {
    for (size_t j : moved_on) {
      if (j > i && RangesOverlap(m[i].smallest, m[i].largest, m[j].smallest,
                                 m[j].largest)) {
        return true;
      }
    }
    return false;
  };
  std::vector<bool> taken(m.size(), false);
  auto flushable = [&](size_t i) {
    return m[i].stage == Stage::kFlushableInDm && !taken[i];
  };
  // Shards (of a router generation) whose oldest segments wait for more.
  std::vector<std::pair<int, uint64_t>> held;
  auto is_held = [&held](const FlushCandidate& c) {
    return std::find(held.begin(), held.end(),
                     std::make_pair(c.shard, c.router_generation)) !=
           held.end();
  };
  for (size_t i = 0; i < m.size() && jobs.size() < in.max_jobs; i++) {
    const FlushCandidate& first = m[i];
    if (!flushable(i) || is_held(first)) continue;
    std::vector<size_t> group{i};
    uint64_t group_bytes = first.bytes;
    bool wanted = first.id <= in.wanted_through;
    std::string lo = first.smallest, hi = first.largest;
    for (size_t j = i + 1; j < m.size() && group_bytes < in.batch_bytes &&
                           group.size() < in.max_segments;
         j++) {
      const FlushCandidate& e = m[j];
      if (e.shard == first.shard &&
          e.router_generation == first.router_generation && flushable(j)) {
        group.push_back(j);
        group_bytes += e.bytes;
        wanted = wanted || e.id <= in.wanted_through;
        if (e.smallest < lo) lo = e.smallest;
        if (e.largest > hi) hi = e.largest;
      } else if (RangesOverlap(lo, hi, e.smallest, e.largest)) {
        break;
      }
    }
    if (group_bytes < in.batch_bytes && group.size() < in.max_segments &&
        !wanted && excess <= 0 && !blocks_newer(i)) {
      held.emplace_back(first.shard, first.router_generation);
      continue;
    }
    for (size_t k : group) {
      taken[k] = true;
      excess -= static_cast<int64_t>(m[k].footprint);
    }
    jobs.push_back(std::move(group));
  }
  return jobs;
}

}  // namespace o3lsm
