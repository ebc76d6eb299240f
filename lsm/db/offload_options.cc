// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include <string>

#include "o3lsm/options.h"
#include "o3lsm/status.h"

namespace o3lsm {

Status ParseOffloadLayers(const std::string& text, uint32_t* layers) {
  uint32_t result = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (word == "none" || word.empty()) {
      // nothing
    } else if (word == "memtable") {
      result |= kOffloadMemtable;
    } else if (word == "flush") {
      result |= kOffloadFlush;
    } else if (word == "compaction") {
      result |= kOffloadCompaction;
    } else if (word == "all") {
      result |= kOffloadMemtable | kOffloadFlush | kOffloadCompaction;
    } else {
      return Status::InvalidArgument(
          "offload", "unknown layer '" + word +
                         "' (expected none, memtable, flush, compaction or all)");
    }
    start = end + 1;
  }
  *layers = result;
  return Status::OK();
}

std::string OffloadLayersToString(uint32_t layers) {
  std::string r;
  auto add = [&r](const char* w) {
    if (!r.empty()) r += ",";
    r += w;
  };
  if (layers & kOffloadMemtable) add("memtable");
  if (layers & kOffloadFlush) add("flush");
  if (layers & kOffloadCompaction) add("compaction");
  return r.empty() ? "none" : r;
}

Status ParseSegmentLayout(const std::string& text, SegmentLayout* layout) {
  for (SegmentLayout l : {SegmentLayout::kArenaCopy, SegmentLayout::kSortedImage}) {
    if (text == SegmentLayoutName(l)) {
      *layout = l;
      return Status::OK();
    }
  }
  return Status::InvalidArgument(
      "dm_segment_layout",
      "unknown layout '" + text + "' (expected arena or sorted)");
}

const char* SegmentLayoutName(SegmentLayout layout) {
  return layout == SegmentLayout::kSortedImage ? "sorted" : "arena";
}

Status ParseDmReadMode(const std::string& text, DmReadMode* mode) {
  for (DmReadMode m : {DmReadMode::kAdaptive, DmReadMode::kOneSided,
                       DmReadMode::kDelegated, DmReadMode::kCached}) {
    if (text == DmReadModeName(m)) {
      *mode = m;
      return Status::OK();
    }
  }
  return Status::InvalidArgument(
      "dm_read_mode",
      "unknown mode '" + text +
          "' (expected adaptive, one-sided, delegated or cached)");
}

const char* DmReadModeName(DmReadMode mode) {
  switch (mode) {
    case DmReadMode::kAdaptive: return "adaptive";
    case DmReadMode::kOneSided: return "one-sided";
    case DmReadMode::kDelegated: return "delegated";
    case DmReadMode::kCached: return "cached";
  }
  return "adaptive";
}

}  // namespace o3lsm
