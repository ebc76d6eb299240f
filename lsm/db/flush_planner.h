// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// PlanRemoteFlushes decides which sealed memtables in DM go to executors
// as flush jobs now, and grouped how. A pure function of what it is shown:
// DBImpl fills the input under its mutex and posts the groups.
//
// The policy (measured in docs/benchmarks.md, "memtable offload"):
//   - Segments wait in DM until their shard has a batch worth one L0 file
//     (batch_bytes): the compute node's memtables stay small, cheap to
//     insert into, while L0 files stay large, cheap to compact.
//   - A group is a shard's segments of one router generation, oldest
//     first. It stops at a newer memtable of its key range that cannot
//     join (still moving, say): one L0 file would otherwise hold data both
//     older and newer than that memtable's, and no order of the two files
//     in L0 would be right for every key.
//   - A small group goes anyway when someone waits for it (an id up to
//     wanted_through: Flush, close, a WAL retirement), when DM is more than
//     half full beyond what is already being flushed, when DM cannot take
//     the sealed memtables waiting locally (dm_blocked), or when a newer
//     overlapping memtable is already being flushed or installed (its
//     installation waits for this one).
//   - A shard whose oldest segments wait holds its newer ones back too.
//
// Thread safety: a pure function.

#ifndef O3LSM_LSM_DB_FLUSH_PLANNER_H_
#define O3LSM_LSM_DB_FLUSH_PLANNER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace o3lsm {

struct FlushCandidate {
  enum class Stage {
    kWaiting,        // local, moving, or in DM but to be flushed here
    kFlushableInDm,  // in DM, waiting for a remote flush
    kRemoteFlushing, // a flush job for it is out
    kMovedOn,        // flushing here, flushed, installing or rebuilding
  };
  uint64_t id = 0;
  int shard = 0;
  uint64_t router_generation = 0;
  std::string smallest;  // user-key range
  std::string largest;
  Stage stage = Stage::kWaiting;
  uint64_t bytes = 0;      // of its segment (kFlushableInDm)
  uint64_t footprint = 0;  // DM bytes it holds
};

struct FlushPlanInput {
  std::vector<FlushCandidate> memtables;  // every sealed one, oldest first
  uint64_t batch_bytes = 0;     // a shard's segments worth one L0 file
  size_t max_segments = 1;      // per job (the job board's payload)
  size_t max_jobs = 0;          // jobs that may be posted now
  uint64_t wanted_through = 0;  // ids up to this are not held back
  uint64_t dm_live_bytes = 0;
  uint64_t dm_budget = 0;
  bool dm_blocked = false;
};

// The jobs to post, in order: each a list of indexes into
// input.memtables, oldest first.
std::vector<std::vector<size_t>> PlanRemoteFlushes(const FlushPlanInput& input);

}  // namespace o3lsm

#endif  // O3LSM_LSM_DB_FLUSH_PLANNER_H_
