// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// VerifyDatabase checks a whole database against an ExpectedState: a full
// forward scan and a point lookup of every key of the key space must agree
// with each other, every value must be intact and belong to its key, and
// each key must hold a state the expected state allows (ExpectedState::
// MayHold): with a lossless state, exactly the last acknowledged write or
// the write that was in flight. Only keys of the key space may exist.
//
// Thread safety: nothing may write to db or state during the call.

#ifndef O3LSM_TOOLS_STRESS_VERIFIER_H_
#define O3LSM_TOOLS_STRESS_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "o3lsm/db.h"

#include "tools/stress/expected_state.h"

namespace o3lsm::stress {

struct VerifyResult {
  uint64_t keys_present = 0;
  // Keys whose write was in flight, and how many of those writes landed.
  uint64_t pending = 0;
  uint64_t pending_landed = 0;
  // Keys found older than their last acknowledged write (lossy states).
  uint64_t lost = 0;
};

// With resolve, settles every key to the state found once all of them
// passed (and clears the lossy flag): the next run starts exact. Returns
// Corruption listing the first mismatches, or the database's error.
[[nodiscard]] Status VerifyDatabase(DB* db, ExpectedState* state, bool resolve,
                                    VerifyResult* result);

}  // namespace o3lsm::stress

#endif  // O3LSM_TOOLS_STRESS_VERIFIER_H_
