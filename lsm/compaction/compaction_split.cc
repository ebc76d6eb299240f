// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "lsm/compaction/compaction_split.h"

#include <algorithm>
#include <utility>

namespace o3lsm {

std::vector<std::string> ChooseSubJobBoundaries(const Compaction& c,
                                                int max_parts,
                                                uint64_t min_part_bytes) {
  std::vector<std::string> cuts;
  const uint64_t total = c.InputBytes();
  uint64_t parts = static_cast<uint64_t>(std::max(1, max_parts));
  if (min_part_bytes > 0) parts = std::min(parts, total / min_part_bytes);
  if (parts < 2) return cuts;

  // Input files by their first user key.
  std::vector<std::pair<std::string, uint64_t>> starts;
  for (int which = 0; which < 2; which++) {
    for (const auto& f : c.inputs(which)) {
      starts.emplace_back(f->smallest.user_key().ToString(), f->file_size);
    }
  }
  std::sort(starts.begin(), starts.end());
  uint64_t before = 0;  // bytes of the files that begin before this one
  for (const auto& [key, size] : starts) {
    const uint64_t wanted = total * (cuts.size() + 1) / parts;
    if (before >= wanted && key > c.smallest_user_key() &&
        (cuts.empty() || key > cuts.back())) {
      cuts.push_back(key);
      if (cuts.size() + 1 == parts) break;
    }
    before += size;
  }
  return cuts;
}

}  // namespace o3lsm
