// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "scheduler/cluster/liveness.h"

#include <algorithm>
#include <limits>

namespace o3lsm::cluster {

void LivenessTracker::Update(const std::vector<NodeInfo>& snapshot,
                             Clock::time_point now) {
  now_ = now;
  std::map<uint16_t, Entry> next;
  for (const NodeInfo& info : snapshot) {
    Entry e;
    auto it = nodes_.find(info.node);
    if (it != nodes_.end() && it->second.info.incarnation == info.incarnation) {
      e = it->second;
      if (e.info.heartbeat != info.heartbeat) e.heartbeat_since = now;
      // A new publish includes the offers made so far (or shows them gone).
      if (e.info.load.update_micros != info.load.update_micros) e.offers = 0;
    } else {
      e.heartbeat_since = now;
    }
    // A torn or damaged record keeps the last good load; liveness still
    // follows the heartbeat word, which is read atomically.
    if (!info.corruption.empty() && it != nodes_.end() &&
        it->second.info.incarnation == info.incarnation) {
      const NodeLoad last = e.info.load;
      e.info = info;
      e.info.load = last;
    } else {
      e.info = info;
    }
    next[info.node] = std::move(e);
  }
  nodes_ = std::move(next);
}

bool LivenessTracker::Alive(uint16_t node) const {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return false;
  const Entry& e = it->second;
  return e.info.state == NodeState::kActive && e.info.corruption.empty() &&
         now_ - e.heartbeat_since < timeout_;
}

std::vector<NodeRegistration> LivenessTracker::Dead() const {
  std::vector<NodeRegistration> dead;
  for (const auto& [node, e] : nodes_) {
    if (e.info.state == NodeState::kFree) continue;  // a corrupt free word
    if (now_ - e.heartbeat_since >= timeout_) {
      dead.push_back({node, e.info.incarnation, e.info.role});
    }
  }
  return dead;
}

double LivenessTracker::ScoreOf(const Entry& e) const {
  const NodeLoad& l = e.info.load;
  const uint64_t busy = uint64_t{l.running_jobs} + e.offers;
  if (l.capacity == 0 || busy >= l.capacity) {
    return std::numeric_limits<double>::infinity();
  }
  double io = 0;
  if (weights_.io_saturation_bytes_per_sec > 0) {
    io = std::min(
        1.0, static_cast<double>(l.io_bytes_per_sec) /
                 static_cast<double>(weights_.io_saturation_bytes_per_sec));
  }
  return static_cast<double>(busy) / l.capacity +
         weights_.cpu_weight * (l.cpu_percent_x100 / 10000.0) +
         weights_.io_weight * io;
}

double LivenessTracker::Score(uint16_t node) const {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return std::numeric_limits<double>::infinity();
  return ScoreOf(it->second);
}

uint16_t LivenessTracker::PickLeastLoaded(uint32_t role_mask,
                                          uint16_t exclude) const {
  uint16_t best = 0;
  double best_score = std::numeric_limits<double>::infinity();
  for (const auto& [node, e] : nodes_) {
    if (node == exclude || !Alive(node)) continue;
    if (((role_mask >> static_cast<uint8_t>(e.info.role)) & 1) == 0) continue;
    const double score = ScoreOf(e);
    if (score < best_score) {  // strict: ties keep the lower id
      best = node;
      best_score = score;
    }
  }
  return best;
}

void LivenessTracker::NoteOffered(uint16_t node) {
  auto it = nodes_.find(node);
  if (it != nodes_.end()) it->second.offers++;
}

const NodeInfo* LivenessTracker::Find(uint16_t node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? nullptr : &it->second.info;
}

}  // namespace o3lsm::cluster
