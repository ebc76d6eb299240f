// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "scheduler/cluster/job_slot_format.h"

namespace o3lsm::cluster {

const char* JobStateName(JobState s) {
  switch (s) {
    case JobState::kFree:
      return "free";
    case JobState::kReserved:
      return "reserved";
    case JobState::kPosted:
      return "posted";
    case JobState::kClaimed:
      return "claimed";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
  }
  return "unknown";
}

bool JobWord::Valid() const {
  const bool typed = type >= 1 && type <= kMaxJobType;
  switch (state) {
    case JobState::kFree:
      return type == 0 && node == 0 && attempt == 0;
    case JobState::kReserved:
      return typed && node != 0 && attempt == 0 && serial != 0;
    case JobState::kPosted:
      return typed && attempt != 0 && serial != 0;
    case JobState::kClaimed:
    case JobState::kDone:
    case JobState::kFailed:
      return typed && node != 0 && attempt != 0 && serial != 0;
  }
  return false;
}

std::string JobWord::ToString() const {
  return std::string(JobStateName(state)) + " (attempt " +
         std::to_string(attempt) + ", node " + std::to_string(node) +
         ", serial " + std::to_string(serial) + ")";
}

}  // namespace o3lsm::cluster
