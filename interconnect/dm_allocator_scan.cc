// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The scans of DmAllocator over the whole chunk table: reclaiming what dead
// incarnations held, and statistics. Split from dm_allocator.cc, which holds
// the allocation and free paths.

#include <algorithm>
#include <functional>
#include <vector>

#include "interconnect/dm_allocator.h"

namespace o3lsm::fabric {

// ---------------------------------------------------------------- reclaim

template <typename Pred>
Status DmAllocator::ReclaimMatching(Pred pred, uint64_t* chunks) {
  uint64_t reclaimed = 0;
  std::vector<uint64_t> window(std::min(kScanWindow, chunk_count_));
  for (uint64_t first = 0; first < chunk_count_; first += window.size()) {
    const uint64_t n = std::min<uint64_t>(window.size(), chunk_count_ - first);
    Status s = ReadChunkWords(first, n, window.data());
    if (!s.ok()) return s;
    for (uint64_t i = 0; i < n; i++) {
      if (window[i] == 0 || !pred(ChunkWord::Decode(window[i]))) continue;
      uint64_t observed = 0;
      s = fabric_->CompareAndSwap64(ChunkWordAddr(first + i), window[i], 0,
                                    &observed);
      if (!s.ok()) return s;
      if (observed == window[i]) reclaimed++;
    }
    if (fabric_->persistent()) {
      s = fabric_->Persist(ChunkWordAddr(first), n * 8);
      if (!s.ok()) return s;
    }
  }
  if (chunks != nullptr) *chunks = reclaimed;
  return Status::OK();
}

Status DmAllocator::ReclaimIncarnation(uint16_t owner, uint32_t generation,
                                       uint64_t* chunks) {
  generation &= kGenerationMask;
  if (owner == owner_ &&
      generation == (static_cast<uint32_t>(generation_) & kGenerationMask)) {
    return Status::InvalidArgument("DM allocator reclaim",
                                   "refusing to reclaim the live incarnation "
                                   "doing the reclaiming");
  }
  return ReclaimMatching(
      [&](const ChunkWord& w) {
        return w.owner == owner && w.generation == generation;
      },
      chunks);
}

Status DmAllocator::ReclaimOwner(uint16_t owner, uint64_t* chunks) {
  if (owner == owner_) {
    return Status::InvalidArgument("DM allocator reclaim",
                                   "refusing to reclaim this allocator's own "
                                   "owner; use ReclaimPredecessors");
  }
  return ReclaimMatching([&](const ChunkWord& w) { return w.owner == owner; },
                         chunks);
}

Status DmAllocator::ReclaimPredecessors(uint64_t* chunks) {
  const uint32_t mine = static_cast<uint32_t>(generation_) & kGenerationMask;
  return ReclaimMatching(
      [&](const ChunkWord& w) {
        return w.owner == owner_ && w.generation != mine;
      },
      chunks);
}

Status DmAllocator::ScanChunkTable(
    const std::function<void(uint64_t chunk, uint64_t word)>& fn) {
  std::vector<uint64_t> window(std::min(kScanWindow, chunk_count_));
  for (uint64_t first = 0; first < chunk_count_; first += window.size()) {
    const uint64_t n = std::min<uint64_t>(window.size(), chunk_count_ - first);
    Status s = ReadChunkWords(first, n, window.data());
    if (!s.ok()) return s;
    for (uint64_t i = 0; i < n; i++) fn(first + i, window[i]);
  }
  return Status::OK();
}

Status DmAllocator::GetStats(AllocatorStats* stats) {
  AllocatorStats st;
  st.chunk_size = chunk_size_;
  st.chunk_count = chunk_count_;
  uint64_t free_run = 0;
  Status s = ScanChunkTable([&](uint64_t, uint64_t word) {
    if (word == 0) {
      st.free_chunks++;
      st.largest_free_run = std::max(st.largest_free_run, ++free_run);
      return;
    }
    free_run = 0;
    switch (ChunkWord::Decode(word).state) {
      case ChunkState::kRunHead:
      case ChunkState::kRunBody:
        st.run_chunks++;
        break;
      case ChunkState::kSlab:
        st.slab_chunks++;
        break;
      default:
        st.transient_chunks++;
        break;
    }
  });
  if (!s.ok()) return s;
  *stats = st;
  return Status::OK();
}

Status DmAllocator::ListRuns(std::vector<RunInfo>* runs) {
  runs->clear();
  return ScanChunkTable([&](uint64_t chunk, uint64_t word) {
    const ChunkWord w = ChunkWord::Decode(word);
    if (word == 0 || w.state != ChunkState::kRunHead) return;
    runs->push_back(
        {ChunkAddr(chunk), uint64_t{w.payload} * chunk_size_, w.owner});
  });
}

}  // namespace o3lsm::fabric
