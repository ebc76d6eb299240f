// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// ChooseSubJobBoundaries splits a compaction by key range into sub-jobs
// of about equal input bytes, for executors to run in parallel (DESIGN.md
// §6; docs/offload.md, "Compaction sub-jobs"). It cuts only where an input
// file begins: with key-range shards, a shard's L0 files begin at its
// boundary, so sub-jobs follow the shards. Every version of a user key
// falls in one sub-job (the cuts are user keys), so the sub-jobs together
// keep and drop exactly what the whole compaction would.
//
// Thread safety: a pure function.

#ifndef O3LSM_LSM_COMPACTION_COMPACTION_SPLIT_H_
#define O3LSM_LSM_COMPACTION_COMPACTION_SPLIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lsm/compaction/compaction.h"

namespace o3lsm {

// The cut keys, ascending and strictly above the compaction's smallest user
// key: sub-job i covers [cut[i-1], cut[i]) (unbounded at both ends). At
// most max_parts - 1 cuts, and no sub-job is planned with less than
// min_part_bytes of input. Empty: do not split.
// REQUIRES: c's inputs and range are filled (Compaction::ComputeRange).
std::vector<std::string> ChooseSubJobBoundaries(const Compaction& c,
                                                int max_parts,
                                                uint64_t min_part_bytes);

}  // namespace o3lsm

#endif  // O3LSM_LSM_COMPACTION_COMPACTION_SPLIT_H_
