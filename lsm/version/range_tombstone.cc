// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/version/range_tombstone.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace o3lsm {

// A sweep over the tombstones' boundaries: between two neighbouring
// boundaries the covering tombstones do not change, so each such interval
// is one fragment with the sequences of the tombstones active over it.
RangeTombstoneSet::RangeTombstoneSet(
    const std::vector<const RangeTombstone*>& all) {
  std::vector<const RangeTombstone*> by_begin(all);
  std::sort(by_begin.begin(), by_begin.end(),
            [](const RangeTombstone* a, const RangeTombstone* b) {
              return a->begin < b->begin;
            });
  std::vector<std::string> bounds;
  bounds.reserve(all.size() * 2);
  for (const RangeTombstone* t : all) {
    assert(t->begin < t->end);
    bounds.push_back(t->begin);
    bounds.push_back(t->end);
  }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());

  std::vector<const RangeTombstone*> active;
  size_t next = 0;  // the first tombstone of by_begin not yet active
  for (size_t b = 0; b + 1 < bounds.size(); b++) {
    const std::string& at = bounds[b];
    active.erase(std::remove_if(active.begin(), active.end(),
                                [&at](const RangeTombstone* t) {
                                  return t->end <= at;
                                }),
                 active.end());
    while (next < by_begin.size() && by_begin[next]->begin == at) {
      active.push_back(by_begin[next++]);
    }
    Fragment f;
    f.begin = at;
    f.end = bounds[b + 1];
    for (const RangeTombstone* t : active) f.seqs.push_back(t->seq);
    std::sort(f.seqs.begin(), f.seqs.end(), std::greater<>());
    if (f.seqs.empty()) continue;  // a gap between tombstones
    fragments_.push_back(std::move(f));
  }
}

RangeTombstoneSetRef MakeRangeTombstoneSet(
    const std::map<SequenceNumber, RangeTombstone>& persisted,
    const std::vector<const RangeTombstone*>& more) {
  if (persisted.empty() && more.empty()) return nullptr;
  std::vector<const RangeTombstone*> all;
  all.reserve(persisted.size() + more.size());
  for (const auto& [seq, t] : persisted) all.push_back(&t);
  all.insert(all.end(), more.begin(), more.end());
  return std::make_shared<RangeTombstoneSet>(all);
}

SequenceNumber RangeTombstoneSet::CoveringSequence(
    const Slice& user_key, SequenceNumber snapshot) const {
  // The last fragment starting at or before user_key.
  auto it = std::upper_bound(
      fragments_.begin(), fragments_.end(), user_key,
      [](const Slice& key, const Fragment& f) {
        return key.compare(Slice(f.begin)) < 0;
      });
  if (it == fragments_.begin()) return 0;
  --it;
  if (user_key.compare(Slice(it->end)) >= 0) return 0;
  for (SequenceNumber seq : it->seqs) {
    if (seq <= snapshot) return seq;
  }
  return 0;
}

}  // namespace o3lsm
